/* plot_output: a cairo canvas written atomically as PNG, PDF or SVG.
 *
 * The format follows the output name: ".pdf" and ".svg" (any case) give
 * vector files, anything else PNG.  PNG goes through libpng rather than
 * cairo_surface_write_to_png() so the file carries text chunks (tEXt, or
 * iTXt for non-ASCII text) with the software, title, history and
 * parameters.  PDF files carry the title and software in their document
 * information, and the history as its subject; SVG files get <title> and
 * <desc> elements.
 *
 * Callers draw in pixels on a WIDTH×HEIGHT canvas for every format; a PDF or
 * SVG page is the same drawing scaled to PLOT_POINTS_PER_PX points per
 * pixel (1600×1000 px → 720×450 pt, 10×6.25 in), or, opened with a print
 * size, exactly that page with the canvas in pixels of the dpi.
 *
 * The output file is created (as a temporary beside it, atomic.h) when the
 * output is opened, so an unwritable path fails before any work, and it
 * appears only at plot_output_commit(); a run that dies leaves nothing. */
#ifndef LL_PLOT_OUTPUT_H
#define LL_PLOT_OUTPUT_H

#include <stdbool.h>

#include <cairo.h>

#include "plot_figure.h"

#define PLOT_POINTS_PER_PX 0.45

enum plot_format { PLOT_PNG, PLOT_PDF, PLOT_SVG };

/* Whether llplot writes the format of this name: .png, .pdf, .svg (any
 * case) or no extension (PNG).  False for any other extension (.jpg,
 * .eps...), which must not silently become a PNG under a wrong name. */
bool plot_format_known(const char *path);

struct plot_output;

/* Create the temporary for `path` and a canvas width×height px; dies
 * (status 1) naming `path` when it cannot be created. */
struct plot_output *plot_output_open(const char *path, int width, int height);

/* The same for a print size: a page of exactly width_pt x height_pt
 * points for PDF and SVG, and for PNG the pixels that size holds at `dpi`
 * (rounded), with the dpi recorded in the file (pHYs).  The canvas unit is
 * one pixel at `dpi` (72/dpi pt) for every format. */
struct plot_output *plot_output_open_print(const char *path, double width_pt, double height_pt,
					   double dpi);

/* The canvas to draw on: its size in units and the points per unit. */
struct plot_canvas plot_output_canvas(const struct plot_output *o);

/* The drawing context, in pixel units (owned by the output). */
cairo_t *plot_output_cairo(struct plot_output *o);

/* Attach "key: text" metadata, UTF-8 (keys as in PNG: "Title", "Software",
 * "Source", "History", "Parameters", "Comment").  Copied.  Later keys of
 * the same name are kept as further chunks. */
void plot_output_text(struct plot_output *o, const char *key, const char *text);

/* Encode, write and rename into place; dies (status 1) on any failure. */
void plot_output_commit(struct plot_output *o);

#endif
