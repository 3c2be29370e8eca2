/*
 * Man pages (roff with the man(7) macros and the common mdoc(7) ones) to
 * Markdown. No Debian library parses roff (groff and mandoc are programs,
 * and the worker's sandbox forbids exec), so this is a reader of our own:
 * line by line, requests and macros dispatched by name, escapes decoded,
 * fonts kept as emphasis, unknown requests dropped. What maps to what is
 * in docs/converters.md.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert.h"
#include "converters.h"
#include "man.h"
#include "mdbuf.h"
#include "source.h"

static void	line(struct man *, char *, size_t, int);

static const char *const markers[] = { "", "*", "**", "***" };

/* The text of the current font, into the paragraph with its markers. */
static void
flush_seg(struct man *m)
{
	const char	*s = m->seg.p;
	size_t		 n = m->seg.len, a = 0;
	int		 lead, trail;

	if (n == 0)
		return;
	while (a < n && isspace((unsigned char)s[a]))
		a++;
	while (n > a && isspace((unsigned char)s[n - 1]))
		n--;
	lead = a > 0;
	trail = n < m->seg.len;
	if (a == n) {
		m->space |= lead;
		m->seg.len = 0;
		return;
	}
	if ((m->space || lead) && m->para.len > 0) {
		mdbuf_addc(&m->para, ' ');
		mdbuf_addc(&m->plain, ' ');
	}
	mdbuf_adds(&m->para, markers[m->font]);
	mdbuf_text(&m->para, s + a, n - a);
	mdbuf_adds(&m->para, markers[m->font]);
	mdbuf_add(&m->plain, s + a, n - a);
	m->space = trail;
	m->seg.len = 0;
}

void
man_set_font(struct man *m, enum font f)
{
	if (f == m->font)
		return;
	flush_seg(m);
	m->prev = m->font;
	m->font = f;
}

/* Text goes to the code block in no-fill mode, else to the paragraph. */
void
man_put(struct man *m, const char *s, size_t n)
{
	mdbuf_add(m->nf ? &m->code : &m->seg, s, n);
}

void
man_putcp(struct man *m, unsigned long cp)
{
	mdbuf_codepoint(m->nf ? &m->code : &m->seg, cp);
}

static void
reset_para(struct man *m)
{
	m->seg.len = m->para.len = m->plain.len = 0;
	m->space = 0;
}

/* Write text lines, each after the first after rest. */
static void
emit_lines(struct man *m, const char *rest, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		mdbuf_addc(m->out, s[i]);
		if (s[i] == '\n')
			mdbuf_adds(m->out, rest);
	}
	mdbuf_addc(m->out, '\n');
}

/* Text as a block of its own, its first line after first. */
static void
emit(struct man *m, const char *first, const char *rest, const char *s,
    size_t n)
{
	mdbuf_blank(m->out);
	mdbuf_adds(m->out, first);
	emit_lines(m, rest, s, n);
}

static const char spaces[] = "                ";	/* 2 * MAN_ITEMS */

static const char *
indent(int items)
{
	return spaces + sizeof(spaces) - 1 - 2 * (size_t)items;
}

static void
title_line(struct man *m, const char *s, size_t n)
{
	mdbuf_heading(m->out, 1, s, n);
	m->titled = 1;
}

/* NAME's "ls \- list directory contents": the title, its description. */
static void
name_para(struct man *m)
{
	const char	*s = m->plain.p, *d = NULL;
	size_t		 n = m->plain.len, i, dl = 0;

	for (i = 0; i + 2 < n; i++) {
		if (s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == ' ') {
			d = s + i + 3;
			dl = 3;
			break;
		}
		/* An em dash, as some pages write it. */
		if (s[i] == ' ' && i + 4 < n &&
		    memcmp(s + i + 1, "\xe2\x80\x94 ", 4) == 0) {
			d = s + i + 5;
			dl = 5;
			break;
		}
	}
	if (d == NULL) {
		title_line(m, s, n);
		return;
	}
	title_line(m, s, i);
	mdbuf_blank(m->out);
	mdbuf_text(m->out, d, n - i - dl);
	mdbuf_addc(m->out, '\n');
}

static void
flush_code(struct man *m)
{
	const char	*s = m->code.p;
	size_t		 n = m->code.len, i, run = 0, max = 2;
	char		 fence[64];

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n == 0) {
		m->code.len = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	if (max + 1 >= sizeof(fence))
		max = sizeof(fence) - 2;
	memset(fence, '`', max + 1);
	fence[max + 1] = '\0';
	mdbuf_blank(m->out);
	mdbuf_adds(m->out, indent(m->nitems));
	mdbuf_adds(m->out, fence);
	mdbuf_addc(m->out, '\n');
	mdbuf_adds(m->out, indent(m->nitems));
	emit_lines(m, indent(m->nitems), s, n);
	mdbuf_adds(m->out, indent(m->nitems));
	mdbuf_adds(m->out, fence);
	mdbuf_addc(m->out, '\n');
	m->code.len = 0;
}

static void
flush_para(struct man *m)
{
	flush_seg(m);
	if (m->para.len == 0) {
		reset_para(m);
		return;
	}
	if (m->in_name && !m->titled)
		name_para(m);
	else if (m->marker) {
		mdbuf_blank(m->out);
		mdbuf_adds(m->out, indent(m->nitems - 1));
		mdbuf_adds(m->out, "- ");
		emit_lines(m, indent(m->nitems), m->para.p, m->para.len);
		m->marker = 0;
	} else
		emit(m, indent(m->nitems), indent(m->nitems), m->para.p,
		    m->para.len);
	reset_para(m);
}

/* A break: the paragraph and any code block end here. */
static void
brk(struct man *m)
{
	if (m->nf)
		flush_code(m);
	flush_para(m);
}

/* Close the list items begun at rs depth d or deeper. */
static void
pop_items(struct man *m, int d)
{
	while (m->nitems > 0 && m->items[m->nitems - 1] >= d)
		m->nitems--;
	m->marker = 0;
}

static void
push_item(struct man *m)
{
	pop_items(m, m->rs);
	if (m->nitems < MAN_ITEMS)
		m->items[m->nitems++] = m->rs;
}

/* The paragraph so far is an item's tag: "- tag", the body under it. */
static void
tag_item(struct man *m)
{
	flush_seg(m);
	push_item(m);
	if (m->para.len == 0) {
		m->marker = 1;
		return;
	}
	mdbuf_blank(m->out);
	mdbuf_adds(m->out, indent(m->nitems - 1));
	mdbuf_adds(m->out, "- ");
	emit_lines(m, indent(m->nitems), m->para.p, m->para.len);
	reset_para(m);
}

static void
end_sections(struct man *m)
{
	brk(m);
	m->nf = 0;
	m->rs = 0;
	pop_items(m, 0);
}

static void
heading(struct man *m, int level)
{
	char	*t;
	size_t	 n;

	flush_seg(m);
	t = m->plain.p;
	n = m->plain.len;
	if (level == 2) {
		m->in_name = n == 4 && t != NULL && strncasecmp(t, "NAME", 4) == 0;
		if (!m->in_name && !m->titled && m->th != NULL)
			title_line(m, m->th, strlen(m->th));
		if (m->in_name) {
			reset_para(m);
			return;
		}
	}
	if (n > 0)
		mdbuf_heading(m->out, (unsigned)level, t, n);
	reset_para(m);
}

/* A whole text line: words, then the line's end as a blank. */
static void
text_line(struct man *m, const char *s, size_t n)
{
	m->join = 0;
	man_text(m, s, n);
	if (m->nf) {
		if (!m->join)
			mdbuf_addc(&m->code, '\n');
	} else if (!m->join)
		man_put(m, " ", 1);
}

/* Split a request's arguments: blanks, "quoted", "" inside quotes. */
static int
split_args(char *s, size_t n, char **av, size_t *al)
{
	size_t	i = 0, w;
	int	ac = 0;

	while (i < n && ac < MAN_ARGS) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (s[i] == '"') {
			av[ac] = s + ++i;
			for (w = i; i < n; i++) {
				if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
					s[w++] = s[i++];
				else if (s[i] == '"')
					break;
				else
					s[w++] = s[i];
			}
			al[ac] = w - (size_t)(av[ac] - s);
			ac++;
			i++;
			continue;
		}
		av[ac] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			i++;
		}
		al[ac] = (size_t)(s + i - av[ac]);
		ac++;
	}
	return ac;
}

/* A request's words end as a text line does: a blank, or in code a line. */
void
man_end_words(struct man *m)
{
	if (m->nf)
		mdbuf_addc(&m->code, '\n');
	else
		man_put(m, " ", 1);
}

/* .B, .I: the arguments in one font, or the next line. */
static void
font_args(struct man *m, enum font f, int ac, char **av, size_t *al)
{
	int	i;

	if (ac == 0) {
		m->line_font = (int)f + 1;
		return;
	}
	man_set_font(m, f);
	for (i = 0; i < ac; i++) {
		if (i > 0)
			man_put(m, " ", 1);
		man_text(m, av[i], al[i]);
	}
	man_set_font(m, F_R);
	man_end_words(m);
}

/* .BR, .IR...: the arguments in two fonts by turns, no blank between. */
static void
alt_args(struct man *m, enum font f1, enum font f2, int ac, char **av,
    size_t *al)
{
	int	i;

	for (i = 0; i < ac; i++) {
		man_set_font(m, i % 2 == 0 ? f1 : f2);
		man_text(m, av[i], al[i]);
	}
	man_set_font(m, F_R);
	man_end_words(m);
}

static char *
dupn(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* .if/.ie's condition: nroff's "n" holds, anything else does not. */
static int
condition(const char *s, size_t n, size_t *end)
{
	size_t	i = 0, k;
	int	neg = 0, res = 0;
	char	d;

	if (i < n && s[i] == '!') {
		neg = 1;
		i++;
	}
	if (i < n && strchr("nteov", s[i]) != NULL &&
	    (i + 1 >= n || s[i + 1] == ' ' || s[i + 1] == '\t')) {
		res = s[i] == 'n';
		i++;
	} else if (i < n && strchr("rdcmFS", s[i]) != NULL &&
	    i + 1 < n && s[i + 1] == ' ') {
		/* A register, string, macro or font test: none is defined. */
		for (i += 2; i < n && s[i] == ' '; i++)
			;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
	} else if (i < n && (s[i] == '\'' || s[i] == '"' || s[i] == '|')) {
		/* 'a'b': a string comparison, taken as false. */
		d = s[i];
		for (k = 0; i < n && k < 3; i++)
			k += s[i] == d;
	} else {
		/* A numeric expression, taken as false. */
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
	}
	*end = i;
	return neg ? !res : res;
}

static int
braces(const char *s, size_t n)
{
	size_t	i;
	int	d = 0;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '\\') {
			if (s[i + 1] == '{')
				d++;
			else if (s[i + 1] == '}')
				d--;
			i++;
		}
	return d;
}

/* .if COND body, .ie COND body, .el body. */
static void
cond(struct man *m, char *s, size_t n, int truth, int depth)
{
	size_t	i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (!truth) {
		if (braces(s + i, n - i) > 0)
			m->skip = braces(s + i, n - i);
		return;
	}
	if (n - i >= 2 && s[i] == '\\' && s[i + 1] == '{')
		for (i += 2; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
			;
	if (i < n)
		line(m, s + i, n - i, depth + 1);
}

static struct macro *
macro_find(struct man *m, const char *name, size_t n)
{
	int	i;

	for (i = 0; i < m->nmac; i++)
		if (strlen(m->mac[i].name) == n &&
		    memcmp(m->mac[i].name, name, n) == 0)
			return &m->mac[i];
	return NULL;
}

/* The macro of that name, emptied, or a new one; NULL past the limit. */
static struct macro *
macro_new(struct man *m, const char *name, size_t n)
{
	struct macro	*mc;

	if (n == 0 || n >= sizeof(mc->name))
		return NULL;
	if ((mc = macro_find(m, name, n)) != NULL)
		return mc;
	if (m->nmac >= MAN_MACROS)
		return NULL;
	mc = &m->mac[m->nmac++];
	memcpy(mc->name, name, n);
	mc->name[n] = '\0';
	mdbuf_init(&mc->body, MAN_MACRO_MAX);
	return mc;
}

/* A line of a definition, read in copy mode: "\\" is one backslash. */
static void
macro_add(struct macro *mc, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\')
			i++;
		mdbuf_addc(&mc->body, s[i]);
	}
	mdbuf_addc(&mc->body, '\n');
}

/*
 * Run a defined macro: each line of its body with \$1..\$9, \$* and
 * \$@ replaced by the arguments. The expansion budget (a multiple of the
 * input) stops a page whose macros call each other into a bomb.
 */
static void
macro_run(struct man *m, struct macro *mc, int ac, char **av, size_t *al,
    int depth)
{
	struct mdbuf	 l;
	const char	*p, *e, *nl;
	size_t		 k;
	int		 a, j;

	if (depth >= MAN_RECURSE || mc->body.p == NULL)
		return;
	mdbuf_init(&l, MAN_MACRO_MAX);
	for (p = mc->body.p, e = p + mc->body.len; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		l.len = 0;
		for (k = 0; p + k < nl; k++) {
			if (p[k] == '\\' && p + k + 2 < nl && p[k + 1] == '$') {
				a = p[k + 2];
				k += 2;
				if (a == '*' || a == '@') {
					for (j = 0; j < ac; j++) {
						if (j > 0)
							mdbuf_addc(&l, ' ');
						mdbuf_add(&l, av[j], al[j]);
					}
				} else if (a >= '1' && a <= '9' && a - '1' < ac)
					mdbuf_add(&l, av[a - '1'], al[a - '1']);
				continue;
			}
			mdbuf_addc(&l, p[k]);
		}
		if (l.err != 0 || l.len > m->budget)
			break;
		m->budget -= l.len;
		if (l.p != NULL)
			line(m, l.p, l.len, depth + 1);
	}
	mdbuf_free(&l);
}

static int
is(const char *req, size_t rl, const char *name)
{
	return strlen(name) == rl && memcmp(req, name, rl) == 0;
}

static void
request(struct man *m, char *s, size_t n, int depth)
{
	char		*av[MAN_ARGS];
	size_t		 al[MAN_ARGS], i = 0, rl, e;
	char		*req;
	struct macro	*mc;
	int		 ac, t;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	req = s + i;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	rl = (size_t)(s + i - req);
	if (rl == 0)
		return;
	if (is(req, rl, "if") || is(req, rl, "ie")) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		t = condition(s + i, n - i, &e);
		if (is(req, rl, "ie"))
			m->el = !t;
		cond(m, s + i + e, n - i - e, t, depth);
		return;
	}
	if (is(req, rl, "el")) {
		cond(m, s + i, n - i, m->el, depth);
		m->el = 0;
		return;
	}
	if (is(req, rl, "de") || is(req, rl, "de1")) {
		ac = split_args(s + i, n - i, av, al);
		m->skipto = 1;
		if (ac > 0 && (m->def = macro_new(m, av[0], al[0])) != NULL)
			m->def->body.len = 0;
		return;
	}
	if (is(req, rl, "als")) {
		ac = split_args(s + i, n - i, av, al);
		if (ac > 1 && (mc = macro_find(m, av[1], al[1])) != NULL &&
		    (m->def = macro_new(m, av[0], al[0])) != NULL &&
		    m->def != mc) {
			m->def->body.len = 0;
			mdbuf_add(&m->def->body, mc->body.p, mc->body.len);
		}
		m->def = NULL;
		return;
	}
	if (is(req, rl, "ig") || is(req, rl, "am") || is(req, rl, "Rs")) {
		m->skipto = is(req, rl, "Rs") ? 2 : 1;
		return;
	}
	if ((mc = macro_find(m, req, rl)) != NULL) {
		ac = split_args(s + i, n - i, av, al);
		macro_run(m, mc, ac, av, al, depth);
		return;
	}
	if (man_is_mdoc(req, rl)) {
		/* A callable mdoc macro, and those it calls on its line. */
		ac = split_args(req, n - (size_t)(req - s), av, al);
		if (is(req, rl, "Nm") && ac > 1 && m->nm == NULL &&
		    !man_is_mdoc(av[1], al[1]))
			m->nm = dupn(av[1], al[1]);
		man_mdoc_words(m, ac, av, al);
		return;
	}
	ac = split_args(s + i, n - i, av, al);
	/* Sections. */
	if (is(req, rl, "SH") || is(req, rl, "Sh") || is(req, rl, "SS") ||
	    is(req, rl, "Ss")) {
		t = req[1] == 'H' || req[1] == 'h' ? 2 : 3;
		end_sections(m);
		if (ac == 0) {
			m->head_wait = t;
			return;
		}
		for (e = 0; e < (size_t)ac; e++) {
			if (e > 0)
				man_put(m, " ", 1);
			man_text(m, av[e], al[e]);
		}
		heading(m, t);
	} else if (is(req, rl, "TH") || is(req, rl, "Dt")) {
		if (ac > 0 && m->th == NULL)
			m->th = dupn(av[0], al[0]);
	} else if (is(req, rl, "PP") || is(req, rl, "LP") || is(req, rl, "P") ||
	    is(req, rl, "Pp") || is(req, rl, "HP") || is(req, rl, "Lp")) {
		brk(m);
		pop_items(m, m->rs);
	} else if (is(req, rl, "sp") || is(req, rl, "br")) {
		if (m->nf)
			mdbuf_addc(&m->code, '\n');
		else if (req[0] == 's' || m->para.len + m->seg.len > 0)
			brk(m);
	} else if (is(req, rl, "TP") || is(req, rl, "TQ")) {
		brk(m);
		m->tp_wait = 1;
	} else if (is(req, rl, "IP") || is(req, rl, "It")) {
		brk(m);
		if (req[0] == 'I' && req[1] == 't') {
			if (ac > 0)
				man_mdoc_words(m, ac, av, al);
			flush_seg(m);
			tag_item(m);
			return;
		}
		if (ac > 0)
			man_text(m, av[0], al[0]);
		flush_seg(m);
		/* A bullet is Markdown's own: "- body". */
		if (m->plain.len == 0 ||
		    (m->plain.len == 1 && strchr("*-o", m->plain.p[0])) ||
		    (m->plain.len == 3 &&
		    memcmp(m->plain.p, "\xe2\x80\xa2", 3) == 0) ||
		    (m->plain.len == 2 && memcmp(m->plain.p, "\xc2\xb7", 2) == 0))
			reset_para(m);
		tag_item(m);
	} else if (is(req, rl, "RS") || is(req, rl, "Bl")) {
		brk(m);
		if (m->rs < MAN_RS)
			m->rs++;
	} else if (is(req, rl, "RE") || is(req, rl, "El")) {
		brk(m);
		if (m->rs > 0)
			m->rs--;
		pop_items(m, m->rs + 1);
	} else if (is(req, rl, "nf") || is(req, rl, "EX") ||
	    (is(req, rl, "Bd") && ac > 0 && (strncmp(av[0], "-literal", 8) == 0 ||
	    strncmp(av[0], "-unfilled", 9) == 0))) {
		brk(m);
		m->nf = 1;
	} else if (is(req, rl, "fi") || is(req, rl, "EE") || is(req, rl, "Ed")) {
		brk(m);
		m->nf = 0;
	} else if (is(req, rl, "Dl")) {
		brk(m);
		m->nf = 1;
		for (e = 0; e < (size_t)ac; e++) {
			if (e > 0)
				man_put(m, " ", 1);
			man_text(m, av[e], al[e]);
		}
		mdbuf_addc(&m->code, '\n');
		flush_code(m);
		m->nf = 0;
	} else if (is(req, rl, "B") || is(req, rl, "SB"))
		font_args(m, F_B, ac, av, al);
	else if (is(req, rl, "I"))
		font_args(m, F_I, ac, av, al);
	else if (is(req, rl, "SM") || is(req, rl, "R"))
		font_args(m, F_R, ac, av, al);
	else if (is(req, rl, "BR"))
		alt_args(m, F_B, F_R, ac, av, al);
	else if (is(req, rl, "RB"))
		alt_args(m, F_R, F_B, ac, av, al);
	else if (is(req, rl, "BI"))
		alt_args(m, F_B, F_I, ac, av, al);
	else if (is(req, rl, "IB"))
		alt_args(m, F_I, F_B, ac, av, al);
	else if (is(req, rl, "IR"))
		alt_args(m, F_I, F_R, ac, av, al);
	else if (is(req, rl, "RI"))
		alt_args(m, F_R, F_I, ac, av, al);
	else if (is(req, rl, "ft")) {
		if (ac > 0)
			man_font_escape(m, av[0], al[0]);
		else
			man_font_escape(m, "P", 1);
	} else if (is(req, rl, "UR") || is(req, rl, "MT") ||
	    is(req, rl, "UE") || is(req, rl, "ME")) {
		/* The address is words of the text, as mandoc shows it. */
		if (ac > 0 && (req[1] == 'R' || req[1] == 'T')) {
			man_put(m, " <", 2);
			man_text(m, av[0], al[0]);
			man_put(m, "> ", 2);
		} else if (ac > 0)
			man_text(m, av[0], al[0]);
	} else if (is(req, rl, "Nd")) {
		man_put(m, " - ", 3);
		man_mdoc_words(m, ac, av, al);
	}
	/* Anything else (.Dd, .Os, .ds, .nr, .so, .in...) is dropped. */
}

static void
line(struct man *m, char *s, size_t n, int depth)
{
	int	was_tp = m->tp_wait, was_head = m->head_wait,
		was_font = m->line_font;
	size_t	before;

	if (depth > MAN_RECURSE)
		return;
	if (m->skipto) {
		if (n >= 2 && s[0] == '.' && s[1] == '.' && m->skipto == 1) {
			m->skipto = 0;
			m->def = NULL;
		} else if (m->def != NULL)
			macro_add(m->def, s, n);
		if (n >= 3 && memcmp(s, ".Re", 3) == 0 && m->skipto == 2)
			m->skipto = 0;
		return;
	}
	if (m->skip > 0) {
		m->skip += braces(s, n);
		if (m->skip < 0)
			m->skip = 0;
		return;
	}
	before = m->seg.len + m->para.len;
	if (n > 0 && (s[0] == '.' || s[0] == '\'')) {
		if (n >= 3 && s[1] == '\\' && s[2] == '"')
			return;
		request(m, s + 1, n - 1, depth);
	} else if (n == 0) {
		if (m->nf)
			mdbuf_addc(&m->code, '\n');
		else
			brk(m);
		return;
	} else {
		if (was_font)
			man_set_font(m, (enum font)(was_font - 1));
		text_line(m, s, n);
		if (was_font) {
			man_set_font(m, F_R);
			m->line_font = 0;
		}
	}
	if (m->seg.len + m->para.len == before)
		return;
	if (was_head && m->head_wait == was_head) {
		m->head_wait = 0;
		heading(m, was_head);
	} else if (was_tp && m->tp_wait) {
		m->tp_wait = 0;
		tag_item(m);
	}
}

int
man_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct man	 m;
	char		*src, *p, *e, *nl;
	size_t		 n;
	int		 err, i;

	(void)ext;
	if ((err = text_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	memset(&m, 0, sizeof(m));
	m.out = out;
	m.budget = 16 * n + (1u << 20);
	mdbuf_init(&m.seg, MDBUF_NOLIMIT);
	mdbuf_init(&m.para, out->max);
	mdbuf_init(&m.plain, out->max);
	mdbuf_init(&m.code, out->max);
	for (p = src, e = src + n; p < e && out->err == 0; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		line(&m, p, (size_t)(nl - p), 0);
		if (m.para.err != 0 || m.code.err != 0 || m.plain.err != 0 ||
		    m.seg.err != 0) {
			out->err = m.para.err | m.code.err | m.plain.err |
			    m.seg.err;
			break;
		}
	}
	if (m.nf)
		flush_code(&m);
	flush_para(&m);
	/* A page without NAME or sections: its .TH name is the title. */
	if (!m.titled && m.th != NULL && (r->title = strdup(m.th)) == NULL)
		err = CONVERT_ENOMEM;
	mdbuf_free(&m.seg);
	mdbuf_free(&m.para);
	mdbuf_free(&m.plain);
	mdbuf_free(&m.code);
	for (i = 0; i < m.nmac; i++)
		mdbuf_free(&m.mac[i].body);
	free(m.th);
	free(m.nm);
	free(src);
	return err;
}
