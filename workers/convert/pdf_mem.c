/*
 * The PDF converter's limits: a per-document allocator that counts what
 * MuPDF holds and refuses allocations past a cap (the context is an
 * arena: what MuPDF leaks on an error path is freed with it), and a page
 * device that counts drawing operations and stops the interpreter past
 * PDF_PAGE_OPS_MAX.
 */
#include <sys/resource.h>

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "convert.h"
#include "converters.h"
#include "mdbuf.h"
#include "mdplain.h"
#include "meta.h"
#include "pdf_int.h"

/* ---- memory cap ---- */

static void
blk_link(struct pdf_mem *m, struct mem_blk *b)
{
	b->prev = NULL;
	b->next = m->live;
	if (m->live != NULL)
		m->live->prev = b;
	m->live = b;
}

static void
blk_unlink(struct pdf_mem *m, struct mem_blk *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		m->live = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
}

void *
pdf_mem_malloc(void *u, size_t n)
{
	struct pdf_mem	*m = u;
	struct mem_blk	*b;

	if (n > m->max || MEM_COST(n) > m->max - m->used) {
		m->hit = 1;
		return NULL;
	}
	if ((b = malloc(n + MEM_HDR)) == NULL) {
		m->oom = 1;
		return NULL;
	}
	b->size = n;
	blk_link(m, b);
	m->used += MEM_COST(n);
	return b + 1;
}

void
pdf_mem_free(void *u, void *q)
{
	struct pdf_mem	*m = u;
	struct mem_blk	*b;

	if (q == NULL)
		return;
	b = (struct mem_blk *)q - 1;
	blk_unlink(m, b);
	m->used -= MEM_COST(b->size);
	free(b);
}

void *
pdf_mem_realloc(void *u, void *q, size_t n)
{
	struct pdf_mem	*m = u;
	struct mem_blk	*b, *nb;
	size_t		 old;

	if (q == NULL)
		return pdf_mem_malloc(u, n);
	if (n == 0) {
		pdf_mem_free(u, q);
		return NULL;
	}
	b = (struct mem_blk *)q - 1;
	old = b->size;
	if (n > m->max || (n > old &&
	    MEM_COST(n) - MEM_COST(old) > m->max - m->used)) {
		m->hit = 1;
		return NULL;
	}
	blk_unlink(m, b);
	if ((nb = realloc(b, n + MEM_HDR)) == NULL) {
		blk_link(m, b);
		m->oom = 1;
		return NULL;
	}
	nb->size = n;
	blk_link(m, nb);
	m->used = m->used - MEM_COST(old) + MEM_COST(n);
	return nb + 1;
}

/* What MuPDF left allocated once its context is gone. */
void
pdf_mem_release(struct pdf_mem *m)
{
	struct mem_blk	*b;

	while ((b = m->live) != NULL) {
		m->live = b->next;
		free(b);
	}
	m->used = 0;
}

/*
 * Half the address space the worker may use, the rest being for the input,
 * the output and the program; a fixed amount when there is no limit (the
 * sanitizer builds, tests).
 */
size_t
pdf_mem_cap(void)
{
	struct rlimit	rl;

	if (convert_pdf_mem_max != 0)
		return convert_pdf_mem_max;
	if (getrlimit(RLIMIT_AS, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 2 > PDF_MEM_DEFAULT * 4)
		return PDF_MEM_DEFAULT;
	return rl.rlim_cur / 2;
}

/* MuPDF reports through these; the worker's stderr is not the place. */
void
pdf_quiet(void *user, const char *msg)
{
	(void)user;
	(void)msg;
}


/* ---- the page device ---- */

static void
count(fz_context *ctx, fz_device *dev)
{
	struct count_dev	*cd = (struct count_dev *)dev;

	(void)ctx;
	if (++cd->n > PDF_PAGE_OPS_MAX && cd->cookie != NULL) {
		cd->cookie->abort = 1;
		cd->stopped = 1;
	}
}

static void
cd_fill_text(fz_context *ctx, fz_device *dev, const fz_text *t, fz_matrix m,
    fz_colorspace *cs, const float *color, float alpha, fz_color_params cp)
{
	count(ctx, dev);
	fz_fill_text(ctx, ((struct count_dev *)dev)->target, t, m, cs, color,
	    alpha, cp);
}

static void
cd_stroke_text(fz_context *ctx, fz_device *dev, const fz_text *t,
    const fz_stroke_state *ss, fz_matrix m, fz_colorspace *cs,
    const float *color, float alpha, fz_color_params cp)
{
	count(ctx, dev);
	fz_stroke_text(ctx, ((struct count_dev *)dev)->target, t, ss, m, cs,
	    color, alpha, cp);
}

static void
cd_clip_text(fz_context *ctx, fz_device *dev, const fz_text *t, fz_matrix m,
    fz_rect scissor)
{
	count(ctx, dev);
	fz_clip_text(ctx, ((struct count_dev *)dev)->target, t, m, scissor);
}

static void
cd_clip_stroke_text(fz_context *ctx, fz_device *dev, const fz_text *t,
    const fz_stroke_state *ss, fz_matrix m, fz_rect scissor)
{
	count(ctx, dev);
	fz_clip_stroke_text(ctx, ((struct count_dev *)dev)->target, t, ss, m,
	    scissor);
}

static void
cd_ignore_text(fz_context *ctx, fz_device *dev, const fz_text *t,
    fz_matrix m)
{
	count(ctx, dev);
	fz_ignore_text(ctx, ((struct count_dev *)dev)->target, t, m);
}

/* Paths, images, clips: nothing for the text, but work all the same. */
static void
cd_fill_path(fz_context *ctx, fz_device *dev, const fz_path *p, int eo,
    fz_matrix m, fz_colorspace *cs, const float *color, float alpha,
    fz_color_params cp)
{
	(void)p; (void)eo; (void)m; (void)cs; (void)color; (void)alpha;
	(void)cp;
	count(ctx, dev);
}

static void
cd_stroke_path(fz_context *ctx, fz_device *dev, const fz_path *p,
    const fz_stroke_state *ss, fz_matrix m, fz_colorspace *cs,
    const float *color, float alpha, fz_color_params cp)
{
	(void)p; (void)ss; (void)m; (void)cs; (void)color; (void)alpha;
	(void)cp;
	count(ctx, dev);
}

static void
cd_clip_path(fz_context *ctx, fz_device *dev, const fz_path *p, int eo,
    fz_matrix m, fz_rect scissor)
{
	(void)p; (void)eo; (void)m; (void)scissor;
	count(ctx, dev);
}

static void
cd_fill_image(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix m,
    float alpha, fz_color_params cp)
{
	(void)img; (void)m; (void)alpha; (void)cp;
	count(ctx, dev);
}

static void
cd_clip_stroke_path(fz_context *ctx, fz_device *dev, const fz_path *p,
    const fz_stroke_state *ss, fz_matrix m, fz_rect scissor)
{
	(void)p; (void)ss; (void)m; (void)scissor;
	count(ctx, dev);
}

static void
cd_fill_shade(fz_context *ctx, fz_device *dev, fz_shade *shd, fz_matrix m,
    float alpha, fz_color_params cp)
{
	(void)shd; (void)m; (void)alpha; (void)cp;
	count(ctx, dev);
}

static void
cd_fill_image_mask(fz_context *ctx, fz_device *dev, fz_image *img,
    fz_matrix m, fz_colorspace *cs, const float *color, float alpha,
    fz_color_params cp)
{
	(void)img; (void)m; (void)cs; (void)color; (void)alpha; (void)cp;
	count(ctx, dev);
}

static void
cd_clip_image_mask(fz_context *ctx, fz_device *dev, fz_image *img,
    fz_matrix m, fz_rect scissor)
{
	(void)img; (void)m; (void)scissor;
	count(ctx, dev);
}

static void
cd_close(fz_context *ctx, fz_device *dev)
{
	fz_close_device(ctx, ((struct count_dev *)dev)->target);
}

/*
 * No hints: FZ_NO_CACHE would make MuPDF drop the objects a page loaded
 * (its fonts) after each page and load them again for the next.
 */
fz_device *
pdf_new_count_dev(fz_context *ctx, fz_device *target, fz_cookie *cookie)
{
	struct count_dev	*cd;

	cd = fz_new_derived_device(ctx, struct count_dev);
	cd->super.close_device = cd_close;
	cd->super.fill_text = cd_fill_text;
	cd->super.stroke_text = cd_stroke_text;
	cd->super.clip_text = cd_clip_text;
	cd->super.clip_stroke_text = cd_clip_stroke_text;
	cd->super.ignore_text = cd_ignore_text;
	cd->super.fill_path = cd_fill_path;
	cd->super.stroke_path = cd_stroke_path;
	cd->super.clip_path = cd_clip_path;
	cd->super.clip_stroke_path = cd_clip_stroke_path;
	cd->super.fill_shade = cd_fill_shade;
	cd->super.fill_image = cd_fill_image;
	cd->super.fill_image_mask = cd_fill_image_mask;
	cd->super.clip_image_mask = cd_clip_image_mask;
	cd->target = target;
	cd->cookie = cookie;
	return &cd->super;
}
