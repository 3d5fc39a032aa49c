#!/usr/bin/env bash
# downsample: --n exact size, order kept, uniform, all (with a warning) when
# short; --fraction binomial count in both of its regimes; seeded; usage and
# input errors.
. "$(dirname "$0")/../lib.sh"

# 100000 events (two blocks): distinct times 0..99999.
awk 'BEGIN { for (i = 0; i < 100000; i++) print i, 0.1 + (i % 9) / 10, i % 3 }' | tsv2ev >"$T/in.ev"
ev2tsv --no-meta --no-header <"$T/in.ev" >"$T/in.tsv"

downsample --n 1000 --seed 5 <"$T/in.ev" >"$T/n.ev"
ev_times <"$T/n.ev" >"$T/n.txt"
t_eq downsample-1 "--n 1000 gives exactly 1000 distinct input events in input order" "1000 1000 yes" \
	"$(wc -l <"$T/n.txt") $(sort -u "$T/n.txt" | wc -l) $(sort -c -n "$T/n.txt" 2>/dev/null && echo yes || echo no)"
t_eq downsample-2 "the kept events are the input records unchanged" "" \
	"$(ev2tsv --no-meta --no-header <"$T/n.ev" | grep -vxFf "$T/in.tsv" | head -3)"
# Kept from the first half: hypergeometric, mean 500, sd sqrt(1000*.25*99000/99999) = 15.7.
t_near downsample-3 "--n picks uniformly over the stream (first half within 4 sd)" \
	"$(awk '$1 < 50000' "$T/n.txt" | wc -l)" 500 63
t_near downsample-4 "--n picks uniformly into the second block (last 34464 events within 4 sd)" \
	"$(awk '$1 >= 65536' "$T/n.txt" | wc -l)" 344.64 60

t_run downsample --n 200000 --seed 5 <"$T/in.ev"
t_eq downsample-5 "--n above the stream length keeps everything and warns, status 0" \
	"0 100000 downsample: stream has 100000 events, fewer than --n 200000: all kept" \
	"$T_STATUS $(ev_times <"$T/out" | wc -l) $(cat "$T/err")"
t_run downsample -q --n 200000 --seed 5 <"$T/in.ev"
t_eq downsample-6 "-q silences that warning" "0 100000 " "$T_STATUS $(ev_times <"$T/out" | wc -l) $(cat "$T/err")"
t_eq downsample-7 "--n 0 gives an empty stream" "0" "$(downsample --n 0 --seed 1 <"$T/in.ev" | ev_times | wc -l)"

# Binomial counts: sd sqrt(N F (1-F)).
t_near downsample-8 "--fraction 0.3 keeps a count within 4 sd of 30000" \
	"$(downsample --fraction 0.3 --seed 5 <"$T/in.ev" | ev_times | wc -l)" 30000 580
t_near downsample-9 "--fraction 0.01 (gap skipping) keeps a count within 4 sd of 1000" \
	"$(downsample --fraction 0.01 --seed 5 <"$T/in.ev" | ev_times | wc -l)" 1000 126
downsample --fraction 0.01 --seed 5 <"$T/in.ev" | ev_times >"$T/f.txt"
t_near downsample-10 "--fraction 0.01 thins the second block too (within 4 sd of 344.6)" \
	"$(awk '$1 >= 65536' "$T/f.txt" | wc -l)" 344.64 75
t_check downsample-11 "--fraction keeps input order" sort -c -n "$T/f.txt"
t_check downsample-12 "--fraction 1 keeps every record" cmp <(ev2tsv --no-meta <"$T/in.ev") \
	<(downsample --fraction 1 --seed 5 <"$T/in.ev" | ev2tsv --no-meta)

k=0
for mode in "--n 1000" "--fraction 0.3"; do
	k=$((k + 1))
	downsample $mode --seed 5 <"$T/in.ev" >"$T/a.ev"
	downsample $mode --seed 5 <"$T/in.ev" >"$T/b.ev"
	downsample $mode --seed 6 <"$T/in.ev" >"$T/c.ev"
	t_check "downsample-1$((2 + k))" "$mode: the same seed gives identical bytes" cmp "$T/a.ev" "$T/b.ev"
	t_check "downsample-1$((4 + k))" "$mode: another seed gives another subset" eval '! cmp -s "$T/a.ev" "$T/c.ev"'
done
t_eq downsample-17 "the seed and the option are recorded" '[{"program":"downsample","seed":5}] {"n":1000}' \
	"$(ev_meta seeds <"$T/n.ev") $(ev_meta downsample <"$T/n.ev")"

t_error downsample-18 "--n and --fraction together are a usage error" 2 \
	"downsample: give exactly one of --n and --fraction (see 'downsample --help')" \
	downsample --n 3 --fraction 0.5 <"$T/in.ev"
t_error downsample-19 "neither --n nor --fraction is a usage error" 2 \
	"downsample: give exactly one of --n and --fraction (see 'downsample --help')" downsample <"$T/in.ev"
t_error downsample-20 "--fraction 0 is a usage error" 2 \
	"downsample: --fraction: must be in (0, 1]: '0' (see 'downsample --help')" downsample --fraction 0 <"$T/in.ev"
t_error downsample-21 "--fraction above 1 is a usage error" 2 \
	"downsample: --fraction: must be in (0, 1]: '1.5' (see 'downsample --help')" downsample --fraction 1.5 <"$T/in.ev"
t_error downsample-22 "a non-numeric fraction is a usage error" 2 \
	"downsample: --fraction: not a finite number: 'half' (see 'downsample --help')" downsample --fraction half <"$T/in.ev"
t_error downsample-23 "a negative --n is a usage error" 2 \
	"downsample: --n: not a non-negative integer: '-5' (see 'downsample --help')" downsample --n -5 <"$T/in.ev"

head -c $(( $(wc -c <"$T/in.ev") - 6 )) "$T/in.ev" >"$T/trunc.ev"
off=$(( $(wc -c <"$T/in.ev") - 16 ))
t_error downsample-24 "--n: a truncated stream is an error naming the byte offset" 1 \
	"downsample: stdin: truncated record at byte offset $off: 10 of 16 bytes" downsample --n 10 --seed 1 <"$T/trunc.ev"
# --fraction streams: records before the damage may already be out.
t_run downsample --fraction 0.5 --seed 1 <"$T/trunc.ev"
t_eq downsample-25 "--fraction: a truncated stream is an error naming the byte offset" \
	"1 downsample: stdin: truncated record at byte offset $off: 10 of 16 bytes" "$T_STATUS $(cat "$T/err")"
t_run downsample --fraction 0.5 --seed 1 -o "$T/partial.ev" <"$T/trunc.ev"
t_eq downsample-26 "a failed streaming run leaves no output file and no temporary" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] || ls -A "$T" | grep -q '\.tmp\.' && echo present || echo absent)"

# The in-place reservoir (marks, ranks packed beside the wbins, sweeps)
# against a plain model of the same draws: a list of (position, record)
# that is sorted by position where the C program sweeps.
model() { "$T_PY" "$(dirname "$0")/../downsample_model.py" "$@"; }
records() { "$T_PY" -c 'import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[12 + int.from_bytes(d[8:12], "little"):])'; }
t_eq downsample-27 "--n 1000, 20000, 50000 (seeds 5, 8, 1; one sweep at the end) keep the records of a plain model, in order" \
	"same same same" "$(for c in '1000 5' '20000 8' '50000 1'; do
		cmp -s <(downsample --n ${c% *} --seed ${c#* } <"$T/in.ev" | records) <(model ${c% *} ${c#* } <"$T/in.ev") &&
			printf 'same ' || printf 'differ '; done | sed 's/ $//')"
# Newcomers are marked in their time's bits: odd valid records (times -0,
# +0 and the smallest subnormal, NaN wavelengths of either sign, wbin
# 2^31 - 1) come out bit for bit through several sweeps (--n 1000 of
# 100000 makes about 4600 replacements, a sweep every 1025).
"$T_PY" -c '
import random, struct, sys
random.seed(3)
meta = b"{}" + b" " * 6
recs = []
for i in range(100000):
    t = random.choice([0.0, -0.0, float(i), 1e300, 5e-324])
    w = random.choice([struct.pack("<f", 0.5), struct.pack("<f", -0.0),
                       struct.pack("<I", 0x7FC00000), struct.pack("<I", 0xFFC00001)])
    recs.append(struct.pack("<d", t) + w + struct.pack("<i", random.choice([-1, 0, 2**31 - 1])))
sys.stdout.buffer.write(b"LLEV" + struct.pack("<HHI", 1, 16, len(meta)) + meta + b"".join(recs))
' >"$T/odd.ev"
downsample --n 1000 --seed 2 <"$T/odd.ev" >"$T/odd-n.ev"
t_py downsample-28 "odd valid records (-0 times, signed NaNs, wbin 2^31-1) come out bit for bit through the sweeps" '
import sys
def recs(p):
    b = open(p, "rb").read()
    h = int.from_bytes(b[8:12], "little")
    return [b[i:i + 16] for i in range(12 + h, len(b), 16)]
a, s = recs(sys.argv[1]), recs(sys.argv[2])
assert len(s) == 1000, len(s)
assert set(s) <= set(a), "a record not in the input"
assert any(r[7] == 0x80 for r in s), "no -0 time kept"
' "$T/odd.ev" "$T/odd-n.ev"

# Wbins of 22 bits leave 10 for ranks: batches of 1024 (five sweeps); wbins
# rising from 0 to 4.1e6 end batches early as each needs another bit.
awk 'BEGIN { for (i = 0; i < 100000; i++) print i, 0.5, 4000000 + i % 5 }' | tsv2ev >"$T/wide.ev"
awk 'BEGIN { for (i = 0; i < 100000; i++) print i, 0.5, i * 41 }' | tsv2ev >"$T/ramp.ev"
t_eq downsample-29 "wide and rising wbins (sweeps every 1024 newcomers, and as wbins grow) keep the model's records" \
	"same same same" "$(for c in 'wide 1000 3' 'ramp 1000 3' 'ramp 30000 4'; do set -- $c
		cmp -s <(downsample --n $2 --seed $3 <"$T/$1.ev" | records) <(model $2 $3 <"$T/$1.ev") &&
			printf 'same ' || printf 'differ '; done | sed 's/ $//')"
t_check downsample-30 "wbins up to 2^31-1 (set aside, sweeps every 1024) keep the model's records bit for bit" \
	cmp <(records <"$T/odd-n.ev") <(model 1000 2 <"$T/odd.ev")
