#!/usr/bin/env bash
# Every program keeps the suite's promises: --help, --version, a man page that
# renders cleanly, exit 2 and nothing on stdout for an unknown option; and
# `make install` puts programs and pages where it says.
. "$(dirname "$0")/../lib.sh"

n=0
for src in "$T_ROOT"/filters/*.c "$T_ROOT"/pipelines/*.c; do
	[ -f "$src" ] || continue
	p=$(basename "$src" .c)
	n=$((n + 1))
	if ! command -v "$p" >/dev/null; then
		t_fail "conv-$p-0" "$p is built" "not on PATH"
		continue
	fi
	t_run "$p" --help
	t_eq "conv-$p-1" "$p --help exits 0 with a usage line and an example" "0 yes yes" \
		"$T_STATUS $(grep -q '^usage: ' "$T/out" && echo yes || echo no) $(grep -qi 'example' "$T/out" && echo yes || echo no)"
	t_eq "conv-$p-2" "$p --version" "$p (Lightlane Studio) 0.1.0" "$("$p" --version 2>&1)"
	t_error "conv-$p-3" "$p rejects an unknown option with status 2" 2 \
		"$p: unknown option '--no-such-option' (see '$p --help')" "$p" --no-such-option </dev/null
	page="$T_ROOT/man/$p.1"
	if [ -f "$page" ]; then
		warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>&1)
		t_eq "conv-$p-4" "man/$p.1 renders without warnings" "" "$warnings"
		# Every long option --help lists is documented in the man page.
		missing=""
		for opt in $(grep -oE -- '--[a-z][a-z0-9-]+' "$T/out" | sort -u); do
			grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$page" ||
				grep -q -- "$opt" "$page" || missing="$missing $opt"
		done
		t_eq "conv-$p-5" "every option in $p --help is in its man page" "" "$missing"
	else
		t_fail "conv-$p-4" "man/$p.1 exists" "no man page"
	fi
done
[ "$n" -gt 0 ] && t_pass conv-0 "found $n programs"

# No #include cycle among the modules of common/: module X (X.c, X.h) depends
# on Y when it includes "Y.h"; tsort names the loop it finds, if any.
include_loops() {
	for f in "$1"/*.[ch]; do
		m=$(basename "$f"); m=${m%.[ch]}
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r dep; do
			[ "$dep" != "$m" ] && printf '%s %s\n' "$m" "$dep"
		done
	done | tsort 2>&1 >/dev/null | sed -n 's/^tsort: //p' | grep -v 'input contains a loop' | tr '\n' ' '
}
mkdir -p "$T/loop"
printf '#include "b.h"\n' >"$T/loop/a.c"
printf '#include "c.h"\n' >"$T/loop/b.h"
printf '#include "a.h"\n' >"$T/loop/c.c"
t_eq conv-include-1 "the include-loop check finds a three-module loop" "yes" \
	"$([ -n "$(include_loops "$T/loop")" ] && echo yes || echo no)"
t_eq conv-include-2 "no #include loop among the modules of common/" "" "$(include_loops "$T_ROOT/common")"

if [ -n "${LL_BUILD:-}" ] && [ "$LL_BUILD" = "$T_ROOT/build" ]; then
	make -s -C "$T_ROOT" install DESTDIR="$T/root" PREFIX=/usr >"$T/install.log" 2>&1
	t_eq conv-install-1 "make install DESTDIR= PREFIX= installs programs, tools and pages" "yes yes yes" \
		"$([ -x "$T/root/usr/bin/wrange" ] && echo yes || echo no) $([ -f "$T/root/usr/share/man/man1/wrange.1" ] && echo yes || echo no) $([ -f "$T/root/usr/share/man/man7/lightlane.7" ] && echo yes || echo no)"
else
	t_skip conv-install-1 "make install" "only checked against the plain build"
fi
