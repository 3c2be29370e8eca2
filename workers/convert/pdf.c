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

#define PDF_PAGES_MAX		10000
#define PDF_PAGE_OPS_MAX	1000000	/* device calls per page */
#define PDF_MEM_DEFAULT		(512UL << 20)
#define PDF_STORE_MAX		(64UL << 20)	/* MuPDF's resource cache */
#define PDF_MARKS_MAX		10000	/* bookmarks placed as headings */
#define PDF_MARK_DEPTH		32	/* deeper bookmarks are not read */
#define PDF_OUTLINE_DEPTH_MAX	256	/* deeper: no bookmarks at all */
#define PDF_OUTLINE_VISITS	100000	/* bookmarks checked for depth */
#define MARK_LOOKAHEAD		16	/* bookmarks matched against a line */
#define MARK_SLACK		2.0f	/* points a destination may be low */
#define KEY_MAX			256	/* bytes of a running header's key */
#define SIZE_BINS		256	/* font sizes by half points, to 128 */
#define HEAD_RATIO		1.15f	/* a heading's size over the body's */
#define HEAD_LINES		3	/* at most, in a heading's block */
#define HEAD_CHARS		200

size_t	convert_pdf_mem_max;

/*
 * Every block MuPDF holds is on a list, so that what it leaks on some
 * error paths (a page tree whose /Parent is a page, found by fuzzing) is
 * freed with the document's context: the context is an arena.
 */
struct mem_blk {
	struct mem_blk	*prev, *next;
	size_t		 size;
	size_t		 pad;		/* keeps the payload max-aligned */
};
#define MEM_HDR			sizeof(struct mem_blk)
/* What a block of n bytes costs: ours and malloc's headers, rounding. */
#define MEM_COST(n)		(((n) + MEM_HDR + 16 + 15) & ~(size_t)15)

struct pdf_mem {
	struct mem_blk	*live;
	size_t		 used, max;
	int		 hit;		/* an allocation was refused */
	int		 oom;		/* malloc failed under the cap */
};

/* A bookmark that becomes a heading in front of the text it points at. */
struct pdf_mark {
	int	 page;
	float	 y;		/* top of the destination, NAN if unknown */
	unsigned level;
	size_t	 seq;		/* place in the outline's order */
	char	*text;		/* whitespace collapsed, UTF-8 */
};

struct pdf_conv {
	fz_context	*ctx;
	struct mdbuf	*out;
	struct pdf_mem	 mem;
	struct pdf_mark	*marks;
	size_t		 nmarks, next;	/* next: first mark not yet written */
	char		*para;		/* one paragraph being assembled */
	size_t		 plen, pcap;
	size_t		 nchars;	/* non-blank characters written */
	float		 last_y;	/* top of the page's last block */
	size_t		 sizes[SIZE_BINS];	/* characters by font size */
	float		 body;		/* the commonest size so far */
	unsigned	 base;		/* heading levels under the title */
	int		 pages_failed;
	int		 want_title;	/* no metadata title: read page 1's */
	char		*page_title;
	char		 head[KEY_MAX], foot[KEY_MAX];	/* running ones */
	char		 first_error[128];
};

/* The page device: counts every call, forwards text to the stext device. */
struct count_dev {
	fz_device	 super;
	fz_device	*target;
	fz_cookie	*cookie;
	size_t		 n;
	int		 stopped;
};

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

static void *
mem_malloc(void *u, size_t n)
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

static void
mem_free(void *u, void *q)
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

static void *
mem_realloc(void *u, void *q, size_t n)
{
	struct pdf_mem	*m = u;
	struct mem_blk	*b, *nb;
	size_t		 old;

	if (q == NULL)
		return mem_malloc(u, n);
	if (n == 0) {
		mem_free(u, q);
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
static void
mem_release(struct pdf_mem *m)
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
static size_t
mem_cap(void)
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
static void
quiet(void *user, const char *msg)
{
	(void)user;
	(void)msg;
}

/* ---- text ---- */

/* A message from MuPDF or the document, fit for a one-line reason. */
static void
clean_copy(char *dst, size_t dlen, const char *src)
{
	size_t	i = 0;

	for (; *src != '\0' && i + 1 < dlen; src++)
		dst[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[i] = '\0';
}

static int
para_add(struct pdf_conv *pc, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (n > pc->pcap - pc->plen) {
		cap = pc->pcap != 0 ? pc->pcap : 256;
		while (cap - pc->plen < n)
			cap *= 2;
		if ((p = realloc(pc->para, cap)) == NULL) {
			pc->out->err = CONVERT_ENOMEM;
			return -1;
		}
		pc->para = p;
		pc->pcap = cap;
	}
	memcpy(pc->para + pc->plen, s, n);
	pc->plen += n;
	return 0;
}

static void
para_rune(struct pdf_conv *pc, int c)
{
	char	u[FZ_UTFMAX];
	int	n;

	/* Surrogates and what is past Unicode become U+FFFD. */
	if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff || c < 0)
		c = 0xfffd;
	n = fz_runetochar(u, c);
	(void)para_add(pc, u, (size_t)n);
}

static int
is_lower(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 0xdf && c <= 0xff && c != 0xf7);
}

static int
is_upper(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7);
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == 0xa0 || (c >= 0x2000 &&
	    c <= 0x200b) || c == 0x3000;
}

/* The line's first and last non-blank characters (NULL if blank). */
static fz_stext_char *
line_first(fz_stext_line *l)
{
	fz_stext_char	*ch;

	for (ch = l->first_char; ch != NULL; ch = ch->next)
		if (!is_blank(ch->c))
			return ch;
	return NULL;
}

static fz_stext_char *
line_last(fz_stext_line *l)
{
	fz_stext_char	*ch, *last = NULL;

	for (ch = l->first_char; ch != NULL; ch = ch->next)
		if (!is_blank(ch->c))
			last = ch;
	return last;
}

/*
 * Whether a line ending in last, followed by a line starting with next,
 * is a word hyphenated across the line break: a soft hyphen always is; a
 * hyphen is when a letter precedes it and a lower-case letter follows.
 * "well-\nknown" loses its hyphen too; that is the rarer case.
 */
static int
hyphenated(fz_stext_line *l, fz_stext_char *last, fz_stext_char *next)
{
	fz_stext_char	*ch, *prev = NULL;

	if (next == NULL || last == NULL)
		return 0;
	if (last->c == 0xad)
		return 1;
	if (last->c != '-' && last->c != 0x2010)
		return 0;
	for (ch = l->first_char; ch != NULL && ch != last; ch = ch->next)
		prev = ch;
	return prev != NULL && ((is_lower(prev->c) && is_lower(next->c)) ||
	    (is_upper(prev->c) && is_upper(next->c)));
}

/*
 * Whether a line ending in last is a compound broken after its hyphen
 * ("ChaCha-\nPoly1305", "SSH-\nforbindelse"): a letter, a hyphen, then a
 * letter on the next line. The hyphen stays and no blank is added.
 */
static int
compound(fz_stext_line *l, fz_stext_char *last, fz_stext_char *next)
{
	fz_stext_char	*ch, *prev = NULL;

	if (next == NULL || last == NULL ||
	    (last->c != '-' && last->c != 0x2010))
		return 0;
	for (ch = l->first_char; ch != NULL && ch != last; ch = ch->next)
		prev = ch;
	return prev != NULL && (is_lower(prev->c) || is_upper(prev->c)) &&
	    (is_lower(next->c) || is_upper(next->c));
}

/* Folds case and blanks enough to see that a line repeats a bookmark. */
static int
same_text(const char *a, size_t alen, const char *b)
{
	size_t	i = 0;

	while (i < alen && *b != '\0') {
		if (a[i] == ' ') {
			i++;
			continue;
		}
		if (*b == ' ') {
			b++;
			continue;
		}
		if ((a[i] | 0x20) != (*b | 0x20))
			return 0;
		i++;
		b++;
	}
	while (i < alen && a[i] == ' ')
		i++;
	while (*b == ' ')
		b++;
	return i == alen && *b == '\0';
}

/*
 * TeX without T1 fonts draws an accented letter as a spacing accent
 * before the letter ("M\u00a8oller"): the pair is the precomposed letter,
 * as pdftotext reads it. Sorted by accent, then letter. Not U+02C6 and
 * U+02DC: groff draws ASCII '^' and '~' with them ("^string").
 */
static const struct accent {
	int	accent, base, composed;
} accents[] = {
	{ 0xa8, 'A', 0xc4 }, { 0xa8, 'E', 0xcb }, { 0xa8, 'I', 0xcf },
	{ 0xa8, 'O', 0xd6 }, { 0xa8, 'U', 0xdc }, { 0xa8, 'Y', 0x178 },
	{ 0xa8, 'a', 0xe4 }, { 0xa8, 'e', 0xeb }, { 0xa8, 'i', 0xef },
	{ 0xa8, 'o', 0xf6 }, { 0xa8, 'u', 0xfc }, { 0xa8, 'y', 0xff },
	{ 0xb4, 'A', 0xc1 }, { 0xb4, 'C', 0x106 }, { 0xb4, 'E', 0xc9 },
	{ 0xb4, 'I', 0xcd }, { 0xb4, 'N', 0x143 }, { 0xb4, 'O', 0xd3 },
	{ 0xb4, 'R', 0x154 }, { 0xb4, 'S', 0x15a }, { 0xb4, 'U', 0xda },
	{ 0xb4, 'Y', 0xdd }, { 0xb4, 'Z', 0x179 }, { 0xb4, 'a', 0xe1 },
	{ 0xb4, 'c', 0x107 }, { 0xb4, 'e', 0xe9 }, { 0xb4, 'i', 0xed },
	{ 0xb4, 'n', 0x144 }, { 0xb4, 'o', 0xf3 }, { 0xb4, 'r', 0x155 },
	{ 0xb4, 's', 0x15b }, { 0xb4, 'u', 0xfa }, { 0xb4, 'y', 0xfd },
	{ 0xb4, 'z', 0x17a }, { 0xb8, 'C', 0xc7 }, { 0xb8, 'E', 0x228 },
	{ 0xb8, 'N', 0x145 }, { 0xb8, 'R', 0x156 }, { 0xb8, 'S', 0x15e },
	{ 0xb8, 'c', 0xe7 }, { 0xb8, 'e', 0x229 }, { 0xb8, 'n', 0x146 },
	{ 0xb8, 'r', 0x157 }, { 0xb8, 's', 0x15f }, { 0x2c7, 'A', 0x1cd },
	{ 0x2c7, 'C', 0x10c }, { 0x2c7, 'E', 0x11a }, { 0x2c7, 'I', 0x1cf },
	{ 0x2c7, 'N', 0x147 }, { 0x2c7, 'O', 0x1d1 }, { 0x2c7, 'R', 0x158 },
	{ 0x2c7, 'S', 0x160 }, { 0x2c7, 'U', 0x1d3 }, { 0x2c7, 'Z', 0x17d },
	{ 0x2c7, 'a', 0x1ce }, { 0x2c7, 'c', 0x10d }, { 0x2c7, 'e', 0x11b },
	{ 0x2c7, 'i', 0x1d0 }, { 0x2c7, 'n', 0x148 }, { 0x2c7, 'o', 0x1d2 },
	{ 0x2c7, 'r', 0x159 }, { 0x2c7, 's', 0x161 }, { 0x2c7, 'u', 0x1d4 },
	{ 0x2c7, 'z', 0x17e }, { 0x2da, 'A', 0xc5 }, { 0x2da, 'U', 0x16e },
	{ 0x2da, 'a', 0xe5 }, { 0x2da, 'u', 0x16f }, { 0x2da, 'y', 0x1e99 }
};

static int
compose(int accent, int base)
{
	size_t	lo = 0, hi = sizeof(accents) / sizeof(accents[0]), mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (accents[mid].accent == accent &&
		    accents[mid].base == base)
			return accents[mid].composed;
		if (accents[mid].accent < accent ||
		    (accents[mid].accent == accent && accents[mid].base < base))
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* One line's text into the paragraph, from start on (hyphen dropped). */
static void
add_line(struct pdf_conv *pc, fz_stext_char *start, fz_stext_char *drop)
{
	fz_stext_char	*ch;
	int		 c;

	for (ch = start; ch != NULL; ch = ch->next) {
		if (ch == drop)
			continue;
		if (is_blank(ch->c))
			para_rune(pc, ' ');
		else {
			if (ch->next != NULL && ch->next != drop &&
			    (c = compose(ch->c, ch->next->c)) != 0)
				ch = ch->next;
			else
				c = ch->c;
			para_rune(pc, c);
			pc->nchars++;
		}
	}
}

static void
flush_para(struct pdf_conv *pc)
{
	if (pc->plen == 0)
		return;
	mdbuf_blank(pc->out);
	mdbuf_plain(pc->out, pc->para, pc->plen);
	pc->plen = 0;
}

/*
 * Writes the pending bookmarks up to index end (excluded) as headings,
 * between paragraphs: pc->para is not written.
 */
static void
marks_write(struct pdf_conv *pc, size_t end)
{
	struct pdf_mark	*mk;

	for (; pc->next < end; pc->next++) {
		mk = &pc->marks[pc->next];
		mdbuf_heading(pc->out, mk->level, mk->text, strlen(mk->text));
	}
}

/*
 * The bookmarks of page that come before a block whose top is y: those
 * up to one whose title is the block's first line (line, len), which is
 * then the heading's own line and is dropped (returns 1); else those
 * whose destination is above the block's top. Destinations are in tree
 * order, and some generators get them wrong, so the text decides first.
 * Bookmarks of earlier pages still pending pointed below their page's
 * text: the heading is at the top of this one.
 */
static int
marks_before(struct pdf_conv *pc, int page, float y, const char *line,
    size_t len)
{
	size_t	i;

	for (i = pc->next; i < pc->nmarks && i < pc->next + MARK_LOOKAHEAD &&
	    pc->marks[i].page <= page; i++)
		if (line != NULL && same_text(line, len, pc->marks[i].text)) {
			marks_write(pc, i + 1);
			return 1;
		}
	for (i = pc->next; i < pc->nmarks && pc->marks[i].page <= page; i++)
		if (pc->marks[i].page == page && !isnan(y) &&
		    !isnan(pc->marks[i].y) && pc->marks[i].y > y + MARK_SLACK)
			break;
	marks_write(pc, i);
	return 0;
}

/*
 * A key for running headers and footers: the block's text without its
 * digits (page numbers) and blanks, cut at sizeof(key) bytes.
 */
static void
block_key(fz_stext_block *b, char *key, size_t size)
{
	fz_stext_line	*l;
	fz_stext_char	*ch;
	size_t		 n = 0;

	if (b->type == FZ_STEXT_BLOCK_TEXT)
		for (l = b->u.t.first_line; l != NULL; l = l->next)
			for (ch = l->first_char; ch != NULL; ch = ch->next)
				if (!is_blank(ch->c) && !(ch->c >= '0' &&
				    ch->c <= '9') && n + 1 < size)
					key[n++] = (char)(ch->c & 0x7f);
	key[n] = '\0';
}

/* Counts the page's characters by size; the commonest is the body's. */
static void
body_size(struct pdf_conv *pc, fz_stext_page *text)
{
	fz_stext_block	*b;
	fz_stext_line	*l;
	fz_stext_char	*ch;
	size_t		 i, best = 0;
	int		 bin;

	for (b = text->first_block; b != NULL; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (l = b->u.t.first_line; l != NULL; l = l->next)
			for (ch = l->first_char; ch != NULL; ch = ch->next) {
				if (is_blank(ch->c) || !(ch->size > 0))
					continue;
				bin = ch->size * 2 >= SIZE_BINS - 1 ?
				    SIZE_BINS - 1 : (int)(ch->size * 2 + 0.5f);
				pc->sizes[bin]++;
			}
	}
	for (i = 1; i < SIZE_BINS; i++)
		if (pc->sizes[i] > pc->sizes[best])
			best = i;
	pc->body = best > 0 ? (float)best / 2 : 0;
}

/*
 * Without bookmarks, a short block all in a font clearly larger than the
 * body's is a heading; how much larger gives its level. Returns the level
 * or 0.
 */
static unsigned
heading_level(struct pdf_conv *pc, fz_stext_block *b)
{
	fz_stext_line	*l;
	fz_stext_char	*ch;
	float		 min = 0, r;
	size_t		 lines = 0, chars = 0;
	int		 letter = 0;
	unsigned	 level;

	if (pc->nmarks > 0 || !(pc->body > 0))
		return 0;
	for (l = b->u.t.first_line; l != NULL; l = l->next) {
		if (++lines > HEAD_LINES)
			return 0;
		for (ch = l->first_char; ch != NULL; ch = ch->next) {
			if (is_blank(ch->c))
				continue;
			if (++chars > HEAD_CHARS)
				return 0;
			if (is_lower(ch->c) || is_upper(ch->c) || ch->c > 0x24f)
				letter = 1;
			if (chars == 1 || ch->size < min)
				min = ch->size;
		}
	}
	if (!letter || !(min >= pc->body * HEAD_RATIO))
		return 0;
	r = min / pc->body;
	level = r >= 1.6f ? 1 : r >= 1.3f ? 2 : 3;
	level += pc->base;
	return level > 6 ? 6 : level;
}

/*
 * A block is a paragraph: its lines joined with a blank, or with nothing
 * where a word was hyphenated at the line's end.
 */
static void
add_block(struct pdf_conv *pc, int page, fz_stext_block *b)
{
	fz_stext_line	*l;
	fz_stext_char	*first, *last, *nfirst;
	unsigned	 level;
	int		 top = 1;

	if ((level = heading_level(pc, b)) != 0) {
		for (l = b->u.t.first_line; l != NULL; l = l->next)
			if ((first = line_first(l)) != NULL) {
				add_line(pc, first, NULL);
				(void)para_add(pc, " ", 1);
			}
		mdbuf_heading(pc->out, level, pc->para, pc->plen);
		pc->plen = 0;
		return;
	}
	for (l = b->u.t.first_line; l != NULL; l = l->next) {
		if ((first = line_first(l)) == NULL)
			continue;
		if (top) {
			top = 0;
			add_line(pc, first, NULL);
			if (marks_before(pc, page, b->bbox.y0, pc->para,
			    pc->plen)) {
				pc->plen = 0;
				continue;
			}
			pc->plen = 0;
		}
		last = line_last(l);
		nfirst = NULL;
		if (l->next != NULL)
			nfirst = line_first(l->next);
		if (hyphenated(l, last, nfirst)) {
			add_line(pc, first, last);
			/* Trailing blanks after the hyphen would split it. */
			while (pc->plen > 0 && pc->para[pc->plen - 1] == ' ')
				pc->plen--;
			continue;
		}
		add_line(pc, first, NULL);
		if (compound(l, last, nfirst)) {
			while (pc->plen > 0 && pc->para[pc->plen - 1] == ' ')
				pc->plen--;
			continue;
		}
		(void)para_add(pc, " ", 1);
	}
	flush_para(pc);
}

static char	*clean_text(const char *, size_t);

/* A line's text, blanks collapsed (malloc'd), or NULL. */
static char *
line_text(struct pdf_conv *pc, fz_stext_line *l)
{
	fz_stext_char	*first;
	size_t		 nchars = pc->nchars;
	char		*t = NULL;

	if ((first = line_first(l)) == NULL)
		return NULL;
	pc->plen = 0;
	add_line(pc, first, NULL);
	if (para_add(pc, "", 1) == 0)
		t = clean_text(pc->para, CONVERT_TITLE_MAX);
	pc->plen = 0;
	pc->nchars = nchars;
	return t;
}

/* A lone upper-case word: a section's label (NAME, CONTENTS). */
static int
is_label(const char *t)
{
	int	upper = 0;

	for (; *t != '\0'; t++) {
		if (*t == ' ' || (*t >= 'a' && *t <= 'z'))
			return 0;
		if (*t >= 'A' && *t <= 'Z')
			upper = 1;
	}
	return upper;
}

/*
 * Without a metadata title, the title line of the first page: the line
 * set in the largest font clearly above the body's, else the first line
 * that is neither noise (a running header, a contents line: meta.c) nor
 * a lone label. "TAR(1) GNU TAR Manual TAR(1)", "NAME", then "tar - an
 * archiving utility": the last is a man page's title.
 */
static void
first_page_title(struct pdf_conv *pc, fz_stext_page *text)
{
	fz_stext_block	*b;
	fz_stext_line	*l, *best = NULL;
	fz_stext_char	*ch;
	float		 min, best_size = 0;
	char		*t;
	int		 letter;

	for (b = text->first_block; b != NULL; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (l = b->u.t.first_line; l != NULL; l = l->next) {
			min = 0;
			letter = 0;
			for (ch = l->first_char; ch != NULL; ch = ch->next) {
				if (is_blank(ch->c))
					continue;
				if (is_lower(ch->c) || is_upper(ch->c) ||
				    ch->c > 0x24f)
					letter = 1;
				if (min == 0 || ch->size < min)
					min = ch->size;
			}
			if (letter && pc->body > 0 &&
			    min >= pc->body * HEAD_RATIO && min > best_size) {
				best = l;
				best_size = min;
			}
			if (pc->page_title != NULL || !letter)
				continue;
			if ((t = line_text(pc, l)) == NULL)
				continue;
			if (*t == '\0' || meta_noise(t) || is_label(t))
				free(t);
			else
				pc->page_title = t;
		}
	}
	if (best != NULL && (t = line_text(pc, best)) != NULL) {
		if (*t != '\0' && !meta_noise(t)) {
			free(pc->page_title);
			pc->page_title = t;
		} else
			free(t);
	}
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
static fz_device *
new_count_dev(fz_context *ctx, fz_device *target, fz_cookie *cookie)
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

/* ---- pages ---- */

/*
 * Whether a page's first (head) or last block repeats the one of the page
 * before: a running header or footer, written once.
 */
static int
running(struct pdf_conv *pc, int head, const char *key)
{
	char	*prev = head ? pc->head : pc->foot;
	int	 same;

	same = *key != '\0' && strcmp(prev, key) == 0;
	(void)snprintf(prev, KEY_MAX, "%s", key);
	return same;
}

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
		cdev = new_count_dev(ctx, sdev, &cookie);
		fz_run_page(ctx, page, cdev, fz_identity, &cookie);
		fz_close_device(ctx, cdev);
		stopped = ((struct count_dev *)cdev)->stopped;
		body_size(pc, text);
		if (n == 0 && pc->want_title)
			first_page_title(pc, text);
		for (b = text->first_block; b != NULL; b = b->next) {
			if (pc->out->err != 0)
				break;
			if (b->type != FZ_STEXT_BLOCK_TEXT)
				continue;
			if (b == text->first_block || b == text->last_block) {
				block_key(b, key, sizeof(key));
				if (running(pc, b == text->first_block, key))
					continue;
			}
			add_block(pc, n, b);
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
			clean_copy(pc->first_error, sizeof(pc->first_error),
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
	marks_write(pc, i);
}

/* ---- metadata ---- */

/* A document string with its blanks and controls collapsed (malloc'd). */
static char *
clean_text(const char *s, size_t max)
{
	char	*t, u[FZ_UTFMAX];
	size_t	 len = 0, k;
	int	 c, space = 0;

	if ((t = malloc(max + 1)) == NULL)
		return NULL;
	while (*s != '\0') {
		s += fz_chartorune(&c, s);
		if (c < 0x20 || c == 0x7f || is_blank(c) ||
		    (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
			space = len > 0;
			continue;
		}
		if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			c = 0xfffd;
		k = (size_t)fz_runetochar(u, c);
		if (len + space + k > max)
			break;
		if (space)
			t[len++] = ' ';
		space = 0;
		memcpy(t + len, u, k);
		len += k;
	}
	t[len] = '\0';
	return t;
}

static int
title_of(fz_context *ctx, fz_document *doc, char **title)
{
	char	buf[1024];

	*title = NULL;
	if (fz_lookup_metadata(ctx, doc, FZ_META_INFO_TITLE, buf,
	    sizeof(buf)) <= 0)
		return 0;
	buf[sizeof(buf) - 1] = '\0';
	if ((*title = clean_text(buf, CONVERT_TITLE_MAX)) == NULL)
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
			if ((t = clean_text(o->title, CONVERT_HEADING_MAX)) ==
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
	marks_write(pc, pc->nmarks);
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
	pc.mem.max = mem_cap();
	alloc.user = &pc.mem;
	alloc.malloc = mem_malloc;
	alloc.realloc = mem_realloc;
	alloc.free = mem_free;
	if ((ctx = fz_new_context(&alloc, NULL, PDF_STORE_MAX)) == NULL)
		return CONVERT_ENOMEM;
	pc.ctx = ctx;
	fz_set_error_callback(ctx, quiet, NULL);
	fz_set_warning_callback(ctx, quiet, NULL);

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
			clean_copy(msg, sizeof(msg), fz_caught_message(ctx));
			set_reason(r, "damaged PDF: %s", msg);
			err = CONVERT_EDOC;
		}
	}
	fz_drop_context(ctx);
	mem_release(&pc.mem);
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
