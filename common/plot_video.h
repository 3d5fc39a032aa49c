/* plot_video: video frames drawn with vector primitives, and their pixels
 * converted to what an encoder takes.
 *
 * A frame is width×height pixels of xRGB32 (cairo's RGB24: one native
 * 32-bit word per pixel, 0xXXRRGGBB; the top byte means nothing, cairo
 * leaves 0xff there, every function here ignores it).  A program draws on
 * it with the primitives below (rectangles, lines, a polyline, circles,
 * disks, text in DejaVu Sans through cairo's toy font API) and writes its
 * pixels directly (plot_video_pixels), in any order: the module keeps
 * cairo's view of the pixels and the pixels themselves in step.  Coordinates are pixels, y
 * down, (0, 0) the top left corner of the top left pixel.  Colours are
 * 0..1 per channel with an opacity, laid over what is there (OVER).
 * Nothing here knows one picture: lanevideo composes its frames from it.
 *
 * yuv420p follows BT.601 limited range ("tv"), what ffmpeg assumes of
 * untagged yuv420p and what libx264 encodes: Y per pixel, U and V from the
 * mean colour of each 2×2 block, in 8-bit integer arithmetic, so the same
 * pixels give the same bytes whichever function below converts them. */
#ifndef LL_PLOT_VIDEO_H
#define LL_PLOT_VIDEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plot_video;

struct plot_video_colour {
	double r, g, b, a;	/* a = 1: opaque */
};

/* A frame of width×height pixels, black; NULL when it cannot be made. */
struct plot_video *plot_video_new(int width, int height);
void plot_video_free(struct plot_video *f);

/* The pixels for reading or writing directly: row y starts at
 * pixels + y * plot_video_stride(f).  Call it again after drawing with
 * the primitives (it hands cairo's work over); the pointer stays valid
 * for the frame's life. */
uint32_t *plot_video_pixels(struct plot_video *f);
size_t plot_video_stride(const struct plot_video *f);	/* pixels per row */

/* Set n pixels from p on to px (a vectorised fill: runs of a row). */
void plot_video_fill_pixels(uint32_t *p, uint32_t px, size_t n);

/* Copy the pixels of [x0, x1) × [y0, y1) from src, a frame of the same size. */
void plot_video_copy(struct plot_video *dst, struct plot_video *src, int x0, int y0, int x1, int y1);

/* --- Drawing ------------------------------------------------------------- */

/* Cover the whole frame with a colour. */
void plot_video_paint(struct plot_video *f, struct plot_video_colour c);

/* Fill the rectangle at (x, y) of size w×h. */
void plot_video_fill_rect(struct plot_video *f, double x, double y, double w, double h,
			  struct plot_video_colour c);

/* Outline the rectangle with lines `lw` px wide (centred on its edges). */
void plot_video_stroke_rect(struct plot_video *f, double x, double y, double w, double h,
			    double lw, struct plot_video_colour c);

/* A straight line from (x0, y0) to (x1, y1), butt ends. */
void plot_video_line(struct plot_video *f, double x0, double y0, double x1, double y1,
		     double lw, struct plot_video_colour c);

/* The same line in a colour that goes linearly from c0 at (x0, y0) to c1
 * at (x1, y1) (a track fading towards its tail). */
void plot_video_line_gradient(struct plot_video *f, double x0, double y0, double x1, double y1,
			      double lw, struct plot_video_colour c0, struct plot_video_colour c1);

/* A line through the n points xy[2i], xy[2i+1], mitred at its corners. */
void plot_video_polyline(struct plot_video *f, const double *xy, size_t n, double lw,
			 struct plot_video_colour c);

/* The circle of radius r around (x, y), outlined. */
void plot_video_circle(struct plot_video *f, double x, double y, double r, double lw,
		       struct plot_video_colour c);

/* Filled disks of radius r at the n centres xy[2i], xy[2i+1], in one go
 * (overlaps are covered once), drawn only inside [x0, x1) × [y0, y1). */
void plot_video_disks(struct plot_video *f, const double *xy, size_t n, double r,
		      double x0, double y0, double x1, double y1, struct plot_video_colour c);

/* Text size (px) and weight for the text functions after it. */
void plot_video_font(struct plot_video *f, double size, bool bold);

/* The advance width of s (UTF-8) in the current font, px. */
double plot_video_text_width(struct plot_video *f, const char *s);

/* Draw s with its left end (align 0), centre (0.5) or right end (1) at x
 * and its baseline at y; returns its width. */
double plot_video_text(struct plot_video *f, double x, double y, double align, const char *s,
		       struct plot_video_colour c);

/* --- Pixel formats --------------------------------------------------------- */

/* Pack n pixels as rgb24 bytes (R, G, B per pixel). */
void plot_video_rgb24(unsigned char *restrict out, const uint32_t *restrict in, size_t n);

/* Convert [x0, x1) × [y0, y1) of the frame (all four even) into yuv, a
 * yuv420p picture of the frame's size (Y plane, then U, then V). */
void plot_video_yuv420p(struct plot_video *f, unsigned char *yuv, int x0, int y0, int x1, int y1);

/* A stretch [x0, x1) of a row; when `uniform`, every pixel of it is `px`. */
struct plot_video_run {
	int x0, x1;
	bool uniform;
	uint32_t px;
};

/* Convert two rows of pixels, a (row y, even) and b (row y + 1), into
 * rows y, y + 1 of Y and row y/2 of U and V of yuv, a yuv420p picture
 * width×height.  ra[0..na) and rb[0..nb) cover [0, width) in order and
 * say where a row is uniform: there the bytes are set without converting
 * pixel by pixel (they are the same bytes), so rows made of long runs of
 * few colours cost little more than writing them. */
void plot_video_yuv420p_rows(unsigned char *yuv, int width, int height, int y,
			     const uint32_t *a, const struct plot_video_run *ra, size_t na,
			     const uint32_t *b, const struct plot_video_run *rb, size_t nb);

/* Copy rows y_from, y_from + 1 of Y and row y_from/2 of U and V to the
 * rows of y_to (both even) within yuv, a yuv420p picture width×height. */
void plot_video_yuv420p_copy_rows(unsigned char *yuv, int width, int height, int y_from, int y_to);

#endif
