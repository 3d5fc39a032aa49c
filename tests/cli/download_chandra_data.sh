#!/usr/bin/env bash
# download_chandra_data.sh: mirror, idempotence, resume, 404, truncation,
# hostile listings, OBSID rule, progress, usage errors.  Every server is on
# 127.0.0.1, every transfer bounded by --max-time, every server killed.
. "$(dirname "$0")/../lib.sh"

P=download_chandra_data.sh
pids=()
stop_servers() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap stop_servers EXIT

free_port() { "$T_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_up PORT: until the server answers (at most 5 s).
wait_up() {
	local _
	for _ in $(seq 50); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	echo "server on port $1 did not start" >&2
	return 1
}

# fits_hdu N CARD...: a FITS header of CARDs and END, then N random data
# bytes, each padded to 2880 bytes (header with spaces, data with zeros).
fits_hdu() {
	local n=$1 c
	shift
	{ for c in "$@" END; do printf '%-80s' "$c"; done; } >"$T/hdu"
	head -c $(((2880 - $(wc -c <"$T/hdu") % 2880) % 2880)) /dev/zero | tr '\0' ' ' >>"$T/hdu"
	head -c "$n" /dev/urandom >>"$T/hdu"
	head -c $(((2880 - n % 2880) % 2880)) /dev/zero >>"$T/hdu"
	cat "$T/hdu"
}
# mkfits N: a FITS file: a primary array of N bytes, then a binary table of
# 100 rows of 16 bytes and a 40-byte heap (PCOUNT).
mkfits() {
	fits_hdu "$1" "SIMPLE  =                    T" "BITPIX  =                    8" \
		"NAXIS   =                    1" "$(printf 'NAXIS1  = %20d' "$1")"
	fits_hdu 1640 "XTENSION= 'BINTABLE'" "BITPIX  =                    8" "NAXIS   =                    2" \
		"NAXIS1  =                   16" "NAXIS2  =                  100" "PCOUNT  =                   40" \
		"GCOUNT  =                    1" "TFIELDS =                    1" "TFORM1  = '16A     '"
}

# The archive's layout: an OBSID folder with an index file, primary/ and
# secondary/ products: FITS files of random data (an uncompressed one, a
# gzipped one of about 700 KB) and two real gzipped event files.
srv=$T/srv
mkdir -p "$srv/5095/primary" "$srv/5095/secondary"
mkfits 5000 >"$srv/5095/oif.fits"
mkfits 714000 | gzip -1 >"$srv/5095/primary/acisf05095N004_evt2.fits.gz"
cp "$T_OTHER/rxte_pca_m82ulx_xte_gx_test.evt.gz" "$srv/5095/primary/pcadf05095_000N001_asol1.fits.gz"
cp "$T_CHANDRA/chandra_acis_obs1479_multigti_evt2.fits.gz" "$srv/5095/secondary/acisf05095_000N004_bpix1.fits.gz"
bigsize=$(wc -c <"$srv/5095/primary/acisf05095N004_evt2.fits.gz")
# A staging area: a package folder holding OBSID folders.
mkdir -p "$srv/package/ABC"
cp -R "$srv/5095" "$srv/package/ABC/5095"
files="oif.fits primary/acisf05095N004_evt2.fits.gz primary/pcadf05095_000N001_asol1.fits.gz secondary/acisf05095_000N004_bpix1.fits.gz"

# same_tree SRC DST: every file of the list is in DST byte for byte, and DST
# holds nothing else (no partial file left over beside them), and no
# DST/../.partial/ is left.
same_tree() {
	local f
	for f in $files; do
		cmp -s "$1/$f" "$2/$f" || { echo "differs or missing: $f"; return 1; }
	done
	[ "$(cd "$2" && find . -type f | sort)" = "$(for f in $files; do echo "./$f"; done | sort)" ] ||
		{ echo "extra files: $(cd "$2" && find . -type f | sort | tr '\n' ' ')"; return 1; }
	[ ! -e "$2/../.partial" ] || { echo "left in .partial: $(find "$2/../.partial" | tr '\n' ' ')"; return 1; }
}

# --- usage ----------------------------------------------------------------

t_run $P --help
t_eq "$P-1" "--help exits 0 and prints the usage line" \
	"0 usage: $P URL [-d DIR] [-q] [--max-time S]" "$T_STATUS $(head -n 1 "$T/out")"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"
t_error "$P-3" "an unknown option is a usage error" 2 \
	"$P: unknown option '--bogus' (see '$P --help')" $P --bogus http://127.0.0.1:1/
t_error "$P-4" "a missing URL is a usage error" 2 "$P: missing URL (see '$P --help')" $P -d "$T/x"
t_error "$P-5" "a non-http URL is a usage error" 2 \
	"$P: URL must start with http:// or https://: 'file:///etc/' (see '$P --help')" $P file:///etc/
t_error "$P-6" "-d without a value is a usage error" 2 \
	"$P: option '-d' needs a value (see '$P --help')" $P http://127.0.0.1:1/ -d

t_error "$P-7" "a bad --max-time is a usage error" 2 \
	"$P: --max-time: not a positive whole number of seconds: '1.5' (see '$P --help')" $P http://127.0.0.1:1/ --max-time 1.5

# --- against Python's own http.server (no byte ranges) --------------------

port=$(free_port)
/usr/bin/python3 -m http.server --bind 127.0.0.1 "$port" --directory "$srv" 2>"$T/plain.log" >/dev/null &
pids+=($!)
wait_up "$port"
U=http://127.0.0.1:$port

cd "$T" || exit 1
t_run $P "$U/5095/" --max-time 10
t_eq "$P-8" "a mirror run exits 0 and is silent when stderr is not a terminal" "0 " "$T_STATUS $(cat "$T/err")"
t_check "$P-9" "every file lands under fits/5095/, byte-identical, nothing else" same_tree "$srv/5095" "$T/fits/5095"

touch -d '2001-01-01 00:00:00' "$T/fits/5095/primary/acisf05095N004_evt2.fits.gz"
: >"$T/plain.log"
t_run $P "$U/5095/" --max-time 10
t_eq "$P-10" "a second run exits 0 and fetches no file (HEAD only)" "0 0" \
	"$T_STATUS $(grep -c 'GET /5095/.*\.fits' "$T/plain.log")"
t_eq "$P-11" "a second run leaves complete files untouched" "2001-01-01" \
	"$(date -r "$T/fits/5095/primary/acisf05095N004_evt2.fits.gz" +%F)"

rm "$T/fits/5095/primary/acisf05095N004_evt2.fits.gz"
mkdir -p "$T/fits/.partial/5095/primary"
head -c 300000 "$srv/5095/primary/acisf05095N004_evt2.fits.gz" >"$T/fits/.partial/5095/primary/acisf05095N004_evt2.fits.gz"
t_run $P "$U/5095/" --max-time 10
t_eq "$P-12" "a partial file is fetched again whole when the server cannot send ranges" "0 " "$T_STATUS $(cat "$T/err")"
t_check "$P-13" "... and the result is complete with no partial file left" same_tree "$srv/5095" "$T/fits/5095"

ln -s nowhere "$srv/5095/secondary/acisf05095_000N004_msk1.fits.gz"
t_error "$P-14" "a listed file the server cannot find is an error naming its URL" 1 \
	"$P: $U/5095/secondary/acisf05095_000N004_msk1.fits.gz: not found (HTTP 404)" \
	$P "$U/5095/" -d "$T/m404" --max-time 10
t_check "$P-15" "... and the other files are still mirrored" same_tree "$srv/5095" "$T/m404/5095"
rm "$srv/5095/secondary/acisf05095_000N004_msk1.fits.gz"

t_error "$P-16" "a URL that is not there is an error naming it" 1 \
	"$P: $U/9999/: not found (HTTP 404)" $P "$U/9999" -d "$T/bad" --max-time 10
t_eq "$P-17" "... and writes nothing" absent "$([ -e "$T/bad" ] && echo present || echo absent)"

t_run $P "$U/package/ABC/" -d "$T/stage" --max-time 10
t_check "$P-18" "a staging URL without an OBSID mirrors its OBSID folders into DIR" \
	same_tree "$srv/5095" "$T/stage/5095"
t_run $P "$U/5095/primary/" -d "$T/sub" --max-time 10
t_eq "$P-19" "a URL below the OBSID keeps its path under DIR/OBSID" \
	"./5095/primary/acisf05095N004_evt2.fits.gz ./5095/primary/pcadf05095_000N001_asol1.fits.gz" \
	"$(cd "$T/sub" && find . -type f | sort | tr '\n' ' ' | sed 's/ $//')"

script -qec "$P $U/5095/ -d $T/tty --max-time 10" /dev/null </dev/null >"$T/tty.out" 2>&1
t_eq "$P-20" "on a terminal, progress names file n/N" \
	"$P: [1/4] 5095/oif.fits|$P: [2/4] 5095/primary/acisf05095N004_evt2.fits.gz|$P: 4 files: 4 downloaded, 0 already complete, 0 failed" \
	"$(tr -d '\r' <"$T/tty.out" | grep -E '\[1/4\]|\[2/4\]|files:' | paste -sd '|')"
script -qec "$P -q $U/5095/secondary/ -d $T/tty2 --max-time 10" /dev/null </dev/null >"$T/tty2.out" 2>&1
t_eq "$P-21" "-q silences progress on a terminal" "0" "$(wc -c <"$T/tty2.out")"

# --- against a test server: byte ranges, truncation, slow and hostile listings

cat >"$T/server.py" <<'EOF'
# A small archive server: files with byte ranges, synthetic listings, files
# announced longer than they are, files sent slowly, endless bodies without
# Content-Length, transfers that stall.  Reads config.json at every request;
# logs "METHOD PATH RANGE" lines.
import http.server, json, os, re, sys, time
root, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def log_message(self, *a):
        pass

    def do_HEAD(self):
        self.serve(False)

    def do_GET(self):
        self.serve(True)

    def serve(self, body):
        with open(log, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Range", "-")))
        with open(os.path.join(root, "config.json")) as f:
            cfg = json.load(f)
        path = self.path.split("?")[0]
        if path in cfg.get("endless", []):
            # No Content-Length: the body ends when the connection does.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            if body:
                chunk = b"<a href=\"x.fits\">x</a>\n" * 4000
                try:
                    while True:
                        self.wfile.write(chunk)
                except OSError:
                    pass
            return
        if path in cfg["raw"]:
            with open(os.path.join(root, cfg["raw"][path]), "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            return
        if path in cfg["listings"]:
            html = "<html><body>\n" + "".join('<a href="%s">entry</a>\n' % h for h in cfg["listings"][path])
            data = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            return
        fs = self.translate_path(path)
        if os.path.isdir(fs):
            return super().do_GET() if body else super().do_HEAD()
        if not os.path.isfile(fs):
            self.send_error(404)
            return
        data = open(fs, "rb").read()
        announced = len(data) + cfg["truncate"].get(path, 0)
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(re.match(r"bytes=(\d+)-$", rng).group(1))
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, announced - 1, announced))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(announced - start))
        self.end_headers()
        if not body:
            return
        if path in cfg["slow"]:
            self.wfile.write(data[start:len(data) // 2])
            self.wfile.flush()
            time.sleep(40)
        if path in cfg.get("stall", []):
            self.wfile.write(data[start:start + 100000])
            self.wfile.flush()
            time.sleep(600)
        self.wfile.write(data[start:])

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

Server(("127.0.0.1", port), Handler).serve_forever()
EOF

# config LISTINGS TRUNCATE SLOW [RAW [ENDLESS [STALL]]]: JSON for synthetic
# listings (path -> hrefs), files announced longer (path -> extra bytes),
# files sent slowly (paths), listings served from a file (path -> file name
# under srv/), endless bodies without Content-Length (paths), transfers that
# stop after 100000 bytes and hang (paths).
config() {
	printf '{"listings": %s, "truncate": %s, "slow": %s, "raw": %s, "endless": %s, "stall": %s}\n' \
		"$1" "$2" "$3" "${4:-"{}"}" "${5:-"[]"}" "${6:-"[]"}" >"$srv/config.json"
}
config '{}' '{}' '[]'
port2=$(free_port)
/usr/bin/python3 "$T/server.py" "$srv" "$port2" "$T/srv.log" 2>"$T/server.err" &
pids+=($!)
wait_up "$port2"
V=http://127.0.0.1:$port2
big=primary/acisf05095N004_evt2.fits.gz

mkdir -p "$T/res/.partial/5095/primary"
head -c 300000 "$srv/5095/$big" >"$T/res/.partial/5095/$big"
: >"$T/srv.log"
t_run $P "$V/5095/" -d "$T/res" --max-time 10
t_eq "$P-22" "a partial file is resumed with a byte range" "0 1" \
	"$T_STATUS $(grep -c "^GET /5095/$big bytes=300000-\$" "$T/srv.log")"
t_check "$P-23" "... and the resumed file is complete and identical" same_tree "$srv/5095" "$T/res/5095"

config '{}' '{}' "[\"/5095/$big\"]"
setsid $P "$V/5095/" -d "$T/kill" --max-time 60 2>"$T/kill.err" &
kpid=$!
pids+=("$kpid")
# The server sends half the file, then stalls; kill once most of it is on disk
# (curl's own buffer may hold back the last few KB).
for _ in $(seq 250); do
	[ "$(wc -c 2>/dev/null <"$T/kill/.partial/5095/$big" || echo 0)" -ge 300000 ] && break
	sleep 0.1
done
kill -TERM -- "-$kpid"
wait "$kpid"
got=$(wc -c <"$T/kill/.partial/5095/$big")
t_eq "$P-24" "a killed transfer leaves only the partial file, holding part of the file" "absent yes" \
	"$([ -e "$T/kill/5095/$big" ] && echo present || echo absent) $([ "$got" -ge 300000 ] && [ "$got" -le $((bigsize / 2)) ] && echo yes || echo "no: $got bytes")"
config '{}' '{}' '[]'
: >"$T/srv.log"
t_run $P "$V/5095/" -d "$T/kill" --max-time 10
t_eq "$P-25" "the next run resumes the killed transfer where it stopped" "0 1" \
	"$T_STATUS $(grep -c "^GET /5095/$big bytes=$got-\$" "$T/srv.log")"
t_check "$P-26" "... and the file is complete and identical" same_tree "$srv/5095" "$T/kill/5095"

config '{}' "{\"/5095/$big\": 1000}" '[]'
t_error "$P-27" "a transfer shorter than its Content-Length is an error naming the file" 1 \
	"$P: 5095/$big: truncated transfer: $bigsize of $((bigsize + 1000)) bytes (run again to resume it from $T/trunc/.partial/5095/$big)" \
	$P "$V/5095/" -d "$T/trunc" --max-time 10
t_eq "$P-28" "... and leaves no complete-looking file, only the partial one" "absent $bigsize" \
	"$([ -e "$T/trunc/5095/$big" ] && echo present || echo absent) $(wc -c <"$T/trunc/.partial/5095/$big")"

# Navigation links are skipped; only entries below the listing are mirrored.
config "{\"/nav/5095/\": [\"/\", \"/nav/\", \"../\", \"./\", \"?C=N;O=D\", \"?C=M&amp;O=A\", \"#top\",
	\"http://example.org/5095/x.fits\", \"mailto:cdaftp@cfa.harvard.edu\", \"$V/nav/\",
	\"/nav/5095/primary/\", \"$V/nav/5095/oif.fits\", \"secondary/\"]}" '{}' '[]'
mkdir -p "$srv/nav"
cp -R "$srv/5095" "$srv/nav/5095"
t_run $P "$V/nav/5095/" -d "$T/nav" --max-time 10
t_eq "$P-29" "parent, sort, fragment and other-host links are skipped, own absolute links kept" \
	"0 ./5095/oif.fits ./5095/primary/acisf05095N004_evt2.fits.gz ./5095/primary/pcadf05095_000N001_asol1.fits.gz ./5095/secondary/acisf05095_000N004_bpix1.fits.gz" \
	"$T_STATUS $(cd "$T/nav" && find . -type f | sort | tr '\n' ' ' | sed 's/ $//')"

# An Apache-style listing: icons, sort links, an absolute parent link, a tag
# across two lines, single-quoted and unquoted attribute values.
mkdir -p "$srv/raw"
cp -R "$srv/5095" "$srv/raw/5095"
cat >"$srv/apache.html" <<'EOF'
<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /raw/5095</title>
 </head>
 <body>
<h1>Index of /raw/5095</h1>
<pre><img src="/icons/blank.gif" alt="Icon "> <a href="?C=N;O=D">Name</a>  <a href="?C=M;O=A">Last modified</a>  <a href="?C=S;O=A">Size</a><hr><img src="/icons/back.gif" alt="[PARENTDIR]"> <a href="/raw/">Parent Directory</a>        -
<img src="/icons/unknown.gif" alt="[   ]"> <a href="oif.fits">oif.fits</a>     2024-01-01 10:00  5.0K
<img src="/icons/folder.gif" alt="[DIR]"> <A
 HREF='primary/'>primary/</a>     2024-01-01 10:00    -
<img src="/icons/folder.gif" alt="[DIR]"> <a class=dir href=secondary/>secondary/</a>   2024-01-01 10:00    -
<hr></pre>
</body></html>
EOF
config '{}' '{}' '[]' '{"/raw/5095/": "apache.html"}'
t_run $P "$V/raw/5095/" -d "$T/apache" --max-time 10
t_check "$P-30" "an Apache listing is followed: every file, nothing else" same_tree "$srv/5095" "$T/apache/5095"

port3=$(free_port)
t_error "$P-31" "a server that is not there is an error naming the URL and curl's reason" 1 \
	"$P: http://127.0.0.1:$port3/5095/: Failed to connect to 127.0.0.1 port $port3 *" \
	$P "http://127.0.0.1:$port3/5095/" -d "$T/none" --max-time 10

# Hostile entries: each listing holds a harmless file first, then one bad
# entry; the run must stop before writing anything.
n=32
while IFS='|' read -r href shown why; do
	config "{\"/bad/5095/\": [\"oif.fits\", \"$href\"]}" '{}' '[]'
	t_error "$P-$n" "refuses the listing entry $shown" 1 \
		"$P: $V/bad/5095/: refusing listing entry '$shown': $why" \
		$P "$V/bad/5095/" -d "$T/target/fits" --max-time 10
	n=$((n + 1))
done <<'EOF'
../../evil|../../evil|it leaves the target directory
/etc/passwd|/etc/passwd|it leaves the target directory
primary/../../../evil|primary/../../../evil|it leaves the target directory
%2e%2e/%2e%2e/evil|%2e%2e/%2e%2e/evil|it leaves the target directory
..%5c..%5cevil|..%5c..%5cevil|it contains a backslash
evil%0a.fits|evil%0a.fits|it contains a control character
-rf.fits|-rf.fits|a path component starts with '-'
..%2f..%2fevil|..%2f..%2fevil|it contains an encoded slash
&#46;&#46;/evil|../evil|it leaves the target directory
EOF
t_eq "$P-$n" "hostile listings write nothing, inside or outside the target" "" \
	"$(cd "$T" && { ls -A target 2>/dev/null; find . -name '*evil*' -o -name '-rf*'; })"

# --- hostile servers: sizes, stalls, names, signals, damaged resumes --------
# Runs below keep their temporary directory in $T/dltmp, which must be empty
# after each; every run is bounded by timeout(1).
mkdir -p "$T/dltmp"
export TMPDIR=$T/dltmp
no_temp() { ls -A "$T/dltmp"; }

config '{"/bad/5095/": ["oif.fits", ".partial/5095/oif.fits"]}' '{}' '[]'
t_error "$P-42" "refuses a listing entry starting with '.' (partial files live in DIR/.partial)" 1 \
	"$P: $V/bad/5095/: refusing listing entry '.partial/5095/oif.fits': a path component starts with '.'" \
	timeout 30 $P "$V/bad/5095/" -d "$T/dot" --max-time 10

config '{}' '{}' '[]' '{}' '["/endless/"]'
t_error "$P-43" "a listing without Content-Length is read up to 20000000 bytes, then refused" 1 \
	"$P: $V/endless/: the listing is larger than 20000000 bytes" \
	timeout 30 $P "$V/endless/" -d "$T/endless"
t_eq "$P-44" "... and nothing is written, no temporary file left" "absent " \
	"$([ -e "$T/endless" ] && echo present || echo absent) $(no_temp)"

mkdir -p "$srv/huge/5095"
cp "$srv/5095/oif.fits" "$srv/huge/5095/"
config '{"/huge/5095/": ["huge.fits", "oif.fits"]}' '{}' '[]' '{}' '["/huge/5095/huge.fits"]'
t_error "$P-45" "a file without Content-Length stops at --max-bytes" 1 \
	"$P: 5095/huge.fits: larger than 1048576 bytes (--max-bytes): not kept" \
	timeout 30 $P "$V/huge/5095/" -d "$T/huge" --max-bytes 1M
t_eq "$P-46" "... keeps nothing of it, and still mirrors the other file" "absent absent yes " \
	"$([ -e "$T/huge/5095/huge.fits" ] && echo present || echo absent) $([ -e "$T/huge/.partial" ] && echo present || echo absent) $(cmp -s "$srv/5095/oif.fits" "$T/huge/5095/oif.fits" && echo yes) $(no_temp)"

mkdir -p "$srv/stall"
cp -R "$srv/5095" "$srv/stall/5095"
config "{\"/stall/5095/\": [\"oif.fits\", \"$big\"]}" '{}' '[]' '{}' '[]' "[\"/stall/5095/$big\"]"
SECONDS=0
t_error "$P-47" "a stalled transfer is given up after --speed-time at --speed-limit" 1 \
	"$P: $V/stall/5095/$big: Operation too slow. Less than 1000 bytes/sec transferred the last 2 seconds" \
	timeout 30 $P "$V/stall/5095/" -d "$T/stall" --speed-time 2
t_eq "$P-48" "... soon, keeping the 100000 bytes it got for the next run" "yes 100000 " \
	"$([ "$SECONDS" -le 20 ] && echo yes || echo "no: $SECONDS s") $(wc -c <"$T/stall/.partial/5095/$big") $(no_temp)"

# A listed file named X.part beside X, listed first: before, X's resume
# file was X.part, so X was resumed from the other file's bytes.
mkdir -p "$srv/coll/5095"
cp "$srv/5095/oif.fits" "$srv/coll/5095/oif.fits"
mkfits 100 >"$srv/coll/5095/oif.fits.part"
config '{"/coll/5095/": ["oif.fits.part", "oif.fits"]}' '{}' '[]'
t_run timeout 30 $P "$V/coll/5095/" -d "$T/coll" --max-time 10
t_eq "$P-49" "a listed X.part and X are both mirrored byte for byte" "0 yes yes" \
	"$T_STATUS $(cmp -s "$srv/coll/5095/oif.fits.part" "$T/coll/5095/oif.fits.part" && echo yes) $(cmp -s "$srv/coll/5095/oif.fits" "$T/coll/5095/oif.fits" && echo yes)"

# SIGTERM to the script alone (not its group), in the middle of a transfer
# the server leaves hanging for 40 s: curl must go with it at once.
config '{}' '{}' "[\"/5095/$big\"]"
setsid $P "$V/5095/" -d "$T/term" --max-time 60 2>"$T/term.err" &
tpid=$!
pids+=("$tpid")
for _ in $(seq 250); do
	[ "$(wc -c 2>/dev/null <"$T/term/.partial/5095/$big" || echo 0)" -ge 300000 ] && break
	sleep 0.1
done
# The session (setsid made the script its leader) holds the script and curl.
n_before=$(ps -o pid= -s "$tpid" | wc -l)
kill -TERM "$tpid"
for _ in $(seq 50); do
	[ -z "$(ps -o pid= -s "$tpid")" ] && break
	sleep 0.1
done
left=$(ps -o pid=,args= -s "$tpid")
kill -KILL -- "-$tpid" 2>/dev/null
wait "$tpid"
t_eq "$P-50" "SIGTERM ends the run and its curl within 5 s, status 143" "143 yes " \
	"$? $([ "$n_before" -ge 2 ] && echo yes || echo "no: $n_before processes before") $left"
got=$(wc -c <"$T/term/.partial/5095/$big")
t_eq "$P-51" "... removes its temporary directory, keeps the partial file, names no complete one" \
	"absent yes " \
	"$([ -e "$T/term/5095/$big" ] && echo present || echo absent) $([ "$got" -ge 300000 ] && echo yes || echo "no: $got bytes") $(no_temp)"

# Resumed from bytes that are not the file's (an older version of it): the
# size matches, the content must not pass.
config '{}' '{}' '[]'
mkdir -p "$T/damaged/.partial/5095/primary"
mkfits 714000 | gzip -1 | head -c 300000 >"$T/damaged/.partial/5095/$big"
: >"$T/srv.log"
t_error "$P-52" "a resumed .gz whose bytes differ fails gzip -t and is not called complete" 1 \
	"$P: 5095/$big: the downloaded file is damaged: not a valid gzip file (gzip -t) (removed; run again to fetch it whole)" \
	timeout 30 $P "$V/5095/" -d "$T/damaged" --max-time 10
t_eq "$P-53" "... it was resumed, then removed, no file under its name" "1 absent absent" \
	"$(grep -c "^GET /5095/$big bytes=300000-\$" "$T/srv.log") $([ -e "$T/damaged/5095/$big" ] && echo present || echo absent) $([ -e "$T/damaged/.partial/5095/$big" ] && echo present || echo absent)"
t_run timeout 30 $P "$V/5095/" -d "$T/damaged" --max-time 10
t_check "$P-54" "the next run fetches it whole: complete and identical" same_tree "$srv/5095" "$T/damaged/5095"

mkdir -p "$T/damaged2/.partial/5095"
mkfits 100 >"$T/damaged2/.partial/5095/oif.fits"
t_error "$P-55" "a resumed FITS file whose HDUs do not add up is not called complete" 1 \
	"$P: 5095/oif.fits: the downloaded file is damaged: HDU 2: the data do not end where its header says (no XTENSION follows) (removed; run again to fetch it whole)" \
	timeout 30 $P "$V/5095/" -d "$T/damaged2" --max-time 10

# The walk's arithmetic against astropy: the test files are valid FITS and
# each ends where astropy says its last HDU does.
t_py "$P-56" "astropy reads the test FITS files (PCOUNT heap included) and their sizes add up" '
import gzip, io, sys
from astropy.io import fits
for path in sys.argv[1:]:
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    with fits.open(io.BytesIO(raw)) as h:
        h.verify("exception")
        ends = [h.fileinfo(i)["datLoc"] + h.fileinfo(i)["datSpan"] for i in range(len(h))]
        assert ends[-1] == len(raw), (path, ends[-1], len(raw))
' "$srv/5095/oif.fits" "$srv/5095/$big" "$srv/5095/primary/pcadf05095_000N001_asol1.fits.gz" \
	"$srv/5095/secondary/acisf05095_000N004_bpix1.fits.gz" "$srv/coll/5095/oif.fits.part"

t_error "$P-57" "a file announced larger than --max-bytes is not fetched" 1 \
	"$P: 5095/$big: the server announces more than 512000 bytes (--max-bytes): not fetched" \
	timeout 30 $P "$V/5095/" -d "$T/cap" --max-time 10 --max-bytes 500K
t_eq "$P-58" "... nothing of it is kept, the other files are" "absent absent 3 " \
	"$([ -e "$T/cap/5095/$big" ] && echo present || echo absent) $([ -e "$T/cap/.partial" ] && echo present || echo absent) $(find "$T/cap/5095" -type f | wc -l) $(no_temp)"

t_error "$P-59" "a bad --max-bytes is a usage error" 2 \
	"$P: --max-bytes: not a whole number of bytes with an optional K, M or G: '1X' (see '$P --help')" \
	$P http://127.0.0.1:1/ --max-bytes 1X
t_error "$P-60" "a bad --speed-time is a usage error" 2 \
	"$P: --speed-time: not a positive whole number of seconds: '0' (see '$P --help')" \
	$P http://127.0.0.1:1/ --speed-time 0
