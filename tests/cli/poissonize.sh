#!/usr/bin/env bash
# poissonize: counts per wbin and wavelengths kept, times uniform in the GTIs
# (KS test, Fano factor), wavelength independent of time, sorted, seeded;
# the [tstart, tstop] and [first, last] fallbacks, usage and input errors.
. "$(dirname "$0")/../lib.sh"

# 20000 events, bunched (times grow as i^2) and with wavelength rising with
# time, in 4 wbins of unequal counts; three GTIs of 2000, 100 and 4000 s.
printf '{"gti": [[1000, 3000], [3500, 3600], [5000, 9000]], "tstart": 0, "tstop": 10000}\n' >"$T/gti.json"
awk 'BEGIN { OFMT = "%.10g"; n = 20000
	for (i = 0; i < n; i++) { t = 1000 + 8000 * (i / n) ^ 2; w = 0.1 + 0.9 * (i / n) ^ 0.5
		b = int((w - 0.1) / 0.9 * 4); if (b > 3) b = 3; print t, w, b } }' |
	tsv2ev --meta "$T/gti.json" >"$T/in.ev"
poissonize --seed 11 <"$T/in.ev" >"$T/out.ev"

PYLOAD='
import sys, json, numpy as np
def load(p):
    b = open(p, "rb").read()
    h = int.from_bytes(b[8:12], "little")
    meta = json.loads(b[12:12 + h])
    return meta, np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
ma, a = load(sys.argv[1])
mb, b = load(sys.argv[2])
gti = np.array(ma["gti"], dtype=float)
'

t_py poissonize-1 "the count per wbin and the multiset of wavelengths are kept" "$PYLOAD"'
assert len(a) == len(b) == 20000, (len(a), len(b))
assert (np.bincount(a["wbin"]) == np.bincount(b["wbin"])).all(), (np.bincount(a["wbin"]), np.bincount(b["wbin"]))
assert (np.sort(a["wavelength"]) == np.sort(b["wavelength"])).all()
pa = np.sort(a[["wavelength","wbin"]]); pb = np.sort(b[["wavelength","wbin"]])
assert (pa == pb).all(), "(wavelength, wbin) pairs differ"
' "$T/in.ev" "$T/out.ev"

t_py poissonize-2 "every time lies inside a GTI and the output is sorted" "$PYLOAD"'
t = b["time"]
inside = ((t[:, None] >= gti[:, 0]) & (t[:, None] < gti[:, 1])).any(axis=1)
assert inside.all(), t[~inside][:5]
assert (np.diff(t) >= 0).all(), "not sorted"
assert mb["sorted"] is True
' "$T/in.ev" "$T/out.ev"

# KS against the CDF of the uniform distribution on the GTI union; the
# p-value from the asymptotic Kolmogorov distribution with Stephens (1970)
# small-sample correction.
t_py poissonize-3 "times are uniform over the GTI union (KS test, p > 0.01)" "$PYLOAD"'
t = np.sort(b["time"]); n = len(t)
lens = gti[:, 1] - gti[:, 0]; cum = np.concatenate([[0], np.cumsum(lens)])
j = np.searchsorted(gti[:, 0], t, side="right") - 1
F = (cum[j] + (t - gti[j, 0])) / cum[-1]
i = np.arange(1, n + 1)
D = max((i / n - F).max(), (F - (i - 1) / n).max())
lam = (np.sqrt(n) + 0.12 + 0.11 / np.sqrt(n)) * D
k = np.arange(1, 101)
p = min(1.0, max(0.0, 2 * np.sum((-1.0) ** (k - 1) * np.exp(-2 * k * k * lam * lam))))
print("D", D, "p", p)
assert p > 0.01, (D, p)
# The input itself is far from uniform: the test has power.
ta = np.sort(a["time"]); ja = np.searchsorted(gti[:, 0], ta, side="right") - 1
Fa = np.clip((cum[ja] + np.minimum(ta - gti[ja, 0], lens[ja])) / cum[-1], 0, 1)
assert max((i / n - Fa).max(), (Fa - (i - 1) / n).max()) > 0.1
' "$T/in.ev" "$T/out.ev"

t_py poissonize-4 "Fano factor of counts in 10 s bins is 1 within 4 standard errors" "$PYLOAD"'
t = b["time"]; dt = 10.0; counts = []
for a0, b0 in gti:
    k = int(np.floor((b0 - a0) / dt))
    counts.append(np.histogram(t, bins=a0 + dt * np.arange(k + 1))[0])
c = np.concatenate(counts); n = len(c)
fano = c.var(ddof=1) / c.mean(); se = np.sqrt(2 / (n - 1))
print("n", n, "fano", fano, "se", se)
assert abs(fano - 1) < 4 * se, (fano, se)
' "$T/in.ev" "$T/out.ev"

t_py poissonize-5 "wavelength is independent of time (|r| < 4/sqrt(N))" "$PYLOAD"'
r = np.corrcoef(b["time"], b["wavelength"].astype(float))[0, 1]
ra = np.corrcoef(a["time"], a["wavelength"].astype(float))[0, 1]
print("r", r, "input r", ra)
assert abs(r) < 4 / np.sqrt(len(b)) and ra > 0.5, (r, ra)
' "$T/in.ev" "$T/out.ev"

poissonize --seed 11 <"$T/in.ev" >"$T/again.ev"
t_check poissonize-6 "the same seed gives identical bytes" cmp "$T/out.ev" "$T/again.ev"
poissonize --seed 12 <"$T/in.ev" >"$T/other.ev"
t_check poissonize-7 "another seed gives other times" eval '! cmp -s "$T/out.ev" "$T/other.ev"'
t_eq poissonize-8 "the seed is recorded, the GTIs kept" '[{"program":"poissonize","seed":11}] [[1000,3000],[3500,3600],[5000,9000]]' \
	"$(ev_meta seeds <"$T/out.ev") $(ev_meta gti <"$T/out.ev" | sed 's/\.0//g')"

printf '{"tstart": 100, "tstop": 200}\n' >"$T/ts.json"
awk 'BEGIN { for (i = 0; i < 500; i++) print 150 + i / 100, 0.5 }' | tsv2ev --meta "$T/ts.json" >"$T/ts.ev"
t_eq poissonize-9 "without GTIs the range is [tstart, tstop)" "500 ok" \
	"$(poissonize --seed 1 <"$T/ts.ev" | ev_times | awk '$1 < 100 || $1 >= 200 { bad++ } $1 < 140 || $1 > 160 { wide++ } END { print NR, (bad == 0 && wide > 300) ? "ok" : "bad " bad " " wide }')"
awk 'BEGIN { for (i = 0; i < 500; i++) print 150 + i / 100, 0.5 }' | tsv2ev >"$T/bare.ev"
t_eq poissonize-10 "without GTIs or tstart/tstop the range is [first, last event]" "500 ok" \
	"$(poissonize --seed 1 <"$T/bare.ev" | ev_times | awk '$1 < 150 || $1 > 154.99 { bad++ } END { print NR, bad == 0 ? "ok" : "bad " bad }')"
t_eq poissonize-11 "a single event keeps its time; an empty stream stays empty" "5 0" \
	"$(ev_from_text '5 0.3\n' | poissonize --seed 1 | ev_times) $(tsv2ev </dev/null | poissonize --seed 1 | ev2tsv --no-meta --no-header | wc -l)"
printf '3 0.3\n1 0.1\n2 0.2\n' | tsv2ev --unsorted >"$T/unsorted.ev"
t_eq poissonize-12 "unsorted input is fine and the output is marked sorted" "true 3" \
	"$(poissonize --seed 1 <"$T/unsorted.ev" | ev_meta sorted) $(poissonize --seed 1 <"$T/unsorted.ev" | ev_times | sort -c -g && echo 3)"

t_error poissonize-13 "an unknown option is a usage error" 2 \
	"poissonize: unknown option '--gti' (see 'poissonize --help')" poissonize --gti 1:2 <"$T/in.ev"
t_error poissonize-14 "a seed above 2^63 is a usage error" 2 \
	"poissonize: --seed: 9223372036854775808: must be below 2^63 (see 'poissonize --help')" \
	poissonize --seed 9223372036854775808 <"$T/in.ev"
printf '{"gti": [[5, 1]]}\n' >"$T/badgti.json"
t_error poissonize-15 "malformed metadata GTIs are an error" 1 \
	"poissonize: metadata: gti: entry 0 is not a \[start, stop\] pair with start <= stop" \
	poissonize --seed 1 < <(echo 1 | tsv2ev --meta "$T/badgti.json")
head -c $(( $(wc -c <"$T/in.ev") - 1 )) "$T/in.ev" >"$T/trunc.ev"
t_error poissonize-16 "a truncated stream is an error naming the byte offset" 1 \
	"poissonize: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 15 of 16 bytes" \
	poissonize --seed 1 <"$T/trunc.ev"
t_run poissonize --seed 1 -o "$T/partial.ev" <"$T/trunc.ev"
t_eq poissonize-17 "a failed run leaves no output file and no temporary" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] || ls -A "$T" | grep -q '\.tmp\.' && echo present || echo absent)"

# Real data: the shipped Chandra sample, when fits2ev and wbin are built.
if command -v fits2ev >/dev/null && command -v wbin >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | wbin --n 4 --min 0.1 --max 1 >"$T/real.ev"
	poissonize --seed 3 <"$T/real.ev" >"$T/real.out.ev"
	t_py poissonize-18 "Chandra sample: counts per wbin kept, times sorted inside its GTIs" "$PYLOAD"'
assert len(a) == len(b) > 100 and (np.bincount(a["wbin"]) == np.bincount(b["wbin"])).all()
t = b["time"]
assert ((t[:, None] >= gti[:, 0]) & (t[:, None] < gti[:, 1])).any(axis=1).all() and (np.diff(t) >= 0).all()
' "$T/real.ev" "$T/real.out.ev"
else
	t_skip poissonize-18 "Chandra sample through poissonize" "fits2ev or wbin not built"
fi

# DESIGN §4a: with "timedel" in the metadata the control's times are stamps
# of the source's frame grid.  The keys are set in (or, with null, removed
# from) the stream header here, whatever fits2ev records.
FRAMECHECK="$T_PY_FRAMES"'
'
if command -v fits2ev >/dev/null && command -v wbin >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | wbin --n 4 --min 0.1 --max 1 |
		ev_set_meta '{"timedel": null, "timepixr": null}' >"$T/acis_plain.ev"
	ev_set_meta '{"timedel": 0.44104, "timepixr": 0.5}' <"$T/acis_plain.ev" >"$T/acis.ev"
	poissonize --seed 5 <"$T/acis.ev" >"$T/acis.out.ev"
	t_py poissonize-19 "ACIS sample with timedel 0.44104: every time is a stamp of the source's frame grid" "$FRAMECHECK"'
print("worst offset", off.max(), "frames used", len(np.unique(np.round((t - t0) / tau))))
assert on_grid.all(), (off.max(), t[~on_grid][:5])
' "$T/acis.ev" "$T/acis.out.ev"
	t_py poissonize-20 "ACIS sample on frames: counts per wbin, wavelengths, sorted order and GTIs kept" "$FRAMECHECK"'
assert len(a) == len(b) and (np.bincount(a["wbin"]) == np.bincount(b["wbin"])).all()
assert (np.sort(a["wavelength"]) == np.sort(b["wavelength"])).all()
assert (np.diff(t) >= 0).all() and mb["sorted"] is True and mb["gti"] == ma["gti"]
assert ((t[:, None] >= gti[:, 0]) & (t[:, None] < gti[:, 1])).any(axis=1).all()
# Stamps spread over the frames: more distinct frames used than not.
k = np.round((t - t0) / tau); nframes = (gti[:, 1] - gti[:, 0]).sum() / tau
assert len(np.unique(k)) > 0.5 * min(nframes, len(t)), (len(np.unique(k)), nframes)
' "$T/acis.ev" "$T/acis.out.ev"
	poissonize --seed 5 <"$T/acis_plain.ev" >"$T/acis_plain.out.ev"
	t_py poissonize-21 "ACIS sample without timedel: times are not put on frames" "$FRAMECHECK"'
print("on grid", on_grid.mean())
assert on_grid.mean() < 0.01, on_grid.mean()
' "$T/acis_plain.ev" "$T/acis_plain.out.ev"
else
	t_skip poissonize-19 "ACIS sample on frames" "fits2ev or wbin not built"
	t_skip poissonize-20 "ACIS sample on frames, counts kept" "fits2ev or wbin not built"
	t_skip poissonize-21 "ACIS sample without timedel" "fits2ev or wbin not built"
fi

# Frames of 1 s stamped at their middle (stamps k + 0.5).  The GTI
# [10.7, 20.2] holds the stamps 11.5 .. 19.5: frame 10 (stamp 10.5, before the
# GTI) and frame 20 (stamp 20.5, after it) must never be used although they
# overlap the GTI; the 9 frames inside are equally likely.
printf '{"gti": [[10.7, 20.2]], "timedel": 1, "timepixr": 0.5}\n' >"$T/frames.json"
awk 'BEGIN { for (i = 0; i < 9000; i++) print 11.5 + i % 9, 0.5 }' | sort -g | tsv2ev --meta "$T/frames.json" >"$T/frames.ev"
t_eq poissonize-22 "stamps only of frames whose stamp is in the GTI, each used about equally (chi2, 8 dof, < 26.1)" \
	"11.5 12.5 13.5 14.5 15.5 16.5 17.5 18.5 19.5 ok" \
	"$(poissonize --seed 2 <"$T/frames.ev" | ev_times | sort -g | uniq -c |
		awk '{ k[NR] = $2; c[NR] = $1 } END { for (i = 1; i <= NR; i++) { printf "%s ", k[i]; x += (c[i] - 1000) ^ 2 / 1000 }
			print (x < 26.1 ? "ok" : "chi2 " x) }')"
t_error poissonize-23 "a timedel that is not a positive number is an error" 1 \
	"poissonize: metadata: timedel: expected a time resolution > 0 s, got -1" \
	poissonize --seed 1 < <(echo 1 | tsv2ev --meta <(printf '{"timedel": -1}\n'))
