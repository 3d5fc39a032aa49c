#!/bin/sh
# download_chandra_data.sh: mirror a Chandra archive directory listing (the
# staged-retrieval URL) under fits/OBSID/..., resumably, with size checks.
# Exit: 0 ok, 1 network/server/listing/size/damaged-file error, 2 usage error.
#
# Two phases: walk every listing first (so a hostile or broken listing stops
# the run before anything is written, and the file count N is known), then
# fetch each file.  Names from the server never reach a shell: they are
# validated in awk, kept one per line (control characters are refused, so
# a name cannot contain a tab or a newline) and handed to curl, mkdir and mv
# as separate, quoted arguments after '--' or as option values.
#
# A server is not trusted with sizes or speed either: every body is read
# through a byte cap, every transfer has a low-speed limit, partial files
# live in DIR/.partial/ where no listed name can land (names starting with
# '.' are refused), and a FITS file is walked HDU by HDU before it is called
# complete.  Every curl runs in the background while the shell waits, so a
# signal reaches the trap at once and the trap stops curl.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi
max_depth=16
# A listing is a page of links; anything this large is not one.
listing_cap=20000000
tab=$(printf '\t')

usage() {
	cat <<EOF
usage: $prog URL [-d DIR] [-q] [--max-time S]
       [--max-bytes N] [--speed-limit B] [--speed-time S]
Mirror the Chandra archive listing at URL (an http or https directory, e.g.
the archive's staged-retrieval URL) under DIR/OBSID/..., following the
listing's subdirectories (primary/, secondary/, ...).

The OBSID directory is the last all-digit component of the URL path, and the
URL's path below it is kept (.../byobsid/5/5095/ -> DIR/5095/); a URL without
an all-digit component (a staging area holding OBSID folders) is mirrored
straight into DIR, so its folders become DIR/OBSID.

Files already present with the server's size are skipped; others are fetched
into DIR/.partial/NAME, resumed from there by the next run, and moved to NAME
when the size matches the server's Content-Length and the file checks out
(a .gz passes gzip -t; a FITS file's HDUs hold exactly the data their
headers announce).  Listing entries that would leave the target ('..',
absolute paths, backslashes, control characters, a leading '-' or '.') are
refused before anything is downloaded.  A listing is read up to 20000000
bytes.

  -d, --dir DIR      mirror under DIR (default: fits)
  -q, --quiet        no progress lines (they go to stderr only when it is a terminal)
  --max-time S       give up on any single transfer after S seconds
  --max-bytes N      refuse a file larger than N bytes (suffix K, M, G: powers
                     of 1024; default 8G), however the server sends it
  --speed-limit B    give up on a transfer slower than B bytes/s ...
  --speed-time S     ... for S seconds (default: 1000 bytes/s for 60 s)
  --help, --version

Example: $prog https://cxc.cfa.harvard.edu/cdaftp/byobsid/5/5095/
Exit status: 0 ok, 1 network, server, listing, size or damaged-file error, 2 usage
error; 130, 143, 129 on SIGINT, SIGTERM, SIGHUP (partial files kept).
EOF
}

# --- options --------------------------------------------------------------

url=
dir=fits
quiet=0
max_time=
max_bytes=8G
speed_limit=1000
speed_time=60
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	-q|--quiet) quiet=1 ;;
	-d|--dir|--max-time|--max-bytes|--speed-limit|--speed-time)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		--max-time) max_time=$2 ;;
		--max-bytes) max_bytes=$2 ;;
		--speed-limit) speed_limit=$2 ;;
		--speed-time) speed_time=$2 ;;
		*) dir=$2 ;;
		esac
		shift ;;
	--) shift
		for arg; do
			[ -z "$url" ] || usage_error "more than one URL"
			url=$arg
		done
		break ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) [ -z "$url" ] || usage_error "more than one URL"; url=$1 ;;
	esac
	shift
done
[ -n "$url" ] || usage_error "missing URL"
[ -n "$dir" ] || usage_error "option '-d' needs a non-empty directory"
case $max_time in
'') ;;
*[!0-9]*|0) usage_error "--max-time: not a positive whole number of seconds: '$max_time'" ;;
esac
case $speed_limit in
''|*[!0-9]*|0|?????????*) usage_error "--speed-limit: not a positive whole number of bytes per second: '$speed_limit'" ;;
esac
case $speed_time in
''|*[!0-9]*|0|?????????*) usage_error "--speed-time: not a positive whole number of seconds: '$speed_time'" ;;
esac
# Up to 8 digits and a binary suffix: far below 2^63 in shell arithmetic.
case $max_bytes in
''|*[!0-9KMG]*|[KMG]*|*[KMG]?*|0?*|?????????*) usage_error "--max-bytes: not a whole number of bytes with an optional K, M or G: '$max_bytes'" ;;
*K) max_bytes=$((${max_bytes%K} * 1024)) ;;
*M) max_bytes=$((${max_bytes%M} * 1048576)) ;;
*G) max_bytes=$((${max_bytes%G} * 1073741824)) ;;
esac
[ "$max_bytes" -gt 0 ] || usage_error "--max-bytes: must be positive"
case $url in
*[[:space:][:cntrl:]]*) usage_error "URL contains white space or a control character" ;;
http://?*|https://?*) ;;
*) usage_error "URL must start with http:// or https://: '$url'" ;;
esac
case $url in
*[?#]*) usage_error "URL must be a directory, without a query or fragment: '$url'" ;;
esac
case $url in
*/) ;;
*) url=$url/ ;;
esac

# Every curl call: no ~/.curlrc (an -i or -o there would corrupt the mirror;
# proxies still come from the environment), http(s) only even after a
# redirect, errors as an exit status, and given up when it stalls.  No
# --retry: a retried body would be appended again to the stream we cap.
set -- -q --fail --silent --show-error --location --connect-timeout 20 \
	--proto =http,https --proto-redir =http,https \
	--speed-limit "$speed_limit" --speed-time "$speed_time"
[ -z "$max_time" ] || set -- "$@" --max-time "$max_time"
# Listings and HEAD requests are small: bound them even without --max-time.
small_max_time=${max_time:-120}

ll_tmpdir "${TMPDIR:-/tmp}"
curl_pid='' head_pid=''
# on_signal STATUS: stop the transfer now (the shell is in 'wait', not in
# curl), keep the partial file for the next run, remove the temporaries.
# shellcheck disable=SC2317 # called from the traps below
on_signal() {
	for pid in $curl_pid $head_pid; do
		kill "$pid" 2>/dev/null || :
	done
	for pid in $curl_pid $head_pid; do
		wait "$pid" 2>/dev/null || :
	done
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# --- URL helpers (awk, C locale: bytes, not characters) -------------------

# The local prefix for URL: its path from the last all-digit component on,
# percent-decoded ("5095/" or "5095/primary/"), or "" when there is none.
# Prints "!" and a reason when a component is unsafe.
url_prefix() {
	printf '%s\n' "$1" | LC_ALL=C awk '
	function hexval(c) { return c == "" ? -1 : index("0123456789abcdef", tolower(c)) - 1 }
	{
		p = $0
		sub(/^[A-Za-z]+:\/\/[^\/]*/, "", p)
		n = split(p, seg, "/")
		start = 0
		for (i = 1; i <= n; i++) {
			s = seg[i]; d = ""
			for (j = 1; j <= length(s); j++) {
				c = substr(s, j, 1)
				if (c == "%" && hexval(substr(s, j + 1, 1)) >= 0 && hexval(substr(s, j + 2, 1)) >= 0) {
					v = hexval(substr(s, j + 1, 1)) * 16 + hexval(substr(s, j + 2, 1))
					c = (v < 32 || v == 127 || v == 47 || v == 92) ? "\\" : sprintf("%c", v)
					j += 2
				}
				d = d c
			}
			seg[i] = d
			if (d ~ /^[0-9]+$/) start = i
		}
		if (start == 0) { print ""; exit }
		out = ""
		for (i = start; i <= n; i++) {
			if (seg[i] == "" || seg[i] == ".") continue
			if (seg[i] == ".." || seg[i] ~ /^-/ || index(seg[i], "\\")) {
				print "!URL path component \047" seg[i] "\047 cannot name a local directory"
				exit
			}
			out = out seg[i] "/"
		}
		print out
	}'
}

# Classify the href entries of the HTML listing on stdin, fetched from the
# directory URL $1 (the effective URL, ending in "/").  One line each:
#   F<TAB>raw-relative-href<TAB>local-relative-path    a file below $1
#   D<TAB>raw-relative-href<TAB>local-relative-path/   a directory below $1
#   R<TAB>shown-href<TAB>reason                         refused
# Navigation is skipped without a word: sort links ("?C=N;O=D"), fragments,
# "./", "../", links to an ancestor of $1 (Apache's "Parent Directory"),
# and absolute URLs to another host or scheme.
classify_listing() {
	LC_ALL=C awk -v base="$1" '
	function hexval(c) { return c == "" ? -1 : index("0123456789abcdef", tolower(c)) - 1 }
	# HTML character references, so "&#46;&#46;/" is seen as "../".
	function unentity(s,   out, r, v, k) {
		out = ""
		while (match(s, /&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-z]+);/)) {
			r = substr(s, RSTART + 1, RLENGTH - 2)
			out = out substr(s, 1, RSTART - 1)
			s = substr(s, RSTART + RLENGTH)
			if (r ~ /^#[xX]/) {
				v = 0
				for (k = 3; k <= length(r); k++) v = v * 16 + hexval(substr(r, k, 1))
			} else if (r ~ /^#/) {
				v = substr(r, 2) + 0
			} else {
				v = (r == "amp") ? 38 : (r == "quot") ? 34 : (r == "apos") ? 39 : \
				    (r == "lt") ? 60 : (r == "gt") ? 62 : -1
			}
			# A NUL or a code above one byte stays as it was written.
			out = out ((v >= 1 && v <= 255) ? sprintf("%c", v) : "&" r ";")
		}
		return out s
	}
	# Percent-decode s; control characters become "?" and set bad_ctl,
	# an encoded "/" sets bad_slash.
	function decode(s,   out, i, c, v) {
		out = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "%" && hexval(substr(s, i + 1, 1)) >= 0 && hexval(substr(s, i + 2, 1)) >= 0) {
				v = hexval(substr(s, i + 1, 1)) * 16 + hexval(substr(s, i + 2, 1))
				i += 2
				if (v < 32 || v == 127) { bad_ctl = 1; c = "?" }
				else if (v == 47) { bad_slash = 1; c = "/" }
				else c = sprintf("%c", v)
			} else if (c ~ /[[:cntrl:]]/) {
				bad_ctl = 1; c = "?"
			}
			out = out c
		}
		return out
	}
	function shown(s) { gsub(/[[:cntrl:]]/, "?", s); return s }
	function refuse(h, why) { printf "R\t%s\t%s\n", shown(h), why; exit }
	function classify(h,   p, d, n, seg, i, rel, kind) {
		h = unentity(h)
		if (h == "" || h ~ /^[?#]/) return
		if (h ~ /^\/\//) h = scheme ":" h
		if (h ~ /^[A-Za-z][A-Za-z0-9+.-]*:/) {
			if (substr(h, 1, length(origin) + 1) != origin "/") return
			h = substr(h, length(origin) + 1)
		}
		if (h ~ /^\//) {
			p = h
			sub(/[?#].*$/, "", p)
			if (p == basepath || (substr(basepath, 1, length(p)) == p && \
			    (p ~ /\/$/ || substr(basepath, length(p) + 1, 1) == "/")))
				return
			if (substr(h, 1, length(basepath)) != basepath)
				refuse(h, "it leaves the target directory")
			h = substr(h, length(basepath) + 1)
		}
		if (h == "." || h == "./" || h == ".." || h == "../") return
		bad_ctl = bad_slash = 0
		d = decode(h)
		if (bad_ctl) refuse(h, "it contains a control character")
		if (index(d, "\\")) refuse(h, "it contains a backslash")
		if (bad_slash) refuse(h, "it contains an encoded slash")
		if (h ~ /[?#]/) refuse(h, "it has a query or fragment")
		if (d ~ /^\//) refuse(h, "it leaves the target directory")
		n = split(d, seg, "/")
		rel = ""
		for (i = 1; i <= n; i++) {
			if (seg[i] == "" || seg[i] == ".") continue
			if (seg[i] == "..") refuse(h, "it leaves the target directory")
			if (seg[i] ~ /^-/) refuse(h, "a path component starts with \047-\047")
			# DIR/.partial/ holds the partial files: no listed name may land there.
			if (seg[i] ~ /^\./) refuse(h, "a path component starts with \047.\047")
			rel = rel (rel == "" ? "" : "/") seg[i]
		}
		if (rel == "") return
		kind = "F"
		if (d ~ /\/$/) { kind = "D"; rel = rel "/" }
		if (seen[rel]++) return
		printf "%s\t%s\t%s\n", kind, h, rel
	}
	BEGIN {
		RS = ">"
		scheme = base; sub(/:.*/, "", scheme)
		basepath = base; sub(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\/]*/, "", basepath)
		origin = substr(base, 1, length(base) - length(basepath))
	}
	# A record ends at ">", so it holds at most one tag, even a tag that
	# spans lines.
	match($0, /<[aA][[:space:]][^>]*[hH][rR][eE][fF][[:space:]]*=[[:space:]]*("[^"]*"|\047[^\047]*\047|[^[:space:]>]+)/) {
		tag = substr($0, RSTART, RLENGTH)
		sub(/^.*[hH][rR][eE][fF][[:space:]]*=[[:space:]]*/, "", tag)
		if (tag ~ /^"/ || tag ~ /^\047/) tag = substr(tag, 2, length(tag) - 2)
		classify(tag)
	}'
}

# file_size FILE: its size in bytes.
file_size() {
	set -- "$(wc -c <"$1")"
	echo $(($1))
}

# header_size: the full size of the file from the header dump $tmp/head (of
# the last response, after redirects): the total of a Content-Range, else the
# Content-Length; empty when the server gives neither.
header_size() {
	LC_ALL=C awk '
		{ sub(/\r$/, "") }
		/^HTTP\// { len = total = ""; next }
		tolower($1) == "content-length:" && $2 ~ /^[0-9]+$/ { len = $2 }
		tolower($1) == "content-range:" && $NF ~ /\/[0-9]+$/ { total = $NF; sub(/.*\//, "", total) }
		END { print (total != "" ? total : len) }' "$tmp/head"
}

# curl_reason STATUS HTTP_CODE: why the last curl call failed, for an error
# line "prog: URL: reason": the HTTP status the server refused with, else
# curl's own message.
curl_reason() {
	case $1/$2 in
	22/404) printf 'not found (HTTP 404)' ;;
	22/[1-9][0-9][0-9]) printf 'HTTP %s' "$2" ;;
	*)
		set -- "$1" "$(sed -n 's/^curl: ([0-9]*) //p' "$tmp/curl.err" | tail -n 1)"
		if [ -n "$2" ]; then printf '%s' "$2"; else printf 'curl failed with status %s' "$1"; fi ;;
	esac
}

# run_curl ARGS...: curl ARGS (stdout and stderr as redirected by the
# caller), waited for in the background so that a signal is handled at
# once; its exit status in $status.
run_curl() {
	curl "$@" </dev/null &
	curl_pid=$!
	status=0
	wait "$curl_pid" || status=$?
	curl_pid=
}

# fetch_capped CAP OUT URL ARGS...: curl ARGS URL with the body appended to OUT, at
# most CAP bytes of it and one more (so an overlong body shows as OUT having
# grown by more than CAP): when the reader stops, curl fails writing and
# stops too.  A server cannot make it read on by leaving out Content-Length.
# curl's status in $status; its -w output and messages in $tmp/curl.err.
fetch_capped() {
	_cap=$1 _out=$2 _url=$3
	shift 3
	rm -f "$tmp/body"
	mkfifo "$tmp/body" || die "cannot create a pipe in $tmp"
	curl "$@" -o - -- "$_url" </dev/null >"$tmp/body" 2>"$tmp/curl.err" &
	curl_pid=$!
	head -c "$((_cap + 1))" <"$tmp/body" >>"$_out" &
	head_pid=$!
	status=0
	wait "$curl_pid" || status=$?
	_head_status=0
	wait "$head_pid" || _head_status=$?
	curl_pid='' head_pid=''
	[ "$_head_status" = 0 ] || die "$_out: cannot write"
}

# written VAR: the value curl printed with -w '%{stderr}@VAR=...' (first line).
written() {
	sed -n "s/^@$1=//p" "$tmp/curl.err" | head -n 1
}

# fits_walk: read a FITS file on stdin HDU by HDU: each header up to its END
# card, then exactly the data its header announces (|BITPIX|/8 * GCOUNT *
# (PCOUNT + NAXIS1 * ... * NAXISn), in 2880-byte blocks); the file must end
# where the last HDU does.  Prints why not and fails.
fits_walk() {
	_hdu=0
	while :; do
		_hdu=$((_hdu + 1))
		: >"$tmp/cards"
		_verdict='more'
		while [ "$_verdict" = more ]; do
			_n=$(dd bs=2880 count=1 iflag=fullblock 2>/dev/null | tee "$tmp/block" | wc -c)
			if [ "$_n" = 0 ] && [ "$_hdu" -gt 1 ] && [ ! -s "$tmp/cards" ]; then
				return 0
			fi
			if [ "$_n" != 2880 ]; then
				if [ -s "$tmp/cards" ] || [ "$_hdu" = 1 ]; then
					echo "HDU $_hdu: the header is cut short"
				else
					echo "$_n bytes after the last HDU"
				fi
				return 1
			fi
			# 36 cards a line each (fold leaves the last one without its newline).
			{ LC_ALL=C tr '\000-\037\177-\377' '?' <"$tmp/block" | fold -w 80; echo; } >>"$tmp/cards"
			_verdict=$(LC_ALL=C awk -v hdu="$_hdu" '
				# exit runs END: "failed" keeps it quiet.
				function bad(why) { print "HDU " hdu ": " why; failed = 1; exit }
				function whole(key) {
					if (!(key in v)) bad("no " key " keyword")
					if (v[key] !~ /^[+]?[0-9]+$/) bad(key " is not a whole number")
					return v[key] + 0
				}
				NR == 1 && hdu == 1 && $0 !~ /^SIMPLE  = +T( |$)/ { bad("not a FITS file (no SIMPLE = T)") }
				NR == 1 && hdu > 1 && $0 !~ /^XTENSION= / {
					print "HDU " hdu - 1 ": the data do not end where its header says (no XTENSION follows)"
					failed = 1
					exit
				}
				substr($0, 1, 8) ~ /^END +$/ || $0 == "END" { end = 1; exit }
				substr($0, 9, 2) == "= " {
					k = substr($0, 1, 8); sub(/ +$/, "", k)
					x = substr($0, 11); sub(/\/.*/, "", x); gsub(/ /, "", x)
					if (!(k in v)) v[k] = x
				}
				END {
					if (failed) exit
					if (!end) { print "more"; exit }
					if (v["BITPIX"] !~ /^(8|16|32|64|-32|-64)$/) bad("BITPIX is not 8, 16, 32, 64, -32 or -64")
					b = v["BITPIX"] + 0
					n = whole("NAXIS")
					if (n > 999) bad("NAXIS is above 999")
					size = 0
					if (n > 0) {
						size = 1
						for (i = 1; i <= n; i++) size *= whole("NAXIS" i)
						pc = ("PCOUNT" in v) ? whole("PCOUNT") : 0
						gc = ("GCOUNT" in v) ? whole("GCOUNT") : 1
						size = (b < 0 ? -b : b) / 8 * gc * (pc + size)
					}
					if (size > 1e15) bad("its header announces more than 10^15 bytes of data")
					printf "%.0f\n", (size + 2879 - (size + 2879) % 2880) / 2880
				}' "$tmp/cards")
			case $_verdict in
			more|[0-9]*) ;;
			*) echo "$_verdict"; return 1 ;;
			esac
		done
		[ "$_verdict" = 0 ] && continue
		_n=$(dd bs=2880 count="$_verdict" iflag=fullblock 2>/dev/null | wc -c)
		if [ "$_n" != $((_verdict * 2880)) ]; then
			echo "HDU $_hdu: its data are cut short ($_n of $((_verdict * 2880)) bytes)"
			return 1
		fi
	done
}

# file_check NAME FILE: a downloaded file that is a gzip or FITS file must be
# one: gzip -t, then the HDU walk.  Prints why not and fails.
file_check() {
	case $1 in
	*.gz|*.GZ)
		gzip -t -- "$2" 2>/dev/null || { echo "not a valid gzip file (gzip -t)"; return 1; } ;;
	esac
	case $1 in
	*.fits|*.fit|*.fts|*.evt|*.FITS|*.FIT|*.FTS|*.EVT) fits_walk <"$2" ;;
	*.fits.gz|*.fit.gz|*.fts.gz|*.evt.gz|*.FITS.gz|*.FIT.gz|*.FTS.gz|*.EVT.gz) gzip -dc -- "$2" | fits_walk ;;
	esac
}

# --- phase 1: walk the listings -------------------------------------------

prefix=$(url_prefix "$url")
case $prefix in
'!'*) usage_error "${prefix#!}" ;;
esac

: >"$tmp/files"
printf '%s\t./\n' "$url" >"$tmp/queue"
# The queue grows while it is read: the open descriptor reads on past the
# lines appended below.
while IFS= read -r line <&3; do
	durl=${line%%"$tab"*}
	drel=${line#*"$tab"}
	say "listing $durl"
	: >"$tmp/listing"
	fetch_capped "$listing_cap" "$tmp/listing" "$durl" "$@" --max-time "$small_max_time" \
		--max-filesize "$listing_cap" -w '%{stderr}@code=%{http_code}\n@url=%{url_effective}\n'
	[ "$(file_size "$tmp/listing")" -le "$listing_cap" ] ||
		die "$durl: the listing is larger than $listing_cap bytes"
	code=$(written code)
	base=$(written url)
	[ "$status" = 0 ] || die "$durl: $(curl_reason "$status" "$code")"
	base=${base%%[?#]*}
	base=${base%/*}/
	classify_listing "$base" <"$tmp/listing" >"$tmp/entries"
	while IFS=$tab read -r kind raw rel; do
		case $kind in
		R) die "$durl: refusing listing entry '$raw': $rel" ;;
		F) printf '%s%s\t%s%s\n' "$base" "$raw" "$drel" "$rel" >>"$tmp/files" ;;
		D)
			d=$drel$rel depth=0
			while :; do
				case $d in
				*/*) d=${d#*/} depth=$((depth + 1)) ;;
				*) break ;;
				esac
			done
			[ "$depth" -le "$max_depth" ] ||
				die "$base$raw: listing deeper than $max_depth levels"
			case $raw in
			*/) ;;
			*) raw=$raw/ ;;
			esac
			printf '%s%s\t%s%s\n' "$base" "$raw" "$drel" "$rel" >>"$tmp/queue"
			;;
		esac
	done <"$tmp/entries"
done 3<"$tmp/queue"

# --- phase 2: fetch the files ---------------------------------------------

n_files=$(($(wc -l <"$tmp/files")))
n=0
n_failed=0
n_got=0
# A failed file is reported and the others still fetched; status 1 at the end.
fail() {
	printf '%s: %s\n' "$prog" "$1" >&2
	n_failed=$((n_failed + 1))
}
# finish_file NAME PART LOCAL: move a partial file that has the server's size
# to its name once it checks out; a bad one is removed, so that the next run
# fetches the file whole.
finish_file() {
	if ! reason=$(file_check "$1" "$2"); then
		rm -f -- "$2"
		fail "$1: the downloaded file is damaged: $reason (removed; run again to fetch it whole)"
		return 0
	fi
	mv -f -- "$2" "$3" || die "$1: cannot move it from $2"
	n_got=$((n_got + 1))
}
while IFS=$tab read -r furl frel; do
	n=$((n + 1))
	name=$prefix${frel#./}
	local_path=$dir/$name
	part=$dir/.partial/$name
	say "[$n/$n_files] $name"

	# Only a file already (partly) here needs the server's size up front.
	if [ -f "$local_path" ] || [ -f "$part" ]; then
		run_curl "$@" --max-time "$small_max_time" --head -o /dev/null -D "$tmp/head" \
			-w '%{http_code}\n' -- "$furl" >"$tmp/curl.out" 2>"$tmp/curl.err"
		if [ "$status" != 0 ]; then
			read -r code <"$tmp/curl.out" || :
			fail "$furl: $(curl_reason "$status" "$code")"
			continue
		fi
		size=$(header_size)
		if [ -n "$size" ]; then
			if [ -f "$local_path" ] && [ "$(file_size "$local_path")" = "$size" ]; then
				continue
			fi
			if [ -f "$part" ]; then
				got=$(file_size "$part")
				if [ "$got" -gt "$size" ]; then
					rm -f -- "$part"    # left from an older, larger version of the file
				elif [ "$got" = "$size" ]; then
					[ -d "${local_path%/*}" ] || mkdir -p -- "${local_path%/*}" ||
						die "$name: cannot create its directory"
					finish_file "$name" "$part" "$local_path"
					continue
				fi
			fi
		fi
	fi

	for d in "${local_path%/*}" "${part%/*}"; do
		[ -d "$d" ] || mkdir -p -- "$d" || die "$name: cannot create the directory $d"
	done
	got=0
	[ ! -f "$part" ] || got=$(file_size "$part")
	[ "$got" -le "$max_bytes" ] || { rm -f -- "$part"; got=0; }
	resume=
	[ "$got" = 0 ] || resume="-C $got"
	# $resume is an option and digits: split on purpose.
	# shellcheck disable=SC2086
	fetch_capped "$((max_bytes - got))" "$part" "$furl" "$@" $resume --max-filesize "$max_bytes" \
		-D "$tmp/head" -w '%{stderr}@code=%{http_code}\n'
	if [ "$status" = 33 ]; then
		# The server cannot send a byte range: start over.
		rm -f -- "$part"
		fetch_capped "$max_bytes" "$part" "$furl" "$@" --max-filesize "$max_bytes" \
			-D "$tmp/head" -w '%{stderr}@code=%{http_code}\n'
	fi
	got=0
	if [ -s "$part" ]; then got=$(file_size "$part"); else rm -f -- "$part"; fi
	if [ "$got" -gt "$max_bytes" ]; then
		rm -f -- "$part"
		fail "$name: larger than $max_bytes bytes (--max-bytes): not kept"
		continue
	fi
	if [ "$status" = 63 ]; then
		fail "$name: the server announces more than $max_bytes bytes (--max-bytes): not fetched"
		continue
	fi
	[ "$status" != 23 ] || die "$part: cannot write: $(sed -n 's/^curl: //p' "$tmp/curl.err" | tail -n 1)"
	if [ "$status" != 0 ] && [ "$status" != 18 ]; then
		fail "$furl: $(curl_reason "$status" "$(written code)")"
		continue
	fi
	size=$(header_size)
	if [ -z "$size" ]; then
		rm -f -- "$part"
		fail "$furl: the server gives no Content-Length, so the size cannot be verified"
		continue
	fi
	if [ "$got" -lt "$size" ]; then
		fail "$name: truncated transfer: $got of $size bytes (run again to resume it from $part)"
		continue
	fi
	if [ "$got" -gt "$size" ]; then
		rm -f -- "$part"
		fail "$name: got $got bytes, the server announced $size"
		continue
	fi
	[ -f "$part" ] || : >"$part"    # an empty file: curl wrote nothing
	finish_file "$name" "$part" "$local_path"
done <"$tmp/files"
# Nothing partial left: no empty .partial/ tree either.
[ ! -d "$dir/.partial" ] || find "$dir/.partial" -depth -type d -empty -delete 2>/dev/null || :

say "$n_files files: $n_got downloaded, $((n_files - n_got - n_failed)) already complete, $n_failed failed"
[ "$n_failed" = 0 ] || exit 1
exit 0
