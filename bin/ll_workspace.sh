# ll_workspace.sh: helpers of the workflow scripts that create or analyse
# workspace files (create_pipeline.sh, make_var_analysis.sh); sourced after
# ll_common.sh, from $ll_dir.  Not a command.

# missing KIND WHAT NAME: die naming the absent file, the nearest existing
# name and what creates one.
missing() {
	hint=
	near=$(llws closest "$1" "$3" 2>/dev/null) && hint=" (did you mean '$near'?)"
	case $1 in
	fits) how="create_fits_metadata.sh --file FILE -n $3 creates it" ;;
	pipeline) how="create_pipeline.sh -n $3 -a DATASET (or create_default_pipeline.sh) creates it" ;;
	*) how="create_default_pipeline.sh writes meta/$1/default.json, copy and edit it" ;;
	esac
	die "$2 '$3': no meta/$1/$3.json$hint; $how"
}

# default_filters A_JSON: the A filters and the B filters (two lines, JSON
# lists) a dataset is analysed with by default; without wavelengths it is
# one band (DESIGN §7).
default_filters() {
	if [ "$(llws get "$1" no_wavelength 2>/dev/null)" != true ]; then
		printf '%s\n' '["gtifilter", "wrange", "wbin"]' '["generate", "wrange", "wbin"]'
		return
	fi
	inst=
	p=$(llws get "$1" path 2>/dev/null || llws get "$1" fits 2>/dev/null) || p=
	case $p in
	*.ev) head -c 65536 "$p" 2>/dev/null | ev2tsv 2>/dev/null ;;
	*) fits2ev --meta "$1" --filter '#ROW <= 1' 2>/dev/null | ev2tsv 2>/dev/null ;;
	esac | sed -n '1s/^# meta: //p' >"$tmp/src_meta.json"
	inst=$(llws get "$tmp/src_meta.json" instrument 2>/dev/null) || inst=
	case $inst in
	HRC*) printf '%s\n' '["chandrashift", "gtifilter"]' '["generate"]' ;;
	*) printf '%s\n' '["gtifilter"]' '["generate"]' ;;
	esac
}

rule="expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"

# check_name KIND WHAT NAME: a usage error unless NAME is a valid KIND name.
check_name() {
	llws check-name "$1" "$3" 2>/dev/null || usage_error "invalid $2 name '$3': $rule"
}

# json_list OPTION LIST: "a,b" as ["a", "b"] (names of letters only).
json_list() {
	case $2 in
	''|,*|*,|*,,*|*[!A-Za-z,]*) usage_error "$1: expected comma-separated names: '$2'" ;;
	esac
	printf '["%s"]' "$(printf '%s' "$2" | sed 's/,/", "/g')"
}
