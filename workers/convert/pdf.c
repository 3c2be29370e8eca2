/*
 * PDF to Markdown with MuPDF (docs/converters.md says what maps to
 * what). MuPDF is used as a library inside the sandboxed worker: the
 * document is read from the worker's memory copy, fonts and CMaps are
 * built into the library, so nothing is opened at run time.
 *
 * Each document gets its own fz_context, whose allocator counts what
 * MuPDF holds and refuses allocations past a cap well under the worker's
 * RLIMIT_AS: a hostile PDF then fails as a MuPDF error, which is reported
 * as a limit, instead of the kernel killing the worker. Each page runs
 * through a device that counts drawing operations and stops the page's
 * interpreter (through the cookie) past PDF_PAGE_OPS_MAX.
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

size_t	convert_pdf_mem_max;

/* ---- pages ---- */

/*
 * The text of page n (0-based) in reading order: MuPDF's structured text
 * gives blocks in content order, each a paragraph. Bookmarks pointing
 * into the page are written before the block they point at.
 */
static void
one_page(struct pdf_conv *pc, fz_document *doc, int n)
{
	fz_context		*ctx = pc->ctx;
	fz_page			*volatile page = NULL;
	fz_stext_page		*volatile text = NULL;
	fz_device		*volatile sdev = NULL, *volatile cdev = NULL;
	fz_stext_block		*b;
	fz_stext_options	 opts;
	fz_cookie		 cookie;
	struct pdf_mark		*mk;
	char			 buf[64], key[KEY_MAX];
	size_t			 i;
	volatile int		 stopped = 0;

	memset(&opts, 0, sizeof(opts));
	/* Characters outside the page are not shown: hidden text. */
	opts.flags = FZ_STEXT_MEDIABOX_CLIP;
	memset(&cookie, 0, sizeof(cookie));

	pc->last_y = NAN;
	mdbuf_blank(pc->out);
	(void)snprintf(buf, sizeof(buf), "<!-- page %d -->\n\n", n + 1);
	mdbuf_adds(pc->out, buf);

	fz_try(ctx) {
		page = fz_load_page(ctx, doc, n);
		text = fz_new_stext_page(ctx, fz_bound_page(ctx, page));
		sdev = fz_new_stext_device(ctx, text, &opts);
		cdev = pdf_new_count_dev(ctx, sdev, &cookie);
		fz_run_page(ctx, page, cdev, fz_identity, &cookie);
		fz_close_device(ctx, cdev);
		stopped = ((struct count_dev *)cdev)->stopped;
		pdf_body_size(pc, text);
		if (n == 0 && pc->want_title)
			pdf_first_page_title(pc, text);
		for (b = text->first_block; b != NULL; b = b->next) {
			if (pc->out->err != 0)
				break;
			if (b->type != FZ_STEXT_BLOCK_TEXT)
				continue;
			if (b == text->first_block || b == text->last_block) {
				pdf_block_key(b, key, sizeof(key));
				if (pdf_running(pc, b == text->first_block, key))
					continue;
			}
			pdf_add_block(pc, n, b);
			pc->last_y = b->bbox.y0;
		}
	}
	fz_always(ctx) {
		fz_drop_device(ctx, cdev);
		fz_drop_device(ctx, sdev);
		fz_drop_stext_page(ctx, text);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_MEMORY || pc->mem.hit)
			fz_rethrow(ctx);
		if (pc->pages_failed++ == 0)
			pdf_clean_copy(pc->first_error, sizeof(pc->first_error),
			    fz_caught_message(ctx));
		pc->plen = 0;
		mdbuf_blank(pc->out);
		mdbuf_adds(pc->out, "*(kbd: this page could not be read: "
		    "damaged)*\n");
	}
	if (stopped) {
		mdbuf_blank(pc->out);
		mdbuf_adds(pc->out, "*(kbd: the rest of this page was not "
		    "read: too many drawing operations)*\n");
	}
	/*
	 * Bookmarks into this page that no block reached, except those that
	 * point below its text: a page break between destination and heading.
	 */
	for (i = pc->next; i < pc->nmarks; i++) {
		mk = &pc->marks[i];
		if (mk->page > n || (mk->page == n && !isnan(mk->y) &&
		    !isnan(pc->last_y) && mk->y > pc->last_y))
			break;
	}
	pdf_marks_write(pc, i);
}

/* ---- metadata ---- */

static int
title_of(fz_context *ctx, fz_document *doc, char **title)
{
	char	buf[1024];

	*title = NULL;
	if (fz_lookup_metadata(ctx, doc, FZ_META_INFO_TITLE, buf,
	    sizeof(buf)) <= 0)
		return 0;
	buf[sizeof(buf) - 1] = '\0';
	if ((*title = pdf_clean_text(buf, CONVERT_TITLE_MAX)) == NULL)
		return -1;
	if (**title == '\0') {
		free(*title);
		*title = NULL;
	}
	return 0;
}

/*
 * The bookmarks in document order, depth first, each with the page and
 * height it points at. Level 1 is a top bookmark; base shifts them all
 * (under a title heading). Bookmarks to other documents are dropped.
 */
static int
marks_walk(struct pdf_conv *pc, fz_document *doc, fz_outline *o,
    unsigned depth, unsigned base)
{
	struct pdf_mark	*mk;
	char		*t;
	int		 page;

	for (; o != NULL && pc->nmarks < PDF_MARKS_MAX; o = o->next) {
		page = fz_page_number_from_location(pc->ctx, doc, o->page);
		if (o->title != NULL && page >= 0) {
			if ((t = pdf_clean_text(o->title, CONVERT_HEADING_MAX)) ==
			    NULL)
				return -1;
			if (*t == '\0') {
				free(t);
			} else {
				mk = &pc->marks[pc->nmarks];
				mk->seq = pc->nmarks++;
				mk->page = page;
				mk->y = o->y;
				mk->level = depth + base > 6 ? 6 : depth + base;
				mk->text = t;
			}
		}
		if (o->down != NULL && depth < PDF_MARK_DEPTH &&
		    marks_walk(pc, doc, o->down, depth + 1, base) == -1)
			return -1;
	}
	return 0;
}

/*
 * Headings are placed in page order; bookmarks out of page order (an index
 * pointing back) keep their relative order but move to their page.
 */
static int
mark_cmp(const void *a, const void *b)
{
	const struct pdf_mark	*x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * MuPDF reads the outline tree recursively, one stack frame per level and
 * more: a PDF of 14 MB with 100,000 nested bookmarks overflows the stack.
 * The tree is walked here first, with a stack of our own; a deeper one is
 * no document's outline, and the PDF is read without bookmarks.
 */
static int
outline_too_deep(fz_context *ctx, fz_document *doc)
{
	pdf_document	*pdf;
	pdf_obj		*stack[PDF_OUTLINE_DEPTH_MAX], *node, *next;
	size_t		 depth = 0, visits = 0;

	if ((pdf = pdf_specifics(ctx, doc)) == NULL)
		return 0;
	node = pdf_dict_getp(ctx, pdf_trailer(ctx, pdf), "Root/Outlines/First");
	while (pdf_is_dict(ctx, node)) {
		/* Past this many, a loop of /Next: MuPDF sees those. */
		if (++visits > PDF_OUTLINE_VISITS)
			return 0;
		next = pdf_dict_get(ctx, node, PDF_NAME(First));
		if (pdf_is_dict(ctx, next)) {
			if (depth == PDF_OUTLINE_DEPTH_MAX)
				return 1;
			stack[depth++] = node;
			node = next;
			continue;
		}
		for (;;) {
			next = pdf_dict_get(ctx, node, PDF_NAME(Next));
			if (pdf_is_dict(ctx, next)) {
				node = next;
				break;
			}
			if (depth == 0)
				return 0;
			node = stack[--depth];
		}
	}
	return 0;
}

static int
load_marks(struct pdf_conv *pc, fz_document *doc, unsigned base)
{
	fz_context		*ctx = pc->ctx;
	fz_outline		*volatile ol = NULL;
	volatile int		 err = 0;

	fz_try(ctx) {
		if (!outline_too_deep(ctx, doc))
			ol = fz_load_outline(ctx, doc);
		if (ol != NULL) {
			pc->marks = calloc(PDF_MARKS_MAX, sizeof(*pc->marks));
			if (pc->marks == NULL)
				err = -1;
			else
				err = marks_walk(pc, doc, ol, 1, base);
		}
	}
	fz_always(ctx) {
		fz_drop_outline(ctx, ol);
	}
	fz_catch(ctx) {
		/* A broken outline is no reason to lose the text. */
		if (fz_caught(ctx) == FZ_ERROR_MEMORY || pc->mem.hit)
			fz_rethrow(ctx);
	}
	if (err == 0 && pc->nmarks > 1)
		/* qsort is not stable: equal pages compare by seq. */
		qsort(pc->marks, pc->nmarks, sizeof(*pc->marks), mark_cmp);
	return err;
}

static int
outline_of(struct pdf_conv *pc, struct convert_result *r)
{
	size_t	i, n;

	n = pc->nmarks < CONVERT_OUTLINE_MAX ? pc->nmarks : CONVERT_OUTLINE_MAX;
	if (n == 0)
		return 0;
	if ((r->outline = calloc(n, sizeof(*r->outline))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		r->outline[i].level = pc->marks[i].level;
		if ((r->outline[i].text = strdup(pc->marks[i].text)) == NULL)
			return -1;
		r->noutline = i + 1;
	}
	return 0;
}

/* ---- the document ---- */

static void	set_reason(struct convert_result *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
set_reason(struct convert_result *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* Everything that may throw; errors come back as CONVERT_* codes. */
static int
read_doc(struct pdf_conv *pc, fz_document *doc, struct convert_result *r)
{
	fz_context	*ctx = pc->ctx;
	pdf_document	*pdf;
	char		*title;
	int		 i, npages;

	if (fz_needs_password(ctx, doc)) {
		set_reason(r, "encrypted PDF (password required)");
		return CONVERT_EDOC;
	}
	npages = fz_count_pages(ctx, doc);
	if (npages <= 0) {
		set_reason(r, "damaged PDF: no pages");
		return CONVERT_EDOC;
	}
	if (npages > PDF_PAGES_MAX) {
		set_reason(r, "PDF has %d pages (limit %d)", npages,
		    PDF_PAGES_MAX);
		return CONVERT_ELIMIT;
	}
	if (title_of(ctx, doc, &title) == -1)
		return CONVERT_ENOMEM;
	if (title != NULL) {
		r->title = title;
		mdbuf_heading(pc->out, 1, title, strlen(title));
		pc->base = 1;
	} else
		pc->want_title = 1;
	if (load_marks(pc, doc, title != NULL ? 1 : 0) == -1)
		return CONVERT_ENOMEM;
	for (i = 0; i < npages && pc->out->err == 0; i++)
		one_page(pc, doc, i);
	pdf_marks_write(pc, pc->nmarks);
	if (pc->out->err != 0)
		return pc->out->err;
	if (pc->pages_failed == npages) {
		set_reason(r, "damaged PDF: %s", pc->first_error);
		return CONVERT_EDOC;
	}
	if (pc->nchars == 0 && (pdf = pdf_specifics(ctx, doc)) != NULL &&
	    pdf_was_repaired(ctx, pdf)) {
		set_reason(r, "damaged PDF: no text could be read");
		return CONVERT_EDOC;
	}
	if (pc->nchars == 0) {
		set_reason(r, "PDF has no text (scanned pages? kbd does not "
		    "run OCR)");
		return CONVERT_EDOC;
	}
	/* One newline at the end, as a text file has. */
	mdbuf_blank(pc->out);
	if (pc->out->err == 0)
		pc->out->p[--pc->out->len] = '\0';
	if (outline_of(pc, r) == -1)
		return CONVERT_ENOMEM;
	if (r->title == NULL && pc->page_title != NULL) {
		r->title = pc->page_title;
		pc->page_title = NULL;
	}
	return CONVERT_OK;
}

int
pdf_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct pdf_conv		 pc;
	fz_alloc_context	 alloc;
	fz_context		*ctx;
	fz_stream		*volatile stm = NULL;
	fz_document		*volatile doc = NULL;
	volatile int		 err = CONVERT_OK;
	char			 msg[128];
	size_t			 i;

	(void)ext;
	memset(&pc, 0, sizeof(pc));
	pc.out = out;
	pc.mem.max = pdf_mem_cap();
	alloc.user = &pc.mem;
	alloc.malloc = pdf_mem_malloc;
	alloc.realloc = pdf_mem_realloc;
	alloc.free = pdf_mem_free;
	if ((ctx = fz_new_context(&alloc, NULL, PDF_STORE_MAX)) == NULL)
		return CONVERT_ENOMEM;
	pc.ctx = ctx;
	fz_set_error_callback(ctx, pdf_quiet, NULL);
	fz_set_warning_callback(ctx, pdf_quiet, NULL);

	fz_try(ctx) {
		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, (const unsigned char *)in, len);
		doc = fz_open_document_with_stream(ctx, "application/pdf", stm);
		err = read_doc(&pc, doc, r);
	}
	fz_always(ctx) {
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_MEMORY)
			err = CONVERT_ENOMEM;	/* malloc failed under the cap */
		else {
			pdf_clean_copy(msg, sizeof(msg), fz_caught_message(ctx));
			set_reason(r, "damaged PDF: %s", msg);
			err = CONVERT_EDOC;
		}
	}
	fz_drop_context(ctx);
	pdf_mem_release(&pc.mem);
	/*
	 * MuPDF recovers from some failed allocations by leaving out what it
	 * could not load: the text may be incomplete, so the PDF fails, as
	 * a limit, whether the cap or the worker's RLIMIT_AS refused.
	 */
	if (pc.mem.hit) {
		set_reason(r, "PDF needs more than the %zu MiB kbd gives its "
		    "reader", pc.mem.max >> 20);
		err = CONVERT_ELIMIT;
	} else if (pc.mem.oom) {
		/* The worker's RLIMIT_AS came first: its other mappings. */
		set_reason(r, "PDF needs more memory than the worker's limit "
		    "leaves its reader");
		err = CONVERT_ELIMIT;
	}

	for (i = 0; i < pc.nmarks; i++)
		free(pc.marks[i].text);
	free(pc.marks);
	free(pc.para);
	free(pc.page_title);
	if (err != CONVERT_OK) {
		free(r->title);
		r->title = NULL;
		for (i = 0; i < r->noutline; i++)
			free(r->outline[i].text);
		free(r->outline);
		r->outline = NULL;
		r->noutline = 0;
	}
	return err;
}
