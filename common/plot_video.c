/* plot_video: video frames drawn with vector primitives (cairo), and their
 * pixels converted to rgb24 or yuv420p.  See plot_video.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "plot_video.h"

#define FONT "DejaVu Sans"
#define PV_2PI 6.28318530717958647693

/* The pixel loops are plain integer arithmetic that gcc vectorises at
 * -O3 (the conversions 4x faster than at -O2); other compilers get them as
 * written. */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((optimize("O3")))
#else
#define VECTORISE
#endif

struct plot_video {
	cairo_surface_t *surface;
	cairo_t *cr;		/* one context for the frame's life: no per-frame setup */
	uint32_t *pixels;
	int width, height;
	size_t stride;		/* pixels */
	/* Pixels handed out for direct writes since cairo last drew: cairo
	 * must be told before it draws again (it may cache what it read). */
	bool direct;
};

struct plot_video *
plot_video_new(int width, int height)
{
	struct plot_video *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	if (cairo_surface_status(f->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(f->surface);
		free(f);
		return NULL;
	}
	f->cr = cairo_create(f->surface);
	if (cairo_status(f->cr) != CAIRO_STATUS_SUCCESS) {
		cairo_destroy(f->cr);
		cairo_surface_destroy(f->surface);
		free(f);
		return NULL;
	}
	f->width = width;
	f->height = height;
	/* RGB24 rows are whole 32-bit words. */
	f->stride = (size_t)cairo_image_surface_get_stride(f->surface) / 4;
	f->pixels = (uint32_t *)cairo_image_surface_get_data(f->surface);
	return f;
}

void
plot_video_free(struct plot_video *f)
{
	if (!f)
		return;
	cairo_destroy(f->cr);
	cairo_surface_destroy(f->surface);
	free(f);
}

uint32_t *
plot_video_pixels(struct plot_video *f)
{
	if (!f->direct) {
		cairo_surface_flush(f->surface);
		f->direct = true;
	}
	return f->pixels;
}

size_t
plot_video_stride(const struct plot_video *f)
{
	return f->stride;
}

VECTORISE void
plot_video_fill_pixels(uint32_t *p, uint32_t px, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = px;
}

void
plot_video_copy(struct plot_video *dst, struct plot_video *src, int x0, int y0, int x1, int y1)
{
	uint32_t *d = plot_video_pixels(dst);
	const uint32_t *s = plot_video_pixels(src);

	if (x1 <= x0)
		return;
	for (int y = y0; y < y1; y++)
		memcpy(d + (size_t)y * dst->stride + x0, s + (size_t)y * src->stride + x0,
		       (size_t)(x1 - x0) * sizeof *d);
}

/* --- Drawing --------------------------------------------------------------- */

/* The context, told about direct pixel writes since it last drew. */
static cairo_t *
drawing(struct plot_video *f)
{
	if (f->direct) {
		cairo_surface_mark_dirty(f->surface);
		f->direct = false;
	}
	return f->cr;
}

static void
source(cairo_t *cr, struct plot_video_colour c)
{
	if (c.a >= 1)
		cairo_set_source_rgb(cr, c.r, c.g, c.b);
	else
		cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

void
plot_video_paint(struct plot_video *f, struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	source(cr, c);
	cairo_paint(cr);
}

void
plot_video_fill_rect(struct plot_video *f, double x, double y, double w, double h,
		     struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	source(cr, c);
	cairo_rectangle(cr, x, y, w, h);
	cairo_fill(cr);
}

void
plot_video_stroke_rect(struct plot_video *f, double x, double y, double w, double h,
		       double lw, struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	source(cr, c);
	cairo_set_line_width(cr, lw);
	cairo_rectangle(cr, x, y, w, h);
	cairo_stroke(cr);
}

void
plot_video_line(struct plot_video *f, double x0, double y0, double x1, double y1,
		double lw, struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	source(cr, c);
	cairo_set_line_width(cr, lw);
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
}

void
plot_video_line_gradient(struct plot_video *f, double x0, double y0, double x1, double y1,
			 double lw, struct plot_video_colour c0, struct plot_video_colour c1)
{
	cairo_t *cr = drawing(f);
	cairo_pattern_t *g = cairo_pattern_create_linear(x0, y0, x1, y1);

	cairo_pattern_add_color_stop_rgba(g, 0, c0.r, c0.g, c0.b, c0.a);
	cairo_pattern_add_color_stop_rgba(g, 1, c1.r, c1.g, c1.b, c1.a);
	cairo_set_source(cr, g);
	cairo_set_line_width(cr, lw);
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
	cairo_pattern_destroy(g);
}

void
plot_video_polyline(struct plot_video *f, const double *xy, size_t n, double lw,
		    struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	if (n == 0)
		return;
	source(cr, c);
	cairo_set_line_width(cr, lw);
	cairo_move_to(cr, xy[0], xy[1]);
	for (size_t i = 1; i < n; i++)
		cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
	cairo_stroke(cr);
}

void
plot_video_circle(struct plot_video *f, double x, double y, double r, double lw,
		  struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	source(cr, c);
	cairo_set_line_width(cr, lw);
	cairo_new_path(cr);
	cairo_arc(cr, x, y, r, 0, PV_2PI);
	cairo_stroke(cr);
}

void
plot_video_disks(struct plot_video *f, const double *xy, size_t n, double r,
		 double x0, double y0, double x1, double y1, struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);

	cairo_save(cr);
	cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
	cairo_clip(cr);
	source(cr, c);
	for (size_t i = 0; i < n; i++) {
		cairo_new_sub_path(cr);
		cairo_arc(cr, xy[2 * i], xy[2 * i + 1], r, 0, PV_2PI);
	}
	cairo_fill(cr);
	cairo_restore(cr);
}

void
plot_video_font(struct plot_video *f, double size, bool bold)
{
	cairo_t *cr = f->cr;

	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

double
plot_video_text_width(struct plot_video *f, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(f->cr, s, &e);
	return e.x_advance;
}

double
plot_video_text(struct plot_video *f, double x, double y, double align, const char *s,
		struct plot_video_colour c)
{
	cairo_t *cr = drawing(f);
	cairo_text_extents_t e;

	source(cr, c);
	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - align * e.x_advance, y);
	cairo_show_text(cr, s);
	return e.x_advance;
}

/* --- Pixel formats --------------------------------------------------------- */

void
plot_video_rgb24(unsigned char *restrict out, const uint32_t *restrict in, size_t n)
{
	size_t x = 0;

	/* Four pixels make three 32-bit words, stored as words: one 12-byte
	 * copy of an array went through the stack and stalled on store
	 * forwarding (a third of the frame time). */
	for (; x + 4 <= n; x += 4, out += 12) {
		uint32_t p0 = in[x], p1 = in[x + 1], p2 = in[x + 2], p3 = in[x + 3];
		uint32_t w0 = (p0 >> 16 & 0xff) | (p0 & 0xff00) | (p0 & 0xff) << 16 | (p1 >> 16 & 0xff) << 24;
		uint32_t w1 = (p1 >> 8 & 0xff) | (p1 & 0xff) << 8 | (p2 >> 16 & 0xff) << 16 | (p2 >> 8 & 0xff) << 24;
		uint32_t w2 = (p2 & 0xff) | (p3 >> 16 & 0xff) << 8 | (p3 >> 8 & 0xff) << 16 | (p3 & 0xff) << 24;

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

/* BT.601 limited range: 8-bit integer coefficients of the studio-swing
 * equations, rounded.  Offsets are added before the shift so the sums
 * stay non-negative. */
static inline unsigned char
luma(uint32_t p)
{
	uint32_t r = p >> 16 & 0xff, g = p >> 8 & 0xff, b = p & 0xff;

	return (unsigned char)((66 * r + 129 * g + 25 * b + (16 << 8) + 128) >> 8);
}

/* U and V of the sums r, g, b of four pixels' channels (coefficients over
 * 2^10: the mean is the sum over 4). */
static inline unsigned char
chroma_u(int32_t r, int32_t g, int32_t b)
{
	return (unsigned char)((-38 * r - 74 * g + 112 * b + (128 << 10) + 512) >> 10);
}

static inline unsigned char
chroma_v(int32_t r, int32_t g, int32_t b)
{
	return (unsigned char)((112 * r - 94 * g - 18 * b + (128 << 10) + 512) >> 10);
}

VECTORISE static void
luma_row(unsigned char *restrict out, const uint32_t *restrict in, int n)
{
	for (int x = 0; x < n; x++)
		out[x] = luma(in[x]);
}

/* U and V of n 2x2 blocks: pixels 2i, 2i + 1 of rows a and b. */
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

		u[i] = chroma_u(r, g, bl);
		v[i] = chroma_v(r, g, bl);
	}
}

void
plot_video_yuv420p(struct plot_video *f, unsigned char *yuv, int x0, int y0, int x1, int y1)
{
	const uint32_t *px = plot_video_pixels(f);
	size_t w = (size_t)f->width, h = (size_t)f->height;
	unsigned char *py = yuv, *pu = yuv + w * h, *pv = pu + (w / 2) * (h / 2);

	if (x1 <= x0)
		return;
	/* Two rows at a time: the second reading of each is from cache. */
	for (int y = y0; y < y1; y += 2) {
		const uint32_t *a = px + (size_t)y * f->stride, *b = a + f->stride;
		size_t c = (size_t)(y / 2) * (w / 2) + (size_t)(x0 / 2);

		luma_row(py + (size_t)y * w + x0, a + x0, x1 - x0);
		luma_row(py + (size_t)(y + 1) * w + x0, b + x0, x1 - x0);
		chroma_rows(pu + c, pv + c, a + x0, b + x0, (x1 - x0) / 2);
	}
}

/* The Y bytes of one row along its runs. */
static void
luma_runs(unsigned char *out, const uint32_t *in, const struct plot_video_run *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x0 = r[i].x0, len = r[i].x1 - r[i].x0;

		if (r[i].uniform)
			memset(out + x0, luma(r[i].px), (size_t)len);
		else if (len >= 16)
			luma_row(out + x0, in + x0, len);
		else
			for (int x = x0; x < r[i].x1; x++)
				out[x] = luma(in[x]);
	}
}

void
plot_video_yuv420p_rows(unsigned char *yuv, int width, int height, int y,
			const uint32_t *a, const struct plot_video_run *ra, size_t na,
			const uint32_t *b, const struct plot_video_run *rb, size_t nb)
{
	size_t w = (size_t)width, h = (size_t)height, c = (size_t)(y / 2) * (w / 2);
	unsigned char *py = yuv + (size_t)y * w, *pu = yuv + w * h + c, *pv = pu + (w / 2) * (h / 2);
	size_t i = 0, j = 0;
	int x = 0;

	luma_runs(py, a, ra, na);
	luma_runs(py + w, b, rb, nb);
	/* Chroma along the stretches where neither row's run changes: a
	 * stretch uniform in both rows has one U and V for the blocks wholly
	 * inside it; a block it shares with the next stretch (an odd end) is
	 * converted from its pixels. */
	while (x < width && i < na && j < nb) {
		const struct plot_video_run *p = &ra[i], *q = &rb[j];
		int e = p->x1 < q->x1 ? p->x1 : q->x1;

		if (p->uniform && q->uniform) {
			int c0 = (x + 1) / 2, c1 = e / 2;

			if (c1 > c0) {
				int32_t r = (int32_t)(2 * (p->px >> 16 & 0xff) + 2 * (q->px >> 16 & 0xff));
				int32_t g = (int32_t)(2 * (p->px >> 8 & 0xff) + 2 * (q->px >> 8 & 0xff));
				int32_t bl = (int32_t)(2 * (p->px & 0xff) + 2 * (q->px & 0xff));

				memset(pu + c0, chroma_u(r, g, bl), (size_t)(c1 - c0));
				memset(pv + c0, chroma_v(r, g, bl), (size_t)(c1 - c0));
			}
			if (x & 1)
				chroma_rows(pu + x / 2, pv + x / 2, a + x - 1, b + x - 1, 1);
			if (e & 1)
				chroma_rows(pu + e / 2, pv + e / 2, a + e - 1, b + e - 1, 1);
		} else {
			int c0 = x / 2, c1 = (e + 1) / 2;

			chroma_rows(pu + c0, pv + c0, a + 2 * c0, b + 2 * c0, c1 - c0);
		}
		x = e;
		if (p->x1 == e)
			i++;
		if (q->x1 == e)
			j++;
	}
}

void
plot_video_yuv420p_copy_rows(unsigned char *yuv, int width, int height, int y_from, int y_to)
{
	size_t w = (size_t)width, h = (size_t)height;
	unsigned char *pu = yuv + w * h, *pv = pu + (w / 2) * (h / 2);

	memcpy(yuv + (size_t)y_to * w, yuv + (size_t)y_from * w, 2 * w);
	memcpy(pu + (size_t)(y_to / 2) * (w / 2), pu + (size_t)(y_from / 2) * (w / 2), w / 2);
	memcpy(pv + (size_t)(y_to / 2) * (w / 2), pv + (size_t)(y_from / 2) * (w / 2), w / 2);
}
