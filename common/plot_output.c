/* plot_output: PNG via libpng with text chunks, PDF/SVG via cairo; see
 * plot_output.h. */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <png.h>

#include "atomic.h"
#include "die.h"
#include "plot_output.h"

struct text_item {
	char *key, *text;
};

struct plot_output {
	char *path;
	enum plot_format format;
	int width, height;
	double canvas_w, canvas_h, dpi;
	struct atomic_file *af;
	cairo_surface_t *surface;
	cairo_t *cr;
	/* Vector formats are rendered into memory first, so that the SVG can
	 * get its <title>/<desc> and nothing is written before success. */
	unsigned char *buf;
	size_t len, cap;
	struct text_item *texts;
	size_t n_texts;
};

/* The format an output name asks for. */
static enum plot_format
plot_format_of(const char *path)
{
	size_t n = strlen(path);

	if (n >= 4 && strcasecmp(path + n - 4, ".pdf") == 0)
		return PLOT_PDF;
	if (n >= 4 && strcasecmp(path + n - 4, ".svg") == 0)
		return PLOT_SVG;
	return PLOT_PNG;
}

bool
plot_format_known(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return true;
	return strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".pdf") == 0 ||
	       strcasecmp(dot, ".svg") == 0;
}

static cairo_status_t
to_buffer(void *closure, const unsigned char *data, unsigned int length)
{
	struct plot_output *o = closure;

	if (o->len + length > o->cap) {
		o->cap = (o->len + length) * 2 + 4096;
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, data, length);
	o->len += length;
	return CAIRO_STATUS_SUCCESS;
}

struct plot_output *
plot_output_open_print(const char *path, double width_pt, double height_pt, double dpi)
{
	struct plot_output *o = xcalloc(1, sizeof *o);
	double scale = 72.0 / dpi;

	o->path = xstrdup(path);
	o->format = plot_format_of(path);
	o->dpi = dpi;
	o->canvas_w = width_pt / scale;
	o->canvas_h = height_pt / scale;
	o->width = (int)lround(o->canvas_w);
	o->height = (int)lround(o->canvas_h);
	o->af = atomic_open(path);
	switch (o->format) {
	case PLOT_PNG:
		/* The canvas is the pixels: a fraction of a pixel is dropped. */
		o->canvas_w = o->width, o->canvas_h = o->height;
		o->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, o->width, o->height);
		break;
	case PLOT_PDF:
		o->surface = cairo_pdf_surface_create_for_stream(to_buffer, o, width_pt, height_pt);
		break;
	case PLOT_SVG:
		o->surface = cairo_svg_surface_create_for_stream(to_buffer, o, width_pt, height_pt);
		cairo_svg_surface_set_document_unit(o->surface, CAIRO_SVG_UNIT_PT);
		break;
	}
	if (cairo_surface_status(o->surface) != CAIRO_STATUS_SUCCESS)
		die(EXIT_RUNTIME, "%s: cannot create a %dx%d canvas: %s", path, o->width, o->height,
		    cairo_status_to_string(cairo_surface_status(o->surface)));
	o->cr = cairo_create(o->surface);
	if (o->format != PLOT_PNG)
		cairo_scale(o->cr, scale, scale);
	return o;
}

struct plot_output *
plot_output_open(const char *path, int width, int height)
{
	return plot_output_open_print(path, width * PLOT_POINTS_PER_PX, height * PLOT_POINTS_PER_PX,
				      72.0 / PLOT_POINTS_PER_PX);
}

struct plot_canvas
plot_output_canvas(const struct plot_output *o)
{
	return (struct plot_canvas){ o->canvas_w, o->canvas_h, 72.0 / o->dpi };
}

cairo_t *
plot_output_cairo(struct plot_output *o)
{
	return o->cr;
}

void
plot_output_text(struct plot_output *o, const char *key, const char *text)
{
	o->texts = xrealloc(o->texts, (o->n_texts + 1) * sizeof *o->texts);
	o->texts[o->n_texts].key = xstrdup(key);
	o->texts[o->n_texts].text = xstrdup(text);
	o->n_texts++;
}

static const char *
find_text(const struct plot_output *o, const char *key)
{
	for (size_t i = 0; i < o->n_texts; i++)
		if (strcmp(o->texts[i].key, key) == 0)
			return o->texts[i].text;
	return NULL;
}

/* --- PNG ----------------------------------------------------------------- */

struct png_sink {
	FILE *fp;
	const char *path;
	jmp_buf jmp;
	char why[200];
};

static void
png_error_fn(png_structp png, png_const_charp msg)
{
	struct png_sink *sink = png_get_error_ptr(png);

	snprintf(sink->why, sizeof sink->why, "%s", msg);
	longjmp(sink->jmp, 1);
}

static void
png_warning_fn(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg;
}

static bool
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Cairo's ARGB32 is premultiplied native-endian words; PNG wants straight
 * R, G, B, A bytes. */
static void
unpremultiply_row(const uint32_t *src, unsigned char *dst, int width)
{
	for (int x = 0; x < width; x++) {
		uint32_t p = src[x];
		unsigned a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

		if (a != 0 && a != 255) {
			r = (r * 255 + a / 2) / a;
			g = (g * 255 + a / 2) / a;
			b = (b * 255 + a / 2) / a;
		}
		dst[4 * x] = (unsigned char)r;
		dst[4 * x + 1] = (unsigned char)g;
		dst[4 * x + 2] = (unsigned char)b;
		dst[4 * x + 3] = (unsigned char)a;
	}
}

static void
write_png(struct plot_output *o)
{
	struct png_sink sink = { .fp = atomic_stream(o->af), .path = o->path };
	png_structp png = NULL;
	png_infop info = NULL;
	png_textp texts = NULL;
	unsigned char *row = NULL;
	const unsigned char *data;
	int stride;

	cairo_surface_flush(o->surface);
	data = cairo_image_surface_get_data(o->surface);
	stride = cairo_image_surface_get_stride(o->surface);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, png_error_fn, png_warning_fn);
	if (!png)
		die(EXIT_RUNTIME, "%s: cannot start the PNG encoder", o->path);
	info = png_create_info_struct(png);
	if (!info)
		die(EXIT_RUNTIME, "%s: cannot start the PNG encoder", o->path);
	/* Volatile-free: everything used after the jump was set before it. */
	texts = xcalloc(o->n_texts ? o->n_texts : 1, sizeof *texts);
	row = xmalloc((size_t)o->width * 4);
	if (setjmp(sink.jmp))
		die(EXIT_RUNTIME, "%s: PNG encoding failed: %s", o->path, sink.why);
	png_init_io(png, sink.fp);
	png_set_IHDR(png, info, (png_uint_32)o->width, (png_uint_32)o->height, 8,
		     PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	for (size_t i = 0; i < o->n_texts; i++) {
		texts[i].key = o->texts[i].key;
		texts[i].text = o->texts[i].text;
		texts[i].text_length = strlen(o->texts[i].text);
		/* tEXt is Latin-1; UTF-8 beyond ASCII needs iTXt. */
		texts[i].compression = is_ascii(o->texts[i].text) ? PNG_TEXT_COMPRESSION_NONE
								  : PNG_ITXT_COMPRESSION_NONE;
	}
	if (o->n_texts)
		png_set_text(png, info, texts, (int)o->n_texts);
	/* The print size travels with the pixels. */
	png_set_pHYs(png, info, (png_uint_32)lround(o->dpi / 0.0254),
		     (png_uint_32)lround(o->dpi / 0.0254), PNG_RESOLUTION_METER);
	png_write_info(png, info);
	for (int y = 0; y < o->height; y++) {
		unpremultiply_row((const uint32_t *)(const void *)(data + (size_t)y * stride), row,
				  o->width);
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	free(texts);
}

/* --- SVG ----------------------------------------------------------------- */

static void
put_xml_escaped(FILE *fp, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		default: fputc(*s, fp);
		}
}

/* The buffered SVG with <title> and <desc> right after the <svg> start tag. */
static void
write_svg(struct plot_output *o)
{
	FILE *fp = atomic_stream(o->af);
	const char *start = NULL, *end;
	size_t head = 0;

	for (size_t i = 0; i + 4 < o->len; i++)
		if (memcmp(o->buf + i, "<svg", 4) == 0) {
			start = (const char *)o->buf + i;
			break;
		}
	if (start && (end = memchr(start, '>', o->len - (size_t)(start - (const char *)o->buf))))
		head = (size_t)(end + 1 - (const char *)o->buf);
	fwrite(o->buf, 1, head, fp);
	if (head) {
		const char *title = find_text(o, "Title");

		if (title) {
			fputs("\n<title>", fp);
			put_xml_escaped(fp, title);
			fputs("</title>", fp);
		}
		fputs("\n<desc>", fp);
		for (size_t i = 0; i < o->n_texts; i++) {
			put_xml_escaped(fp, o->texts[i].key);
			fputs(": ", fp);
			put_xml_escaped(fp, o->texts[i].text);
			fputc('\n', fp);
		}
		fputs("</desc>", fp);
	}
	fwrite(o->buf + head, 1, o->len - head, fp);
}

void
plot_output_commit(struct plot_output *o)
{
	cairo_status_t st;

	if (o->format == PLOT_PDF) {
		const char *v;

		if ((v = find_text(o, "Title")))
			cairo_pdf_surface_set_metadata(o->surface, CAIRO_PDF_METADATA_TITLE, v);
		if ((v = find_text(o, "Software")))
			cairo_pdf_surface_set_metadata(o->surface, CAIRO_PDF_METADATA_CREATOR, v);
		if ((v = find_text(o, "History")))
			cairo_pdf_surface_set_metadata(o->surface, CAIRO_PDF_METADATA_SUBJECT, v);
	}
	cairo_destroy(o->cr);
	o->cr = NULL;
	/* Finishing an image surface would release its pixels; flush it. */
	if (o->format == PLOT_PNG)
		cairo_surface_flush(o->surface);
	else
		cairo_surface_finish(o->surface);
	st = cairo_surface_status(o->surface);
	if (st != CAIRO_STATUS_SUCCESS)
		die(EXIT_RUNTIME, "%s: drawing failed: %s", o->path, cairo_status_to_string(st));
	switch (o->format) {
	case PLOT_PNG:
		write_png(o);
		break;
	case PLOT_PDF:
		fwrite(o->buf, 1, o->len, atomic_stream(o->af));
		break;
	case PLOT_SVG:
		write_svg(o);
		break;
	}
	cairo_surface_destroy(o->surface);
	atomic_commit(o->af);
	for (size_t i = 0; i < o->n_texts; i++)
		free(o->texts[i].key), free(o->texts[i].text);
	free(o->texts);
	free(o->buf);
	free(o->path);
	free(o);
}
