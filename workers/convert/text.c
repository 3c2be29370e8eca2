/*
 * Plain text to Markdown (what maps to what is in docs/converters.md):
 * the first line is the title, underlined titles are headings, indented
 * paragraphs are code, and line starts Markdown would misread are
 * escaped. It shares its line reading and output with reST (lines.h).
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "converters.h"
#include "lines.h"
#include "mdbuf.h"
#include "source.h"

static int
atx_heading(const char *s, size_t n)
{
	size_t	k;

	for (k = 0; k < n && s[k] == '#'; k++)
		;
	return k >= 1 && k <= 6 && (k == n || s[k] == ' ' || s[k] == '\t');
}

/*
 * A text line underlined like a reST title: the adornment character. Only
 * an overlined title (inset) may be indented.
 */
static int
txt_underline(const struct view *v, const struct line *l, int inset,
    unsigned char *ch)
{
	struct line	u;
	unsigned char	other;
	size_t		n;

	if ((l->ind != 0 && !inset) || l->next >= v->end ||
	    adornment(v, l, &other) > 0)
		return 0;
	get_line(v, l->next, &u);
	n = adornment(v, &u, ch);
	return n >= 3 &&
	    n >= u8width(v->s + l->text, line_end(v, l) - l->text);
}

static int
txt_markdown(const char *s, size_t len, size_t max_output, struct mdbuf *out,
    int *headings)
{
	struct conv	 c;
	struct view	 v, blk;
	struct line	 l, t, u;
	size_t		 at, end, first, e, minsp, k;
	unsigned char	 ch = 0, ch2 = 0;
	unsigned	 level;
	int		 seen_title = 0, title_under = 0, code, err, over;

	*headings = 0;
	conv_init(&c, max_output);
	v.s = s;
	v.start = 0;
	v.end = len;
	v.base = 0;
	for (at = 0; at < len && !c.out.err; ) {
		get_line(&v, at, &l);
		if (l.blank) {
			at = l.next;
			continue;
		}
		e = line_end(&v, &l);
		over = adornment(&v, &l, &ch) > 0 && l.next < len;
		if (over) {
			get_line(&v, l.next, &t);
			over = !t.blank && txt_underline(&v, &t, 1, &ch2) &&
			    ch2 == ch;
			if (over) {
				l = t;
				e = line_end(&v, &l);
			}
		}
		if (over || txt_underline(&v, &l, 0, &ch)) {
			if (!seen_title)
				title_under = 1;
			seen_title = 1;
			level = style_level(&c.styles, ch, over) +
			    (title_under ? 0 : 1);
			block_start(&c);
			emit_heading(&c, level, s + l.text, e - l.text);
			c.need_blank = 1;
			*headings = 1;
			get_line(&v, l.next, &u);
			at = u.next;
			continue;
		}
		if (!seen_title) {
			seen_title = 1;
			block_start(&c);
			if (atx_heading(s + l.text, e - l.text))
				emit_line(&c, s + l.text, e - l.text);
			else
				emit_heading(&c, 1, s + l.text, e - l.text);
			c.need_blank = 1;
			at = l.next;
			continue;
		}
		/* A paragraph: to the next blank line. */
		code = 1;
		minsp = SIZE_MAX;
		first = at;
		for (end = at; end < len; end = l.next) {
			get_line(&v, end, &l);
			if (l.blank)
				break;
			for (k = l.raw; k < l.eol && s[k] == ' '; k++)
				;
			if (k - l.raw < minsp)
				minsp = k - l.raw;
			if (s[l.raw] != '\t' && k - l.raw < 4)
				code = 0;
		}
		if (code) {
			blk.s = s;
			blk.start = first + minsp;
			blk.end = end;
			blk.base = minsp;
			emit_fence(&c, &blk, "");
		} else {
			block_start(&c);
			for (at = first; at < end; at = l.next) {
				get_line(&v, at, &l);
				emit_text_line(&c, s + l.text,
				    line_end(&v, &l) - l.text);
			}
			c.need_blank = 1;
		}
		at = end;
	}
	if ((err = conv_done(&c)) == 0)
		*out = c.out;
	return err;
}

int
txt_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*src;
	size_t	 n;
	int	 err, headings = 0;

	(void)ext;
	if ((err = text_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	err = txt_markdown(src, n, out->max, out, &headings);
	free(src);
	/* Only underlined titles make an outline of plain text. */
	r->outline_set = !headings;
	return err;
}
