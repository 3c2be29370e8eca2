/*
 * RTF to Markdown: a small reader of our own (Debian has no C library
 * for it). Groups, control words and symbols, \'hh bytes in the
 * document's code page (Windows-1252), \uN with its \ucN fallback
 * skipped, paragraphs, bold and italic, tables, hyperlink fields; the
 * destinations that are not text (font, colour and style tables, \info
 * but its \title, pictures, objects, \* extensions) are skipped. What
 * maps to what is in docs/converters.md.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "converters.h"
#include "mdbuf.h"
#include "zip.h"

#define RTF_DEPTH	256	/* group nesting */
#define RTF_COLS	100	/* table columns */
#define RTF_URL_MAX	2048	/* longer link targets keep only the text */

enum { R_B = 1, R_I = 2 };

struct group {
	int	skip;		/* a destination that is not text */
	int	font;
	int	uc;		/* fallback characters after \uN */
	int	title;		/* \info's \title */
	int	inst;		/* a field's instruction */
	int	link;		/* a hyperlink's result: close it here */
};

struct rtf {
	struct mdbuf	*out;
	struct group	 g[RTF_DEPTH];
	int		 depth;
	int		 skipn;		/* fallback characters still to skip */
	unsigned	 hi;		/* a pending high surrogate */
	struct mdbuf	 para, seg, title, inst, url;
	int		 font, space;
	int		 level;		/* \outlinelevel + 1: a heading */
	int		 intbl;
	struct grid	 grid;
	size_t		 row, col;
};

static const char *const rmark[] = { "", "**", "*", "***" };

/* Windows-1252's 0x80-0x9f; the rest of the high half is Latin-1. */
static const unsigned short cp1252[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* The skipped destinations: not text a reader sees. */
static const char *const skipped[] = {
	"fonttbl", "colortbl", "stylesheet", "info", "pict", "object",
	"header", "headerl", "headerr", "headerf", "footer", "footerl",
	"footerr", "footerf", "listtable", "listoverridetable", "revtbl",
	"rsidtbl", "generator", "xmlnstbl", "themedata", "datastore",
	"colorschememapping", "latentstyles", "filetbl", "pgdsctbl",
	"nonshppict", "shpinst", "objdata", "bkmkstart", "bkmkend",
	"author", "operator", "company", "fontemb", "mmathPr", "xe", "tc",
};

static struct group *
top(struct rtf *t)
{
	return &t->g[t->depth];
}

static void
flush_seg(struct rtf *t)
{
	const char	*s = t->seg.p;
	size_t		 n = t->seg.len, a = 0;
	int		 lead, trail, f = t->level > 0 || t->intbl ? 0 : t->font;

	if (n == 0)
		return;
	while (a < n && s[a] == ' ')
		a++;
	while (n > a && s[n - 1] == ' ')
		n--;
	lead = a > 0;
	trail = n < t->seg.len;
	t->seg.len = 0;
	if (a == n) {
		t->space |= lead;
		return;
	}
	if ((t->space || lead) && t->para.len > 0)
		mdbuf_addc(&t->para, ' ');
	mdbuf_adds(&t->para, rmark[f]);
	if (t->level > 0 || t->intbl)
		mdbuf_add(&t->para, s + a, n - a);	/* escaped later */
	else
		mdbuf_text(&t->para, s + a, n - a);
	mdbuf_adds(&t->para, rmark[f]);
	t->space = trail;
}

static void
set_font(struct rtf *t, int f)
{
	if (f != t->font) {
		flush_seg(t);
		t->font = f;
	}
}

static void
emit_grid(struct rtf *t)
{
	if (t->grid.n > 0)
		grid_emit(&t->grid, t->out);
	grid_free(&t->grid);
	grid_init(&t->grid);
	t->row = t->col = 0;
}

/* \par: the paragraph (or heading) ends. */
static void
par(struct rtf *t)
{
	flush_seg(t);
	if (!t->intbl && t->grid.n > 0)
		emit_grid(t);
	if (t->intbl) {
		if (t->para.len > 0)
			mdbuf_addc(&t->para, ' ');
		return;
	}
	if (t->para.len > 0) {
		if (t->level > 0)
			mdbuf_heading(t->out, (unsigned)t->level, t->para.p,
			    t->para.len);
		else {
			mdbuf_blank(t->out);
			mdbuf_add(t->out, t->para.p, t->para.len);
			mdbuf_addc(t->out, '\n');
		}
	}
	t->para.len = 0;
	t->space = 0;
}

static void
cell(struct rtf *t)
{
	flush_seg(t);
	if (t->col < RTF_COLS && t->para.len > 0)
		grid_add(&t->grid, t->row, t->col, t->para.p, t->para.len);
	t->col++;
	t->para.len = 0;
	t->space = 0;
}

/* A character of the document's text, wherever its group sends it. */
static void
put_cp(struct rtf *t, unsigned long cp)
{
	struct group	*g = top(t);

	if (t->skipn > 0) {
		t->skipn--;
		return;
	}
	if (g->inst) {
		mdbuf_codepoint(&t->inst, cp);
		return;
	}
	if (g->title) {
		mdbuf_codepoint(&t->title, cp);
		return;
	}
	if (g->skip)
		return;
	if (cp < 0x20)
		cp = ' ';
	mdbuf_codepoint(&t->seg, cp);
}

static void
put_byte(struct rtf *t, unsigned char c)
{
	put_cp(t, c < 0x80 ? c : c < 0xa0 ? cp1252[c - 0x80] : c);
}

/* \uN: UTF-16 units, surrogate pairs joined. */
static void
put_unicode(struct rtf *t, long v)
{
	unsigned	u = (unsigned)(v < 0 ? v + 65536 : v) & 0xffff;

	if (u >= 0xd800 && u <= 0xdbff) {
		t->hi = u;
		return;
	}
	if (u >= 0xdc00 && u <= 0xdfff && t->hi != 0)
		put_cp(t, 0x10000 + ((t->hi - 0xd800) << 10) + (u - 0xdc00));
	else
		put_cp(t, u);
	t->hi = 0;
}

/* A field's instruction: HYPERLINK "url" gives the result its target. */
static void
field_url(struct rtf *t)
{
	const char	*s = t->inst.p, *end, *e;

	t->url.len = 0;
	if (s == NULL)
		return;
	/* Every length below is measured from one end, so the skip of
	 * leading blanks cannot make a later search run past it. */
	end = s + t->inst.len;
	while (s < end && *s == ' ')
		s++;
	if (end - s < 9 || memcmp(s, "HYPERLINK", 9) != 0)
		return;
	if ((s = memchr(s, '"', (size_t)(end - s))) == NULL ||
	    (e = memchr(s + 1, '"', (size_t)(end - s - 1))) == NULL)
		return;
	s++;
	if ((size_t)(e - s) <= RTF_URL_MAX)
		mdbuf_add(&t->url, s, (size_t)(e - s));
}

static void
control(struct rtf *t, const char *w, size_t wl, int has, long v)
{
	struct group	*g = top(t);
	size_t		 i;

#define IS(name) (wl == sizeof(name) - 1 && memcmp(w, name, wl) == 0)
	if (IS("par") || IS("sect") || IS("page")) {
		par(t);
	} else if (IS("line") || IS("tab") || IS("emspace") ||
	    IS("enspace")) {
		put_cp(t, ' ');
	} else if (IS("cell")) {
		cell(t);
	} else if (IS("row")) {
		cell(t);
		t->row++;
		t->col = 0;
	} else if (IS("intbl")) {
		if (!t->intbl)
			flush_seg(t);
		t->intbl = 1;
	} else if (IS("pard")) {
		flush_seg(t);
		t->intbl = 0;
		t->level = 0;
	} else if (IS("outlinelevel")) {
		t->level = has && v >= 0 && v < 6 ? (int)v + 1 : 0;
	} else if (IS("b")) {
		g->font = has && v == 0 ? g->font & ~R_B : g->font | R_B;
		set_font(t, g->font);
	} else if (IS("i")) {
		g->font = has && v == 0 ? g->font & ~R_I : g->font | R_I;
		set_font(t, g->font);
	} else if (IS("plain")) {
		g->font = 0;
		set_font(t, 0);
	} else if (IS("uc")) {
		g->uc = has && v >= 0 && v <= 16 ? (int)v : 1;
	} else if (IS("u") && has) {
		t->skipn = 0;	/* a new \u ends the last one's fallback */
		put_unicode(t, v);
		t->skipn = g->uc;
	} else if (IS("title") && t->depth > 0 && t->g[t->depth - 1].skip) {
		g->title = 1;
	} else if (IS("fldinst")) {
		g->inst = 1;
		g->skip = 0;
		t->inst.len = 0;
		t->inst.err = 0;
	} else if (IS("fldrslt")) {
		field_url(t);
		if (t->url.len > 0 && !g->skip) {
			flush_seg(t);
			if (t->space && t->para.len > 0)
				mdbuf_addc(&t->para, ' ');
			t->space = 0;
			mdbuf_addc(&t->para, '[');
			g->link = 1;
		}
	} else if (IS("emdash")) {
		put_cp(t, 0x2014);
	} else if (IS("endash")) {
		put_cp(t, 0x2013);
	} else if (IS("bullet")) {
		put_cp(t, 0x2022);
	} else if (IS("lquote")) {
		put_cp(t, 0x2018);
	} else if (IS("rquote")) {
		put_cp(t, 0x2019);
	} else if (IS("ldblquote")) {
		put_cp(t, 0x201c);
	} else if (IS("rdblquote")) {
		put_cp(t, 0x201d);
	} else {
		for (i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
			if (strlen(skipped[i]) == wl &&
			    memcmp(skipped[i], w, wl) == 0) {
				g->skip = 1;
				break;
			}
	}
#undef IS
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
group_end(struct rtf *t)
{
	struct group	*g = top(t);

	if (g->link) {
		flush_seg(t);
		mdbuf_adds(&t->para, "](");
		mdbuf_add(&t->para, t->url.p, t->url.len);
		mdbuf_addc(&t->para, ')');
		t->url.len = 0;
	}
	if (t->depth == 0)
		return 0;
	t->depth--;
	set_font(t, top(t)->font);
	return 1;
}

int
rtf_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct rtf	*t;
	size_t		 i = 0, wl, k;
	const char	*w;
	long		 v;
	int		 has, neg, h1, h2, err = CONVERT_OK;

	(void)ext;
	while (i < len && isspace((unsigned char)in[i]))
		i++;
	if (len - i < 5 || memcmp(in + i, "{\\rtf", 5) != 0) {
		(void)snprintf(r->reason, sizeof(r->reason),
		    "not an RTF document (no {\\rtf header)");
		return CONVERT_EFORMAT;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return CONVERT_ENOMEM;
	t->out = out;
	t->g[0].uc = 1;
	t->depth = -1;
	mdbuf_init(&t->para, out->max);
	mdbuf_init(&t->seg, out->max);
	mdbuf_init(&t->title, CONVERT_TITLE_MAX * 4);
	mdbuf_init(&t->inst, 4096);
	mdbuf_init(&t->url, RTF_URL_MAX + 1);
	grid_init(&t->grid);
	for (; i < len && out->err == 0 && t->para.err == 0; ) {
		switch (in[i]) {
		case '{':
			i++;
			if (t->depth + 1 >= RTF_DEPTH) {
				(void)snprintf(r->reason, sizeof(r->reason),
				    "RTF nested deeper than %d groups",
				    RTF_DEPTH);
				err = CONVERT_ELIMIT;
				goto done;
			}
			t->depth++;
			if (t->depth > 0) {
				t->g[t->depth] = t->g[t->depth - 1];
				t->g[t->depth].link = 0;
			}
			t->skipn = 0;
			continue;
		case '}':
			i++;
			t->skipn = 0;
			if (t->depth < 0 || !group_end(t))
				goto done;	/* the document's end */
			continue;
		case '\r': case '\n':
			i++;
			continue;
		case '\\':
			break;
		default:
			if (t->depth >= 0)
				put_byte(t, (unsigned char)in[i]);
			i++;
			continue;
		}
		if (t->depth < 0)
			t->depth = 0;
		if (++i >= len)
			break;
		if (!isalpha((unsigned char)in[i])) {
			switch (in[i++]) {
			case '\'':
				if (i + 1 < len && (h1 = hexval(in[i])) >= 0 &&
				    (h2 = hexval(in[i + 1])) >= 0) {
					put_byte(t, (unsigned char)(h1 * 16 + h2));
					i += 2;
				}
				break;
			case '*':
				/* An extension a reader may ignore. */
				top(t)->skip = 1;
				break;
			case '~':
				put_cp(t, ' ');
				break;
			case '_':
				put_cp(t, '-');
				break;
			case '\\': case '{': case '}':
				put_cp(t, (unsigned char)in[i - 1]);
				break;
			case '\r': case '\n':
				par(t);
				break;
			default:	/* \- (optional hyphen), \| ... */
				break;
			}
			continue;
		}
		w = in + i;
		while (i < len && isalpha((unsigned char)in[i]) && in + i - w < 32)
			i++;
		wl = (size_t)(in + i - w);
		neg = has = 0;
		v = 0;
		if (i < len && in[i] == '-') {
			neg = 1;
			i++;
		}
		for (k = 0; i < len && isdigit((unsigned char)in[i]); i++, k++)
			if (k < 9)
				v = v * 10 + (in[i] - '0');
		has = k > 0;
		if (neg)
			v = -v;
		if (i < len && in[i] == ' ')
			i++;
		if (wl == 3 && memcmp(w, "bin", 3) == 0 && has && v > 0) {
			/* Binary data: skipped whole. */
			i += (size_t)v < len - i ? (size_t)v : len - i;
			continue;
		}
		control(t, w, wl, has, v);
	}
done:
	if (err == CONVERT_OK) {
		while (t->depth > 0)
			(void)group_end(t);
		t->intbl = 0;
		par(t);
		emit_grid(t);
		if (t->grid.err != 0)
			err = t->grid.err;
		else if ((err = t->para.err | t->seg.err) != 0)
			;
		else if (t->title.len > 0 &&
		    (r->title = meta_title(t->title.p, t->title.len)) == NULL)
			err = CONVERT_ENOMEM;
		else if (r->title != NULL && *r->title == '\0') {
			free(r->title);
			r->title = NULL;
		}
	}
	mdbuf_free(&t->para);
	mdbuf_free(&t->seg);
	mdbuf_free(&t->title);
	mdbuf_free(&t->inst);
	mdbuf_free(&t->url);
	grid_free(&t->grid);
	free(t);
	return err;
}
