/* fits2ev: a FITS event file (plain or gzip) to an LLEV stream.
 * stdin: nothing.  stdout (or -o FILE): LLEV stream.
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * The wavelength rules, metadata keys and --meta JSON keys are in fits2ev(1). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "die.h"
#include "ev.h"
#include "fits_events.h"
#include "meta.h"
#include "workspace.h"

static const char usage_text[] =
	"usage: fits2ev [OPTIONS] FILE.fits[.gz]\n"
	"       fits2ev [OPTIONS] --meta meta/fits/NAME.json\n"
	"Convert the events table of an OGIP event file (gzip too) to an LLEV\n"
	"stream.  The events table is the extension named EVENTS, else the first\n"
	"binary table with HDUCLAS1 EVENT(S), else the first with a TIME column.\n"
	"Column names match in any case.  Wavelength (nm) comes from the first of:\n"
	"TG_LAM (Angstrom), WAVELENGTH (nm), ENERGY (eV, 1239.84198/E), each in\n"
	"the unit its TUNIT names when it has one; else give --wave-col and\n"
	"--wave-unit, or --no-wavelength (all NaN).  A WBIN column is read into\n"
	"wbin (else -1).  GTIs come from the extensions named GTI or STDGTI (or\n"
	"HDUCLAS1 GTI); with several, the intersection of those of the CCDs that\n"
	"have events.  Header facts (OBS_ID, OBJECT, INSTRUME, MJDREF, TIMEDEL,\n"
	"TIMEPIXR, ...) go into the metadata.\n"
	"\n"
	"  --meta FILE       read the dataset JSON (keys: fits or path, wave_col,\n"
	"                    wave_unit, no_wavelength, filter, gti_ccd); options\n"
	"                    given on the command line win\n"
	"  --wave-col COL    take the wavelength from column COL\n"
	"  --wave-unit U     unit of COL: angstrom, nm, ev or kev, optionally with\n"
	"                    a scale per column step: 14.6eV (HRC PI as the original\n"
	"                    tool read it; HRC PI carries almost no energy\n"
	"                    information), 10eV (NICER PI)\n"
	"  --dither          spread each integer value uniformly over its step\n"
	"                    (a channel's width), seeded by --seed\n"
	"  --seed N          seed of --dither (default: a fresh one, recorded)\n"
	"  --no-wavelength   no wavelength: every event gets NaN\n"
	"  --filter EXPR     cfitsio row filter, e.g. 'energy > 500 && ccd_id == 7'\n"
	"  --gti-ccd N       use the GTI extension with CCD_ID = N (default: the\n"
	"                    only one, or the intersection of those of the CCDs\n"
	"                    in the ccd_id column)\n"
	"  -o, --output F    write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev acisf10027_evt2.fits.gz | wrange --min 0.1 --max 1 | evinfo\n"
	"         fits2ev --wave-col PI --wave-unit 10eV --dither --seed 1 ni.evt\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum {
	OPT_META = CLI_FIRST_PROGRAM_OPTION, OPT_WAVE_COL, OPT_WAVE_UNIT,
	OPT_NO_WAVELENGTH, OPT_FILTER, OPT_GTI_CCD, OPT_DITHER
};

struct opts {
	struct fits_events_opts fe;
	const char *meta_file;
	json_t *meta_json;	/* keeps the --meta strings alive */
	char *dataset;
};

static struct fits_events_unit
unit_arg(const char *word, const char *where)
{
	struct fits_events_unit u;

	if (!fits_events_parse_unit(word, &u))
		cli_usage_error("%s: unknown unit '%s' (angstrom, nm, ev or kev, optionally "
				"after a scale: 14.6eV)", where, word);
	return u;
}

/* Fill the options the command line left unset from the dataset JSON.
 * A wrong key or type is an input error (status 1) naming the file and key. */
static void
apply_meta_file(struct opts *o, bool have_unit, bool have_no_wave, bool have_gti_ccd)
{
	json_error_t err;
	json_t *j = json_load_file(o->meta_file, JSON_REJECT_DUPLICATES, &err), *v;
	const char *key, *path = NULL;
	const char *slash, *base;
	size_t n;
	struct ws_dataset ds;
	char why[512];

	if (!j)
		die(EXIT_RUNTIME, "%s: not valid JSON: %s (line %d)", o->meta_file, err.text, err.line);
	/* The workspace schema: every key known (also those only other tools
	 * read: processing, description, generated), types and values. */
	if (!ws_dataset_from_json(j, &ds, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", o->meta_file, why);
	json_object_foreach(j, key, v) {
		bool is_string = json_is_string(v);

		if (strcmp(key, "fits") == 0 || strcmp(key, "path") == 0) {
			if (!is_string)
				die(EXIT_RUNTIME, "%s: %s: expected a file name string", o->meta_file, key);
			path = json_string_value(v);
		} else if (strcmp(key, "wave_col") == 0) {
			if (!is_string)
				die(EXIT_RUNTIME, "%s: wave_col: expected a column name string", o->meta_file);
			if (!o->fe.wave_col)
				o->fe.wave_col = json_string_value(v);
		} else if (strcmp(key, "wave_unit") == 0) {
			struct fits_events_unit u;

			if (!is_string || !fits_events_parse_unit(json_string_value(v), &u))
				die(EXIT_RUNTIME, "%s: wave_unit: expected \"angstrom\", \"nm\", \"ev\" or \"kev\"",
				    o->meta_file);
			if (!have_unit)
				o->fe.wave_unit = u;
		} else if (strcmp(key, "no_wavelength") == 0) {
			if (!json_is_boolean(v))
				die(EXIT_RUNTIME, "%s: no_wavelength: expected true or false", o->meta_file);
			if (!have_no_wave)
				o->fe.no_wavelength = json_is_true(v);
		} else if (strcmp(key, "filter") == 0) {
			if (!is_string && !json_is_null(v))
				die(EXIT_RUNTIME, "%s: filter: expected a cfitsio row filter string", o->meta_file);
			if (!o->fe.filter && is_string)
				o->fe.filter = json_string_value(v);
		} else if (strcmp(key, "gti_ccd") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				die(EXIT_RUNTIME, "%s: gti_ccd: expected a CCD number >= 0", o->meta_file);
			if (!have_gti_ccd)
				o->fe.gti_ccd = (long)json_integer_value(v);
		}
	}
	if (!path)
		die(EXIT_RUNTIME, "%s: no \"fits\" (or \"path\") key naming the FITS file", o->meta_file);
	o->fe.path = path;
	o->meta_json = j;
	/* The dataset is named after the JSON file: meta/fits/NAME.json -> NAME. */
	slash = strrchr(o->meta_file, '/');
	base = slash ? slash + 1 : o->meta_file;
	o->dataset = xstrdup(base);
	n = strlen(o->dataset);
	if (n > 5 && strcmp(o->dataset + n - 5, ".json") == 0)
		o->dataset[n - 5] = '\0';
	o->fe.dataset = o->dataset;
}

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "meta", required_argument, NULL, OPT_META },
		{ "wave-col", required_argument, NULL, OPT_WAVE_COL },
		{ "wave-unit", required_argument, NULL, OPT_WAVE_UNIT },
		{ "no-wavelength", no_argument, NULL, OPT_NO_WAVELENGTH },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "gti-ccd", required_argument, NULL, OPT_GTI_CCD },
		{ "dither", no_argument, NULL, OPT_DITHER },
		CLI_OPT_SEED, CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { .fe = { .gti_ccd = -1 } };
	bool have_unit = false, have_no_wave = false, have_gti_ccd = false;
	int c;

	cli_init(argc, argv, "fits2ev", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_META:
			o.meta_file = optarg;
			break;
		case OPT_WAVE_COL:
			if (*optarg == '\0')
				cli_usage_error("--wave-col: empty column name");
			o.fe.wave_col = optarg;
			break;
		case OPT_WAVE_UNIT:
			o.fe.wave_unit = unit_arg(optarg, "--wave-unit");
			have_unit = true;
			break;
		case OPT_NO_WAVELENGTH:
			o.fe.no_wavelength = have_no_wave = true;
			break;
		case OPT_FILTER:
			if (*optarg == '\0')
				cli_usage_error("--filter: empty expression");
			o.fe.filter = optarg;
			break;
		case OPT_DITHER:
			o.fe.dither = true;
			break;
		case OPT_GTI_CCD: {
			long v = cli_long(optarg, "--gti-ccd");

			if (v < 0)
				cli_usage_error("--gti-ccd: must be 0 or more: '%s'", optarg);
			o.fe.gti_ccd = v;
			have_gti_ccd = true;
			break;
		}
		default:
			cli_common_option(c);
		}
	}
	if (o.meta_file) {
		if (optind < argc)
			cli_usage_error("give either FILE or --meta, not both");
	} else {
		if (optind >= argc)
			cli_usage_error("no input: give a FITS file or --meta meta/fits/NAME.json");
		if (optind + 1 < argc)
			cli_usage_error("one FITS file at a time: unexpected '%s'", argv[optind + 1]);
		o.fe.path = argv[optind];
	}
	if (o.fe.no_wavelength && (o.fe.wave_col || have_unit))
		cli_usage_error("--no-wavelength and --wave-col/--wave-unit exclude each other");
	if (cli_seed_given() && !o.fe.dither)
		cli_usage_error("--seed is for --dither, the only random thing fits2ev does");
	if (o.meta_file)
		apply_meta_file(&o, have_unit, have_no_wave, have_gti_ccd);
	if (o.fe.no_wavelength && o.fe.dither)
		cli_usage_error("--dither needs a wavelength column, not --no-wavelength");
	if (o.fe.no_wavelength) {
		o.fe.wave_col = NULL;
		o.fe.wave_unit = (struct fits_events_unit){ FITS_EVENTS_UNIT_NONE, 1 };
	}
	if (o.fe.wave_col && o.fe.wave_unit.base == FITS_EVENTS_UNIT_NONE)
		cli_usage_error("--wave-col %s needs --wave-unit angstrom|nm|ev|kev", o.fe.wave_col);
	if (!o.fe.wave_col && o.fe.wave_unit.base != FITS_EVENTS_UNIT_NONE)
		cli_usage_error("--wave-unit needs --wave-col");
	if (o.fe.dither)
		o.fe.seed = cli_seed();
	return o;
}

/* Rows converted and written at a time by a worker: 512 KiB of records. */
#define WORK_ROWS 32768
/* Workers: one per core up to two.  Decoding runs in parallel, writes one
 * at a time in row order; two already overlap one's decoding with the
 * other's write (a kernel copy into the pipe or file). */
#define MAX_WORKERS 2

/* The conversion shared by the workers. */
struct work {
	struct fits_events_reader *in;
	struct ev_writer *out;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* `turn` moved or `stop` set */
	long long next_row;		/* the first row of the next block handed out */
	unsigned long long handed;	/* blocks handed out */
	unsigned long long turn;	/* the block whose records go out next */
	bool stop;			/* a bad row or a failed write: no more blocks */
	int write_err;			/* errno of the failed write */
	char why[1024];			/* the first bad row, when there was one */
};

/* One worker: take the next block of rows, decode it into its own buffer,
 * wait for its turn, write it.  A bad row is reported at its turn, after
 * every record before it went out, and stops the others; so does a failed
 * write.  Runs in main's thread too. */
static void *
worker(void *arg)
{
	struct work *wk = arg;
	struct fits_events_cursor *c = fits_events_cursor_new(wk->in);
	struct ev_event *buf = xmalloc((size_t)WORK_ROWS * sizeof *buf);
	char why[sizeof wk->why];

	for (;;) {
		unsigned long long seq;
		long long first;
		long n;
		int err = 0;

		pthread_mutex_lock(&wk->mu);
		if (wk->stop || wk->next_row > fits_events_rows(wk->in)) {
			pthread_mutex_unlock(&wk->mu);
			break;
		}
		first = wk->next_row;
		wk->next_row += WORK_ROWS;
		seq = wk->handed++;
		pthread_mutex_unlock(&wk->mu);

		n = fits_events_try_read_at(c, first, buf, WORK_ROWS, why, sizeof why);

		pthread_mutex_lock(&wk->mu);
		while (wk->turn != seq && !wk->stop)
			pthread_cond_wait(&wk->cv, &wk->mu);
		if (wk->stop) {
			pthread_mutex_unlock(&wk->mu);
			break;
		}
		if (n < 0) {
			snprintf(wk->why, sizeof wk->why, "%s", why);
			wk->stop = true;
			pthread_cond_broadcast(&wk->cv);
			pthread_mutex_unlock(&wk->mu);
			break;
		}
		pthread_mutex_unlock(&wk->mu);
		/* Our turn: the others wait for `turn` to move, so the writer is
		 * ours alone until then. */
		err = ev_writer_try_write(wk->out, buf, (size_t)n);
		pthread_mutex_lock(&wk->mu);
		if (err) {
			wk->write_err = err;
			wk->stop = true;
		} else {
			wk->turn++;
		}
		pthread_cond_broadcast(&wk->cv);
		pthread_mutex_unlock(&wk->mu);
		if (err)
			break;
	}
	free(buf);
	fits_events_cursor_free(c);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct fits_events_reader *in = fits_events_open(&o.fe);
	struct work wk = { .in = in, .next_row = 1 };
	pthread_t helper[MAX_WORKERS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n_helpers = 0, want;

	if (o.fe.dither)
		meta_add_seed(fits_events_meta(in), o.fe.seed);
	wk.out = ev_writer_open_path(cli_output, cli_command_line(), fits_events_meta(in));
	ev_writer_expect(wk.out, (uint64_t)fits_events_rows(in));
	pthread_mutex_init(&wk.mu, NULL);
	pthread_cond_init(&wk.cv, NULL);
	/* Helpers besides main's own thread; none where the rows must be
	 * decoded in order (--dither) or one block holds them all. */
	if (cpus > MAX_WORKERS)
		cpus = MAX_WORKERS;
	want = fits_events_parallel(in) && fits_events_rows(in) > WORK_ROWS && cpus > 1 ?
	       (int)cpus - 1 : 0;
	while (n_helpers < want && pthread_create(&helper[n_helpers], NULL, worker, &wk) == 0)
		n_helpers++;
	worker(&wk);
	for (int k = 0; k < n_helpers; k++)
		pthread_join(helper[k], NULL);
	if (wk.write_err)
		ev_writer_die(wk.out, wk.write_err);
	if (wk.stop)
		die(EXIT_RUNTIME, "%s: %s", o.fe.path, wk.why);
	ev_writer_close(wk.out);
	pthread_cond_destroy(&wk.cv);
	pthread_mutex_destroy(&wk.mu);
	fits_events_close(in);
	free(o.dataset);
	json_decref(o.meta_json);
	return EXIT_OK;
}
