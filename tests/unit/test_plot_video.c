/* test_plot_video: the yuv420p conversions of plot_video agree with each
 * other and with the BT.601 equations; drawing and direct pixel writes mix.
 * Prints TAP lines; exits 1 when any check failed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_video.h"
#include "tap.h"

#define W 64
#define H 8

static uint64_t state = 88172645463325252u;

static uint32_t
next(void)	/* xorshift64: a fixed sequence, no library RNG */
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 16);
}

/* Fill row px of width W with random runs (1-9 pixels, odd ends too),
 * uniform ones of one of 3 colours, the rest random pixels. */
static size_t
random_row(uint32_t *px, struct plot_video_run *r)
{
	static const uint32_t colour[3] = { 0x0d121f, 0x5a9ef2, 0xf28c4d };
	size_t n = 0;

	for (int x = 0; x < W;) {
		int len = 1 + (int)(next() % 9), e = x + len < W ? x + len : W;
		bool uniform = next() % 3 != 0;
		uint32_t c = colour[next() % 3];

		for (int i = x; i < e; i++)
			px[i] = uniform ? c : next() & 0xffffff;
		/* Runs of one kind may follow each other: the converter must
		 * not rely on them alternating. */
		r[n++] = (struct plot_video_run){ x, e, uniform, c };
		x = e;
	}
	return n;
}

int
main(void)
{
	struct plot_video *f = plot_video_new(W, H);
	unsigned char a[W * H * 3 / 2], b[W * H * 3 / 2];
	struct plot_video_run runs[H][W];
	size_t n_runs[H];
	uint32_t *px;
	size_t stride;
	bool same = true, same_rect = true;
	int y_ok = 1;

	check(f != NULL, "a 64x8 frame is made");
	if (!f)
		return tap_done();
	stride = plot_video_stride(f);
	for (int trial = 0; trial < 200 && same; trial++) {
		px = plot_video_pixels(f);
		for (int y = 0; y < H; y++)
			n_runs[y] = random_row(px + (size_t)y * stride, runs[y]);
		plot_video_yuv420p(f, a, 0, 0, W, H);
		memset(b, 0, sizeof b);
		for (int y = 0; y < H; y += 2)
			plot_video_yuv420p_rows(b, W, H, y, px + (size_t)y * stride, runs[y], n_runs[y],
						px + (size_t)(y + 1) * stride, runs[y + 1], n_runs[y + 1]);
		same = memcmp(a, b, sizeof a) == 0;
	}
	check(same, "row pairs along random runs convert to the bytes of the whole frame (200 frames)");

	/* A rectangle converts to the same bytes as the whole frame there. */
	memset(b, 0, sizeof b);
	plot_video_yuv420p(f, b, 10, 2, 30, 6);
	for (int y = 2; y < 6; y++)
		for (int x = 10; x < 30; x++)
			same_rect = same_rect && a[y * W + x] == b[y * W + x];
	for (int y = 1; y < 3; y++)
		for (int x = 5; x < 15; x++)
			same_rect = same_rect && a[W * H + y * W / 2 + x] == b[W * H + y * W / 2 + x] &&
				    a[W * H * 5 / 4 + y * W / 2 + x] == b[W * H * 5 / 4 + y * W / 2 + x];
	check(same_rect && b[0] == 0 && b[W * H - 1] == 0,
	      "a rectangle converts to the same bytes, and nothing outside it");

	/* BT.601 limited range: black 16/128/128, white 235/128/128. */
	plot_video_paint(f, (struct plot_video_colour){ 0, 0, 0, 1 });
	plot_video_fill_rect(f, 0, 0, W / 2, H, (struct plot_video_colour){ 1, 1, 1, 1 });
	plot_video_yuv420p(f, a, 0, 0, W, H);
	y_ok = a[0] == 235 && a[W - 1] == 16 && a[W * H] == 128 && a[W * H + W / 2 - 1] == 128 &&
	       a[W * H * 5 / 4] == 128;
	check(y_ok, "drawn white and black give Y 235 and 16, U and V 128");

	/* Direct writes after drawing, then drawing again over them. */
	px = plot_video_pixels(f);
	plot_video_fill_pixels(px + 3 * stride, 0xff0000, W);
	plot_video_fill_rect(f, 0, 3, 1, 1, (struct plot_video_colour){ 0, 0, 1, 1 });
	px = plot_video_pixels(f);
	/* cairo's RGB24 leaves the unused top byte at 0xff: compare colours. */
	check((px[3 * stride] & 0xffffff) == 0x0000ff && (px[3 * stride + 1] & 0xffffff) == 0xff0000 &&
	      (px[2 * stride] & 0xffffff) == 0xffffff,
	      "pixels written directly stay under what is drawn next");

	uint32_t row[4] = { 0x102030, 0x405060, 0x708090, 0xa0b0c0 };
	unsigned char out[12];
	plot_video_rgb24(out, row, 4);
	check(memcmp(out, "\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0", 12) == 0,
	      "rgb24 packs R, G, B per pixel");
	plot_video_free(f);
	return tap_done();
}
