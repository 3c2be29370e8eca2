/*
 * Source code and configuration files, by extension, to Markdown: the
 * file as one fenced code block with its language, its leading comment
 * (or Python docstring) as a paragraph before it, which is the
 * description. The title is left empty, so kbd names the document by its
 * file name. The table of languages is in docs/converters.md.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert.h"
#include "converters.h"
#include "mdbuf.h"
#include "source.h"

#define CODE_DESC_MAX	1024	/* bytes of leading comment read */

/* How a language writes comments. */
enum {
	C_SLASH = 1,		/* // and / * * / */
	C_HASH = 2,		/* # */
	C_DASH = 4,		/* -- */
	C_SEMI = 8,		/* ; */
	C_DOC = 16		/* a Python docstring */
};

static const struct lang {
	const char	*ext, *tag;
	int		 comments;
} langs[] = {
	{ "c", "c", C_SLASH }, { "h", "c", C_SLASH },
	{ "cc", "cpp", C_SLASH }, { "cpp", "cpp", C_SLASH },
	{ "cxx", "cpp", C_SLASH }, { "hpp", "cpp", C_SLASH },
	{ "hh", "cpp", C_SLASH }, { "hxx", "cpp", C_SLASH },
	{ "py", "python", C_HASH | C_DOC }, { "sh", "sh", C_HASH },
	{ "bash", "bash", C_HASH }, { "zsh", "zsh", C_HASH },
	{ "go", "go", C_SLASH }, { "rs", "rust", C_SLASH },
	{ "js", "javascript", C_SLASH }, { "mjs", "javascript", C_SLASH },
	{ "cjs", "javascript", C_SLASH }, { "jsx", "jsx", C_SLASH },
	{ "ts", "typescript", C_SLASH }, { "tsx", "tsx", C_SLASH },
	{ "java", "java", C_SLASH }, { "kt", "kotlin", C_SLASH },
	{ "cs", "csharp", C_SLASH }, { "swift", "swift", C_SLASH },
	{ "scala", "scala", C_SLASH }, { "rb", "ruby", C_HASH },
	{ "pl", "perl", C_HASH }, { "pm", "perl", C_HASH },
	{ "lua", "lua", C_DASH }, { "sql", "sql", C_DASH },
	{ "php", "php", C_SLASH | C_HASH }, { "r", "r", C_HASH },
	{ "yaml", "yaml", C_HASH }, { "yml", "yaml", C_HASH },
	{ "toml", "toml", C_HASH }, { "json", "json", 0 },
	{ "ini", "ini", C_SEMI | C_HASH }, { "cmake", "cmake", C_HASH },
	{ "mk", "makefile", C_HASH }, { "css", "css", C_SLASH },
	{ "el", "elisp", C_SEMI }, { "hs", "haskell", C_DASH },
};

static const char *
code_lang(const char *ext)
{
	size_t	i;

	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (strcmp(langs[i].ext, ext) == 0)
			return langs[i].tag;
	return NULL;
}

static int
comments_of(const char *ext)
{
	size_t	i;

	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (strcmp(langs[i].ext, ext) == 0)
			return langs[i].comments;
	return 0;
}

/* Lines that say nothing about the file: licences' tags, editor modes. */
static int
noise(const char *s, size_t n)
{
	static const char *const pre[] = { "SPDX-", "Copyright", "(c)",
	    "(C)", "vim:", "vi:", "@file", "@license", "eslint",
	    "!/", "Licensed under", "All rights reserved" };
	size_t	i, l;

	/* An Emacs mode line, "-*- coding: utf-8 -*-", anywhere. */
	if (memmem(s, n, "-*-", 3) != NULL)
		return 1;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		l = strlen(pre[i]);
		if (n >= l && strncasecmp(s, pre[i], l) == 0)
			return 1;
	}
	return 0;
}

/* One comment line's text, after its marker, into d. */
static void
take(struct mdbuf *d, const char *s, size_t n, int *done)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '*' || *s == '!' ||
	    *s == '/' || *s == '#' || *s == ';' || *s == '-'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '*' || s[n - 1] == '/'))
		n--;
	if (n == 0) {
		/* A blank comment line ends the first paragraph. */
		*done = d->len > 0;
		return;
	}
	if (noise(s, n) || d->len >= CODE_DESC_MAX)
		return;
	if (d->len > 0)
		mdbuf_addc(d, ' ');
	mdbuf_add(d, s, n);
}

/*
 * The first paragraph of the comments (or docstring) that open the
 * file, before any code: a shebang and blank lines are skipped.
 */
static void
leading_comment(const char *s, size_t n, int c, struct mdbuf *d)
{
	const char	*p = s, *e = s + n, *nl, *q, *end;
	size_t		 l;
	int		 done = 0, block = 0;
	char		 quote[4];

	for (; p < e && !done; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		for (q = p; q < nl && (*q == ' ' || *q == '\t'); q++)
			;
		l = (size_t)(nl - q);
		if (block) {
			end = memmem(q, l, block == 1 ? "*/" : quote,
			    block == 1 ? 2 : 3);
			take(d, q, end != NULL ? (size_t)(end - q) : l, &done);
			if (end != NULL)
				block = 0;
			continue;
		}
		if (l == 0) {
			done = d->len > 0;
			continue;
		}
		if (p == s && l >= 2 && q[0] == '#' && q[1] == '!')
			continue;
		if ((c & C_SLASH) && l >= 2 && q[0] == '/' && q[1] == '*') {
			end = memmem(q + 2, l - 2, "*/", 2);
			take(d, q + 2, end != NULL ? (size_t)(end - q - 2) :
			    l - 2, &done);
			block = end == NULL ? 1 : 0;
		} else if ((c & C_DOC) && l >= 3 && (memcmp(q, "\"\"\"", 3) == 0 ||
		    memcmp(q, "'''", 3) == 0)) {
			memcpy(quote, q, 3);
			quote[3] = '\0';
			end = memmem(q + 3, l - 3, quote, 3);
			take(d, q + 3, end != NULL ? (size_t)(end - q - 3) :
			    l - 3, &done);
			block = end == NULL ? 2 : 0;
		} else if (((c & C_SLASH) && l >= 2 && q[0] == '/' &&
		    q[1] == '/') || ((c & C_HASH) && q[0] == '#') ||
		    ((c & C_DASH) && l >= 2 && q[0] == '-' && q[1] == '-') ||
		    ((c & C_SEMI) && q[0] == ';'))
			take(d, q, l, &done);
		else
			break;		/* code: the leading comment is over */
	}
}

int
code_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct mdbuf	 d;
	char		*src, fence[64];
	size_t		 n, i, run = 0, max = 2;
	int		 err;

	if ((err = text_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	mdbuf_init(&d, CODE_DESC_MAX * 2);
	leading_comment(src, n, comments_of(ext), &d);
	if (d.len > 0) {
		mdbuf_text(out, d.p, d.len);
		mdbuf_adds(out, "\n\n");
	}
	mdbuf_free(&d);
	/* A fence longer than any run of backticks in the file. */
	for (i = 0; i < n; i++) {
		run = src[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	if (max + 1 >= sizeof(fence)) {
		free(src);
		(void)snprintf(r->reason, sizeof(r->reason),
		    "a run of %zu backticks (no code fence can hold it)", max);
		return CONVERT_ELIMIT;
	}
	memset(fence, '`', max + 1);
	fence[max + 1] = '\0';
	mdbuf_adds(out, fence);
	mdbuf_adds(out, code_lang(ext) != NULL ? code_lang(ext) : "");
	mdbuf_addc(out, '\n');
	mdbuf_add(out, src, n);
	if (n > 0 && src[n - 1] != '\n')
		mdbuf_addc(out, '\n');
	mdbuf_adds(out, fence);
	mdbuf_addc(out, '\n');
	free(src);
	/* The file's name is its title (kbd uses it when this is empty). */
	if ((r->title = strdup("")) == NULL)
		return CONVERT_ENOMEM;
	return CONVERT_OK;
}
