/*
 * Rendering of the compiled wiki (see wiki.h). Pages are plain Markdown
 * that people and LLM agents read as is: no front matter, link targets
 * relative to the page, wrapped in <...> when a name holds characters a
 * bare Markdown link target cannot. index.md lines are written so that
 * wiki_index_line_doc() can tell exactly which document a line is for, by
 * parsing the link rather than searching the line for a name.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "utf8.h"
#include "wiki.h"
#include "util.h"
#include "xmalloc.h"


static FILE *
mopen(char **buf, size_t *len)
{
	FILE	*f;

	*buf = NULL;
	if ((f = open_memstream(buf, len)) == NULL)
		fatal("open_memstream");
	return f;
}

static void
mclose(FILE *f)
{
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory rendering a wiki page");
}

/* s with every run of white space made one space, trimmed, xmalloc'ed. */
static char *
fold(const char *s)
{
	char	*out, *p;
	int	 space = 0;

	p = out = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\f' || *s == '\v') {
			space = p != out;
			continue;
		}
		if (space)
			*p++ = ' ';
		space = 0;
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

/* Cut s to at most max bytes, not inside a character nor before a blank. */
static void
cut_text(char *s, size_t max)
{
	size_t	len = strlen(s);

	if (len <= max)
		return;
	len = utf8_cut(s, max);
	while (len > 0 && s[len - 1] == ' ')
		len--;
	s[len] = '\0';
}

/*
 * s with a backslash before each byte of esc: the runs between them in
 * one fwrite each (a page's frontmatter and links were an fputc a byte,
 * a few percent of the committer's CPU in a large add).
 */
static void
put_escaped(FILE *f, const char *s, const char *esc)
{
	size_t	n;

	for (;;) {
		n = strcspn(s, esc);
		fwrite(s, 1, n, f);
		if (s[n] == '\0')
			return;
		fputc('\\', f);
		fputc(s[n], f);
		s += n + 1;
	}
}

/* Link text: brackets and backslashes escaped, white space folded. */
static void
put_text(FILE *f, const char *s)
{
	char	*t;

	t = fold(s);
	put_escaped(f, t, "\\[]");
	free(t);
}

/*
 * A link target made of prefix, name and suffix. Names never hold control
 * characters (naming.c); any space, parenthesis or angle bracket makes it
 * a <...> target, inside which <, > and \ are escaped.
 */
static void
put_target(FILE *f, const char *prefix, const char *name, const char *suffix)
{
	if (strpbrk(name, " ()<>\\") == NULL) {
		fprintf(f, "%s%s%s", prefix, name, suffix);
		return;
	}
	fprintf(f, "<%s", prefix);
	put_escaped(f, name, "<>\\");
	fprintf(f, "%s>", suffix);
}

void
wiki_put_doc_link(FILE *f, const char *title, const char *name,
    const char *prefix)
{
	fputc('[', f);
	put_text(f, *title != '\0' ? title : name);
	fputs("](", f);
	put_target(f, prefix, name, ".md");
	fputc(')', f);
}

/* Frontmatter. */

void
wiki_yaml_str(FILE *f, const char *s)
{
	/* What is written as is comes in runs: one fwrite each. */
	static const char	 special[] = "\"\\\x7f"
	    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
	    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f";
	unsigned char		 c;
	size_t			 n;

	fputc('"', f);
	for (;; s++) {
		n = strcspn(s, special);
		fwrite(s, 1, n, f);
		s += n;
		if ((c = (unsigned char)*s) == '\0')
			break;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else		/* the other control characters */
			fprintf(f, "\\x%02x", c);
	}
	fputc('"', f);
}

static void
fm_field(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s: ", key);
	wiki_yaml_str(f, value);
	fputc('\n', f);
}

/*
 * One quoted scalar at *p (up to end of line): decoded into out (as long
 * as the input at least), *p past the closing quote. -1 if not one.
 */
static int
fm_scalar(const char **p, const char *end, char *out)
{
	const char	*s = *p;
	size_t		 n = 0;
	int		 hi, lo;

	if (s >= end || *s++ != '"')
		return -1;
	while (s < end && *s != '"' && *s != '\n') {
		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		if (++s >= end)
			return -1;
		switch (*s) {
		case '"':
		case '\\':
			out[n++] = *s++;
			break;
		case 'n':
			out[n++] = '\n', s++;
			break;
		case 't':
			out[n++] = '\t', s++;
			break;
		case 'x':
			if (end - s < 3 || (hi = hex_digit(s[1])) < 0 ||
			    (lo = hex_digit(s[2])) < 0)
				return -1;
			out[n++] = (char)(hi << 4 | lo);
			s += 3;
			break;
		default:
			return -1;
		}
	}
	if (s >= end || *s != '"')
		return -1;
	out[n] = '\0';
	*p = s + 1;
	return 0;
}

int
wiki_frontmatter(const char *text, size_t len, char **doc, char **hash)
{
	const char	*p = text, *end = text + len, *eol, *colon, *key;
	char		*val;
	int		 list = 0, r = WIKI_FM_INVALID;

	*doc = *hash = NULL;
	if (len < 4 || memcmp(text, "---\n", 4) != 0)
		return WIKI_FM_MISSING;
	val = xmalloc(len + 1);
	for (p += 4; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		if (eol - p == 3 && memcmp(p, "---", 3) == 0) {
			r = 0;
			break;
		}
		if (list && eol - p > 4 && memcmp(p, "  - ", 4) == 0) {
			p += 4;
			if (fm_scalar(&p, eol, val) == -1 || p != eol)
				break;
			continue;
		}
		/* key: "value" or key: then list items. */
		key = colon = p;
		while (colon < eol && ((*colon >= 'a' && *colon <= 'z') ||
		    *colon == '_'))
			colon++;
		if (colon == p || colon >= eol || *colon != ':')
			break;
		if (colon + 1 == eol) {
			list = 1;
			continue;
		}
		list = 0;
		if (colon[1] != ' ')
			break;
		p = colon + 2;
		if (fm_scalar(&p, eol, val) == -1 || p != eol)
			break;
		if (colon - key == 3 && memcmp(key, "doc", 3) == 0) {
			free(*doc);
			*doc = xstrdup(val);
		} else if (colon - key == 4 && memcmp(key, "hash", 4) == 0) {
			free(*hash);
			*hash = xstrdup(val);
		}
	}
	free(val);
	if (r != 0) {
		free(*doc);
		free(*hash);
		*doc = *hash = NULL;
	}
	return r;
}

int
wiki_fm_has(const char *text, size_t len, const char *key)
{
	const char	*p, *end = text + len, *eol;
	size_t		 klen = strlen(key);

	if (len < 4 || memcmp(text, "---\n", 4) != 0)
		return WIKI_FM_MISSING;
	for (p = text + 4; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (eol - p == 3 && memcmp(p, "---", 3) == 0)
			break;
		if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 &&
		    p[klen] == ':')
			return 1;
	}
	return 0;
}

char *
wiki_summary(const struct wiki_doc *d, char *const *kw, size_t nkw,
    size_t *len)
{
	FILE		*f;
	char		*buf, *t, *ds, rawsuffix[256];
	size_t		 i;
	unsigned	 level, minlevel = UINT32_MAX;
	int		 depth, prev = -1;

	f = mopen(&buf, len);
	t = fold(d->title);
	fputs("---\n", f);
	fm_field(f, "type", "summary");
	ds = fold(d->description);
	fm_field(f, "description", ds);
	free(ds);
	fm_field(f, "description_by", d->description_by != NULL ?
	    d->description_by : "local");
	fm_field(f, "doc", d->name);
	fm_field(f, "title", *t != '\0' ? t : d->name);
	fm_field(f, "hash", d->hash != NULL ? d->hash : "");
	if (d->lang != NULL && *d->lang != '\0')
		fm_field(f, "language", d->lang);
	fputs("keywords:\n", f);
	for (i = 0; i < nkw; i++) {
		fputs("  - ", f);
		wiki_yaml_str(f, kw[i]);
		fputc('\n', f);
	}
	fputs("---\n\n", f);
	fprintf(f, "# %s\n\n", *t != '\0' ? t : d->name);
	free(t);

	(void)snprintf(rawsuffix, sizeof(rawsuffix), "%s%s",
	    *d->ext != '\0' ? "." : "", d->ext);
	fputs("Source: [", f);
	fputs(KB_RAW "/", f);
	put_text(f, d->name);
	put_text(f, rawsuffix);
	fputs("](", f);
	put_target(f, KB_LINK_SUMMARY_RAW, d->name, rawsuffix);
	fputs(") · [Markdown](", f);
	put_target(f, KB_LINK_SUMMARY_SOURCE, d->name, ".md");
	fputs(")\n\n", f);

	fputs("## Description\n\n", f);
	if (*d->description != '\0')
		fprintf(f, "%s\n\n", d->description);
	else
		fputs("_No description._\n\n", f);

	fputs("## Outline\n\n", f);
	for (i = 0; i < d->noutline; i++) {
		level = d->outline[i].level ? d->outline[i].level : 1;
		if (level < minlevel)
			minlevel = level;
	}
	for (i = 0; i < d->noutline; i++) {
		t = fold(d->outline[i].text);
		if (*t == '\0') {
			free(t);
			continue;
		}
		level = d->outline[i].level ? d->outline[i].level : 1;
		/* A list nests one level at a time: h1 then h3 is one step. */
		depth = (int)(level - minlevel);
		if (depth > prev + 1)
			depth = prev + 1;
		prev = depth;
		fprintf(f, "%*s- %s\n", 2 * depth, "", t);
		free(t);
	}
	fputs(prev == -1 ? "_No headings._\n\n" : "\n", f);

	fputs("## Keywords\n\n", f);
	for (i = 0; i < nkw; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "", kw[i]);
	fputs(nkw > 0 ? "\n" : "_None._\n", f);
	wiki_summary_links(f, d);
	mclose(f);
	return buf;
}

/* One bounded list of linked documents: the shown ones, then a count. */
static void
links_list(FILE *f, const char *header, const struct wiki_link *v, size_t n,
    uint64_t total)
{
	size_t	i;

	if (total == 0)
		return;
	fputs(header, f);
	for (i = 0; i < n; i++) {
		fputs("- [", f);
		put_text(f, *v[i].title != '\0' ? v[i].title : v[i].name);
		fputs("](", f);
		put_target(f, "", v[i].name, ".md");
		fputs(")\n", f);
	}
	if (total > n)
		fprintf(f, "- and %" PRIu64 " more\n", total - n);
}

void
wiki_summary_links(FILE *f, const struct wiki_doc *d)
{
	links_list(f, WIKI_SUM_LINKS_TO, d->links_to, d->nlinks_to,
	    d->links_to_total);
	links_list(f, WIKI_SUM_LINKED_FROM, d->linked_from, d->nlinked_from,
	    d->linked_from_total);
}

char *
wiki_index_line(const struct wiki_doc *d)
{
	FILE	*f;
	char	*buf, *t;
	size_t	 len;

	f = mopen(&buf, &len);
	fputs("- [", f);
	t = fold(d->title);
	put_text(f, *t != '\0' ? t : d->name);
	free(t);
	fputs("](", f);
	put_target(f, KB_LINK_INDEX_SUMMARY, d->name, ".md");
	fputs(")", f);
	t = fold(d->description);
	cut_text(t, WIKI_INDEX_DESC_MAX);
	if (*t != '\0')
		fprintf(f, " — %s", t);
	free(t);
	fputs("\n", f);
	mclose(f);
	return buf;
}

void
wiki_put_text(FILE *f, const char *s)
{
	put_text(f, s);
}

void
wiki_put_target(FILE *f, const char *prefix, const char *name,
    const char *suffix)
{
	put_target(f, prefix, name, suffix);
}

/*
 * Cut s (folded: single spaces) to at most max bytes, ending at a word
 * with an ellipsis: back to the last space within the cut (a single word
 * longer than half of max is cut inside, between characters), trailing
 * punctuation that would sit oddly before the ellipsis dropped.
 */
void
wiki_cut_words(char *s, size_t max)
{
	static const char	ell[] = "\xe2\x80\xa6";	/* U+2026 */
	size_t			len = strlen(s), cut, sp;
	char			next;

	if (len <= max)
		return;
	if (max < sizeof(ell)) {
		s[0] = '\0';
		return;
	}
	/*
	 * The cut lands between words when the byte after it was a space
	 * (utf8_cut ends the string there; a cut before max was inside a
	 * character, so not at a space).
	 */
	next = s[max - (sizeof(ell) - 1)];
	cut = utf8_cut(s, max - (sizeof(ell) - 1));
	if (cut != max - (sizeof(ell) - 1) || next != ' ') {
		for (sp = cut; sp > 0 && s[sp - 1] != ' '; sp--)
			;
		if (sp > cut / 2)
			cut = sp;
	}
	while (cut > 0 && strchr(" ,;:.-", s[cut - 1]) != NULL)
		cut--;
	memcpy(s + cut, ell, sizeof(ell));
}

char *
wiki_subindex_entry(const struct wiki_doc *d, const char *src_path)
{
	FILE		*f;
	char		*buf, *t;
	const char	*p, *from;
	size_t		 len;
	int		 slashes = 0;

	f = mopen(&buf, &len);
	fputs("- [", f);
	t = fold(d->title);
	put_text(f, *t != '\0' ? t : d->name);
	free(t);
	fputs("](", f);
	put_target(f, KB_LINK_SUBINDEX_SUMMARY, d->name, ".md");
	fputs(")", f);
	t = fold(d->description);
	wiki_cut_words(t, WIKI_SUBINDEX_DESC_MAX);
	if (*t != '\0')
		fprintf(f, " \xe2\x80\x94 %s", t);
	free(t);
	/* Its folder and file: tells apart documents of one title. */
	for (from = p = src_path + strlen(src_path); p > src_path; p--)
		if (p[-1] == '/' && ++slashes == 2)
			break;
	from = p;
	fputs(" (", f);
	put_text(f, from);
	fputs(")\n", f);
	mclose(f);
	return buf;
}

char *
wiki_index_line_doc(const char *line, size_t len)
{
	char	*t, *name = NULL;
	size_t	 i, k, n = 0;

	if (len < 3 || memcmp(line, "- [", 3) != 0)
		return NULL;
	for (i = 3; i < len && line[i] != ']'; i++) {
		if (line[i] == '\n')
			return NULL;
		if (line[i] == '\\')
			i++;
	}
	if (i + 2 >= len || line[i + 1] != '(')
		return NULL;
	i += 2;
	t = xmalloc(len + 1);
	if (line[i] == '<') {
		for (i++; i < len && line[i] != '>' && line[i] != '\n'; i++) {
			if (line[i] == '\\' && i + 1 < len)
				i++;
			t[n++] = line[i];
		}
		if (i >= len || line[i] != '>')
			goto out;
		i++;
	} else {
		for (; i < len && line[i] != ')' && line[i] != ' ' &&
		    line[i] != '\n'; i++)
			t[n++] = line[i];
	}
	if (i >= len || line[i] != ')')
		goto out;
	t[n] = '\0';
	k = strlen(KB_LINK_INDEX_SUMMARY);
	if (n > k + 3 && strncmp(t, KB_LINK_INDEX_SUMMARY, k) == 0 &&
	    strcmp(t + n - 3, ".md") == 0)
		name = xstrndup(t + k, n - k - 3);
out:
	free(t);
	return name;
}

const char *
wiki_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

char *
wiki_log_entry(const char *what, char *const *docs, size_t ndocs,
    uint64_t total, time_t when)
{
	FILE		*f;
	struct tm	 tm;
	char		*buf, stamp[32];
	size_t		 len, i, shown;

	gmtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	f = mopen(&buf, &len);
	fprintf(f, "## [%s] %s\n\n", stamp, what);
	shown = ndocs < WIKI_LOG_NAMES ? ndocs : WIKI_LOG_NAMES;
	for (i = 0; i < shown; i++)
		fprintf(f, "- %s\n", docs[i]);
	if (total > shown)
		fprintf(f, "- and %" PRIu64 " more\n", total - shown);
	fputs("\n", f);
	mclose(f);
	return buf;
}

/*
 * wiki/AGENTS.md: what an agent (or a person) dropped into this KB needs
 * to read it, and its size. Only the count changes; the committer
 * rewrites the page when it does.
 */
char *
wiki_agents(uint64_t ndocs, size_t *len)
{
	FILE	*f;
	char	*buf;

	f = mopen(&buf, len);
	fputs("---\n", f);
	fm_field(f, "type", "agents");
	fm_field(f, "description", WIKI_AGENTS_DESCRIPTION);
	fputs("---\n\n", f);
	fprintf(f, "# AGENTS.md\n\n"
	    "This directory is a kbd knowledge base: files added with "
	    "`kbctl add`, each kept\n"
	    "as its original bytes, a Markdown conversion and a summary page, "
	    "all indexed\n"
	    "for full-text search. It holds %" PRIu64 " document%s.\n\n",
	    ndocs, ndocs == 1 ? "" : "s");
	fputs("## Layout\n\n"
	    "Paths are relative to the knowledge base, the directory that "
	    "holds `" KB_WIKI "/`.\n"
	    "DOC is a document's name, as `kbctl list` prints it.\n\n"
	    "- `" KB_RAW "/DOC.EXT`: the original bytes\n"
	    "- `" KB_SOURCES "/DOC.md`: their Markdown conversion\n"
	    "- `" KB_SUMMARIES "/DOC.md`: a summary page (title, "
	    "description, outline, keywords,\n"
	    "  the documents it links to and is linked from, and its concepts)\n"
	    "- `" KB_INDEX "`: the way in: a line per type and per source "
	    "folder,\n"
	    "  linking its page in `" KB_INDEX_DIR "/`\n"
	    "- `" KB_INDEX_TYPES "/KEY.md`, `" KB_INDEX_FOLDERS "/KEY.md`: "
	    "the documents\n"
	    "  of one type (extension) or source folder, a line each (title, "
	    "description,\n"
	    "  folder/file, linking its summary); past 500 documents, a list "
	    "of its\n"
	    "  numbered pages `KEY-1.md`, `KEY-2.md`, ... of 500 each\n"
	    "- `" KB_LOG "`: what changed, and when: one entry per job, "
	    "remove and lint --fix\n"
	    "- `" KB_CONCEPTS "/NAME.md`: a concept, a term or phrase "
	    "several documents\n"
	    "  share (NAME: its words joined by `-`): a defining sentence "
	    "from the KB,\n"
	    "  the documents that use it most, related concepts\n"
	    "- `" KB_CONCEPTS_INDEX "`: the concepts, most documents "
	    "first\n"
	    "- `" KB_AGENTS "`: this page\n"
	    "- `" KB_STATE "/`: kbd's own state (registry, journals, socket)\n\n"
	    "Each page kbd writes in `" KB_WIKI "/` (not the Markdown in `"
	    KB_SOURCES "/`)\n"
	    "starts with YAML frontmatter between `---` lines: `type` and "
	    "`description`;\n"
	    "a summary page adds `description_by` (`local`, or `summarizer` "
	    "when the\n"
	    "description comes from the summarizer command of "
	    "`.kb/kbd.conf`), `doc`,\n"
	    "`title`, `hash` (SHA-256 of the original bytes) and "
	    "`keywords`.\n\n"
	    "A link in a document to another file of the knowledge base "
	    "points at that\n"
	    "document's page (`../sources/DOC.md`, the original URL as the "
	    "link's title);\n"
	    "a link to a file that is not in it is plain text with its "
	    "URL.\n\n"
	    "To browse: open `" KB_INDEX "`, follow the type or folder you "
	    "want, then a\n"
	    "numbered page if it lists pages, then a summary: every document "
	    "is within\n"
	    "three links of `" KB_INDEX "`, and no page lists more than 500 "
	    "entries.\n\n"
	    "kbd alone writes these files: change the knowledge base with "
	    "kbctl (`add`,\n"
	    "`remove`), never by editing them.\n\n", f);
	fputs("## Reading it\n\n"
	    "Run kbctl inside the knowledge base (or with `-C DIR`); it "
	    "starts kbd when\nneeded.\n\n"
	    "- `kbctl search WORDS`: full-text search, best hits first "
	    "(SQLite FTS5\n"
	    "  syntax: `\"a phrase\"`, `prefix*`, `a AND b`, `a OR b`, "
	    "`a NOT b`; `-n N` hits).\n"
	    "- `kbctl show DOC`: the document's Markdown; `--summary` its "
	    "summary page,\n"
	    "  `--raw` the original bytes (to a pipe or `-o FILE`), "
	    "`--meta` its record\n"
	    "  (title, description, paths, hash, size, format, when and by "
	    "which job it\n"
	    "  was added); `--lines A-B` or `--bytes A-B` for part of a long "
	    "document.\n"
	    "- `kbctl list`: every document, one per line.\n"
	    "- `--json` on each of them: search hits and list entries carry "
	    "`doc`,\n"
	    "  `title`, `source` (the Markdown's path) and `src_path` (the "
	    "file it was\n"
	    "  added from); `show --json` gives the text with the file's size "
	    "and lines.\n\n"
	    "A reading loop: `kbctl search --json QUERY`, then\n"
	    "`kbctl show --json --lines 1-200 DOC` for each hit worth "
	    "reading, and the\n"
	    "next lines while `lines` says there are more. `kbctl help` "
	    "lists every\ncommand.\n", f);
	mclose(f);
	return buf;
}
