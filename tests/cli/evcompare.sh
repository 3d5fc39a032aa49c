#!/usr/bin/env bash
# evcompare: exact distance on hand-made tables, matching, bad tables.
. "$(dirname "$0")/../lib.sh"

H=wbin,wmin_nm,wmax_nm,timescale_s,n_bins,mean,variance,fano,fano_err,z,nxs,nxs_err,allan
printf '%s\n' "# meta: {}" "$H" "0,,,1,10,1,1,1.5,0.5,,,," "0,,,10,10,1,1,2,1,,,," \
	"0,,,100,1,1,,,,,,," "-1,,,1,10,1,1,1,0.5,,,," "1,,,1,10,1,1,3,1,,,," >"$T/a.csv"
printf '%s\n' "$H" "-1,,,1,10,1,1,2,0.5,,,," "0,,,10,10,1,1,1,1,,,," "0,,,1,10,1,1,1,0.5,,,," \
	"0,,,100,1,1,1,5,1,,,," >"$T/b.csv"
# terms: (0,1): 0.25/0.5 = 0.5; (0,10): 1/2 = 0.5; (-1,1): 1/0.5 = 2;
# (0,100) undefined in A, (1,1) absent from B: mean of three = 1
t_eq evcompare-1 "distance is the mean over rows finite in both tables" "distance,n_terms 1,3" \
	"$(evcompare "$T/a.csv" "$T/b.csv" | grep -v '^#' | tr '\n' ' ' | sed 's/ $//')"
t_eq evcompare-2 "a table against itself is at distance 0" "0,4" \
	"$(evcompare "$T/a.csv" "$T/a.csv" | tail -n 1)"
evcompare -o "$T/d.csv" "$T/a.csv" "$T/b.csv"
t_eq evcompare-3 "-o writes the same table" "1,3" "$(tail -n 1 "$T/d.csv")"
printf 'wbin,timescale_s,fano\n0,1,1\n' >"$T/nocol.csv"
t_error evcompare-4 "a table without fano_err names the file and column" 1 \
	"evcompare: $T/nocol.csv: missing column 'fano_err'" evcompare "$T/a.csv" "$T/nocol.csv"
: >"$T/empty.csv"
t_error evcompare-5 "an empty file is an error" 1 \
	"evcompare: $T/empty.csv: empty table: no header row" evcompare "$T/empty.csv" "$T/a.csv"
printf 'LLEV\1\0\20\0\0\0\0\0' >"$T/bin.ev"
t_error evcompare-6 "a binary file is not a table" 1 \
	"evcompare: $T/bin.ev:1: not a text file (NUL byte)" evcompare "$T/a.csv" "$T/bin.ev"
printf '%s\n' "$H" "0,,,1,10,1,1,abc,0.5,,,," >"$T/text.csv"
t_error evcompare-7 "a non-numeric cell names file, line and column" 1 \
	"evcompare: $T/text.csv:2: column 'fano': not a number: 'abc'" evcompare "$T/text.csv" "$T/a.csv"
printf '%s\n' "$H" "0,,,1,10" >"$T/short.csv"
t_error evcompare-8 "a short row names file and line" 1 \
	"evcompare: $T/short.csv:2: 5 fields, expected 13" evcompare "$T/short.csv" "$T/a.csv"
t_error evcompare-9 "a missing file is one line" 1 \
	"evcompare: $T/none.csv: cannot open: No such file or directory" evcompare "$T/none.csv" "$T/a.csv"
t_error evcompare-10 "one operand is a usage error" 2 \
	"evcompare: expected two tables, A.csv and B.csv (see 'evcompare --help')" evcompare "$T/a.csv"
t_error evcompare-11 "an unwritable output path is one clear line" 1 "evcompare: $T/nodir/x.csv:*" \
	evcompare -o "$T/nodir/x.csv" "$T/a.csv" "$T/b.csv"
t_eq evcompare-12 "no output file is left after an error" "absent" \
	"$(evcompare -o "$T/bad.csv" "$T/a.csv" "$T/short.csv" 2>/dev/null; [ -e "$T/bad.csv" ] && echo present || echo absent)"
