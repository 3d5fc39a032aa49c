#!/bin/sh
# demo.sh: the default chain on the shipped sample (called by `make demo`).
# ACIS M82 events -> GTI filter -> 0.1-1 nm -> 4 wavelength bins -> summary,
# variability table, light curves, power spectra and their plots.
set -eu
PATH="$(pwd)/bin:$PATH"
sample=data/sample/chandra_test.fits
out=out/demo
mkdir -p "$out/plots"

echo "== fits2ev $sample | gtifilter | wrange | wbin | evinfo" >&2
fits2ev "$sample" | gtifilter | wrange --min 0.1 --max 1 |
	wbin --n 4 --log --min 0.1 --max 1 -o "$out/sample.ev"
evinfo <"$out/sample.ev"

echo >&2
echo "== varstat, lcurve, psd, interarrival -> $out/" >&2
varstat --timescales 1:200:16 <"$out/sample.ev" -o "$out/varstat.csv"
lcurve --dt 20 <"$out/sample.ev" -o "$out/lcurve.csv"
psd --dt 0.5 --seg 256 <"$out/sample.ev" -o "$out/psd.csv"
interarrival <"$out/sample.ev" -o "$out/interarrival.csv"
# Poisson control: the same counts at uniform random times, same processing.
poissonize --seed 1 <"$out/sample.ev" | varstat --timescales 1:200:16 -o "$out/varstat_poisson.csv"

llplot --kind fano "$out/varstat.csv" "$out/varstat_poisson.csv" \
	--label "M82 (ObsID 10027)" --label "poissonized control" -o "$out/plots/fano.png"
llplot --kind nxs "$out/varstat.csv" -o "$out/plots/nxs.png"
llplot --kind lcurve "$out/lcurve.csv" -o "$out/plots/lcurve.png"
llplot --kind psd "$out/psd.csv" -o "$out/plots/psd.png"
llplot --kind interarrival "$out/interarrival.csv" -o "$out/plots/interarrival.png"
llplot --kind counts "$out/lcurve.csv" -o "$out/plots/counts.png"
echo >&2
echo "Tables are in $out/; plots are in $out/plots/:" >&2
ls "$out"/plots/*.png >&2
