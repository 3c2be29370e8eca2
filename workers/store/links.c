/*
 * Links between documents (see links.h): finding the links of a
 * document's Markdown, resolving their URLs against the path the document
 * was added from, rewriting them to the wiki pages of the documents they
 * name or to plain text, and finding broken ones. A small Markdown
 * scanner, enough for what the converters write: inline links and
 * images, backslash escapes, code spans and fenced code (left alone).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpath.h"
#include "links.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define LINK_TEXT_MAX	8192	/* bytes of link text looked through */

enum link_form {
	FORM_LINK,		/* [text](dest "title") */
	FORM_PLAIN		/* \[text\](dest) */
};

char	links_keep;		/* its address: LINKS_KEEP */

struct link {
	enum link_form	 form;
	size_t		 start, end;	/* the construct, [start, end) */
	size_t		 text, textlen;
	char		*dest;		/* unescaped */
	char		*title;		/* unescaped, or NULL */
};

struct walk {
	int			 indexed;	/* links_indexed */
	const char		*base;		/* rewrite: the source path */
	const char		*dir;		/* broken: the page's folder */
	links_resolve_fn	 resolve;
	links_found_fn		 found;
	void			(*report)(void *, const char *);
	void			*arg;
	FILE			*out;		/* rewrite: the new text */
	size_t			 nbroken;
};

static int
is_punct(char c)
{
	return c != '\0' && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	    c) != NULL;
}

/*
 * A link's destination and optional title at md[k] up to its ')':
 * fills l->dest, l->title; returns the offset past ')', or 0.
 */
static size_t
parse_dest(const char *md, size_t len, size_t k, struct link *l)
{
	char	*d, *t = NULL, close;
	size_t	 n = 0, tn = 0;
	int	 depth = 0;

	while (k < len && (md[k] == ' ' || md[k] == '\t'))
		k++;
	d = xmalloc(len - k + 1);
	if (k < len && md[k] == '<') {
		for (k++; k < len && md[k] != '>'; k++) {
			if (md[k] == '\n' || md[k] == '<')
				goto bad;
			if (md[k] == '\\' && k + 1 < len && is_punct(md[k + 1]))
				k++;
			d[n++] = md[k];
		}
		if (k >= len)
			goto bad;
		k++;
	} else {
		for (; k < len; k++) {
			if (md[k] == ' ' || md[k] == '\t' || md[k] == '\n' ||
			    (unsigned char)md[k] < 0x20)
				break;
			if (md[k] == '(')
				depth++;
			else if (md[k] == ')' && depth-- == 0)
				break;
			if (md[k] == '\\' && k + 1 < len && is_punct(md[k + 1]))
				k++;
			d[n++] = md[k];
		}
		if (depth > 0)
			goto bad;
	}
	d[n] = '\0';
	while (k < len && (md[k] == ' ' || md[k] == '\t' || md[k] == '\n'))
		k++;
	if (k < len && (md[k] == '"' || md[k] == '\'' || md[k] == '(')) {
		close = md[k] == '(' ? ')' : md[k];
		t = xmalloc(len - k + 1);
		for (k++; k < len && md[k] != close; k++) {
			if (md[k] == '\\' && k + 1 < len && is_punct(md[k + 1]))
				k++;
			t[tn++] = md[k];
		}
		if (k >= len)
			goto bad;
		t[tn] = '\0';
		k++;
		while (k < len && (md[k] == ' ' || md[k] == '\t'))
			k++;
	}
	if (k >= len || md[k] != ')')
		goto bad;
	l->dest = d;
	l->title = t;
	return k + 1;
bad:
	free(d);
	free(t);
	return 0;
}

/* [text](...) at md[i] == '['. */
static int
parse_link(const char *md, size_t len, size_t i, struct link *l)
{
	size_t	j;
	int	depth = 1;

	for (j = i + 1; j < len && j - i < LINK_TEXT_MAX; j++) {
		if (md[j] == '\\') {
			j++;
			continue;
		}
		if (md[j] == '\n' && j + 1 < len && md[j + 1] == '\n')
			return 0;
		if (md[j] == '[')
			depth++;
		else if (md[j] == ']' && --depth == 0)
			break;
	}
	if (j + 1 >= len || md[j] != ']' || md[j + 1] != '(')
		return 0;
	l->form = FORM_LINK;
	l->start = i;
	l->text = i + 1;
	l->textlen = j - i - 1;
	return (l->end = parse_dest(md, len, j + 2, l)) != 0;
}

/*
 * \[text\](dest) at md[i] == '\\', md[i + 1] == '['. Escaped brackets
 * nest: the text of a link can hold a pair, and a literal \[...\]
 * before a link in the same paragraph (the inclusive range \[1..99\],
 * ... \[`IndexError`\](exceptions.html)) closes before it and is no
 * link, instead of swallowing the text up to the link's \](.
 */
static int
parse_plain(const char *md, size_t len, size_t i, struct link *l)
{
	size_t	j;
	int	depth = 1;

	for (j = i + 2; j + 2 < len && j - i < LINK_TEXT_MAX; j++) {
		if (md[j] == '\n' && md[j + 1] == '\n')
			return 0;
		if (md[j] != '\\')
			continue;
		if (md[j + 1] == '[')
			depth++;
		else if (md[j + 1] == ']' && --depth == 0) {
			if (md[j + 2] == '(')
				break;
			return 0;
		}
		j++;
	}
	if (j + 2 >= len || md[j] != '\\' || md[j + 1] != ']' ||
	    md[j + 2] != '(')
		return 0;
	l->form = FORM_PLAIN;
	l->start = i;
	l->text = i + 2;
	l->textlen = j - i - 2;
	return (l->end = parse_dest(md, len, j + 3, l)) != 0;
}

static int
has_scheme(const char *u)
{
	const char	*p = u;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	for (p++; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.';
	    p++)
		;
	return *p == ':';
}

char *
links_target(const char *base, const char *url)
{
	char	*path, *out, *seg, *save;
	size_t	 n, i, o;
	int	 hi, lo;

	if (*url == '\0' || *url == '#' || *url == '?' || *url == '/' ||
	    has_scheme(url) || *base != '/')
		return NULL;
	n = strcspn(url, "#?");
	if (n == 0 || url[n - 1] == '/')
		return NULL;
	/* The folder of base, then url percent-decoded. */
	i = strrchr(base, '/') - base;
	path = xmalloc(i + n + 2);
	memcpy(path, base, i);
	path[i++] = '/';
	for (o = 0; o < n; o++) {
		if (url[o] == '%' && o + 2 < n &&
		    (hi = hex_digit(url[o + 1])) >= 0 &&
		    (lo = hex_digit(url[o + 2])) >= 0 && (hi || lo)) {
			path[i++] = (char)(hi << 4 | lo);
			o += 2;
		} else
			path[i++] = url[o];
	}
	path[i] = '\0';
	/* Segments: "." dropped, ".." drops the one before. */
	out = xmalloc(strlen(path) + 2);
	o = 0;
	for (seg = strtok_r(path, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			if (o == 0) {
				free(path);
				free(out);
				return NULL;
			}
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		out[o++] = '/';
		n = strlen(seg);
		memcpy(out + o, seg, n);
		o += n;
	}
	out[o] = '\0';
	free(path);
	if (o == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* A link target: <...> with escapes when a bare one would not parse. */
static void
put_dest(FILE *f, const char *prefix, const char *s, const char *suffix)
{
	const char	*p;

	if (*s != '\0' && strpbrk(s, " ()<>\\\t") == NULL) {
		fprintf(f, "%s%s%s", prefix, s, suffix);
		return;
	}
	fprintf(f, "<%s", prefix);
	for (p = s; *p != '\0'; p++) {
		if (*p == '<' || *p == '>' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fprintf(f, "%s>", suffix);
}

/* The original URL of a link, in any of its forms. */
static const char *
link_url(const struct link *l)
{
	size_t	k = strlen(KB_LINK_SUMMARY_SOURCE);

	if (l->form == FORM_LINK && l->title != NULL &&
	    strncmp(l->dest, KB_LINK_SUMMARY_SOURCE, k) == 0)
		return l->title;
	return l->dest;
}

/* One link found: write it anew (rewrite) or check it (broken). */
static void
link_do(struct walk *w, const char *md, struct link *l)
{
	struct stat	 st;
	const char	*url, *p;
	char		*target, *doc = NULL, *path;
	size_t		 n;

	if (w->dir != NULL) {
		url = l->dest;
		n = strcspn(url, "#?");
		if (l->form != FORM_LINK || *url == '/' || has_scheme(url) ||
		    n < 3 || strncmp(url + n - 3, ".md", 3) != 0)
			return;
		path = xmalloc(strlen(w->dir) + n + 2);
		(void)snprintf(path, strlen(w->dir) + n + 2, "%s/%.*s", w->dir,
		    (int)n, url);
		if (stat(path, &st) == -1) {
			w->nbroken++;
			if (w->report != NULL)
				w->report(w->arg, url);
		}
		free(path);
		return;
	}
	url = link_url(l);
	if (w->indexed) {
		/*
		 * Every form of a link that could be rewritten as one
		 * form: its text and the URL as written. What links_target
		 * leaves alone whatever the base (a scheme, an absolute or
		 * empty path, a fragment) stays as it is.
		 */
		if (*url == '\0' || *url == '/' || *url == '#' ||
		    has_scheme(url)) {
			fwrite(md + l->start, 1, l->end - l->start, w->out);
			return;
		}
		fputc('[', w->out);
		fwrite(md + l->text, 1, l->textlen, w->out);
		fputs("](", w->out);
		put_dest(w->out, "", url, "");
		fputc(')', w->out);
		return;
	}
	if ((target = links_target(w->base, url)) == NULL) {
		fwrite(md + l->start, 1, l->end - l->start, w->out);
		return;
	}
	if (w->resolve != NULL && (doc = w->resolve(w->arg, target)) ==
	    LINKS_KEEP) {
		free(target);
		fwrite(md + l->start, 1, l->end - l->start, w->out);
		return;
	}
	if (w->found != NULL)
		w->found(w->arg, target, doc);
	free(target);
	if (w->resolve == NULL) {
		fwrite(md + l->start, 1, l->end - l->start, w->out);
		return;
	}
	if (doc != NULL) {
		fputc('[', w->out);
		fwrite(md + l->text, 1, l->textlen, w->out);
		fputs("](", w->out);
		put_dest(w->out, KB_LINK_SUMMARY_SOURCE, doc, ".md");
		fputs(" \"", w->out);
		for (p = url; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', w->out);
			fputc(*p, w->out);
		}
		fputs("\")", w->out);
		free(doc);
		return;
	}
	fputs("\\[", w->out);
	fwrite(md + l->text, 1, l->textlen, w->out);
	fputs("\\](", w->out);
	put_dest(w->out, "", url, "");
	fputc(')', w->out);
}

static void
out_put(struct walk *w, const char *s, size_t n)
{
	if (w->out != NULL)
		fwrite(s, 1, n, w->out);
}

/* A fence line: up to three spaces, then ``` or ~~~. */
static int
is_fence(const char *s, size_t n)
{
	size_t	i = 0;

	while (i < 3 && i < n && s[i] == ' ')
		i++;
	return n - i >= 3 && (strncmp(s + i, "```", 3) == 0 ||
	    strncmp(s + i, "~~~", 3) == 0);
}

/*
 * The bytes the walk's switch looks at; a run of others is passed over
 * in a tight loop (every document's Markdown is walked on each thread).
 */
static const unsigned char walk_stop[256] = {
	['`'] = 1, ['\\'] = 1, ['!'] = 1, ['['] = 1,
};

/*
 * Everything but a link that is rewritten is copied as it is: the text
 * between them goes out in one piece (pend: where the text not yet copied
 * starts), not a call per byte.
 */
static void
walk(struct walk *w, const char *md, size_t len)
{
	struct link	 l;
	const char	*eol;
	size_t		 i = 0, n, k, run, pend = 0;
	int		 fence = 0, ok;

	while (i < len) {
		if (i == 0 || md[i - 1] == '\n') {
			eol = memchr(md + i, '\n', len - i);
			n = eol != NULL ? (size_t)(eol - (md + i)) + 1 : len - i;
			if (is_fence(md + i, n))
				fence = !fence;
			if (fence || is_fence(md + i, n)) {
				i += n;
				continue;
			}
		}
		switch (md[i]) {
		case '`':
			for (run = 0; i + run < len && md[i + run] == '`'; run++)
				;
			/* The closing run of the same length, or none. */
			for (k = i + run; k < len; k++) {
				if (md[k] != '`')
					continue;
				for (n = 0; k + n < len && md[k + n] == '`'; n++)
					;
				if (n == run)
					break;
				k += n - 1;
			}
			i += k < len ? k + run - i : run;
			continue;
		case '\\':
		case '!':
		case '[':
			break;
		default:
			/* Plain text, on to a byte above or a line's start. */
			while (md[i] != '\n' && ++i < len &&
			    !walk_stop[(unsigned char)md[i]])
				;
			if (i < len && md[i] == '\n')
				i++;
			continue;
		}
		memset(&l, 0, sizeof(l));
		ok = 0;
		if (md[i] == '\\' && i + 1 < len && md[i + 1] == '[')
			ok = parse_plain(md, len, i, &l);
		else if (md[i] == '!' && i + 1 < len && md[i + 1] == '[') {
			/* An image is left as it is, its text with it. */
			if (parse_link(md, len, i + 1, &l)) {
				i = l.end;
				free(l.dest);
				free(l.title);
				continue;
			}
		} else if (md[i] == '[')
			ok = parse_link(md, len, i, &l);
		if (ok) {
			out_put(w, md + pend, i - pend);
			link_do(w, md, &l);
			i = pend = l.end;
			free(l.dest);
			free(l.title);
			continue;
		}
		i += md[i] == '\\' && i + 1 < len ? 2 : 1;
	}
	out_put(w, md + pend, len - pend);
}

char *
links_rewrite(const char *md, size_t len, const char *base,
    links_resolve_fn resolve, links_found_fn found, void *arg,
    size_t *outlen)
{
	struct walk	 w;
	char		*buf = NULL;

	memset(&w, 0, sizeof(w));
	w.base = base;
	w.resolve = resolve;
	w.found = found;
	w.arg = arg;
	if ((w.out = open_memstream(&buf, outlen)) == NULL)
		fatal("open_memstream");
	walk(&w, md, len);
	if (ferror(w.out) || fclose(w.out) != 0)
		fatalx("out of memory rewriting links");
	return buf;
}

char *
links_indexed(const char *md, size_t len, size_t *outlen)
{
	struct walk	 w;
	char		*buf = NULL;

	memset(&w, 0, sizeof(w));
	w.indexed = 1;
	if ((w.out = open_memstream(&buf, outlen)) == NULL)
		fatal("open_memstream");
	walk(&w, md, len);
	if (ferror(w.out) || fclose(w.out) != 0)
		fatalx("out of memory rewriting links");
	return buf;
}

size_t
links_broken(const char *md, size_t len, const char *dir,
    void (*report)(void *, const char *), void *arg)
{
	struct walk	w;

	memset(&w, 0, sizeof(w));
	w.dir = dir;
	w.report = report;
	w.arg = arg;
	walk(&w, md, len);
	return w.nbroken;
}
