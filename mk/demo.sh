#!/bin/sh
# demo.sh: the workflow on the shipped sample (called by `make demo`), in the
# checkout, which is itself a workspace.  Every step reuses what an earlier
# run made (same metadata, same pipeline, same seed), so the demo can be run
# again; clear_generated_data.sh -y starts it afresh.
set -eu
PATH="$(pwd)/bin:$PATH"
unset LL_WORKSPACE

step() { printf '\n== %s\n' "$*" >&2; }

step "create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample"
create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample >&2
step "create_default_pipeline.sh    (A: sample; B: drawn by llgen)"
create_default_pipeline.sh >&2
step "replicate_dataset.sh -n default    (B -> data/ev/CODE.ev, meta/fits/CODE.json)"
code=$(replicate_dataset.sh -n default)
echo "B is the generated dataset $code" >&2
step "make_var_analysis.sh -p default    (runs pipelines/default.sh)"
plots=$(make_var_analysis.sh -p default)

step "evinfo < out/default/A.ev    (the sample after gtifilter | wrange | wbin)"
evinfo <out/default/A.ev >&2

step "results"
echo "A (M82, ObsID 10027) vs B ($code, lightlanes from meta/generation/default.json):" >&2
echo "  script:  pipelines/default.sh" >&2
echo "  tables:  out/default/*.csv" >&2
echo "  A vs B:  evcompare distance $(tail -n 1 out/default/compare.csv | cut -d, -f1) (out/default/compare.csv)" >&2
echo "  plots:   $plots" >&2
ls "$plots" | sed 's/^/           /' >&2
