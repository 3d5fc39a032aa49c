/* lanevideo: a video of the telescope crossing the lanesheet (DESIGN §7).
 * stdin: LLEV stream (time-sorted).  Output: H.264 MP4 through ffmpeg (an
 * external process fed raw yuv420p on a pipe), or raw frames with --raw.
 * Exit: 0 ok, 1 bad input, ffmpeg missing or failing, I/O error; 2 usage.
 *
 * Each frame covers Δ = speedup/fps seconds of data.  The view follows the
 * aperture: it stays at the centre of the sheet panel while the lanes of
 * the middle wavelength (lanesheet.h, to scale) slide under it; the track
 * trails behind; events flash where the aperture was when they arrived and
 * fade; a light curve grows below; a caption says where we are.  The frame
 * is an RGB24 cairo surface: a cached static layer (caption band,
 * light-curve axes), the lanes written straight into the pixels as runs of
 * precomputed colours, the overlay drawn with cairo, events blended in as
 * sprites, then converted to yuv420p (BT.601, limited range: what
 * libx264 encodes, so ffmpeg only copies it; tagged so on ffmpeg's command
 * line) or packed to rgb24 in one tight loop.
 * Holds the events: 16 bytes per event. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cairo.h>

#include "atomic.h"
#include "cli.h"
#include "ev.h"
#include "genparams.h"
#include "lanesheet.h"
#include "meta.h"
#include "plot_axes.h"
#include "plot_figure.h"
#include "workspace.h"

extern char **environ;

static const char usage_text[] =
	"usage: lanevideo [--params FILE] [--min NM --max NM] [--fps N] [--size WxH]\n"
	"                 [--speedup X | --duration S] [--start S] [--stop S] [--scale M]\n"
	"                 [--title TEXT | --pipeline NAME] [--codec NAME] [-q]\n"
	"                 (-o FILE.mp4 | --raw [-o FILE])  < events.ev\n"
	"Render a video of the telescope crossing the lanesheet of the middle\n"
	"wavelength (min+max)/2, the stream's events flashing as they arrive and a\n"
	"running light curve, and encode it with ffmpeg as H.264 MP4.\n"
	"\n"
	"  --params FILE    GenerationParameters JSON (default: the stream's\n"
	"                   \"generation\" metadata, else llgen's defaults)\n"
	"  --processing FILE  ProcessingParameters JSON: its min/max_wavelength\n"
	"                   give the range (null: one band, no selection)\n"
	"  --min NM, --max NM  wavelength range shown; only its events are drawn\n"
	"                   (and those without a wavelength) (default: --processing,\n"
	"                   else the stream's wavelength_range_nm, else the\n"
	"                   spectrum's, which select nothing)\n"
	"  --fps N          frames per second (default 30)\n"
	"  --size WxH       frame size in pixels, both even (default 1280x720)\n"
	"  --speedup X      data seconds per video second\n"
	"  --duration S     video length in seconds (default 60; exclusive with\n"
	"                   --speedup)\n"
	"  --start S, --stop S  time range shown (default: from the first GTI's\n"
	"                   start to the last one's stop, else tstart/tstop, else\n"
	"                   the first and last event)\n"
	"  --t0 S           time at which the aperture is at the sheet's origin\n"
	"                   (default: metadata lightlane.t0, else tstart, else the\n"
	"                   parameters' tstart: what llgen used)\n"
	"  --scale M        metres per pixel on the sheet (default: the panel is\n"
	"                   8 pitches wide)\n"
	"  --fade S         video seconds a flash takes to fade (default 0.5)\n"
	"  --trail S        video seconds of track drawn behind the aperture (default 3)\n"
	"  --title TEXT     caption title; --pipeline NAME gives \"pipeline NAME\"\n"
	"  --codec NAME     ffmpeg video encoder, passed to -c:v (default libx264)\n"
	"  --preset NAME    encoder preset, passed to -preset (default veryfast for\n"
	"                   libx264/libx265, else none)\n"
	"  --raw            write raw frames (no ffmpeg) to -o FILE or stdout\n"
	"  --pix-fmt F      pixel format of --raw: yuv420p (default; planar Y, U, V,\n"
	"                   BT.601 limited range, as sent to ffmpeg) or rgb24\n"
	"  -o, --output F   the video (written atomically); '-' means --raw to stdout\n"
	"  -q, --quiet      no progress and no warnings\n"
	"  --help, --version\n"
	"\n"
	"Example: lanevideo --params meta/generation/default.json --min 0.5 --max 0.51 \\\n"
	"             --duration 20 -o lanes.mp4 < out/default/A.ev\n"
	"Exit status: 0 ok, 1 bad input, ffmpeg missing or failing, I/O error,\n"
	"2 usage error.\n";

enum {
	OPT_PARAMS = CLI_FIRST_PROGRAM_OPTION, OPT_MIN, OPT_MAX, OPT_FPS, OPT_SIZE,
	OPT_SPEEDUP, OPT_DURATION, OPT_START, OPT_STOP, OPT_T0, OPT_SCALE, OPT_FADE,
	OPT_TRAIL, OPT_TITLE, OPT_PIPELINE, OPT_CODEC, OPT_RAW, OPT_PROCESSING, OPT_PRESET,
	OPT_PIX_FMT
};

struct opts {
	const char *params, *processing, *title, *codec, *preset, *output;
	double min, max, fps, speedup, duration, start, stop, t0, scale, fade, trail;
	bool has_min, has_max, has_speedup, has_duration, has_start, has_stop, has_t0;
	bool has_scale, raw, rgb24, has_pix_fmt;
	int width, height;
};

/* Everything a frame is drawn from. */
struct video {
	struct ev_event *ev;
	size_t n_ev;
	struct lanesheet ls;
	bool hex;			/* §5b lattice: disks at its points */
	struct lattice lt;
	double min_nm, max_nm, mid_nm;
	float mid_f;
	double start, stop, dt_frame, speedup, fade_s, trail_s, scale;
	size_t n_frames;
	int width, height;
	/* Layout, pixels: caption band [0, cap_h), sheet [cap_h, lc_y), light
	 * curve panel [lc_y, height); the aperture at (cx, cy). */
	int cap_h, lc_y;
	double cx, cy, ap_r;		/* aperture marker radius */
	double lc_x0, lc_x1, lc_y0, lc_y1;	/* light-curve plot area */
	double font;			/* base font size, px */
	double cap_font;		/* caption font size, px */
	const char *title;
	/* Light curve: counts in n_bins bins of bin_s over [start, stop). */
	size_t n_bins;
	double bin_s, lc_max;		/* counts/s at the top of the axis */
	uint32_t *counts;
	/* Sprite of a flash: (2 sr + 1)² weights. */
	int sr;
	float *sprite;
	float gain;			/* flash brightness, < 1 for dense events */
	/* Lanes (draw_lanes): per family colour (0-255) and opacity, the
	 * families whose lanes are finer than pixels (drawn as their average,
	 * covering every pixel), the sheet background, and the colour of each
	 * set of families wholly covering a pixel, indexed by family bits. */
	float lane_rgb[LANESHEET_MAX_FAMILIES][3], lane_alpha[LANESHEET_MAX_FAMILIES], bg[3];
	uint32_t lane_fine;
	uint32_t *lane_fill;
	cairo_surface_t *base, *frame;
	unsigned char *rgb;		/* band_rows rows of packed rgb24 */
	unsigned char *yuv;		/* one yuv420p frame (when not rgb24) */
	int band_rows;
};

#define LV_PI 3.14159265358979323846
#define MAX_FLASHES 1500	/* events drawn per frame at most (an even subsample, brighter) */
#define FONT "DejaVu Sans"

static bool
parse_size(const char *s, int *w, int *h)
{
	char *end;
	long a, b;

	if (*s < '0' || *s > '9')
		return false;
	a = strtol(s, &end, 10);
	if (*end != 'x' || end[1] < '0' || end[1] > '9')
		return false;
	b = strtol(end + 1, &end, 10);
	if (*end || a < 16 || b < 16 || a > 8192 || b > 8192)
		return false;
	*w = (int)a;
	*h = (int)b;
	return true;
}

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "params", required_argument, NULL, OPT_PARAMS },
		{ "min", required_argument, NULL, OPT_MIN },
		{ "max", required_argument, NULL, OPT_MAX },
		{ "fps", required_argument, NULL, OPT_FPS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "speedup", required_argument, NULL, OPT_SPEEDUP },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "start", required_argument, NULL, OPT_START },
		{ "stop", required_argument, NULL, OPT_STOP },
		{ "t0", required_argument, NULL, OPT_T0 },
		{ "scale", required_argument, NULL, OPT_SCALE },
		{ "fade", required_argument, NULL, OPT_FADE },
		{ "trail", required_argument, NULL, OPT_TRAIL },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "pipeline", required_argument, NULL, OPT_PIPELINE },
		{ "codec", required_argument, NULL, OPT_CODEC },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "pix-fmt", required_argument, NULL, OPT_PIX_FMT },
		{ "preset", required_argument, NULL, OPT_PRESET },
		{ "processing", required_argument, NULL, OPT_PROCESSING },
		CLI_OPT_OUTPUT, CLI_OPT_QUIET, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { .fps = 30, .width = 1280, .height = 720, .fade = 0.5,
			  .trail = 3, .codec = "libx264" };
	int c;

	cli_init(argc, argv, "lanevideo", usage_text);
	while ((c = cli_getopt(argc, argv, "o:q", long_opts)) != -1) {
		switch (c) {
		case OPT_PARAMS: o.params = optarg; break;
		case OPT_PROCESSING: o.processing = optarg; break;
		case OPT_MIN: o.min = cli_positive_double(optarg, "--min"); o.has_min = true; break;
		case OPT_MAX: o.max = cli_positive_double(optarg, "--max"); o.has_max = true; break;
		case OPT_FPS: o.fps = cli_positive_double(optarg, "--fps"); break;
		case OPT_SIZE:
			if (!parse_size(optarg, &o.width, &o.height))
				cli_usage_error("--size: expected WxH, 16 to 8192 pixels each: '%s'", optarg);
			if (o.width % 2 || o.height % 2)
				cli_usage_error("--size: width and height must be even (H.264 yuv420p): '%s'",
						optarg);
			break;
		case OPT_SPEEDUP:
			o.speedup = cli_positive_double(optarg, "--speedup");
			o.has_speedup = true;
			break;
		case OPT_DURATION:
			o.duration = cli_positive_double(optarg, "--duration");
			o.has_duration = true;
			break;
		case OPT_START: o.start = cli_double(optarg, "--start"); o.has_start = true; break;
		case OPT_STOP: o.stop = cli_double(optarg, "--stop"); o.has_stop = true; break;
		case OPT_T0: o.t0 = cli_double(optarg, "--t0"); o.has_t0 = true; break;
		case OPT_SCALE: o.scale = cli_positive_double(optarg, "--scale"); o.has_scale = true; break;
		case OPT_FADE: o.fade = cli_positive_double(optarg, "--fade"); break;
		case OPT_TRAIL: o.trail = cli_double(optarg, "--trail"); break;
		case OPT_TITLE: o.title = optarg; break;
		case OPT_PIPELINE: {
			size_t n = strlen(optarg) + sizeof "pipeline ";
			/* static: the title lives as long as the program (reachable at exit) */
			static char *t;

			free(t);
			t = xmalloc(n);

			snprintf(t, n, "pipeline %s", optarg);
			o.title = t;
			break;
		}
		case OPT_CODEC:
			if (!*optarg || *optarg == '-')
				cli_usage_error("--codec: not an encoder name: '%s'", optarg);
			o.codec = optarg;
			break;
		case OPT_PRESET:
			if (!*optarg || *optarg == '-')
				cli_usage_error("--preset: not a preset name: '%s'", optarg);
			o.preset = optarg;
			break;
		case OPT_RAW: o.raw = true; break;
		case OPT_PIX_FMT:
			if (strcmp(optarg, "rgb24") != 0 && strcmp(optarg, "yuv420p") != 0)
				cli_usage_error("--pix-fmt: yuv420p or rgb24, not '%s'", optarg);
			o.rgb24 = strcmp(optarg, "rgb24") == 0;
			o.has_pix_fmt = true;
			break;
		case 'o': o.output = optarg; break;	/* '-' must stay visible */
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (o.has_speedup && o.has_duration)
		cli_usage_error("--speedup and --duration exclude each other");
	if (o.has_min != o.has_max)
		cli_usage_error("--min and --max go together");
	if (o.has_min && o.min > o.max)
		cli_usage_error("--min %g is greater than --max %g", o.min, o.max);
	if (o.has_start && o.has_stop && o.stop <= o.start)
		cli_usage_error("--stop %g is not after --start %g", o.stop, o.start);
	if (o.trail < 0)
		cli_usage_error("--trail: must be >= 0: '%g'", o.trail);
	if (o.output && strcmp(o.output, "-") == 0) {
		o.raw = true;
		o.output = NULL;
	}
	if (!o.raw && !o.output)
		cli_usage_error("give -o FILE.mp4 (or --raw for raw frames on stdout)");
	if (o.has_pix_fmt && !o.raw)
		cli_usage_error("--pix-fmt is for --raw (ffmpeg is always sent yuv420p)");
	if (o.raw && !o.output && isatty(STDOUT_FILENO))
		cli_usage_error("refusing to write raw video to a terminal");
	if (!o.has_duration && !o.has_speedup) {
		o.duration = 60;
		o.has_duration = true;	/* the documented default length */
	}
	/* veryfast: 1.7 times the speed of x264's medium for 15-20 % more
	 * bytes on these flat-coloured frames. */
	if (!o.preset && strncmp(o.codec, "libx26", 6) == 0)
		o.preset = "veryfast";
	return o;
}

/* --- Setting up ------------------------------------------------------------ */

static void
load_params(const struct opts *o, json_t *meta, struct genparams *gp)
{
	char why[512];
	json_t *g = json_object_get(meta, "generation");

	genparams_defaults(gp);
	if (o->params) {
		if (!genparams_load(gp, o->params, why, sizeof why))
			die(EXIT_RUNTIME, "%s", why);
	} else if (json_is_object(g)) {
		if (!genparams_from_json(gp, g, why, sizeof why))
			die(EXIT_RUNTIME, "stdin: metadata generation: %s", why);
	}
}

/* The wavelength range of a ProcessingParameters file (units converted
 * by the workspace module, as llpipe reads it); false when the file leaves
 * it null (one band). */
static bool
load_range(const char *path, double *min_nm, double *max_nm)
{
	bool has_range;

	json_error_t err;
	json_t *obj = json_load_file(path, 0, &err);
	struct ws_processing pp;
	char why[512];

	if (!obj)
		die(EXIT_RUNTIME, "%s: %s", path, err.text);
	if (!ws_processing_from_json(obj, &pp, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", path, why);
	has_range = pp.has_range;
	if (has_range) {
		*min_nm = pp.min_nm;
		*max_nm = pp.max_nm;
	}
	ws_processing_free(&pp);
	json_decref(obj);
	return has_range;
}

/* Keep the events of [min_nm, max_nm] and those without a wavelength (a
 * stream without wavelengths is one band: nothing to select on). */
static void
select_range(struct video *v)
{
	size_t kept = 0;

	for (size_t i = 0; i < v->n_ev; i++) {
		float w = v->ev[i].wavelength;

		if (isnan(w) || (w >= v->min_nm && w <= v->max_nm))
			v->ev[kept++] = v->ev[i];
	}
	v->n_ev = kept;
}

/* First index with time >= t in the sorted events. */
static size_t
lower_bound(const struct ev_event *ev, size_t n, double t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ev[mid].time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The lane pitch, or the lattice spacing (hex), at the middle wavelength. */
static double
sheet_spacing(const struct video *v)
{
	return v->hex ? lattice_spacing(&v->lt, v->mid_nm) : lanesheet_pitch(&v->ls, v->mid_nm);
}

/* Warn when the events cannot line up with the one lanesheet drawn. */
static void
check_coherence(const struct video *v)
{
	const struct lanesheet *ls = &v->ls;
	double t = v->stop - v->start, drift = 0, per_frame = 0;

	for (size_t j = 0; j < ls->n_families; j++) {
		double plo = lanesheet_period(ls, j, v->min_nm);
		double phi = lanesheet_period(ls, j, v->max_nm);
		double pm = lanesheet_period(ls, j, v->mid_nm);

		if (isfinite(plo) && isfinite(phi))
			drift = fmax(drift, t * fabs(1 / plo - 1 / phi));
		if (isfinite(pm))
			per_frame = fmax(per_frame, v->dt_frame / pm);
	}
	/* The lanes of min and max run at periods P(min), P(max): over the
	 * shown time T they slip T·|1/P(min) − 1/P(max)| pitches apart.  Half
	 * a pitch puts them in antiphase somewhere along the way. */
	if (drift > 0.5)
		warn("warning: wavelength range %g-%g nm too wide for one lanesheet: over "
		     "the %g s shown the lanes of %g and %g nm slip %.3g pitches apart (over "
		     "half a pitch), so events do not follow the lanes drawn for %g nm",
		     v->min_nm, v->max_nm, t, v->min_nm, v->max_nm, drift, v->mid_nm);
	if (v->min_nm < v->max_nm &&
	    lanesheet_cell(ls, (float)v->min_nm) != lanesheet_cell(ls, (float)v->max_nm))
		warn("warning: wavelength range %g-%g nm spans more than one lane-offset cell "
		     "(lanes.offset_cell_nm %g): their lanes have unrelated phases",
		     v->min_nm, v->max_nm, ls->offset_cell_nm);
	if (per_frame > 0.25)
		warn("warning: the lanes move %.2g pitches per frame: the motion will alias; "
		     "lower --speedup or raise --fps", per_frame);
}

static void
make_light_curve(struct video *v)
{
	double plot_w = v->lc_x1 - v->lc_x0, peak = 0;

	v->n_bins = (size_t)fmax(1, fmin(plot_w / 3, (double)v->n_frames));
	v->bin_s = (v->stop - v->start) / (double)v->n_bins;
	v->counts = xcalloc(v->n_bins, sizeof *v->counts);
	for (size_t i = lower_bound(v->ev, v->n_ev, v->start); i < v->n_ev; i++) {
		double b = (v->ev[i].time - v->start) / v->bin_s;

		if (v->ev[i].time >= v->stop)
			break;
		v->counts[b >= (double)v->n_bins ? v->n_bins - 1 : (size_t)b]++;
	}
	for (size_t b = 0; b < v->n_bins; b++)
		peak = fmax(peak, v->counts[b]);
	v->lc_max = peak > 0 ? 1.15 * peak / v->bin_s : 1 / v->bin_s;
}

static void
make_sprite(struct video *v)
{
	double sigma = fmax(0.7, 1.6 * v->height / 720.0);

	v->sr = (int)ceil(2.5 * sigma);
	v->sprite = xmalloc((size_t)(2 * v->sr + 1) * (size_t)(2 * v->sr + 1) * sizeof *v->sprite);
	for (int y = -v->sr; y <= v->sr; y++)
		for (int x = -v->sr; x <= v->sr; x++)
			v->sprite[(y + v->sr) * (2 * v->sr + 1) + x + v->sr] =
				(float)exp(-(x * x + y * y) / (2 * sigma * sigma));

	/* Dense events would pile up into a white blob: dim each flash so the
	 * expected sum of flashes on a pixel near the aperture stays about
	 * half of full scale.  The flashes of one fade time lie along the
	 * track over L px, across the jitter disk of diameter 2·jr. */
	double fade = v->fade_s * v->speedup + v->dt_frame, jr = 0.8 * v->ap_r;
	double n_in = (double)(lower_bound(v->ev, v->n_ev, v->stop) - lower_bound(v->ev, v->n_ev, v->start));
	double len = v->ls.speed_m_s * fade / v->scale + 2 * jr;
	double per_px = n_in / (v->stop - v->start) * fade / (len * 2 * jr);
	double load = per_px * 2 * 3.14159265358979 * sigma * sigma * 0.5;	/* mean brightness 1/2 */

	v->gain = (float)fmin(1, 0.5 / fmax(load, 1e-30));
}

/* --- Drawing --------------------------------------------------------------- */

static void
set_font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/* Draw text with its left end (align 0), centre (0.5) or right end (1) at
 * x and its baseline at y; returns its width. */
static double
text_at(cairo_t *cr, double x, double y, double align, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - align * e.x_advance, y);
	cairo_show_text(cr, s);
	return e.x_advance;
}

static double
text_width(cairo_t *cr, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

/* The static layer: caption band with the parts that never change, sheet
 * background, light-curve panel with its axes and labels. */
static void
draw_base(struct video *v)
{
	cairo_t *cr = cairo_create(v->base);
	double f = v->font, w = v->width;
	char right[256], mid[160];
	struct plot_axis ax = { PLOT_LINEAR, 0, v->stop - v->start, NULL };
	struct plot_axis ay = { PLOT_LINEAR, 0, v->lc_max, NULL };
	struct plot_tick t[PLOT_MAX_TICKS];
	size_t nt;
	double size;

	cairo_set_source_rgb(cr, 0.05, 0.07, 0.12);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0.10, 0.11, 0.15);
	cairo_rectangle(cr, 0, 0, w, v->cap_h);
	cairo_rectangle(cr, 0, v->lc_y, w, v->height - v->lc_y);
	cairo_fill(cr);

	/* Caption: the time goes on the left each frame; the rest is fixed.
	 * Shrink the font until everything fits on one line. */
	snprintf(mid, sizeof mid, "speed-up \303\227%.3g   %.3g\342\200\223%.3g nm, lanes at %.3g nm",
		 v->speedup, v->min_nm, v->max_nm, v->mid_nm);
	snprintf(right, sizeof right, "%s", v->title ? v->title : "");
	size = f * 1.15;
	for (;;) {
		set_font(cr, size, true);
		double need = text_width(cr, "t = 00000.0 s") + text_width(cr, right);

		set_font(cr, size, false);
		need += text_width(cr, mid) + 4 * size;
		if (need <= w || size < 4)
			break;
		size *= 0.92;
	}
	v->cap_font = size;
	cairo_set_source_rgb(cr, 0.85, 0.87, 0.92);
	set_font(cr, size, true);
	double x_mid = 1.5 * size + text_width(cr, "t = 00000.0 s") + size;

	set_font(cr, size, false);
	double base_y = 0.5 * v->cap_h + 0.35 * size;
	text_at(cr, x_mid, base_y, 0, mid);
	if (v->title) {
		set_font(cr, size, true);
		text_at(cr, w - size, base_y, 1, right);
	}

	/* Light-curve axes. */
	set_font(cr, 0.8 * f, false);
	cairo_set_line_width(cr, fmax(1, f / 14));
	cairo_set_source_rgb(cr, 0.55, 0.58, 0.65);
	cairo_rectangle(cr, v->lc_x0, v->lc_y0, v->lc_x1 - v->lc_x0, v->lc_y1 - v->lc_y0);
	cairo_stroke(cr);
	nt = plot_axis_ticks(&ay, v->lc_y1 - v->lc_y0, 1.6 * f, t, PLOT_MAX_TICKS);
	for (size_t i = 0; i < nt; i++) {
		double y = v->lc_y1 - plot_axis_fraction(&ay, t[i].value) * (v->lc_y1 - v->lc_y0);

		if (!t[i].labelled || y < v->lc_y0 - 0.5)
			continue;
		cairo_move_to(cr, v->lc_x0 - 0.4 * f, y);
		cairo_line_to(cr, v->lc_x0, y);
		cairo_stroke(cr);
		text_at(cr, v->lc_x0 - 0.6 * f, y + 0.3 * f, 1, t[i].text);
	}
	nt = plot_axis_ticks(&ax, v->lc_x1 - v->lc_x0, 5 * f, t, PLOT_MAX_TICKS);
	for (size_t i = 0; i < nt; i++) {
		double x = v->lc_x0 + plot_axis_fraction(&ax, t[i].value) * (v->lc_x1 - v->lc_x0);

		if (!t[i].labelled)
			continue;
		cairo_move_to(cr, x, v->lc_y1);
		cairo_line_to(cr, x, v->lc_y1 + 0.4 * f);
		cairo_stroke(cr);
		text_at(cr, x, v->lc_y1 + 1.2 * f, 0.5, t[i].text);
	}
	text_at(cr, 0.5 * (v->lc_x0 + v->lc_x1), v->lc_y1 + 2.3 * f, 0.5, "time since start (s)");
	text_at(cr, v->lc_x0, v->lc_y0 - 0.35 * f, 0, "counts/s");
	cairo_destroy(cr);
	cairo_surface_flush(v->base);
}

static struct plot_colour
family_colour(size_t j)
{
	static const struct plot_colour c[] = {
		{ 0.35, 0.62, 0.95 }, { 0.95, 0.55, 0.30 }, { 0.40, 0.85, 0.55 },
		{ 0.85, 0.45, 0.85 }, { 0.90, 0.85, 0.35 }, { 0.45, 0.85, 0.90 }
	};
	return c[j % (sizeof c / sizeof c[0])];
}

/* Lanes are drawn straight into the pixels rather than as cairo polygons:
 * three families of rotated, antialiased, translucent rectangles cost cairo
 * more than all the rest of a frame.  Each family is a periodic pattern of
 * strips, so along a row its pixels come in runs wholly outside a lane,
 * wholly inside, or on an edge.  While every family is in a whole run the
 * colour is one of 2^n computed once over the flat sheet background and
 * filled like memset; only edge pixels are blended one by one. */

#define LANE_LUT 256	/* steps of a pixel's coverage across an edge */

/* One family on one frame, in pixels.  r(x) = r0 + slope·x is the across
 * position of the centre of pixel x of the current row; lanes cover r in
 * [kP, kP + wd) for every integer k.  Along r a period is four zones: an
 * edge [kP − h, kP + h), inside, an edge around kP + wd, outside (h: half
 * the pixel's extent across the lanes). */
struct lane_row {
	double period, wd, h, slope, r0, dr_dy;
	double inv_slope;	/* a division per run costs as much as its fill */
	double top[4];		/* where each zone ends, from the period's start */
	double fa, fb;		/* the pixel's footprint across the lanes: two boxes */
	bool general;		/* lanes or gaps narrower than 2h: no whole runs */
	/* Run cursor: zone z (0-3) of the period starting at base, and the
	 * first x past it. */
	int z, end;
	double base;
	uint16_t lut[LANE_LUT + 1];	/* coverage ×256 at r − edge = −h .. h */
};

/* Fraction of a pixel's area on the low side of a line at distance t
 * (pixels, across the lanes) from its centre: the CDF of the pixel's
 * footprint projected on the lanes' normal, the convolution of boxes of
 * widths fa = max(|cos|, |sin|) and fb = the other. */
static double
lane_cdf(const struct lane_row *f, double t)
{
	double a = f->fa, b = f->fb, e = 0.5 * (a + b), m = 0.5 * (a - b);

	if (t <= -e)
		return 0;
	if (t >= e)
		return 1;
	if (b < 1e-9 || fabs(t) <= m)
		return 0.5 + t / a;
	if (t < 0)
		return (t + e) * (t + e) / (2 * a * b);
	return 1 - (e - t) * (e - t) / (2 * a * b);
}

/* Area fraction of pixel x inside lanes, any geometry (every lane its
 * footprint reaches). */
static double
lane_coverage(const struct lane_row *f, int x)
{
	double r = f->r0 + f->slope * x, c = 0;

	r -= floor(r / f->period) * f->period;
	for (double k = floor((r - f->h - f->wd) / f->period); k * f->period <= r + f->h; k++)
		c += lane_cdf(f, k * f->period + f->wd - r) - lane_cdf(f, k * f->period - r);
	return c;
}

/* Whole-run state of the cursor's zone: -1 edge, 1 inside, 0 outside. */
static int
lane_state(const struct lane_row *f)
{
	return f->general ? -1 : (int)(f->z == 1) - (f->z % 2 == 0);
}

/* Set end to the first pixel past zone z (a pixel belongs to the zone
 * holding its centre). */
static void
lane_zone_end(struct lane_row *f, int width)
{
	double e = (f->base + f->top[f->z] - f->r0) * f->inv_slope;
	int i;

	if (!(e < width)) {
		f->end = width;
		return;
	}
	/* ceil(e) without a libm call: truncation rounds up below zero. */
	i = (int)e;
	f->end = i + (i < e);
}

/* Put the cursor on the zone of pixel 0 of the row. */
static void
lane_row_start(struct lane_row *f, int width)
{
	double r = f->r0, rel;

	if (f->general) {
		f->end = width;
		return;
	}
	f->base = floor((r + f->h) / f->period) * f->period;
	rel = r - f->base;
	f->z = rel < f->h ? 0 : rel < f->wd - f->h ? 1 : rel < f->wd + f->h ? 2 : 3;
	lane_zone_end(f, width);
}

/* Move the cursor to the next zone. */
static void
lane_next(struct lane_row *f, int width)
{
	f->z = (f->z + 1) & 3;
	if (f->z == 0)
		f->base += f->period;
	lane_zone_end(f, width);
}

/* Coverage ×256 of pixel x, which lies in the cursor's zone. */
static int
lane_cov256(const struct lane_row *f, int x)
{
	double t, u;

	if (f->general)
		return (int)(256 * lane_coverage(f, x) + 0.5);
	if (f->z % 2)
		return f->z == 1 ? 256 : 0;
	/* Entering a lane at base, leaving it at base + wd. */
	t = f->r0 + f->slope * x - f->base;
	if (f->z == 2)
		t = f->wd - t;
	u = (t + f->h) * (LANE_LUT / (2 * f->h)) + 0.5;
	return f->lut[u <= 0 ? 0 : u >= LANE_LUT ? LANE_LUT : (int)u];
}

/* The colour of a sheet pixel covered by the fraction cov[j] of family j's
 * lanes, each family laid over the ones before as cairo's OVER would. */
static uint32_t
lane_blend(const struct video *v, const float *cov)
{
	float c[3] = { v->bg[0], v->bg[1], v->bg[2] };
	uint32_t px = 0;

	for (size_t j = 0; j < v->ls.n_families; j++) {
		float a = v->lane_alpha[j] * cov[j];

		for (int i = 0; i < 3; i++)
			c[i] += a * (v->lane_rgb[j][i] - c[i]);
	}
	for (int i = 0; i < 3; i++)
		px = px << 8 | (uint32_t)(c[i] + 0.5f);
	return px;
}

/* Per family colour and opacity, and the colours of every combination of
 * families wholly covering a pixel of the sheet background. */
static void
make_lane_colours(struct video *v)
{
	const struct lanesheet *ls = &v->ls;
	/* draw_base leaves the sheet panel one flat colour: its first pixel. */
	const uint32_t bg = *(const uint32_t *)(cairo_image_surface_get_data(v->base) +
					       (size_t)v->cap_h * cairo_image_surface_get_stride(v->base));
	size_t n = ls->n_families;
	double wmax = 0, half = 0.5 * hypot(v->width, v->lc_y - v->cap_h);	/* px */
	/* Over 4000 lanes across the panel are finer than a pixel: drawn as
	 * their average, a uniform layer of the lanes' area fraction. */
	bool fine = 2 * half * v->scale / lanesheet_pitch(ls, v->mid_nm) > 4000;

	for (size_t j = 0; j < n; j++)
		wmax = fmax(wmax, ls->family[j].weight);
	v->lane_fine = fine ? ((uint32_t)1 << n) - 1 : 0;
	for (size_t j = 0; j < n; j++) {
		struct plot_colour c = family_colour(j);

		v->lane_rgb[j][0] = (float)(255 * c.r);
		v->lane_rgb[j][1] = (float)(255 * c.g);
		v->lane_rgb[j][2] = (float)(255 * c.b);
		v->lane_alpha[j] = (float)((0.22 + 0.33 * ls->family[j].weight / wmax) *
					   (fine ? ls->width_fraction : 1));
	}
	v->bg[0] = (float)(bg >> 16 & 255);
	v->bg[1] = (float)(bg >> 8 & 255);
	v->bg[2] = (float)(bg & 255);
	v->lane_fill = xmalloc(((size_t)1 << n) * sizeof *v->lane_fill);
	for (size_t bits = 0; bits < (size_t)1 << n; bits++) {
		float cov[LANESHEET_MAX_FAMILIES];

		for (size_t j = 0; j < n; j++)
			cov[j] = (float)(bits >> j & 1);
		v->lane_fill[bits] = lane_blend(v, cov);
	}
}

/* Rows [cap_h, lc_y) of the frame: the lanes of every family at time t
 * over the sheet background. */
static void
draw_lanes(struct video *v, unsigned char *data, int stride, double t)
{
	const struct lanesheet *ls = &v->ls;
	double p = lanesheet_pitch(ls, v->mid_nm), wd = lanesheet_width(ls, v->mid_nm);
	struct lane_row f[LANESHEET_MAX_FAMILIES];
	size_t n = ls->n_families, nf = 0;
	size_t idx[LANESHEET_MAX_FAMILIES];	/* family of f[i] */
	double r0[LANESHEET_MAX_FAMILIES];
	float cov[LANESHEET_MAX_FAMILIES];

	for (size_t j = 0; j < n; j++) {
		double th = ls->family[j].angle_deg * LV_PI / 180, c = cos(th), s = sin(th);
		/* Across coordinate of the aperture centre, pixels, within a
		 * period (metres can be large: reduce before scaling). */
		double off = fmod(lanesheet_position(ls, j, t, v->mid_f), p) / v->scale;
		/* Screen y points down, the sheet's y up: the centre of pixel
		 * (x, y) lies at a = (x − cx) cos θ − (y − cy) sin θ across. */
		double a0 = (0.5 - v->cx) * c - (v->cap_h + 0.5 - v->cy) * s;
		struct lane_row *fj = &f[nf];

		if (v->lane_fine >> j & 1)
			continue;	/* a uniform layer, in every lane_fill colour */
		idx[nf++] = j;
		fj->period = p / v->scale;
		fj->wd = wd / v->scale;
		fj->h = 0.5 * (fabs(c) + fabs(s));
		fj->fa = fmax(fabs(c), fabs(s));
		fj->fb = fmin(fabs(c), fabs(s));
		fj->general = fj->wd < 2 * fj->h || fj->period - fj->wd < 2 * fj->h;
		/* Walk rows left to right with r increasing: a family whose
		 * across axis points left is mirrored, r ↦ wd − r keeping the
		 * lanes at [0, wd).  A slope floor keeps lanes along the rows
		 * finite: 1e-12 px over a row is nothing. */
		fj->slope = fmax(fabs(c), 1e-12);
		fj->inv_slope = 1 / fj->slope;
		fj->top[0] = fj->h;
		fj->top[1] = fj->wd - fj->h;
		fj->top[2] = fj->wd + fj->h;
		fj->top[3] = fj->period - fj->h;
		fj->dr_dy = c >= 0 ? -s : s;
		r0[nf - 1] = c >= 0 ? a0 + off : fj->wd - off - a0;
		for (int i = 0; i <= LANE_LUT; i++)
			fj->lut[i] = (uint16_t)lround(256 * lane_cdf(fj, fj->h * (2.0 * i / LANE_LUT - 1)));
	}
	for (int y = v->cap_h; y < v->lc_y; y++) {
		uint32_t *row = (uint32_t *)(data + (size_t)y * stride);
		int x = 0;

		for (size_t i = 0; i < nf; i++) {
			f[i].r0 = r0[i] + f[i].dr_dy * (y - v->cap_h);
			lane_row_start(&f[i], v->width);
		}
		while (x < v->width) {
			int stop = v->width, n_edge = 0;
			size_t ie = 0;
			uint32_t bits = v->lane_fine;

			for (size_t i = 0; i < nf; i++) {
				int st;

				while (f[i].end <= x)
					lane_next(&f[i], v->width);
				if (f[i].end < stop)
					stop = f[i].end;
				st = lane_state(&f[i]);
				if (st < 0)
					n_edge++, ie = i;
				else
					bits |= (uint32_t)st << idx[i];
			}
			if (n_edge == 0) {
				uint32_t fill = v->lane_fill[bits];

				for (int k = x; k < stop; k++)
					row[k] = fill;
			} else if (n_edge == 1) {
				/* Each OVER is affine in the colour under it and in
				 * the coverage: the result is the mix of the colours
				 * without and with the family, by its coverage. */
				uint32_t c0 = v->lane_fill[bits];
				uint32_t c1 = v->lane_fill[bits | (uint32_t)1 << idx[ie]];

				for (int k = x; k < stop; k++) {
					int w = lane_cov256(&f[ie], k);
					uint32_t px = 0;

					for (int sh = 16; sh >= 0; sh -= 8) {
						int a = (int)(c0 >> sh & 255), b = (int)(c1 >> sh & 255);

						px |= (uint32_t)(a + (((b - a) * w + 128) >> 8)) << sh;
					}
					row[k] = px;
				}
			} else {
				/* Edges of several families cross here: blend them all. */
				for (int k = x; k < stop; k++) {
					for (size_t j = 0; j < n; j++)
						cov[j] = (float)(v->lane_fine >> j & 1);
					for (size_t i = 0; i < nf; i++)
						cov[idx[i]] = (float)lane_cov256(&f[i], k) / 256;
					row[k] = lane_blend(v, cov);
				}
			}
			x = stop;
		}
	}
}

static void
draw_overlay(struct video *v, cairo_t *cr, double t)
{
	const struct lanesheet *ls = &v->ls;
	double f = v->font, phi = ls->heading_deg * LV_PI / 180, dx, dy;
	double back = fmin(v->trail_s * v->speedup, t - v->start) * ls->speed_m_s / v->scale;
	char s[128];

	/* The lattice's heading turns: the track points along the current one. */
	if (v->hex)
		phi += v->lt.heading_rate_deg_s * (t - v->lt.t0) * LV_PI / 180;
	dx = cos(phi);
	dy = -sin(phi);

	/* Track: fades towards its tail. */
	if (back > 0.5) {
		cairo_pattern_t *g = cairo_pattern_create_linear(v->cx, v->cy, v->cx - back * dx,
								 v->cy - back * dy);

		cairo_pattern_add_color_stop_rgba(g, 0, 1, 1, 1, 0.85);
		cairo_pattern_add_color_stop_rgba(g, 1, 1, 1, 1, 0);
		cairo_set_source(cr, g);
		cairo_set_line_width(cr, fmax(1, 0.18 * f));
		cairo_move_to(cr, v->cx, v->cy);
		cairo_line_to(cr, v->cx - back * dx, v->cy - back * dy);
		cairo_stroke(cr);
		cairo_pattern_destroy(g);
	}
	/* Aperture: to scale when it is larger than the marker. */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_set_line_width(cr, fmax(1, 0.15 * f));
	cairo_arc(cr, v->cx, v->cy, v->ap_r, 0, 2 * LV_PI);
	cairo_stroke(cr);

	/* Scale bar and lane legend, bottom left of the sheet. */
	{
		double bar_m = plot_nice_step(0.2 * v->width * v->scale), bar = bar_m / v->scale;
		double y = v->lc_y - 0.8 * f, x = 0.8 * f;

		char s2[128];
		double w1, w2;

		set_font(cr, 0.8 * f, false);
		if (bar_m >= 1000)
			snprintf(s, sizeof s, "%g km", bar_m / 1000);
		else
			snprintf(s, sizeof s, "%g m", bar_m);
		snprintf(s2, sizeof s2, "%s %.4g km, D = %.3g m%s", v->hex ? "spacing" : "pitch",
			 sheet_spacing(v) / 1000,
			 ls->aperture_m, v->ap_r * 2 * v->scale > ls->aperture_m * 1.01 ? " (not to scale)" : "");
		w1 = bar + 0.5 * f + text_width(cr, s);
		w2 = text_width(cr, s2);
		/* A dark backing keeps the legend readable over the lanes. */
		cairo_set_source_rgba(cr, 0, 0, 0, 0.55);
		cairo_rectangle(cr, x - 0.4 * f, y - 1.55 * f, fmax(w1, w2) + 0.8 * f, 1.85 * f);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
		cairo_rectangle(cr, x, y - 0.25 * f, bar, 0.25 * f);
		cairo_fill(cr);
		text_at(cr, x + bar + 0.5 * f, y, 0, s);
		text_at(cr, x, y - 0.8 * f, 0, s2);
	}

	/* Caption: the time. */
	set_font(cr, v->cap_font, true);
	cairo_set_source_rgb(cr, 1, 1, 1);
	snprintf(s, sizeof s, "t = %.1f s", t - v->start);
	text_at(cr, 1.5 * v->cap_font, 0.5 * v->cap_h + 0.35 * v->cap_font, 0, s);

	/* Light curve so far: steps up to the current time, a cursor at it. */
	{
		double sx = (v->lc_x1 - v->lc_x0) / (v->stop - v->start);
		double sy = (v->lc_y1 - v->lc_y0) / v->lc_max;
		double tc = fmin(t, v->stop);
		size_t cur = (size_t)fmin((tc - v->start) / v->bin_s, (double)v->n_bins - 1);

		cairo_set_source_rgb(cr, 1.0, 0.78, 0.30);
		cairo_set_line_width(cr, fmax(1, 0.12 * f));
		cairo_move_to(cr, v->lc_x0, v->lc_y1);
		for (size_t b = 0; b <= cur; b++) {
			double b0 = v->start + b * v->bin_s, b1 = b0 + v->bin_s, c = v->counts[b];

			if (b == cur) {	/* partial: the events so far */
				b1 = tc;
				c = (double)(lower_bound(v->ev, v->n_ev, tc) -
					     lower_bound(v->ev, v->n_ev, b0));
			}
			double y = v->lc_y1 - c / v->bin_s * sy;

			cairo_line_to(cr, v->lc_x0 + (b0 - v->start) * sx, y);
			cairo_line_to(cr, v->lc_x0 + (b1 - v->start) * sx, y);
		}
		cairo_stroke(cr);
		cairo_set_source_rgba(cr, 1, 1, 1, 0.6);
		cairo_move_to(cr, v->lc_x0 + (tc - v->start) * sx, v->lc_y0);
		cairo_line_to(cr, v->lc_x0 + (tc - v->start) * sx, v->lc_y1);
		cairo_stroke(cr);
	}
}

/* Colour of a wavelength: blue (short) through white-yellow to orange. */
static void
wave_colour(const struct video *v, float w, float rgb[3])
{
	static const float stops[3][3] = {
		{ 0.45f, 0.70f, 1.00f }, { 1.00f, 0.95f, 0.70f }, { 1.00f, 0.50f, 0.25f }
	};
	double u = v->max_nm > v->min_nm ? (w - v->min_nm) / (v->max_nm - v->min_nm) : 0.5;
	int i;

	if (!(u >= 0))
		u = 0.5 * (!isfinite(w));	/* NaN wavelength: the middle colour */
	u = fmin(fmax(u, 0), 1) * 2;
	i = u >= 1 ? 1 : 0;
	u -= i;
	for (int c = 0; c < 3; c++)
		rgb[c] = (float)((1 - u) * stops[i][c] + u * stops[i + 1][c]);
}

/* Flashes of the events of the last fade time, blended additively straight
 * into the pixels (cairo per event would cost more than the whole frame). */
static void
draw_events(struct video *v, unsigned char *data, int stride, double t, size_t *first)
{
	const struct lanesheet *ls = &v->ls;
	double fade = v->fade_s * v->speedup, t_now = t - v->dt_frame;
	double phi = ls->heading_deg * LV_PI / 180, k_px = ls->speed_m_s / v->scale;
	double dx = cos(phi) * k_px, dy = -sin(phi) * k_px, jr = 0.8 * v->ap_r;
	size_t i0, i1, stride_ev;
	int side = 2 * v->sr + 1;

	while (*first < v->n_ev && v->ev[*first].time < t_now - fade)
		(*first)++;
	i0 = *first;
	i1 = lower_bound(v->ev + i0, v->n_ev - i0, t) + i0;
	stride_ev = (i1 - i0 + MAX_FLASHES - 1) / MAX_FLASHES;
	if (stride_ev < 1)
		stride_ev = 1;
	for (size_t i = i0; i < i1; i++) {
		const struct ev_event *e = &v->ev[i];
		double age = t_now - e->time, b = age <= 0 ? 1 : 1 - age / fade;
		union { double d; uint64_t u; } bits = { .d = e->time };
		uint64_t h;
		double r, a, ex, ey;
		float col[3];
		int px, py;

		if (stride_ev > 1 && i % stride_ev)
			continue;
		if (b <= 0 || e->time < v->start)
			continue;
		/* Where it arrived: the aperture's place then, jittered inside
		 * the aperture (a hash of the event) so flashes stay apart. */
		h = lanesheet_mix(bits.u ^ (i * UINT64_C(0x9E3779B97F4A7C15)));
		r = jr * sqrt((double)(h >> 40) * 0x1.0p-24);
		a = 2 * LV_PI * (double)(h & 0xffffff) * 0x1.0p-24;
		ex = v->cx + (e->time - t) * dx + r * cos(a);
		ey = v->cy + (e->time - t) * dy + r * sin(a);
		px = (int)lround(ex);
		py = (int)lround(ey);
		if (px < -v->sr || px >= v->width + v->sr || py < v->cap_h - v->sr ||
		    py >= v->lc_y + v->sr)
			continue;
		wave_colour(v, e->wavelength, col);
		for (int c = 0; c < 3; c++)
			col[c] *= (float)(255 * b) * fminf(1, v->gain * (float)stride_ev);
		for (int y = -v->sr; y <= v->sr; y++) {
			int yy = py + y;

			if (yy < v->cap_h || yy >= v->lc_y)
				continue;
			uint32_t *row = (uint32_t *)(data + (size_t)yy * stride);
			const float *sp = v->sprite + (y + v->sr) * side + v->sr;

			for (int x = -v->sr; x <= v->sr; x++) {
				int xx = px + x;

				if (xx < 0 || xx >= v->width)
					continue;
				uint32_t p = row[xx];
				float s = sp[x];
				int rr = (int)((p >> 16) & 255) + (int)(col[0] * s);
				int gg = (int)((p >> 8) & 255) + (int)(col[1] * s);
				int bb = (int)(p & 255) + (int)(col[2] * s);

				row[xx] = (uint32_t)(rr > 255 ? 255 : rr) << 16 |
					  (uint32_t)(gg > 255 ? 255 : gg) << 8 | (uint32_t)(bb > 255 ? 255 : bb);
			}
		}
	}
}

/* n xRGB32 pixels (cairo's RGB24, native little-endian words) to packed
 * rgb24 bytes: four pixels make three 32-bit words (n is even: --size). */
static void
pack_rgb(unsigned char *restrict out, const uint32_t *restrict in, size_t n)
{
	size_t x = 0;

	for (; x + 4 <= n; x += 4, out += 12) {
		uint32_t p0 = in[x], p1 = in[x + 1], p2 = in[x + 2], p3 = in[x + 3];
		uint32_t w0 = (p0 >> 16 & 0xff) | (p0 & 0xff00) | (p0 & 0xff) << 16 | (p1 >> 16 & 0xff) << 24;
		uint32_t w1 = (p1 >> 8 & 0xff) | (p1 & 0xff) << 8 | (p2 >> 16 & 0xff) << 16 | (p2 >> 8 & 0xff) << 24;
		uint32_t w2 = (p2 & 0xff) | (p3 >> 16 & 0xff) << 8 | (p3 >> 8 & 0xff) << 16 | (p3 & 0xff) << 24;

		/* Three word stores: one 12-byte copy of an array went through
		 * the stack and stalled on store forwarding (a third of the
		 * frame time). */
		memcpy(out, &w0, 4);
		memcpy(out + 4, &w1, 4);
		memcpy(out + 8, &w2, 4);
	}
	for (; x < n; x++, out += 3) {
		out[0] = (unsigned char)(in[x] >> 16);
		out[1] = (unsigned char)(in[x] >> 8);
		out[2] = (unsigned char)in[x];
	}
}

/* The pixel conversion loops are plain integer arithmetic that gcc
 * vectorises at -O3 (4x faster than at -O2, where it would cost as much as
 * ffmpeg's own conversion); other compilers get them as written. */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((optimize("O3")))
#else
#define VECTORISE
#endif

/* BT.601 limited range ("tv"), ffmpeg's assumption for yuv420p without
 * tags and the matrix its rgb24 -> yuv420p conversion used: 8-bit integer
 * coefficients of the studio-swing equations, rounded.  Offsets are added
 * before the shift so the sums stay non-negative. */
static inline unsigned char
luma(uint32_t p)
{
	uint32_t r = p >> 16 & 0xff, g = p >> 8 & 0xff, b = p & 0xff;

	return (unsigned char)((66 * r + 129 * g + 25 * b + (16 << 8) + 128) >> 8);
}

/* The Y values of one row of n pixels. */
VECTORISE static void
luma_row(unsigned char *restrict out, const uint32_t *restrict in, int n)
{
	for (int x = 0; x < n; x++)
		out[x] = luma(in[x]);
}

/* The U and V values of two rows a, b of 2n pixels: each from the sums of
 * the colours of its 2x2 pixels (coefficients over 2^10). */
VECTORISE static void
chroma_rows(unsigned char *restrict u, unsigned char *restrict v, const uint32_t *restrict a,
	    const uint32_t *restrict b, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t p0 = a[2 * i], p1 = a[2 * i + 1], p2 = b[2 * i], p3 = b[2 * i + 1];
		int32_t r = (int32_t)((p0 >> 16 & 0xff) + (p1 >> 16 & 0xff) + (p2 >> 16 & 0xff) +
				      (p3 >> 16 & 0xff));
		int32_t g = (int32_t)((p0 >> 8 & 0xff) + (p1 >> 8 & 0xff) + (p2 >> 8 & 0xff) +
				      (p3 >> 8 & 0xff));
		int32_t bl = (int32_t)((p0 & 0xff) + (p1 & 0xff) + (p2 & 0xff) + (p3 & 0xff));

		u[i] = (unsigned char)((-38 * r - 74 * g + 112 * bl + (128 << 10) + 512) >> 10);
		v[i] = (unsigned char)((112 * r - 94 * g - 18 * bl + (128 << 10) + 512) >> 10);
	}
}

/* One frame of xRGB32 pixels (rows `stride` bytes apart; w and h even) to
 * yuv420p: the Y plane, then U and V at half resolution, each chroma sample
 * from the mean colour of its 2x2 pixels.  Two rows at a time, so each
 * source row is read from cache the second time. */
static void
to_yuv420p(unsigned char *restrict out, const unsigned char *src, int stride, int w, int h)
{
	unsigned char *py = out, *pu = out + (size_t)w * h, *pv = pu + (size_t)(w / 2) * (h / 2);

	for (int y = 0; y < h; y += 2) {
		const uint32_t *a = (const uint32_t *)(src + (size_t)y * stride);
		const uint32_t *b = (const uint32_t *)(src + (size_t)(y + 1) * stride);

		luma_row(py + (size_t)y * w, a, w);
		luma_row(py + (size_t)(y + 1) * w, b, w);
		chroma_rows(pu + (size_t)(y / 2) * (w / 2), pv + (size_t)(y / 2) * (w / 2), a, b, w / 2);
	}
}

/* The lattice (geometry hex) at time t for the middle wavelength: disks at
 * its points over the sheet background, the aperture's centre at (cx, cy).
 * Positions are reduced to one cell (1 along x, two rows along y, so the
 * odd rows stay odd) before scaling: v·t/g can be 1e8 spacings. */
static void
draw_lattice(struct video *v, double t)
{
	const struct lattice *lt = &v->lt;
	double g = lattice_spacing(lt, v->mid_nm), px = g / v->scale;	/* spacing, pixels */
	double step = 0.86602540378443864676, x, y, fx, fy;
	double half_w = 0.5 * v->width / px + 1, half_h = 0.5 * (v->lc_y - v->cap_h) / px + 1;
	struct plot_colour c = family_colour(0);
	cairo_t *cr = cairo_create(v->frame);

	cairo_rectangle(cr, 0, v->cap_h, v->width, v->lc_y - v->cap_h);
	cairo_clip(cr);
	if (px < 3) {
		/* Points closer than 3 px: their average, a uniform tint. */
		cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.3);
		cairo_paint(cr);
		cairo_destroy(cr);
		return;
	}
	lattice_track(lt, t, &x, &y);
	x = x / g + lt->start_x;
	y = y / g + lt->start_y;
	fx = x - floor(x);
	fy = y - 2 * step * floor(y / (2 * step));
	cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.85);
	for (long j = (long)floor((fy - half_h) / step); j <= (long)ceil((fy + half_h) / step); j++) {
		double sy = v->cy - (j * step - fy) * px, shift = 0.5 * (double)(j & 1);

		for (long i = (long)floor(fx - half_w); i <= (long)ceil(fx + half_w); i++) {
			cairo_new_sub_path(cr);
			cairo_arc(cr, v->cx + (i + shift - fx) * px, sy, fmax(1.5, 0.12 * px), 0, 2 * LV_PI);
		}
	}
	cairo_fill(cr);
	cairo_destroy(cr);
}

/* Draw frame k on v->frame. */
static void
render_frame(struct video *v, size_t k, size_t *first)
{
	double t = v->start + (double)(k + 1) * v->dt_frame;	/* end of the frame's interval */
	unsigned char *dst = cairo_image_surface_get_data(v->frame);
	const unsigned char *src = cairo_image_surface_get_data(v->base);
	int stride = cairo_image_surface_get_stride(v->frame);
	cairo_t *cr;

	cairo_surface_flush(v->frame);
	/* The sheet rows are all drawn over by the lanes: copy the rest. */
	memcpy(dst, src, (size_t)stride * (size_t)v->cap_h);
	memcpy(dst + (size_t)stride * (size_t)v->lc_y, src + (size_t)stride * (size_t)v->lc_y,
	       (size_t)stride * (size_t)(v->height - v->lc_y));
	if (v->hex) {
		memcpy(dst + (size_t)stride * (size_t)v->cap_h, src + (size_t)stride * (size_t)v->cap_h,
		       (size_t)stride * (size_t)(v->lc_y - v->cap_h));
		cairo_surface_mark_dirty(v->frame);
		draw_lattice(v, t);
		cairo_surface_flush(v->frame);
	} else {
		draw_lanes(v, dst, stride, t);
	}
	cairo_surface_mark_dirty(v->frame);
	cr = cairo_create(v->frame);
	draw_overlay(v, cr, t);
	cairo_destroy(cr);
	cairo_surface_flush(v->frame);
	draw_events(v, dst, stride, t, first);
	cairo_surface_mark_dirty(v->frame);
}

/* --- ffmpeg -------------------------------------------------------------- */

struct encoder {
	pid_t pid;
	int fd;		/* its stdin */
	int err_fd;	/* its stderr, an unlinked temporary */
};

static void
encoder_start(struct encoder *e, const struct opts *o, const char *path, const char *title)
{
	char size[32], fps[32], tmpl[4096], meta_title[1024], meta_comment[4096];
	const char *dir = getenv("TMPDIR"), *ext = strrchr(o->output, '.');
	const char *format = "mp4";
	posix_spawn_file_actions_t fa;
	int p[2], rc;

	if (ext && strcasecmp(ext, ".mkv") == 0)
		format = "matroska";
	else if (ext && strcasecmp(ext, ".mov") == 0)
		format = "mov";
	snprintf(size, sizeof size, "%dx%d", o->width, o->height);
	snprintf(fps, sizeof fps, "%.10g", o->fps);
	snprintf(meta_title, sizeof meta_title, "title=%s", title);
	snprintf(meta_comment, sizeof meta_comment, "comment=%s", cli_command_line());
	char *const head[] = {
		"ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-color_range", "tv",
		"-colorspace", "smpte170m", "-s", size, "-framerate", fps,
		"-i", "pipe:0", "-an", "-c:v", (char *)o->codec, "-pix_fmt", "yuv420p",
		"-color_range", "tv", "-colorspace", "smpte170m",
		"-metadata", meta_title, "-metadata", meta_comment, "-movflags", "+faststart"
	};
	/* The head, -preset NAME, -f FORMAT PATH and the NULL. */
	char *argv[sizeof head / sizeof head[0] + 6];
	size_t n = 0;

	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		argv[n++] = head[i];
	if (o->preset) {
		argv[n++] = "-preset";
		argv[n++] = (char *)o->preset;
	}
	argv[n++] = "-f";
	argv[n++] = (char *)format;
	argv[n++] = (char *)path;
	argv[n] = NULL;

	snprintf(tmpl, sizeof tmpl, "%s/lanevideo.ffmpeg.XXXXXX", dir && *dir ? dir : "/tmp");
	e->err_fd = mkstemp(tmpl);
	if (e->err_fd < 0)
		die(EXIT_RUNTIME, "%s: cannot create a temporary file:", tmpl);
	unlink(tmpl);
	if (pipe(p) != 0)
		die(EXIT_RUNTIME, "pipe:");
	/* Only the dup2'ed copies may reach ffmpeg: its stdin must see EOF
	 * when we close our end. */
	fcntl(e->err_fd, F_SETFD, FD_CLOEXEC);
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, e->err_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, e->err_fd, STDERR_FILENO);
	rc = posix_spawnp(&e->pid, "ffmpeg", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (rc == ENOENT)
		die(EXIT_RUNTIME, "ffmpeg: not found on PATH: install it (apt-get install ffmpeg)");
	if (rc != 0) {
		errno = rc;
		die(EXIT_RUNTIME, "ffmpeg: cannot start:");
	}
	e->fd = p[1];
#ifdef F_SETPIPE_SZ
	/* A frame (1.4 MB at 1280x720) in one or two pipe fills, not twenty
	 * 64 KiB turns of both processes; failing is harmless. */
	(void)fcntl(e->fd, F_SETPIPE_SZ, 1 << 20);
#endif
	/* A dying ffmpeg must give us EPIPE to report, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
}

/* Wait for ffmpeg; on failure print its last lines of stderr and die. */
static void
encoder_finish(struct encoder *e)
{
	int status;
	char buf[4096];
	off_t end;
	ssize_t n;

	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	while (waitpid(e->pid, &status, 0) < 0)
		if (errno != EINTR)
			die(EXIT_RUNTIME, "ffmpeg: wait:");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		close(e->err_fd);
		return;
	}
	end = lseek(e->err_fd, 0, SEEK_END);
	n = pread(e->err_fd, buf, sizeof buf - 1, end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0);
	if (n > 0) {
		char *lines[5] = { 0 }, *s;
		size_t nl = 0;

		buf[n] = 0;
		for (s = strtok(buf, "\r\n"); s; s = strtok(NULL, "\r\n")) {
			if (nl == 5)
				memmove(lines, lines + 1, 4 * sizeof *lines), nl = 4;
			lines[nl++] = s;
		}
		for (size_t i = 0; i < nl; i++)
			warn("ffmpeg: %s", lines[i]);
	}
	if (WIFEXITED(status))
		die(EXIT_RUNTIME, "ffmpeg failed (exit status %d): no video written",
		    WEXITSTATUS(status));
	die(EXIT_RUNTIME, "ffmpeg failed (signal %d): no video written", WTERMSIG(status));
}

/* Write all of buf; false on EPIPE (the reader is gone). */
static bool
write_all(int fd, const unsigned char *buf, size_t n, const char *name)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return false;
			die(EXIT_RUNTIME, "%s: write error:", name);
		}
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* Write v->frame as yuv420p (one frame, 1.5 bytes a pixel: it stays in
 * cache until write(2) copies it), or as rgb24, packed and written a band
 * of rows at a time for the same reason.  False on EPIPE. */
static bool
emit_frame(struct video *v, int fd, const char *name)
{
	const unsigned char *src = cairo_image_surface_get_data(v->frame);
	int stride = cairo_image_surface_get_stride(v->frame);
	size_t row_bytes = (size_t)v->width * 3;

	if (v->yuv) {
		to_yuv420p(v->yuv, src, stride, v->width, v->height);
		return write_all(fd, v->yuv, (size_t)v->width * (size_t)v->height * 3 / 2, name);
	}

	for (int y0 = 0; y0 < v->height; y0 += v->band_rows) {
		int y1 = y0 + v->band_rows < v->height ? y0 + v->band_rows : v->height;

		for (int y = y0; y < y1; y++)
			pack_rgb(v->rgb + (size_t)(y - y0) * row_bytes,
				 (const uint32_t *)(src + (size_t)y * stride), (size_t)v->width);
		if (!write_all(fd, v->rgb, (size_t)(y1 - y0) * row_bytes, name))
			return false;
	}
	return true;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --- main ------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct genparams gp;
	struct video v = { .width = o.width, .height = o.height };
	struct atomic_file *af = NULL;
	struct encoder enc = { .pid = -1, .fd = -1, .err_fd = -1 };
	char why[512];
	double t0, a, b;
	int out_fd = STDOUT_FILENO;
	bool progress = !cli_quiet && isatty(STDERR_FILENO), broken = false;
	json_t *range = json_object_get(meta, "wavelength_range_nm"), *ll;

	ev_reader_require_sorted(in);
	load_params(&o, meta, &gp);
	v.ev = ev_read_all(in, &v.n_ev);

	/* Wavelength range and the middle wavelength the lanes are drawn for;
	 * a range given (--min/--max, the processing's) selects the events. */
	if (o.has_min) {
		v.min_nm = o.min;
		v.max_nm = o.max;
		select_range(&v);
	} else if (o.processing && load_range(o.processing, &v.min_nm, &v.max_nm)) {
		select_range(&v);
	} else if (json_is_array(range) && json_array_size(range) == 2 &&
		   json_is_number(json_array_get(range, 0)) && json_is_number(json_array_get(range, 1))) {
		v.min_nm = json_number_value(json_array_get(range, 0));
		v.max_nm = json_number_value(json_array_get(range, 1));
	} else {
		v.min_nm = gp.min_nm;
		v.max_nm = gp.max_nm;
	}
	v.mid_nm = 0.5 * (v.min_nm + v.max_nm);
	v.mid_f = (float)v.mid_nm;

	/* Time range and the lanes' time origin (what llgen used). */
	/* The GTIs first: a header's tstart/tstop can describe a whole
	 * observation of which the stream holds a short cut. */
	{
		struct gti_list span;

		if (meta_analysis_gti(meta, &span)) {
			a = span.iv[0].start;
			b = span.iv[span.n - 1].stop;
		} else {
			a = v.n_ev ? v.ev[0].time : NAN;
			b = v.n_ev ? v.ev[v.n_ev - 1].time : NAN;
		}
		gti_free(&span);
	}
	v.start = o.has_start ? o.start : a;
	v.stop = o.has_stop ? o.stop : b;
	if (!isfinite(v.start) || !isfinite(v.stop))
		die(EXIT_RUNTIME, "stdin: no time range (no tstart/tstop, no events): give --start and --stop");
	if (!(v.stop > v.start))
		die(EXIT_RUNTIME, "stdin: empty time range [%.10g, %.10g]: give --start and --stop",
		    v.start, v.stop);
	ll = json_object_get(meta, "lightlane");
	if (o.has_t0)
		t0 = o.t0;
	else if (json_is_object(ll) && json_is_number(json_object_get(ll, "t0")))
		t0 = json_number_value(json_object_get(ll, "t0"));
	else if (!meta_number(meta, "tstart", &t0))
		t0 = gp.tstart;
	if (!genparams_lanesheet(&gp, t0, &v.ls, why, sizeof why))
		die(EXIT_RUNTIME, "%s", why);
	v.hex = gp.hex;
	if (v.hex && !genparams_lattice(&gp, t0, &v.lt, why, sizeof why))
		die(EXIT_RUNTIME, "%s", why);

	/* Frames. */
	if (o.has_duration) {
		v.n_frames = (size_t)fmax(1, llround(o.duration * o.fps));
		v.speedup = (v.stop - v.start) / ((double)v.n_frames / o.fps);
	} else {
		v.speedup = o.speedup;
		v.n_frames = (size_t)ceil((v.stop - v.start) / o.speedup * o.fps - 1e-9);
		if (v.n_frames < 1)
			v.n_frames = 1;
	}
	if (v.n_frames > 10000000)
		cli_usage_error("%zu frames: too many (lower --fps or raise --speedup)", v.n_frames);
	v.dt_frame = v.speedup / o.fps;
	v.fade_s = o.fade;
	v.trail_s = o.trail;
	v.title = o.title;

	/* Layout. */
	v.font = fmax(7, 22.0 * v.height / 720);
	v.cap_h = (int)lround(fmax(12, 1.9 * v.font));
	v.lc_y = v.height - (int)lround(0.24 * v.height);
	v.cx = 0.5 * v.width;
	v.cy = 0.5 * (v.cap_h + v.lc_y);
	v.lc_x0 = 3.6 * v.font;
	v.lc_x1 = v.width - 1.0 * v.font;
	v.lc_y0 = v.lc_y + 1.3 * v.font;
	v.lc_y1 = v.height - 2.7 * v.font;	/* tick labels, then the axis label */
	v.scale = o.has_scale ? o.scale : sheet_spacing(&v) * 8 / v.width;
	v.ap_r = fmax(0.5 * v.ls.aperture_m / v.scale, fmax(3, 0.6 * v.font));
	if (!cli_quiet && !v.hex)
		check_coherence(&v);
	make_light_curve(&v);
	make_sprite(&v);
	v.base = cairo_image_surface_create(CAIRO_FORMAT_RGB24, v.width, v.height);
	v.frame = cairo_image_surface_create(CAIRO_FORMAT_RGB24, v.width, v.height);
	if (cairo_surface_status(v.base) || cairo_surface_status(v.frame))
		die(EXIT_RUNTIME, "cannot allocate %dx%d frames", v.width, v.height);
	draw_base(&v);
	make_lane_colours(&v);
	v.band_rows = (int)fmax(1, 131072.0 / (v.width * 3));
	v.rgb = xmalloc((size_t)v.band_rows * (size_t)v.width * 3);
	if (!o.rgb24)
		v.yuv = xmalloc((size_t)v.width * (size_t)v.height * 3 / 2);

	/* Output: ffmpeg on the temporary, or raw frames. */
	if (o.output)
		af = atomic_open(o.output);
	if (!o.raw) {
		char title[512];

		snprintf(title, sizeof title, "lanesheet video%s%s", o.title ? ": " : "",
			 o.title ? o.title : "");
		encoder_start(&enc, &o, atomic_temp_path(af), title);
		out_fd = enc.fd;
	} else if (af) {
		out_fd = atomic_fd(af);
	}

	size_t first = 0;
	double t_begin = now_s(), t_last = t_begin;
	for (size_t k = 0; k < v.n_frames && !broken; k++) {
		render_frame(&v, k, &first);
		broken = !emit_frame(&v, out_fd, o.raw ? (o.output ? o.output : "stdout") : "ffmpeg");
		if (progress) {
			double now = now_s();

			if (now - t_last >= 0.25 || k + 1 == v.n_frames) {
				double rate = (double)(k + 1) / fmax(now - t_begin, 1e-9);

				fprintf(stderr, "\rlanevideo: frame %zu/%zu (%.0f%%), %.0f frames/s, ETA %.0f s  ",
					k + 1, v.n_frames, 100.0 * (double)(k + 1) / (double)v.n_frames,
					rate, (double)(v.n_frames - k - 1) / rate);
				t_last = now;
			}
		}
	}
	if (progress)
		fputc('\n', stderr);
	if (!o.raw) {
		encoder_finish(&enc);	/* dies with ffmpeg's words when it failed */
		if (broken)
			die(EXIT_RUNTIME, "ffmpeg stopped reading frames: no video written");
	}
	if (af)
		atomic_commit(af);
	cairo_surface_destroy(v.base);
	cairo_surface_destroy(v.frame);
	free(v.rgb);
	free(v.yuv);
	free(v.sprite);
	free(v.lane_fill);
	free(v.counts);
	free(v.ev);
	ev_reader_close(in);
	return EXIT_OK;
}
