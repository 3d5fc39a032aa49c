#!/usr/bin/env bash
# libll: `make install` gives a user what a filter outside the tree needs
# (headers, libll.a, libll.pc), and the example of man 3 libll builds with
# pkg-config alone and behaves as a suite program.
. "$(dirname "$0")/../lib.sh"

make -s -C "$T_ROOT" install PREFIX="$T/prefix" >"$T/install.log" 2>&1
t_eq libll-1 "make install puts headers, library and pkg-config file under PREFIX" "0 yes yes yes" \
	"$? $([ -f "$T/prefix/include/ll/ev.h" ] && echo yes) $([ -f "$T/prefix/lib/libll.a" ] && echo yes) $([ -f "$T/prefix/lib/pkgconfig/libll.pc" ] && echo yes)"

# The example exactly as the man page shows it, roff escapes undone.
sed -n '/^\.SH EXAMPLE/,/^\.SH/p' "$T_ROOT/man/libll.3" | sed -n '/^\.EX/,/^\.EE/{/^\.E[XE]/d;p}' | sed -n '1,/^}/p' |
	sed -e 's/\\-/-/g' -e 's/\\e/\\/g' >"$T/tlate.c"
export PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig"
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
t_check libll-2 "the man page's example builds out of tree with pkg-config and -Werror" \
	cc -Wall -Wextra -Werror -o "$T/tlate" "$T/tlate.c" $(pkg-config --cflags --libs libll)

fits2ev "$T_SAMPLE/chandra_test.fits" >"$T/a.ev"
"$T/tlate" 900 <"$T/a.ev" >"$T/late.ev"
t_py libll-3 "the filter keeps exactly the events 900 s after the first, in order, and adds its history" '
import json, struct, sys, numpy as np
def load(p):
    b = open(p, "rb").read(); h = struct.unpack("<I", b[8:12])[0]
    ev = np.frombuffer(b, offset=12 + h, dtype=[("time", "<f8"), ("wavelength", "<f4"), ("wbin", "<i4")])
    return json.loads(b[12:12 + h]), ev
ma, a = load(sys.argv[1]); ml, l = load(sys.argv[2])
want = a[a["time"] - a["time"][0] >= 900]
assert len(want) > 100 and len(want) < len(a), len(want)
assert np.array_equal(want, l), (len(want), len(l))
assert ml["history"][-1] == "tlate 900", ml["history"][-1]
' "$T/a.ev" "$T/late.ev"

t_error libll-4 "its usage errors follow the suite's conventions" 2 \
	"tlate: expected one operand, SECONDS (see 'tlate --help')" "$T/tlate" <"$T/a.ev"
# Cut 7 bytes into a record: a valid header, then 1000 records and a short
# last one.  Within the first block (256 KiB), so nothing is written before
# the error; a longer stream's earlier blocks would have gone out already.
h=$(od -An -tu4 -j8 -N4 "$T/a.ev" | tr -d ' ')
t_error libll-5 "a truncated stream is refused by the library with the byte offset" 1 \
	"tlate: stdin: *offset*" "$T/tlate" 1 < <(head -c $(( 12 + h + 1000 * 16 + 7 )) "$T/a.ev")

# The shared library is what pkg-config links by default; the prefix is not
# on the dynamic linker's path, so the run path must find it.
t_eq libll-6 "make install puts libll.so.0 (soname) and the pkg-config build links it" \
	"libll.so.0 yes libll.so.0" \
	"$(objdump -p "$T/prefix/lib/libll.so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }') $([ -L "$T/prefix/lib/libll.so" ] && echo yes) $(objdump -p "$T/tlate" 2>/dev/null | awk '$1 == "NEEDED" && $2 ~ /^libll/ { print $2 }')"
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
cc -Wall -Wextra -Werror -o "$T/tlate-static" "$T/tlate.c" $(pkg-config --cflags libll) \
	"$T/prefix/lib/libll.a" $(pkg-config --libs jansson) -lm 2>"$T/static.err"
env -u LD_LIBRARY_PATH "$T/tlate" 900 <"$T/a.ev" >"$T/late-shared.ev" 2>"$T/shared.err"
"$T/tlate-static" 900 <"$T/a.ev" >"$T/late-static.ev" 2>>"$T/static.err"
t_eq libll-7 "the shared build runs from its run path, a static one against libll.a, same bytes" \
	"same" "$(cmp -s "$T/late-shared.ev" "$T/late-static.ev" && cmp -s "$T/late.ev" "$T/late-static.ev" &&
		[ -s "$T/late-static.ev" ] && ! objdump -p "$T/tlate-static" | grep -q 'NEEDED.*libll' && echo same)"
