/* lanevideo: a video of the telescope crossing the lanesheet (DESIGN §7).
 * stdin: LLEV stream (time-sorted).  Output: H.264 MP4 through ffmpeg (an
 * external process fed raw yuv420p on a pipe), or raw frames with --raw.
 * Exit: 0 ok, 1 bad input, ffmpeg missing or failing, I/O error; 2 usage.
 *
 * Each frame covers Δ = speedup/fps seconds of data.  The view follows the
 * aperture: it stays at the centre of the sheet panel while the lanes of
 * the middle wavelength (lanesheet.h, to scale) slide under it; the track
 * trails behind; events flash where the aperture was when they arrived and
 * fade; a light curve grows below; a caption says where we are.
 *
 * Frames are xRGB pixels (plot_video.h): a static layer drawn once (caption
 * band, light-curve axes), the lanes written straight into the pixels as
 * runs of precomputed colours, the overlay drawn with the plot_video
 * primitives, events blended in as sprites; then yuv420p (BT.601 limited
 * range: what libx264 encodes, so ffmpeg only copies it) or rgb24.
 *
 * The encoder takes both cores, so every millisecond spent here is taken
 * from it: yuv420p frames are not redrawn whole.  The yuv420p picture
 * persists from frame to frame; each frame the lanes go into it row pair
 * by row pair, their uniform runs set without per-pixel conversion, and
 * only the rectangles the overlay covers now or covered in the previous
 * frame are redrawn in pixels and converted (--no-cache draws every frame
 * whole: the same bytes, for checking).
 * Holds the events: 16 bytes per event. */
#define _GNU_SOURCE	/* F_SETPIPE_SZ, else the pipe to ffmpeg stays 64 KiB */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "ev.h"
#include "genparams.h"
#include "lanesheet.h"
#include "meta.h"
#include "plot_axes.h"
#include "plot_video.h"
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
	"  --no-cache       draw every frame whole instead of only what changed\n"
	"                   (slower; the same frames: for checking)\n"
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
	OPT_PIX_FMT, OPT_NO_CACHE
};

struct opts {
	const char *params, *processing, *title, *codec, *preset, *output;
	double min, max, fps, speedup, duration, start, stop, t0, scale, fade, trail;
	bool has_min, has_max, has_speedup, has_duration, has_start, has_stop, has_t0;
	bool has_scale, raw, rgb24, has_pix_fmt, no_cache;
	int width, height;
};

/* A rectangle of pixels [x0, x1) × [y0, y1), corners even (yuv420p blocks). */
struct rect {
	int x0, y0, x1, y1;
};

#define MAX_RECTS 8	/* overlay rectangles of one frame */
#define MAX_RING 8	/* yuv420p pictures in turn, at most (see ring_open) */

/* A pixel of a flash's sprite: its offset from the centre (also in
 * pixels along the frame's rows) and weight. */
struct sprite_px {
	int dx, dy;
	float s;
	ptrdiff_t off;
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
	/* Sprite of a flash: its (2 sr + 1)² pixels, by falling weight. */
	int sr;
	struct sprite_px *sprite;
	size_t n_sprite;
	float gain;			/* flash brightness, < 1 for dense events */
	/* Lanes (draw_lanes): per family colour (0-255) and opacity, the
	 * families whose lanes are finer than pixels (drawn as their average,
	 * covering every pixel), the sheet background, and the colour of each
	 * set of families wholly covering a pixel, indexed by family bits. */
	float lane_rgb[LANESHEET_MAX_FAMILIES][3], lane_alpha[LANESHEET_MAX_FAMILIES], bg[3];
	uint32_t lane_fine;
	uint32_t *lane_fill;
	struct plot_video *base, *frame;	/* the static layer; the frame drawn */
	unsigned char *yuv;		/* the yuv420p frame drawn (when not rgb24) */
	/* The yuv420p pictures frames are drawn into in turn: one, or when
	 * they are spliced into ffmpeg's pipe enough that a picture is not
	 * drawn into before the pipe has given it all to ffmpeg. */
	unsigned char *ring[MAX_RING];
	size_t n_ring;
	bool splice;			/* vmsplice(2) frames, not write(2) */
	unsigned char *rgb;		/* band_rows rows of packed rgb24 */
	int band_rows;
	/* Caching (yuv420p, not --no-cache): the rectangles of the overlay
	 * in this frame and the n_ring before it (frame k's at k mod
	 * (n_ring + 1)), rows whose pixels must be drawn, two rows of lanes
	 * with their runs, the light curve's current bin in the last frame. */
	bool cached;
	struct rect dirty[MAX_RING + 1][MAX_RECTS];
	size_t n_dirty[MAX_RING + 1];
	unsigned char *row_needed;
	uint32_t *hot[2];
	struct plot_video_run *runs[2];
	size_t lc_last_bin;
	/* Scratch: the light curve's points, the lattice's disk centres. */
	double *xy;
	size_t xy_cap;
	/* The legend (scale bar, pitch), fixed: texts, place, backing box. */
	char legend_bar[64], legend_text[128];
	double legend_x, legend_y, legend_bar_px, legend_w;
	size_t first;			/* first event of the fade window */
};

#define LV_PI 3.14159265358979323846
#define MAX_FLASHES 1500	/* events drawn per frame at most (an even subsample, brighter) */

/* n bytes on whole pages: a frame spliced into a pipe then fills its page
 * slots whole. */
static void *
xmalloc_pages(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (posix_memalign(&p, page > 0 ? (size_t)page : 4096, n ? n : 1) != 0)
		die(EXIT_RUNTIME, "out of memory: cannot allocate %zu bytes", n);
	return p;
}

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
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
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
		case OPT_NO_CACHE: o.no_cache = true; break;
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
	for (size_t i = ev_lower_bound(v->ev, v->n_ev, v->start); i < v->n_ev; i++) {
		double b = (v->ev[i].time - v->start) / v->bin_s;

		if (v->ev[i].time >= v->stop)
			break;
		v->counts[b >= (double)v->n_bins ? v->n_bins - 1 : (size_t)b]++;
	}
	for (size_t b = 0; b < v->n_bins; b++)
		peak = fmax(peak, v->counts[b]);
	v->lc_max = peak > 0 ? 1.15 * peak / v->bin_s : 1 / v->bin_s;
}

/* qsort: heavier sprite pixels first (ties by place: a fixed order). */
static int
by_weight(const void *a, const void *b)
{
	const struct sprite_px *p = a, *q = b;

	if (p->s != q->s)
		return p->s < q->s ? 1 : -1;
	return p->dy != q->dy ? (p->dy > q->dy) - (p->dy < q->dy) : (p->dx > q->dx) - (p->dx < q->dx);
}

static void
make_sprite(struct video *v, size_t stride)
{
	double sigma = fmax(0.7, 1.6 * v->height / 720.0);

	v->sr = (int)ceil(2.5 * sigma);
	v->n_sprite = (size_t)(2 * v->sr + 1) * (size_t)(2 * v->sr + 1);
	v->sprite = xmalloc(v->n_sprite * sizeof *v->sprite);
	for (int y = -v->sr, j = 0; y <= v->sr; y++)
		for (int x = -v->sr; x <= v->sr; x++, j++)
			v->sprite[j] = (struct sprite_px){ x, y, (float)exp(-(x * x + y * y) / (2 * sigma * sigma)),
							   (ptrdiff_t)y * (ptrdiff_t)stride + x };
	qsort(v->sprite, v->n_sprite, sizeof *v->sprite, by_weight);

	/* Dense events would pile up into a white blob: dim each flash so the
	 * expected sum of flashes on a pixel near the aperture stays about
	 * half of full scale.  The flashes of one fade time lie along the
	 * track over L px, across the jitter disk of diameter 2·jr. */
	double fade = v->fade_s * v->speedup + v->dt_frame, jr = 0.8 * v->ap_r;
	double n_in = (double)(ev_lower_bound(v->ev, v->n_ev, v->stop) - ev_lower_bound(v->ev, v->n_ev, v->start));
	double len = v->ls.speed_m_s * fade / v->scale + 2 * jr;
	double per_px = n_in / (v->stop - v->start) * fade / (len * 2 * jr);
	double load = per_px * 2 * 3.14159265358979 * sigma * sigma * 0.5;	/* mean brightness 1/2 */

	v->gain = (float)fmin(1, 0.5 / fmax(load, 1e-30));
}

/* --- Drawing: the static layer ----------------------------------------------- */

static const struct plot_video_colour caption_ink = { 0.85, 0.87, 0.92, 1 };
static const struct plot_video_colour axis_ink = { 0.55, 0.58, 0.65, 1 };
static const struct plot_video_colour legend_ink = { 0.9, 0.9, 0.9, 1 };
static const struct plot_video_colour white = { 1, 1, 1, 1 };

/* The caption's font size: shrunk until the time, the middle text and the
 * title fit on one line. */
static double
caption_size(struct video *v, const char *mid, const char *right)
{
	double size = v->font * 1.15;

	for (;;) {
		plot_video_font(v->base, size, true);
		double need = plot_video_text_width(v->base, "t = 00000.0 s") +
			      plot_video_text_width(v->base, right);

		plot_video_font(v->base, size, false);
		need += plot_video_text_width(v->base, mid) + 4 * size;
		if (need <= v->width || size < 4)
			return size;
		size *= 0.92;
	}
}

/* The caption band's fixed parts: everything but the time on the left. */
static void
draw_caption(struct video *v)
{
	char right[256], mid[160];
	double size, x_mid, base_y;

	snprintf(mid, sizeof mid, "speed-up \303\227%.3g   %.3g\342\200\223%.3g nm, lanes at %.3g nm",
		 v->speedup, v->min_nm, v->max_nm, v->mid_nm);
	snprintf(right, sizeof right, "%s", v->title ? v->title : "");
	size = v->cap_font = caption_size(v, mid, right);
	plot_video_font(v->base, size, true);
	x_mid = 1.5 * size + plot_video_text_width(v->base, "t = 00000.0 s") + size;
	plot_video_font(v->base, size, false);
	base_y = 0.5 * v->cap_h + 0.35 * size;
	plot_video_text(v->base, x_mid, base_y, 0, mid, caption_ink);
	if (v->title) {
		plot_video_font(v->base, size, true);
		plot_video_text(v->base, v->width - size, base_y, 1, right, caption_ink);
	}
}

/* The light curve's frame, ticks and labels. */
static void
draw_lc_axes(struct video *v)
{
	struct plot_video *b = v->base;
	double f = v->font, lw = fmax(1, f / 14);
	struct plot_axis ax = { PLOT_LINEAR, 0, v->stop - v->start, NULL };
	struct plot_axis ay = { PLOT_LINEAR, 0, v->lc_max, NULL };
	struct plot_tick t[PLOT_MAX_TICKS];
	size_t nt;

	plot_video_font(b, 0.8 * f, false);
	plot_video_stroke_rect(b, v->lc_x0, v->lc_y0, v->lc_x1 - v->lc_x0, v->lc_y1 - v->lc_y0, lw, axis_ink);
	nt = plot_axis_ticks(&ay, v->lc_y1 - v->lc_y0, 1.6 * f, t, PLOT_MAX_TICKS);
	for (size_t i = 0; i < nt; i++) {
		double y = v->lc_y1 - plot_axis_fraction(&ay, t[i].value) * (v->lc_y1 - v->lc_y0);

		if (!t[i].labelled || y < v->lc_y0 - 0.5)
			continue;
		plot_video_line(b, v->lc_x0 - 0.4 * f, y, v->lc_x0, y, lw, axis_ink);
		plot_video_text(b, v->lc_x0 - 0.6 * f, y + 0.3 * f, 1, t[i].text, axis_ink);
	}
	nt = plot_axis_ticks(&ax, v->lc_x1 - v->lc_x0, 5 * f, t, PLOT_MAX_TICKS);
	for (size_t i = 0; i < nt; i++) {
		double x = v->lc_x0 + plot_axis_fraction(&ax, t[i].value) * (v->lc_x1 - v->lc_x0);

		if (!t[i].labelled)
			continue;
		plot_video_line(b, x, v->lc_y1, x, v->lc_y1 + 0.4 * f, lw, axis_ink);
		plot_video_text(b, x, v->lc_y1 + 1.2 * f, 0.5, t[i].text, axis_ink);
	}
	plot_video_text(b, 0.5 * (v->lc_x0 + v->lc_x1), v->lc_y1 + 2.3 * f, 0.5, "time since start (s)", axis_ink);
	plot_video_text(b, v->lc_x0, v->lc_y0 - 0.35 * f, 0, "counts/s", axis_ink);
}

/* The static layer: caption band with the parts that never change, sheet
 * background, light-curve panel with its axes and labels. */
static void
draw_base(struct video *v)
{
	static const struct plot_video_colour sheet = { 0.05, 0.07, 0.12, 1 };
	static const struct plot_video_colour band = { 0.10, 0.11, 0.15, 1 };

	plot_video_paint(v->base, sheet);
	plot_video_fill_rect(v->base, 0, 0, v->width, v->cap_h, band);
	plot_video_fill_rect(v->base, 0, v->lc_y, v->width, v->height - v->lc_y, band);
	draw_caption(v);
	draw_lc_axes(v);
}

/* The legend's texts and size: scale bar and pitch, bottom left of the
 * sheet, the same in every frame. */
static void
make_legend(struct video *v)
{
	const struct lanesheet *ls = &v->ls;
	double f = v->font, bar_m = plot_nice_step(0.2 * v->width * v->scale);

	v->legend_bar_px = bar_m / v->scale;
	v->legend_x = 0.8 * f;
	v->legend_y = v->lc_y - 0.8 * f;
	if (bar_m >= 1000)
		snprintf(v->legend_bar, sizeof v->legend_bar, "%g km", bar_m / 1000);
	else
		snprintf(v->legend_bar, sizeof v->legend_bar, "%g m", bar_m);
	snprintf(v->legend_text, sizeof v->legend_text, "%s %.4g km, D = %.3g m%s",
		 v->hex ? "spacing" : "pitch", sheet_spacing(v) / 1000, ls->aperture_m,
		 v->ap_r * 2 * v->scale > ls->aperture_m * 1.01 ? " (not to scale)" : "");
	plot_video_font(v->frame, 0.8 * f, false);
	v->legend_w = fmax(v->legend_bar_px + 0.5 * f + plot_video_text_width(v->frame, v->legend_bar),
			   plot_video_text_width(v->frame, v->legend_text));
}

static struct plot_video_colour
family_colour(size_t j)
{
	static const struct plot_video_colour c[] = {
		{ 0.35, 0.62, 0.95, 1 }, { 0.95, 0.55, 0.30, 1 }, { 0.40, 0.85, 0.55, 1 },
		{ 0.85, 0.45, 0.85, 1 }, { 0.90, 0.85, 0.35, 1 }, { 0.45, 0.85, 0.90, 1 }
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
	const uint32_t bg = plot_video_pixels(v->base)[(size_t)v->cap_h * plot_video_stride(v->base)];
	size_t n = ls->n_families;
	double wmax = 0, half = 0.5 * hypot(v->width, v->lc_y - v->cap_h);	/* px */
	/* Over 4000 lanes across the panel are finer than a pixel: drawn as
	 * their average, a uniform layer of the lanes' area fraction. */
	bool fine = 2 * half * v->scale / lanesheet_pitch(ls, v->mid_nm) > 4000;

	for (size_t j = 0; j < n; j++)
		wmax = fmax(wmax, ls->family[j].weight);
	v->lane_fine = fine ? ((uint32_t)1 << n) - 1 : 0;
	for (size_t j = 0; j < n; j++) {
		struct plot_video_colour c = family_colour(j);

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

/* The lanes of one frame: the families drawn edge by edge (not fine),
 * each with its row walker and across position at the panel's top row. */
struct lanes {
	struct lane_row f[LANESHEET_MAX_FAMILIES];
	size_t idx[LANESHEET_MAX_FAMILIES];	/* family of f[i] */
	double r0[LANESHEET_MAX_FAMILIES];
	size_t nf;
};

/* The lanes of every family at time t. */
static void
lanes_at(const struct video *v, double t, struct lanes *l)
{
	const struct lanesheet *ls = &v->ls;
	double p = lanesheet_pitch(ls, v->mid_nm), wd = lanesheet_width(ls, v->mid_nm);
	struct lane_row *f = l->f;
	size_t n = ls->n_families, nf = 0;

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
		l->idx[nf++] = j;
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
		l->r0[nf - 1] = c >= 0 ? a0 + off : fj->wd - off - a0;
		for (int i = 0; i <= LANE_LUT; i++)
			fj->lut[i] = (uint16_t)lround(256 * lane_cdf(fj, fj->h * (2.0 * i / LANE_LUT - 1)));
	}
	l->nf = nf;
}

/* Append [x0, x1) to the runs of a row, joining it to the last run when
 * both are uniform in one colour or both are not uniform. */
static void
add_run(struct plot_video_run *r, size_t *n, int x0, int x1, bool uniform, uint32_t px)
{
	if (*n > 0 && r[*n - 1].uniform == uniform && (!uniform || r[*n - 1].px == px)) {
		r[*n - 1].x1 = x1;
		return;
	}
	r[*n] = (struct plot_video_run){ x0, x1, uniform, px };
	(*n)++;
}

/* Row y of the sheet panel: the lanes over the sheet background into
 * row[0, width), and when runs is not NULL, its runs (at most width). */
static void
lanes_row(const struct video *v, struct lanes *l, int y, uint32_t *row, struct plot_video_run *runs,
	  size_t *n_runs)
{
	struct lane_row *f = l->f;
	size_t n = v->ls.n_families, nf = l->nf;
	const size_t *idx = l->idx;
	float cov[LANESHEET_MAX_FAMILIES];
	int x = 0;

	if (runs)
		*n_runs = 0;
	for (size_t i = 0; i < nf; i++) {
		f[i].r0 = l->r0[i] + f[i].dr_dy * (y - v->cap_h);
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

			plot_video_fill_pixels(row + x, fill, (size_t)(stop - x));
			if (runs)
				add_run(runs, n_runs, x, stop, true, fill);
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
		if (runs && n_edge > 0)
			add_run(runs, n_runs, x, stop, false, 0);
		x = stop;
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

/* The colour channels of p plus those of q (each at most 255), each
 * stopping at 255: a byte-wise saturating add in one word. */
static inline uint32_t
add_saturated(uint32_t p, uint32_t q)
{
	uint32_t sum, over;

	p &= 0xffffff;
	sum = ((p & 0x7f7f7f) + (q & 0x7f7f7f)) ^ ((p ^ q) & 0x808080);
	over = ((p & q) | ((p | q) & ~sum)) & 0x808080;
	return sum | (over >> 7) * 0xff;
}

/* Flashes of the events of the last fade time, blended additively straight
 * into the pixels (cairo per event would cost more than the whole frame),
 * inside clip (events_rect: they all fall inside it, and no pixel outside
 * may change, or the cached frames would differ from whole ones). */
static void
draw_events(struct video *v, double t, struct rect clip)
{
	uint32_t *pixels = plot_video_pixels(v->frame);
	size_t stride = plot_video_stride(v->frame), *first = &v->first;
	const struct lanesheet *ls = &v->ls;
	double fade = v->fade_s * v->speedup, t_now = t - v->dt_frame;
	double phi = ls->heading_deg * LV_PI / 180, k_px = ls->speed_m_s / v->scale;
	double dx = cos(phi) * k_px, dy = -sin(phi) * k_px, jr = 0.8 * v->ap_r;
	size_t i0, i1, stride_ev;

	while (*first < v->n_ev && v->ev[*first].time < t_now - fade)
		(*first)++;
	i0 = *first;
	i1 = ev_lower_bound(v->ev + i0, v->n_ev - i0, t) + i0;
	stride_ev = (i1 - i0 + MAX_FLASHES - 1) / MAX_FLASHES;
	if (stride_ev < 1)
		stride_ev = 1;
	/* The subsample: the events whose index is a multiple of stride_ev. */
	for (size_t i = i0 + (stride_ev - i0 % stride_ev) % stride_ev; i < i1; i += stride_ev) {
		const struct ev_event *e = &v->ev[i];
		double age = t_now - e->time, b = age <= 0 ? 1 : 1 - age / fade;
		union { double d; uint64_t u; } bits = { .d = e->time };
		uint64_t h;
		double r, a, ex, ey;
		float col[3];
		int px, py;

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
		if (px < clip.x0 - v->sr || px >= clip.x1 + v->sr || py < clip.y0 - v->sr ||
		    py >= clip.y1 + v->sr)
			continue;
		wave_colour(v, e->wavelength, col);
		for (int c = 0; c < 3; c++)
			col[c] *= (float)(255 * b) * fminf(1, v->gain * (float)stride_ev);
		/* Sprite pixels by falling weight, up to the first that would
		 * add less than one level to every channel (nothing).  Pixels
		 * of one weight (one distance) get the same increments. */
		float top = fmaxf(col[0], fmaxf(col[1], col[2])), s_cur = -1;
		bool inside = px - v->sr >= clip.x0 && px + v->sr < clip.x1 && py - v->sr >= clip.y0 &&
			      py + v->sr < clip.y1;
		uint32_t add = 0;

		for (size_t j = 0; j < v->n_sprite; j++) {
			const struct sprite_px *sp = &v->sprite[j];
			uint32_t *q;

			if (sp->s != s_cur) {
				if (!(sp->s * top >= 1))
					break;
				s_cur = sp->s;
				add = (uint32_t)(int)(col[0] * s_cur) << 16 | (uint32_t)(int)(col[1] * s_cur) << 8 |
				      (uint32_t)(int)(col[2] * s_cur);
			}
			if (inside) {
				q = pixels + (ptrdiff_t)((size_t)py * stride + (size_t)px) + sp->off;
			} else {
				int xx = px + sp->dx, yy = py + sp->dy;

				if (xx < clip.x0 || xx >= clip.x1 || yy < clip.y0 || yy >= clip.y1)
					continue;
				q = pixels + (size_t)yy * stride + xx;
			}
			*q = add_saturated(*q, add);
		}
	}
}


/* --- Drawing: the overlay ------------------------------------------------------ */

/* What moves in a frame: at the end t of its interval the track (screen
 * direction, length px), the caption's time, the light curve up to tc
 * (its bin cur). */
struct overlay {
	double t, dx, dy, back, tc, time_w;
	size_t cur;
	size_t lc_first;	/* the light curve is drawn from this bin on */
	char time[64];
};

static void
overlay_at(struct video *v, double t, struct overlay *o)
{
	const struct lanesheet *ls = &v->ls;
	double phi = ls->heading_deg * LV_PI / 180;

	/* The lattice's heading turns: the track points along the current one. */
	if (v->hex)
		phi += v->lt.heading_rate_deg_s * (t - v->lt.t0) * LV_PI / 180;
	o->t = t;
	o->dx = cos(phi);
	o->dy = -sin(phi);
	o->back = fmin(v->trail_s * v->speedup, t - v->start) * ls->speed_m_s / v->scale;
	snprintf(o->time, sizeof o->time, "t = %.1f s", t - v->start);
	plot_video_font(v->frame, v->cap_font, true);
	o->time_w = plot_video_text_width(v->frame, o->time);
	o->tc = fmin(t, v->stop);
	o->cur = (size_t)fmin((o->tc - v->start) / v->bin_s, (double)v->n_bins - 1);
	o->lc_first = 0;
}

/* x of time tm on the light curve. */
static double
lc_x(const struct video *v, double tm)
{
	return v->lc_x0 + (tm - v->start) * ((v->lc_x1 - v->lc_x0) / (v->stop - v->start));
}

/* The light curve so far: steps up to the current time, a cursor at it. */
static void
draw_light_curve(struct video *v, const struct overlay *o)
{
	static const struct plot_video_colour curve = { 1.0, 0.78, 0.30, 1 };
	static const struct plot_video_colour cursor = { 1, 1, 1, 0.6 };
	double sy = (v->lc_y1 - v->lc_y0) / v->lc_max, lw = fmax(1, 0.12 * v->font);
	double *xy = v->xy;
	size_t n = 0;

	if (o->lc_first == 0) {
		xy[n++] = v->lc_x0;
		xy[n++] = v->lc_y1;
	}
	for (size_t b = o->lc_first; b <= o->cur; b++) {
		double b0 = v->start + b * v->bin_s, b1 = b0 + v->bin_s, c = v->counts[b];

		if (b == o->cur) {	/* partial: the events so far */
			b1 = o->tc;
			c = (double)(ev_lower_bound(v->ev, v->n_ev, o->tc) - ev_lower_bound(v->ev, v->n_ev, b0));
		}
		/* Never outside the plot (the partial bin's count could exceed
		 * the full bins' in rounding), which the rectangles bound. */
		double y = fmin(fmax(v->lc_y1 - c / v->bin_s * sy, fmin(v->lc_y0, v->lc_y1)),
				fmax(v->lc_y0, v->lc_y1));

		xy[n++] = lc_x(v, b0);
		xy[n++] = y;
		xy[n++] = lc_x(v, b1);
		xy[n++] = y;
	}
	plot_video_polyline(v->frame, xy, n / 2, lw, curve);
	plot_video_line(v->frame, lc_x(v, o->tc), v->lc_y0, lc_x(v, o->tc), v->lc_y1, lw, cursor);
}

/* Scale bar and lane legend over a dark backing that keeps them readable
 * over the lanes. */
static void
draw_legend(struct video *v)
{
	static const struct plot_video_colour backing = { 0, 0, 0, 0.55 };
	double f = v->font, x = v->legend_x, y = v->legend_y;

	plot_video_font(v->frame, 0.8 * f, false);
	plot_video_fill_rect(v->frame, x - 0.4 * f, y - 1.55 * f, v->legend_w + 0.8 * f, 1.85 * f, backing);
	plot_video_fill_rect(v->frame, x, y - 0.25 * f, v->legend_bar_px, 0.25 * f, legend_ink);
	plot_video_text(v->frame, x + v->legend_bar_px + 0.5 * f, y, 0, v->legend_bar, legend_ink);
	plot_video_text(v->frame, x, y - 0.8 * f, 0, v->legend_text, legend_ink);
}

/* Track (fading towards its tail), aperture (to scale when larger than
 * the marker), legend, the caption's time, the light curve. */
static void
draw_overlay(struct video *v, const struct overlay *o)
{
	static const struct plot_video_colour head = { 1, 1, 1, 0.85 }, tail = { 1, 1, 1, 0 };
	double f = v->font;

	if (o->back > 0.5)
		plot_video_line_gradient(v->frame, v->cx, v->cy, v->cx - o->back * o->dx,
					 v->cy - o->back * o->dy, fmax(1, 0.18 * f), head, tail);
	plot_video_circle(v->frame, v->cx, v->cy, v->ap_r, fmax(1, 0.15 * f), white);
	draw_legend(v);
	plot_video_font(v->frame, v->cap_font, true);
	plot_video_text(v->frame, 1.5 * v->cap_font, 0.5 * v->cap_h + 0.35 * v->cap_font, 0, o->time, white);
	draw_light_curve(v, o);
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
	struct plot_video_colour c = family_colour(0);
	size_t n = 0;

	if (px < 3) {
		/* Points closer than 3 px: their average, a uniform tint. */
		c.a = 0.3;
		plot_video_fill_rect(v->frame, 0, v->cap_h, v->width, v->lc_y - v->cap_h, c);
		return;
	}
	lattice_track(lt, t, &x, &y);
	x = x / g + lt->start_x;
	y = y / g + lt->start_y;
	fx = x - floor(x);
	fy = y - 2 * step * floor(y / (2 * step));
	for (long j = (long)floor((fy - half_h) / step); j <= (long)ceil((fy + half_h) / step); j++) {
		double sy = v->cy - (j * step - fy) * px, shift = 0.5 * (double)(j & 1);

		for (long i = (long)floor(fx - half_w); i <= (long)ceil(fx + half_w); i++) {
			if (2 * n + 2 > v->xy_cap) {
				v->xy_cap = 2 * v->xy_cap + 64;
				v->xy = xrealloc(v->xy, v->xy_cap * sizeof *v->xy);
			}
			v->xy[2 * n] = v->cx + (i + shift - fx) * px;
			v->xy[2 * n + 1] = sy;
			n++;
		}
	}
	c.a = 0.85;
	plot_video_disks(v->frame, v->xy, n, fmax(1.5, 0.12 * px), 0, v->cap_h, v->width, v->lc_y, c);
}

/* --- Frames ------------------------------------------------------------------ */

/* The pixels within m of the segment from (x0, y0) to (x1, y1), clipped
 * to rows [ylo, yhi) of the frame (NaN or huge values clip to its edges). */
static struct rect
rect_around(const struct video *v, double x0, double y0, double x1, double y1, double m,
	    int ylo, int yhi)
{
	double lx = fmax(fmin(x0, x1) - m, 0), hx = fmin(fmax(x0, x1) + m, v->width);
	double ly = fmax(fmin(y0, y1) - m, ylo), hy = fmin(fmax(y0, y1) + m, yhi);
	struct rect r = { 0, 0, 0, 0 };

	if (!(hx > lx && hy > ly))
		return r;
	r.x0 = (int)floor(lx);
	r.x1 = (int)ceil(hx);
	r.y0 = (int)floor(ly);
	r.y1 = (int)ceil(hy);
	return r;
}

/* Where the flashes of a frame can fall (the view follows the aperture:
 * the same place in every frame): along the track of the fade time and
 * the frame, within the jitter disk, plus a sprite (and the rounding of
 * its centre); inside the sheet. */
static struct rect
events_rect(const struct video *v)
{
	const struct lanesheet *ls = &v->ls;
	double phi = ls->heading_deg * LV_PI / 180, k_px = ls->speed_m_s / v->scale;
	double span = (v->fade_s * v->speedup + v->dt_frame) * k_px;

	return rect_around(v, v->cx, v->cy, v->cx - span * cos(phi), v->cy + span * sin(phi),
			   0.8 * v->ap_r + v->sr + 2, v->cap_h, v->lc_y);
}

/* r widened to even corners (whole 2x2 blocks of yuv420p). */
static struct rect
even(struct rect r)
{
	r.x0 &= ~1;
	r.y0 &= ~1;
	r.x1 += r.x1 & 1;
	r.y1 += r.y1 & 1;
	return r;
}

/* The first bin of the light curve that differs from the last frame's:
 * the last frame's partial one (or 0). */
static size_t
lc_changed(const struct video *v, const struct overlay *o)
{
	/* Frames too small for the panel put the plot over the sheet, whose
	 * rows are lanes again each frame: there all of the curve is new. */
	if (fmin(v->lc_y0, v->lc_y1) - 2 * fmax(1, 0.12 * v->font) - 2 < v->lc_y)
		return 0;
	return o->cur < v->lc_last_bin ? o->cur : v->lc_last_bin;
}

/* Every pixel the overlay draws in this frame, and every pixel of the
 * panels that differs from the last frame (the caption's time and the
 * light curve from the last frame's bin on): drawn in pixels and converted,
 * the rest of the panels is left as it was and the rest of the sheet is
 * lanes.  Also the row pairs the sheet shares with a panel, and in hex
 * mode the whole sheet (the lattice is drawn, not written). */
static size_t
overlay_rects(struct video *v, const struct overlay *o, struct rect *r)
{
	double f = v->font, cs = v->cap_font, lw = fmax(1, 0.12 * f);
	double lx = lc_x(v, v->start + (double)lc_changed(v, o) * v->bin_s);
	size_t n = 0;

	if (o->back > 0.5)
		r[n++] = rect_around(v, v->cx, v->cy, v->cx - o->back * o->dx, v->cy - o->back * o->dy,
				     fmax(1, 0.18 * f) + 2, 0, v->height);
	r[n++] = rect_around(v, v->cx, v->cy, v->cx, v->cy, v->ap_r + fmax(1, 0.15 * f) + 2, 0, v->height);
	r[n++] = events_rect(v);
	r[n++] = rect_around(v, v->legend_x - 0.4 * f, v->legend_y - 1.55 * f,
			     v->legend_x + v->legend_w + 0.4 * f, v->legend_y + 0.3 * f, 0.3 * f + 2, 0, v->height);
	r[n++] = rect_around(v, 0, 0, 2.5 * cs + o->time_w, fmax(v->cap_h, 0.5 * v->cap_h + 0.85 * cs), 2,
			     0, v->height);
	r[n++] = rect_around(v, lx, v->lc_y0, lc_x(v, o->tc), v->lc_y1, 2 * lw + 2, 0, v->height);
	if (v->hex)
		r[n++] = (struct rect){ 0, v->cap_h, v->width, v->lc_y };
	else {
		if (v->cap_h & 1)
			r[n++] = (struct rect){ 0, v->cap_h - 1, v->width, v->cap_h + 1 };
		if (v->lc_y & 1)
			r[n++] = (struct rect){ 0, v->lc_y - 1, v->width, v->lc_y + 1 };
	}
	for (size_t i = 0; i < n; i++)
		r[i] = even(r[i]);
	return n;
}

/* Bring the pixels of r to what the overlay is drawn over: the static
 * layer in the panels (and the sheet of the lattice); sheet rows of lanes
 * are marked, for the lane pass to copy in whole. */
static void
restore(struct video *v, const struct rect *r)
{
	int a = r->y0 > v->cap_h ? r->y0 : v->cap_h, b = r->y1 < v->lc_y ? r->y1 : v->lc_y;

	plot_video_copy(v->frame, v->base, r->x0, r->y0, r->x1, r->y1 < v->cap_h ? r->y1 : v->cap_h);
	plot_video_copy(v->frame, v->base, r->x0, r->y0 > v->lc_y ? r->y0 : v->lc_y, r->x1, r->y1);
	if (v->hex)
		plot_video_copy(v->frame, v->base, r->x0, a, r->x1, b);
	else if (r->x1 > r->x0)
		for (int y = a; y < b; y++)
			v->row_needed[y] = 1;
}

/* The lanes at time t straight into the yuv420p picture, two rows at a
 * time through a small buffer (cache-resident), rows a panel shares taken
 * from the static layer; marked rows also into the frame's pixels. */
static void
lanes_to_yuv(struct video *v, double t)
{
	const uint32_t *base = plot_video_pixels(v->base);
	uint32_t *px = plot_video_pixels(v->frame);
	size_t stride = plot_video_stride(v->frame), n_runs[2];
	const struct plot_video_run whole = { 0, v->width, false, 0 };
	struct lanes l;
	bool repeat = true;	/* no family's lanes cross the rows: all rows alike */
	int y_full = -1;	/* a pair of sheet rows converted, when repeat */

	lanes_at(v, t, &l);
	for (size_t i = 0; i < l.nf; i++)
		repeat = repeat && l.f[i].dr_dy == 0;
	if (repeat)
		lanes_row(v, &l, v->cap_h, v->hot[0], v->runs[0], &n_runs[0]);
	for (int y = v->cap_h & ~1; y < v->lc_y; y += 2) {
		const uint32_t *row[2];
		const struct plot_video_run *runs[2];
		size_t nr[2];

		for (int i = 0; i < 2; i++) {
			int yy = y + i, h = repeat ? 0 : i;

			if (yy < v->cap_h || yy >= v->lc_y) {
				row[i] = base + (size_t)yy * stride;
				runs[i] = &whole;
				nr[i] = 1;
				continue;
			}
			if (!repeat)
				lanes_row(v, &l, yy, v->hot[i], v->runs[i], &n_runs[i]);
			row[i] = v->hot[h];
			runs[i] = v->runs[h];
			nr[i] = n_runs[h];
			if (v->row_needed[yy])
				memcpy(px + (size_t)yy * stride, row[i], (size_t)v->width * sizeof *px);
		}
		if (repeat && row[0] == row[1] && y_full >= 0) {
			plot_video_yuv420p_copy_rows(v->yuv, v->width, v->height, y_full, y);
			continue;
		}
		plot_video_yuv420p_rows(v->yuv, v->width, v->height, y, row[0], runs[0], nr[0],
					row[1], runs[1], nr[1]);
		if (repeat && row[0] == row[1])
			y_full = y;
	}
}

/* Whether r lies inside one of the n rectangles of set (the last frame's
 * rectangles mostly lie where this frame's are: one conversion will do). */
static bool
inside(const struct rect *r, const struct rect *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r->x0 >= set[i].x0 && r->x1 <= set[i].x1 && r->y0 >= set[i].y0 && r->y1 <= set[i].y1)
			return true;
	return false;
}

/* Copy rectangle r (even corners) of yuv420p picture src to dst. */
static void
copy_yuv_rect(const struct video *v, unsigned char *dst, const unsigned char *src,
	      const struct rect *r)
{
	size_t w = (size_t)v->width, plane = w * (size_t)v->height;

	for (int y = r->y0; y < r->y1; y++)
		memcpy(dst + (size_t)y * w + (size_t)r->x0, src + (size_t)y * w + (size_t)r->x0,
		       (size_t)(r->x1 - r->x0));
	for (size_t off = plane; off < plane * 3 / 2; off += plane / 4)
		for (int y = r->y0 / 2; y < r->y1 / 2; y++)
			memcpy(dst + off + (size_t)y * w / 2 + (size_t)r->x0 / 2,
			       src + off + (size_t)y * w / 2 + (size_t)r->x0 / 2, (size_t)(r->x1 - r->x0) / 2);
}

/* Frame k into its yuv420p picture: the lanes written, the overlay's
 * rectangles of this frame and the last drawn and converted, over frame
 * k - 1.  With pictures in turn (n_ring > 1) the picture holds frame
 * k - n_ring: first it is brought to frame k - 1 from that frame's
 * picture, in the rectangles of frames k - n_ring to k - 1 (each frame
 * differs from the one before only in its and that one's rectangles). */
static void
render_cached(struct video *v, size_t k, struct overlay *o)
{
	size_t h = v->n_ring + 1, i_last = (k + h - 1) % h;
	struct rect *now = v->dirty[k % h], *last = v->dirty[i_last];
	size_t n_now = overlay_rects(v, o, now), n_last = v->n_dirty[i_last];
	double lw = fmax(1, 0.12 * v->font), bin_px = lc_x(v, v->start + v->bin_s) - v->lc_x0;
	size_t from = lc_changed(v, o), back = (size_t)ceil((4 * lw + 4) / bin_px) + 1;

	if (v->n_ring > 1 && k > 0)
		for (size_t j = 1; j <= v->n_ring; j++)
			for (size_t i = 0; i < v->n_dirty[(k + h - j) % h]; i++)
				copy_yuv_rect(v, v->yuv, v->ring[(k - 1) % v->n_ring], &v->dirty[(k + h - j) % h][i]);

	/* Of the light curve only its tail reaches the rectangles: it is
	 * drawn from 4 line widths + 4 px left of them (a line cut there
	 * differs from the whole one only within a line width of the cut). */
	o->lc_first = from > back ? from - back : 0;

	v->n_dirty[k % h] = n_now;
	memset(v->row_needed, 0, (size_t)v->height);
	for (size_t i = 0; i < n_now; i++)
		restore(v, &now[i]);
	for (size_t i = 0; i < n_last; i++)
		if (!inside(&last[i], now, n_now))
			restore(v, &last[i]);
	if (v->hex)
		draw_lattice(v, o->t);
	else
		lanes_to_yuv(v, o->t);
	draw_overlay(v, o);
	draw_events(v, o->t, events_rect(v));
	for (size_t i = 0; i < n_now; i++)
		plot_video_yuv420p(v->frame, v->yuv, now[i].x0, now[i].y0, now[i].x1, now[i].y1);
	for (size_t i = 0; i < n_last; i++)
		if (!inside(&last[i], now, n_now))
			plot_video_yuv420p(v->frame, v->yuv, last[i].x0, last[i].y0, last[i].x1, last[i].y1);
	v->lc_last_bin = o->cur;
}

/* Frame k drawn whole in pixels (rgb24, --no-cache), and converted to
 * yuv420p when that is the output. */
static void
render_whole(struct video *v, const struct overlay *o)
{
	plot_video_copy(v->frame, v->base, 0, 0, v->width, v->cap_h);
	plot_video_copy(v->frame, v->base, 0, v->lc_y, v->width, v->height);
	if (v->hex) {
		plot_video_copy(v->frame, v->base, 0, v->cap_h, v->width, v->lc_y);
		draw_lattice(v, o->t);
	} else {
		uint32_t *px = plot_video_pixels(v->frame);
		size_t stride = plot_video_stride(v->frame);
		struct lanes l;

		lanes_at(v, o->t, &l);
		for (int y = v->cap_h; y < v->lc_y; y++)
			lanes_row(v, &l, y, px + (size_t)y * stride, NULL, NULL);
	}
	draw_overlay(v, o);
	draw_events(v, o->t, events_rect(v));
	if (v->yuv)
		plot_video_yuv420p(v->frame, v->yuv, 0, 0, v->width, v->height);
}

/* Draw frame k: its interval ends at start + (k + 1)Δ. */
static void
render_frame(struct video *v, size_t k)
{
	struct overlay o;

	overlay_at(v, v->start + (double)(k + 1) * v->dt_frame, &o);
	if (v->n_ring)
		v->yuv = v->ring[k % v->n_ring];
	if (v->cached)
		render_cached(v, k, &o);
	else
		render_whole(v, &o);
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
	/* ffmpeg 5.1 reads a lone input on its main thread, between handing
	 * frames to the encoder, and waits there for each frame's last part
	 * (what the pipe does not hold): 0.4 to 0.6 s of read(2) a run (perf
	 * trace).  -thread_queue_size N gives the input a thread of its own
	 * and took that wait off the main thread, but changed no wall time
	 * (16 alternating rounds against ffmpeg alone: 0.92x with a queue of
	 * 6, 0.93x without, 0.89x with 2) and doubled ffmpeg's page faults:
	 * not used. */
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
	/* A frame (1.4 MB at 1280x720) in two pipe fills, not twenty-two
	 * 64 KiB turns of both processes (a quarter of the context switches);
	 * 1 MiB is what an unprivileged process may ask (fs.pipe-max-size),
	 * and failing is harmless. */
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

/* Write all of buf; false on EPIPE (the reader is gone).  With splice,
 * by vmsplice(2): the pipe takes references to buf's pages instead of a
 * copy, so buf must not change until the reader has read it (see
 * ring_open). */
static bool
write_all(int fd, unsigned char *buf, size_t n, const char *name, bool splice)
{
	while (n > 0) {
#ifdef SPLICE_F_GIFT
		struct iovec iov = { .iov_base = buf, .iov_len = n };
		ssize_t w = splice ? vmsplice(fd, &iov, 1, 0) : write(fd, buf, n);
#else
		ssize_t w = ((void)splice, write(fd, buf, n));
#endif

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

/* Write the frame: the yuv420p picture (1.5 bytes a pixel, one write), or
 * the pixels packed to rgb24 a band of rows at a time, so the band is
 * still in cache when write(2) copies it.  False on EPIPE. */
static bool
emit_frame(struct video *v, int fd, const char *name)
{
	const uint32_t *px = plot_video_pixels(v->frame);
	size_t stride = plot_video_stride(v->frame), row_bytes = (size_t)v->width * 3;

	if (v->yuv)
		return write_all(fd, v->yuv, (size_t)v->width * (size_t)v->height * 3 / 2, name, v->splice);
	for (int y0 = 0; y0 < v->height; y0 += v->band_rows) {
		int y1 = y0 + v->band_rows < v->height ? y0 + v->band_rows : v->height;

		for (int y = y0; y < y1; y++)
			plot_video_rgb24(v->rgb + (size_t)(y - y0) * row_bytes, px + (size_t)y * stride,
					 (size_t)v->width);
		if (!write_all(fd, v->rgb, (size_t)(y1 - y0) * row_bytes, name, false))
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

/* --- Phases of main ------------------------------------------------------- */

/* The wavelength range and the middle wavelength the lanes are drawn for;
 * a range given (--min/--max, the processing's) selects the events. */
static void
choose_range(struct video *v, const struct opts *o, json_t *meta, const struct genparams *gp)
{
	json_t *range = json_object_get(meta, "wavelength_range_nm");

	if (o->has_min) {
		v->min_nm = o->min;
		v->max_nm = o->max;
		select_range(v);
	} else if (o->processing && load_range(o->processing, &v->min_nm, &v->max_nm)) {
		select_range(v);
	} else if (json_is_array(range) && json_array_size(range) == 2 &&
		   json_is_number(json_array_get(range, 0)) && json_is_number(json_array_get(range, 1))) {
		v->min_nm = json_number_value(json_array_get(range, 0));
		v->max_nm = json_number_value(json_array_get(range, 1));
	} else {
		v->min_nm = gp->min_nm;
		v->max_nm = gp->max_nm;
	}
	v->mid_nm = 0.5 * (v->min_nm + v->max_nm);
	v->mid_f = (float)v->mid_nm;
}

/* The time range shown: the GTIs first (a header's tstart/tstop can
 * describe a whole observation of which the stream holds a short cut),
 * else the events'. */
static void
choose_span(struct video *v, const struct opts *o, json_t *meta)
{
	struct gti_list span;
	double a, b;

	if (meta_analysis_gti(meta, &span)) {
		a = span.iv[0].start;
		b = span.iv[span.n - 1].stop;
	} else {
		a = v->n_ev ? v->ev[0].time : NAN;
		b = v->n_ev ? v->ev[v->n_ev - 1].time : NAN;
	}
	gti_free(&span);
	v->start = o->has_start ? o->start : a;
	v->stop = o->has_stop ? o->stop : b;
	if (!isfinite(v->start) || !isfinite(v->stop))
		die(EXIT_RUNTIME, "stdin: no time range (no tstart/tstop, no events): give --start and --stop");
	if (!(v->stop > v->start))
		die(EXIT_RUNTIME, "stdin: empty time range [%.10g, %.10g]: give --start and --stop",
		    v->start, v->stop);
}

/* The lanesheet (or lattice) llgen used, from its time origin t0. */
static void
make_sheet(struct video *v, const struct opts *o, json_t *meta, const struct genparams *gp)
{
	json_t *ll = json_object_get(meta, "lightlane");
	char why[512];
	double t0;

	if (o->has_t0)
		t0 = o->t0;
	else if (json_is_object(ll) && json_is_number(json_object_get(ll, "t0")))
		t0 = json_number_value(json_object_get(ll, "t0"));
	else if (!meta_number(meta, "tstart", &t0))
		t0 = gp->tstart;
	if (!genparams_lanesheet(gp, t0, &v->ls, why, sizeof why))
		die(EXIT_RUNTIME, "%s", why);
	v->hex = gp->hex;
	if (v->hex && !genparams_lattice(gp, t0, &v->lt, why, sizeof why))
		die(EXIT_RUNTIME, "%s", why);
}

/* Frame count, data seconds per frame, fade and trail. */
static void
plan_frames(struct video *v, const struct opts *o)
{
	if (o->has_duration) {
		v->n_frames = (size_t)fmax(1, llround(o->duration * o->fps));
		v->speedup = (v->stop - v->start) / ((double)v->n_frames / o->fps);
	} else {
		v->speedup = o->speedup;
		v->n_frames = (size_t)ceil((v->stop - v->start) / o->speedup * o->fps - 1e-9);
		if (v->n_frames < 1)
			v->n_frames = 1;
	}
	if (v->n_frames > 10000000)
		cli_usage_error("%zu frames: too many (lower --fps or raise --speedup)", v->n_frames);
	v->dt_frame = v->speedup / o->fps;
	v->fade_s = o->fade;
	v->trail_s = o->trail;
}

/* Where things go, in pixels, and the sheet's scale. */
static void
lay_out(struct video *v, const struct opts *o)
{
	v->font = fmax(7, 22.0 * v->height / 720);
	v->cap_h = (int)lround(fmax(12, 1.9 * v->font));
	v->lc_y = v->height - (int)lround(0.24 * v->height);
	v->cx = 0.5 * v->width;
	v->cy = 0.5 * (v->cap_h + v->lc_y);
	v->lc_x0 = 3.6 * v->font;
	v->lc_x1 = v->width - 1.0 * v->font;
	v->lc_y0 = v->lc_y + 1.3 * v->font;
	v->lc_y1 = v->height - 2.7 * v->font;	/* tick labels, then the axis label */
	v->scale = o->has_scale ? o->scale : sheet_spacing(v) * 8 / v->width;
	v->ap_r = fmax(0.5 * v->ls.aperture_m / v->scale, fmax(3, 0.6 * v->font));
}

/* Light curve, sprite, the static layer, lane colours, legend, buffers. */
static void
prepare_drawing(struct video *v, const struct opts *o)
{
	make_light_curve(v);
	v->base = plot_video_new(v->width, v->height);
	v->frame = plot_video_new(v->width, v->height);
	if (!v->base || !v->frame)
		die(EXIT_RUNTIME, "cannot allocate %dx%d frames", v->width, v->height);
	make_sprite(v, plot_video_stride(v->frame));
	draw_base(v);
	make_lane_colours(v);
	make_legend(v);
	v->xy_cap = 4 * v->n_bins + 2;
	v->xy = xmalloc(v->xy_cap * sizeof *v->xy);
	v->band_rows = (int)fmax(1, 131072.0 / (v->width * 3));
	v->rgb = xmalloc((size_t)v->band_rows * (size_t)v->width * 3);
	if (o->rgb24)
		return;
	v->ring[0] = v->yuv = xmalloc_pages((size_t)v->width * (size_t)v->height * 3 / 2);
	v->n_ring = 1;
	v->cached = !o->no_cache;
	v->row_needed = xmalloc((size_t)v->height);
	for (int i = 0; i < 2; i++) {
		v->hot[i] = xmalloc((size_t)v->width * sizeof *v->hot[i]);
		v->runs[i] = xmalloc((size_t)v->width * sizeof *v->runs[i]);
	}
	/* The panels, until the overlay changes them. */
	plot_video_yuv420p(v->base, v->yuv, 0, 0, v->width, v->height);
}

static void
video_free(struct video *v)
{
	plot_video_free(v->base);
	plot_video_free(v->frame);
	for (int i = 0; i < 2; i++) {
		free(v->hot[i]);
		free(v->runs[i]);
	}
	free(v->row_needed);
	free(v->xy);
	free(v->rgb);
	for (size_t i = 0; i < v->n_ring; i++)
		free(v->ring[i]);
	free(v->sprite);
	free(v->lane_fill);
	free(v->counts);
	free(v->ev);
}

/* Where frames go: ffmpeg writing the temporary of -o, or raw frames. */
struct sink {
	struct atomic_file *af;
	struct encoder enc;
	int fd;
	const char *name;	/* for messages */
};

static void
sink_open(struct sink *s, const struct opts *o)
{
	*s = (struct sink){ .enc = { .pid = -1, .fd = -1, .err_fd = -1 }, .fd = STDOUT_FILENO };
	if (o->output)
		s->af = atomic_open(o->output);
	if (!o->raw) {
		char title[512];

		snprintf(title, sizeof title, "lanesheet video%s%s", o->title ? ": " : "",
			 o->title ? o->title : "");
		encoder_start(&s->enc, o, atomic_temp_path(s->af), title);
		s->fd = s->enc.fd;
		s->name = "ffmpeg";
	} else {
		if (s->af)
			s->fd = atomic_fd(s->af);
		s->name = o->output ? o->output : "stdout";
	}
}

/* Finish the video; `broken`: the reader went away. */
static void
sink_close(struct sink *s, const struct opts *o, bool broken)
{
	if (!o->raw) {
		encoder_finish(&s->enc);	/* dies with ffmpeg's words when it failed */
		if (broken)
			die(EXIT_RUNTIME, "ffmpeg stopped reading frames: no video written");
	}
	if (s->af)
		atomic_commit(s->af);
}

/* Frames to ffmpeg are spliced (vmsplice(2)) from n pictures drawn in
 * turn, not copied into the pipe: that copy and the pages the pipe
 * allocates for it were a fifth of lanevideo's CPU time (0.05 of 0.25 s
 * for 300 frames of 1280x720), and ffmpeg's reads then free no pages.
 * The pipe refers to a picture's pages until ffmpeg has read them, so a
 * picture must not be drawn into before.  A pipe holds at most its size
 * in bytes: once frame k has gone in, it holds none of frame k - n + 1
 * when the n - 1 frames from k - n + 2 to k fill the pipe, and frame
 * k + 1 is drawn into that picture.  ffmpeg only read(2)s the pipe; a
 * reader splicing the pages on could still see them change, which is why
 * --raw output is written, not spliced. */
static void
ring_open(struct video *v, const struct sink *s)
{
#if defined(SPLICE_F_GIFT) && defined(F_GETPIPE_SZ)
	size_t frame = (size_t)v->width * (size_t)v->height * 3 / 2, n;
	int pipe_size;

	if (s->enc.fd < 0 || !v->yuv || (pipe_size = fcntl(s->enc.fd, F_GETPIPE_SZ)) <= 0)
		return;
	n = 1 + ((size_t)pipe_size + frame - 1) / frame;
	if (n > MAX_RING)
		return;		/* small frames: the copy is small too */
	for (size_t i = 1; i < n; i++)
		v->ring[i] = memcpy(xmalloc_pages(frame), v->ring[0], frame);
	v->n_ring = n;
	v->splice = true;
#else
	(void)v;
	(void)s;
#endif
}

/* Draw and write every frame, with progress on a terminal; false when
 * the reader went away (EPIPE). */
static bool
render_all(struct video *v, struct sink *s)
{
	bool progress = !cli_quiet && isatty(STDERR_FILENO), broken = false;
	double t_begin = now_s(), t_last = t_begin;

	for (size_t k = 0; k < v->n_frames && !broken; k++) {
		render_frame(v, k);
		broken = !emit_frame(v, s->fd, s->name);
		if (progress) {
			double now = now_s();

			if (now - t_last >= 0.25 || k + 1 == v->n_frames) {
				double rate = (double)(k + 1) / fmax(now - t_begin, 1e-9);

				fprintf(stderr, "\rlanevideo: frame %zu/%zu (%.0f%%), %.0f frames/s, ETA %.0f s  ",
					k + 1, v->n_frames, 100.0 * (double)(k + 1) / (double)v->n_frames,
					rate, (double)(v->n_frames - k - 1) / rate);
				t_last = now;
			}
		}
	}
	if (progress)
		fputc('\n', stderr);
	return !broken;
}

/* --- main ------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct video v = { .width = o.width, .height = o.height, .title = o.title };
	struct genparams gp;
	struct sink out;
	bool complete;

	ev_reader_require_sorted(in);
	load_params(&o, meta, &gp);
	v.ev = ev_read_all(in, &v.n_ev);
	choose_range(&v, &o, meta, &gp);	/* selects the range's events */
	choose_span(&v, &o, meta);
	make_sheet(&v, &o, meta, &gp);
	plan_frames(&v, &o);
	/* ffmpeg takes about 80 ms to start: it does while the fonts are
	 * loaded and the static layer drawn (20 ms), which fail only when
	 * out of memory. */
	sink_open(&out, &o);
	lay_out(&v, &o);
	if (!cli_quiet && !v.hex)
		check_coherence(&v);
	prepare_drawing(&v, &o);
	ring_open(&v, &out);
	complete = render_all(&v, &out);
	sink_close(&out, &o, !complete);
	video_free(&v);
	ev_reader_close(in);
	return EXIT_OK;
}
