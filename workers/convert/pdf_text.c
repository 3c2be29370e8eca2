/*
 * The PDF converter's text: MuPDF's structured text blocks become
 * paragraphs (hyphenation and accents repaired, running headers and
 * footers dropped) and headings (by font size against the body's, or by
 * the bookmarks placed in front of the text they point at).
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

/* ---- text ---- */

/* A message from MuPDF or the document, fit for a one-line reason. */
void
pdf_clean_copy(char *dst, size_t dlen, const char *src)
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

int
pdf_is_blank(int c)
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
		if (!pdf_is_blank(ch->c))
			return ch;
	return NULL;
}

static fz_stext_char *
line_last(fz_stext_line *l)
{
	fz_stext_char	*ch, *last = NULL;

	for (ch = l->first_char; ch != NULL; ch = ch->next)
		if (!pdf_is_blank(ch->c))
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
		if (pdf_is_blank(ch->c))
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
void
pdf_marks_write(struct pdf_conv *pc, size_t end)
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
			pdf_marks_write(pc, i + 1);
			return 1;
		}
	for (i = pc->next; i < pc->nmarks && pc->marks[i].page <= page; i++)
		if (pc->marks[i].page == page && !isnan(y) &&
		    !isnan(pc->marks[i].y) && pc->marks[i].y > y + MARK_SLACK)
			break;
	pdf_marks_write(pc, i);
	return 0;
}

/*
 * A key for pdf_running headers and footers: the block's text without its
 * digits (page numbers) and blanks, cut at sizeof(key) bytes.
 */
void
pdf_block_key(fz_stext_block *b, char *key, size_t size)
{
	fz_stext_line	*l;
	fz_stext_char	*ch;
	size_t		 n = 0;

	if (b->type == FZ_STEXT_BLOCK_TEXT)
		for (l = b->u.t.first_line; l != NULL; l = l->next)
			for (ch = l->first_char; ch != NULL; ch = ch->next)
				if (!pdf_is_blank(ch->c) && !(ch->c >= '0' &&
				    ch->c <= '9') && n + 1 < size)
					key[n++] = (char)(ch->c & 0x7f);
	key[n] = '\0';
}

/* Counts the page's characters by size; the commonest is the body's. */
void
pdf_body_size(struct pdf_conv *pc, fz_stext_page *text)
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
				if (pdf_is_blank(ch->c) || !(ch->size > 0))
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
			if (pdf_is_blank(ch->c))
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
void
pdf_add_block(struct pdf_conv *pc, int page, fz_stext_block *b)
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
		t = pdf_clean_text(pc->para, CONVERT_TITLE_MAX);
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
 * that is neither noise (a pdf_running header, a contents line: meta.c) nor
 * a lone label. "TAR(1) GNU TAR Manual TAR(1)", "NAME", then "tar - an
 * archiving utility": the last is a man page's title.
 */
void
pdf_first_page_title(struct pdf_conv *pc, fz_stext_page *text)
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
				if (pdf_is_blank(ch->c))
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


/*
 * Whether a page's first (head) or last block repeats the one of the page
 * before: a pdf_running header or footer, written once.
 */
int
pdf_running(struct pdf_conv *pc, int head, const char *key)
{
	char	*prev = head ? pc->head : pc->foot;
	int	 same;

	same = *key != '\0' && strcmp(prev, key) == 0;
	(void)snprintf(prev, KEY_MAX, "%s", key);
	return same;
}

/* A document string with its blanks and controls collapsed (malloc'd). */
char *
pdf_clean_text(const char *s, size_t max)
{
	char	*t, u[FZ_UTFMAX];
	size_t	 len = 0, k;
	int	 c, space = 0;

	if ((t = malloc(max + 1)) == NULL)
		return NULL;
	while (*s != '\0') {
		s += fz_chartorune(&c, s);
		if (c < 0x20 || c == 0x7f || pdf_is_blank(c) ||
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
