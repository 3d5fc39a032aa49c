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
	t_eq "conv-$p-2" "$p --version" "$p (Lightlane Studio) $T_VERSION" "$("$p" --version 2>&1)"
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

# The version is written once, as LL_VERSION in mk/config.mk: the workflow
# tools get it from bin/ll_version.sh (written by make), the C programs from
# the compiler's command line.  The man pages keep it in their .TH line,
# which make install rewrites; in the checkout they must agree with it.
t_eq conv-version-1 "mk/config.mk names the version" "yes" \
	"$(printf '%s\n' "$T_VERSION" | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' && echo yes || echo "no: '$T_VERSION'")"
t_eq conv-version-2 "every man page's .TH line says Lightlane Studio LL_VERSION" "" \
	"$(for m in "$T_ROOT"/man/*.[137]; do
		grep -q '^\.so ' "$m" && continue
		grep -q "^\.TH .*\"Lightlane Studio $T_VERSION\"" "$m" || printf ' %s' "${m##*/}"
	done)"
t_eq conv-version-3 "no workflow tool writes a version of its own" "" \
	"$(for f in "$T_ROOT"/bin/*.sh; do
		[ "${f##*/}" != ll_version.sh ] || continue	# written by make from mk/config.mk
		grep -qE "version=['\"]?[0-9]|Studio\\) [0-9]" "$f" && printf ' %s' "${f##*/}"
	done)"

# The tools find their shell setup, bin/ll_common.sh, next to their real
# path: called through a symbolic link (or a chain of them) elsewhere, with
# nothing of the suite on PATH.
mkdir -p "$T/links/a" "$T/links/b"
ln -s "$T_ROOT/bin/run_all_pipelines.sh" "$T/links/a/run_all_pipelines.sh"
ln -s ../a/run_all_pipelines.sh "$T/links/b/rap"
t_eq conv-tools-1 "a tool called through a symlink in another directory finds its setup" \
	"run_all_pipelines.sh (Lightlane Studio) $T_VERSION" \
	"$(cd / && env PATH=/usr/bin:/bin "$T/links/a/run_all_pipelines.sh" --version 2>&1)"
t_eq conv-tools-2 "... and through a relative link to that link, under the link's name" \
	"rap (Lightlane Studio) $T_VERSION" "$(cd "$T/links/b" && env PATH=/usr/bin:/bin ./rap --version 2>&1)"
t_eq conv-tools-3 "... and from the checkout as sh bin/NAME.sh" \
	"create_pipeline.sh (Lightlane Studio) $T_VERSION" \
	"$(cd "$T_ROOT" && env PATH="$(dirname "$(command -v llws)"):/usr/bin:/bin" sh bin/create_pipeline.sh --version 2>&1)"

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
	u=$T/root/usr
	t_eq conv-install-2 "installed tools, found on PATH, name the version" \
		"make_var_analysis.sh (Lightlane Studio) $T_VERSION|download_chandra_data.sh (Lightlane Studio) $T_VERSION" \
		"$(cd / && env PATH="$u/bin:/usr/bin:/bin" make_var_analysis.sh --version 2>&1)|$(cd / && env PATH="$u/bin:/usr/bin:/bin" download_chandra_data.sh --version 2>&1)"
	t_eq conv-install-3 "the files tools source are installed, not as commands" "644 644 644" \
		"$(stat -c %a "$u/bin/ll_common.sh" "$u/bin/ll_version.sh" "$u/bin/ll_workspace_lock.sh" | tr '\n' ' ' | sed 's/ $//')"
	mkdir -p "$T/copy"
	cp "$u/bin/replicate_dataset.sh" "$T/copy/"
	t_eq conv-install-4 "a copy of a tool elsewhere finds its setup on PATH" \
		"replicate_dataset.sh (Lightlane Studio) $T_VERSION" \
		"$(cd / && env PATH="$u/bin:/usr/bin:/bin" sh "$T/copy/replicate_dataset.sh" --version 2>&1)"
	t_eq conv-install-5 "installed man pages say LL_VERSION" "" \
		"$(for m in "$u"/share/man/man[137]/*; do
			grep -q '^\.so ' "$m" && continue
			grep -q "^\.TH .*\"Lightlane Studio $T_VERSION\"" "$m" || printf ' %s' "${m##*/}"
		done)"
	# A symlink into a directory of one's own still finds what is shipped
	# beside the real tool (share/lightlane/: the defaults and the sample).
	mkdir -p "$T/mybin" "$T/ws6/meta"
	ln -s "$u/bin/create_default_pipeline.sh" "$T/mybin/create_default_pipeline.sh"
	t_run sh -c "cd '$T/ws6' && env PATH='$u/bin:/usr/bin:/bin' '$T/mybin/create_default_pipeline.sh'"
	t_eq conv-install-6 "an installed tool called through a symlink elsewhere finds the shipped defaults" \
		"0 meta/fits/sample.json meta/pipeline/default.json" \
		"$T_STATUS $(cd "$T/ws6" && ls meta/fits/*.json meta/pipeline/*.json | tr '\n' ' ' | sed 's/ $//')"
else
	for i in 1 2 3 4 5 6; do
		t_skip "conv-install-$i" "make install" "only checked against the plain build"
	done
fi
