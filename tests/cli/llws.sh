#!/usr/bin/env bash
# llws: names, paths, listing, validation, get/set/unset, codes, errors.
. "$(dirname "$0")/../lib.sh"

W="$T/ws"
mkdir -p "$W/meta/processing"
cp "$T_ROOT/meta/processing/default.json" "$W/meta/processing/"

t_check llws-1 "check-name accepts a name and a code" \
	sh -c 'llws check-name fits m82_obs-1.v2 && llws check-name fits QKZMPRTA'
t_error llws-2 "check-name refuses a name with '/'" 1 \
	"llws: a/b: expected a fits name (?A-Za-z0-9??A-Za-z0-9_.-?{0,63}, no '..')" llws check-name fits a/b
t_error llws-3 "check-name refuses '..' and a leading dot" 1 \
	"llws: .x: expected a pipeline name (*)" llws check-name pipeline .x
t_error llws-4 "an unknown kind is a usage error" 2 \
	"llws: unknown kind 'fit' (fits, processing, generation, pipeline, search) (see 'llws --help')" \
	llws check-name fit x
t_eq llws-5 "path: relative in the current workspace, under -w and \$LL_WORKSPACE" \
	"meta/pipeline/p.json $W/meta/pipeline/p.json $W/meta/fits/d.json" \
	"$(llws path pipeline p) $(llws -w "$W" path pipeline p) $(LL_WORKSPACE=$W llws path fits d)"
t_error llws-6 "path refuses a bad name" 1 "llws: ../x: expected a generation name (*)" \
	llws path generation ../x

t_check llws-7 "set creates a dataset file (and meta/fits/)" \
	llws -w "$W" set meta/fits/d.json path '"data/d.fits"' processing '"default"'
t_eq llws-8 "get prints strings raw" "data/d.fits default" \
	"$(llws -w "$W" get meta/fits/d.json path) $(llws -w "$W" get meta/fits/d.json processing)"
llws -w "$W" set meta/processing/p.json max_wavelength 0.8 wbins '{"count": 8, "scale": "lin"}' \
	timescales.min_s 0.1 downsample null
t_eq llws-9 "get: numbers shortest, objects compact, nested keys, null" \
	"0.8 {\"count\":8,\"scale\":\"lin\"} 8 0.1 null" \
	"$(cd "$W" && for k in max_wavelength wbins wbins.count timescales.min_s downsample; do llws get meta/processing/p.json $k; done | tr '\n' ' ' | sed 's/ $//')"
t_eq llws-10 "set writes indented JSON keeping the typed decimals" \
	'{ "max_wavelength": 0.8, "wbins": { "count": 8, "scale": "lin" }, "timescales": { "min_s": 0.1 }, "downsample": null }' \
	"$(tr -s ' \n' ' ' <"$W/meta/processing/p.json" | sed 's/ $//')"
t_error llws-11 "get of an absent key: status 1" 1 "llws: $W/meta/processing/p.json: psd.dt_s: no such key" \
	llws -w "$W" get meta/processing/p.json psd.dt_s
cp "$W/meta/processing/p.json" "$T/p.before"
t_error llws-12 "set refuses a wrong unit and leaves the file alone" 1 \
	"llws: $W/meta/processing/p.json: max_wavelength: expected a wavelength: a number in nm, or \"VALUE UNIT\" with UNIT nm, angstrom, eV or keV, got \"5 s\"" \
	llws -w "$W" set meta/processing/p.json max_wavelength '"5 s"'
t_files_eq llws-13 "the refused set changed nothing" "$T/p.before" "$W/meta/processing/p.json"
t_error llws-14 "set refuses an unknown key" 1 "llws: $W/meta/processing/p.json: wbin: unknown key" \
	llws -w "$W" set meta/processing/p.json wbin 4
t_error llws-15 "set: a value that is not JSON is a usage error" 2 \
	"llws: seed: value 'x' is not valid JSON: * (see 'llws --help')" llws -w "$W" set meta/processing/p.json seed x
t_check llws-16 "a quantity with a unit is accepted" llws -w "$W" set meta/processing/p.json max_wavelength '"2 keV"'
llws -w "$W" set-string meta/fits/d.json description "it's \"quoted\""
t_eq llws-17 "set-string stores text as it is" "it's \"quoted\"" "$(llws -w "$W" get meta/fits/d.json description)"
llws -w "$W" set meta/pipeline/pp.json A_fits_id '"d"' A_filters '["gtifilter", "wbin"]' B_fits_id null
t_eq llws-18 "list items by index" "wbin" "$(llws -w "$W" get meta/pipeline/pp.json A_filters.1)"
t_error llws-19 "set validates list items (unknown filter)" 1 \
	"llws: $W/meta/pipeline/pp.json: A_filters?1?: expected a filter name (*), got \"wbinn\"" \
	llws -w "$W" set meta/pipeline/pp.json A_filters.1 '"wbinn"'
t_error llws-20 "unset refuses to remove a required key" 1 \
	"llws: $W/meta/pipeline/pp.json: A_fits_id: expected a dataset name (required)" \
	llws -w "$W" unset meta/pipeline/pp.json A_fits_id
llws -w "$W" unset meta/pipeline/pp.json B_fits_id
t_error llws-21 "unset removes a key" 1 "llws: $W/meta/pipeline/pp.json: B_fits_id: no such key" \
	llws -w "$W" get meta/pipeline/pp.json B_fits_id
t_eq llws-22 "list prints the names, sorted" "d default p" "$(llws -w "$W" list fits) $(llws -w "$W" list processing | tr '\n' ' ' | sed 's/ $//')"
t_eq llws-23 "list of a kind with no directory is empty" "" "$(llws -w "$W" list search)"
t_check llws-24 "validate accepts the shipped processing and generation files" \
	llws validate meta/processing/default.json meta/generation/default.json
printf '{"seed": 1,}' >"$W/meta/processing/bad.json"
t_error llws-25 "validate: bad JSON names the file and line" 1 \
	"llws: $W/meta/processing/bad.json: not valid JSON: * (line 1)" \
	llws -w "$W" validate meta/processing/p.json meta/processing/bad.json
mkdir -p "$W/meta/generation"
printf '{"lanes": {"width_fraction": 2}}' >"$W/meta/generation/g.json"
t_error llws-26 "validate checks generation files with llgen's rules" 1 \
	"llws: $W/meta/generation/g.json: lanes.width_fraction: *" llws -w "$W" validate meta/generation/g.json
t_error llws-27 "validate: a file outside meta/KIND/ is a usage error" 2 \
	"llws: x.json: expected a file meta/KIND/NAME.json (*) (see 'llws --help')" llws validate x.json
printf '{"A_fits_id": "d", "B_filters": ["wrange", "wbin"]}' >"$W/meta/pipeline/nb.json"
t_error llws-28 "a B slot with no starter needs B_fits_id" 1 \
	"llws: $W/meta/pipeline/nb.json: B_filters?0?: expected generate, copysource or copyA when B_fits_id is null, got \"wrange\"" \
	llws -w "$W" validate meta/pipeline/nb.json
printf '{"A_fits_id": "d", "A_filters": ["copyA"]}' >"$W/meta/pipeline/sa.json"
t_error llws-29 "slot starters are refused in A_filters" 1 \
	"llws: $W/meta/pipeline/sa.json: A_filters?0?: expected a transform (copyA starts slot B: only first in B_filters), got \"copyA\"" \
	llws -w "$W" validate meta/pipeline/sa.json
printf '{"psd": {"dt_s": 0.5, "seg_s": 3.5}}' >"$W/meta/processing/psd.json"
t_error llws-30 "psd.seg_s must be an even multiple of dt_s" 1 \
	"llws: $W/meta/processing/psd.json: psd.seg_s: expected an even multiple (at least 4) of psd.dt_s (0.5 s), got 3.5 s" \
	llws -w "$W" validate meta/processing/psd.json
c=$(llws -w "$W" new-code)
t_check llws-31 "new-code prints 8 upper-case letters" sh -c "printf '%s' '$c' | grep -qxE '[A-Z]{8}'"
t_error llws-32 "an unknown command is a usage error" 2 "llws: unknown command 'frob' (see 'llws --help')" llws frob
t_error llws-33 "get needs two arguments" 2 "llws: get takes 2 arguments (see 'llws --help')" llws get x
t_check llws-34 "--help shows an example" sh -c 'llws --help | grep -q "^Example: llws set"'
printf '{"min_wavelength": null, "max_wavelength": null, "wbins": {"edges": [0.1, 1]}}' >"$W/meta/processing/band.json"
t_check llws-35 "a processing may leave the wavelength range null (one band)" \
	llws -w "$W" validate meta/processing/band.json
printf '{"min_wavelength": null, "max_wavelength": 1}' >"$W/meta/processing/half.json"
t_error llws-36 "a null range is both wavelengths or neither" 1 \
	"llws: $W/meta/processing/half.json: max_wavelength: expected null like min_wavelength (no wavelength range), or both wavelengths" \
	llws -w "$W" validate meta/processing/half.json
mkdir -p "$W/meta/fits"
printf '{"path": "x.fits"}' >"$W/meta/fits/antares.json"
printf '{"path": "x.fits"}' >"$W/meta/fits/sample.json"
t_eq llws-37 "closest: the existing name nearest to a mistyped one" "antares antares sample" \
	"$(llws -w "$W" closest fits antres) $(llws -w "$W" closest fits Antares_x) $(llws -w "$W" closest fits smple)"
t_error llws-38 "closest: nothing near it is status 1, one line" 1 "llws: zzz: no fits name near it" \
	llws -w "$W" closest fits zzz

# The processing's chunkvar key (chunkvar's --widths, --chunk, --chunks).
cv() {	# cv ID WHAT 'MESSAGE' JSON: validate refuses JSON with MESSAGE
	printf '%s\n' "$4" >"$W/meta/processing/cv.json"
	t_error "$1" "$2" 1 "llws: $W/meta/processing/cv.json: $3" llws -w "$W" validate meta/processing/cv.json
}
printf '{"analyses": ["varstat", "chunkvar"], "chunkvar": {"widths": {"min_s": "500 ms", "max_s": "0.1 ks", "count": 4}, "chunk": 10, "chunks": null}}\n' \
	>"$W/meta/processing/cv.json"
t_check llws-39 "chunkvar in analyses, its widths as quantities, chunks null" llws -w "$W" validate meta/processing/cv.json
cv llws-40 "chunkvar.widths.max_s below min_s" \
	"chunkvar.widths.max_s: expected at least chunkvar.widths.min_s (10 s), got 1 s" \
	'{"chunkvar": {"widths": {"min_s": 10, "max_s": 1, "count": 3}}}'
cv llws-41 "one width needs min_s = max_s (as chunkvar --widths)" \
	"chunkvar.widths.count: expected more than 1 when max_s (10 s) differs from min_s (1 s), got 1" \
	'{"chunkvar": {"widths": {"min_s": 1, "max_s": 10, "count": 1}}}'
cv llws-42 "chunk below 2 bins" "chunkvar.chunk: expected an integer in ?2, 100000?, got 1" '{"chunkvar": {"chunk": 1}}'
cv llws-43 "chunks 0" "chunkvar.chunks: expected an integer >= 1, got 0" '{"chunkvar": {"chunks": 0}}'
cv llws-44 "a wavelength for a width" \
	"chunkvar.widths.min_s: expected a time: a number in s, or \"VALUE UNIT\" with UNIT s, ms or ks, got \"1 nm\"" \
	'{"chunkvar": {"widths": {"min_s": "1 nm"}}}'
cv llws-45 "an unknown key inside widths, named in full" "chunkvar.widths.mins: unknown key" \
	'{"chunkvar": {"widths": {"mins": 1}}}'
cv llws-46 "widths not an object" 'chunkvar.widths: expected {"min_s", "max_s", "count"}, got 5' \
	'{"chunkvar": {"widths": 5}}'
cv llws-47 "an unknown analysis" 'analyses?1?: expected varstat, lcurve, psd, interarrival or chunkvar, got "chunky"' \
	'{"analyses": ["chunkvar", "chunky"]}'
