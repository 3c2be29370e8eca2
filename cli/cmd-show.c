/*
 * show: one document. kbd answers with the document's registry row and
 * the paths of its files relative to the KB (no content travels over the
 * socket); kbctl reads the file itself from the KB it found, streaming it,
 * so a large raw file costs no more memory than a small one (except with
 * --json, which holds the selected text).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kbctl.h"
#include "utf8.h"
#include "util.h"

enum show_part {
	PART_SOURCE,
	PART_SUMMARY,
	PART_RAW,
	PART_META
};

static const char *const part_names[] = {
	"source", "summary", "raw", "meta"
};

#define SHOW_BUF	(64 * 1024)

/* "A-B", "A-" or "A": 1-based and inclusive. */
static void
parse_range(struct range *r, enum range_unit unit, const char *opt,
    const char *s)
{
	char	*end;

	if (r->unit != RANGE_NONE)
		die_usage("--lines and --bytes go one at a time");
	r->unit = unit;
	errno = 0;
	r->from = strtoull(s, &end, 10);
	if (end == s || *s == '-' || errno != 0 || r->from == 0)
		goto bad;
	if (*end == '\0') {
		r->to = r->from;
		return;
	}
	if (*end++ != '-')
		goto bad;
	if (*end == '\0') {
		r->to = UINT64_MAX;
		return;
	}
	s = end;
	r->to = strtoull(s, &end, 10);
	if (end == s || *s == '-' || *end != '\0' || errno != 0 ||
	    r->to < r->from)
		goto bad;
	return;
bad:
	die_usage("%s %s: expected a range A-B (1-based, A <= B), A- or A",
	    opt, s);
}

static void
put_time(FILE *f, int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;
	char		 buf[64];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		fprintf(f, "%" PRId64, t);
	else
		fputs(buf, f);
}

/*
 * The outline and keywords are not in the registry: the summary page
 * holds them (wiki_summary writes "## Outline" as a nested list and
 * "## Keywords" as one line). Read from there; a missing page gives none.
 */
struct page_info {
	char	*page;		/* the summary page, cut into lines */
	char	**outline;	/* its list items, with their indent */
	size_t	 noutline;
	char	*keywords;	/* "a, b, c" or NULL */
};

static void
page_info(const char *summary, struct page_info *pi)
{
	enum { NONE, OUTLINE, KEYWORDS } sec = NONE;
	char	*path, *line, *next;
	size_t	 len;

	memset(pi, 0, sizeof(*pi));
	if (asprintf(&path, "%s/%s", kb_root(), summary) == -1)
		die("out of memory");
	pi->page = read_file(path, &len);
	free(path);
	if (pi->page == NULL)
		return;
	for (line = pi->page; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "## ", 3) == 0) {
			sec = strcmp(line, "## Outline") == 0 ? OUTLINE :
			    strcmp(line, "## Keywords") == 0 ? KEYWORDS : NONE;
			continue;
		}
		if (sec == OUTLINE && line[strspn(line, " ")] == '-') {
			pi->outline = reallocarray(pi->outline,
			    pi->noutline + 1, sizeof(*pi->outline));
			if (pi->outline == NULL)
				die("out of memory");
			pi->outline[pi->noutline++] = line;
		} else if (sec == KEYWORDS && *line != '\0' &&
		    pi->keywords == NULL && strcmp(line, "_None._") != 0)
			pi->keywords = line;
	}
}

static void
show_meta_page(FILE *f, const struct page_info *pi, struct jobj *o)
{
	const char	*kw, *text;
	char		*word;
	size_t		 i, n, depth;

	if (o != NULL) {
		jobj_key(o, "keywords");
		fputc('[', f);
		for (kw = pi->keywords, n = 0; kw != NULL && *kw != '\0'; n++) {
			if (n > 0)
				fputc(',', f);
			i = strcspn(kw, ",");
			word = estrndup(kw, i);
			json_write_string(f, word);
			free(word);
			kw += i;
			kw += strspn(kw, ", ");
		}
		fputc(']', f);
		jobj_key(o, "outline");
		fputc('[', f);
		for (i = 0; i < pi->noutline; i++) {
			depth = strspn(pi->outline[i], " ");
			text = pi->outline[i] + depth + 1;
			text += strspn(text, " ");
			fprintf(f, "%s{\"depth\":%zu,\"text\":", i ? "," : "",
			    depth / 2);
			json_write_string(f, text);
			fputc('}', f);
		}
		fputc(']', f);
		return;
	}
	fputs("keywords:    ", f);
	text_put(f, pi->keywords != NULL ? pi->keywords : "", TEXT_LINE);
	fputs("\noutline:", f);
	for (i = 0; i < pi->noutline; i++) {
		fputs("\n  ", f);
		text_put(f, pi->outline[i], TEXT_LINE);
	}
	fputc('\n', f);
}

static void
show_meta(FILE *f, const Kbd__DocMeta *m, int json)
{
	struct page_info pi;
	struct jobj	 o;

	page_info(m->summary, &pi);

	if (json) {
		jobj_begin(&o, f);
		jobj_str(&o, "doc", m->doc);
		jobj_str(&o, "title", m->title);
		jobj_str(&o, "description", m->description);
		jobj_str(&o, "src_path", m->src_path);
		jobj_str(&o, "source", m->source);
		jobj_str(&o, "summary", m->summary);
		jobj_str(&o, "raw", m->raw);
		jobj_str(&o, "hash", m->hash);
		jobj_u64(&o, "size", m->size);
		jobj_str(&o, "format", m->format);
		jobj_str(&o, "language", m->language);
		jobj_i64(&o, "added", m->added);
		jobj_u64(&o, "job", m->job);
		show_meta_page(f, &pi, &o);
		jobj_end(&o);
		fputc('\n', f);
		goto out;
	}
	fputs("doc:         ", f);
	text_put(f, m->doc, 0);
	fputs("\ntitle:       ", f);
	text_put(f, m->title, TEXT_LINE);
	fputs("\ndescription: ", f);
	text_put(f, m->description, TEXT_LINE);
	fputs("\nsrc_path:    ", f);
	text_put(f, m->src_path, 0);
	fputs("\nsource:      ", f);
	text_put(f, m->source, 0);
	fputs("\nsummary:     ", f);
	text_put(f, m->summary, 0);
	fputs("\nraw:         ", f);
	text_put(f, m->raw, 0);
	fprintf(f, "\nhash:        %s\nsize:        %" PRIu64
	    "\nformat:      %s\nlanguage:    %s\nadded:       ", m->hash,
	    m->size, m->format[0] != '\0' ? m->format : "(none)",
	    m->language[0] != '\0' ? m->language : "(unknown)");
	put_time(f, m->added);
	fprintf(f, "\njob:         %" PRIu64 "\n", m->job);
	show_meta_page(f, &pi, NULL);
out:
	free(pi.outline);
	free(pi.page);
}

/* Whether the first bytes of a file say it is not text for a terminal. */
static int
looks_binary(const char *buf, size_t len, int full)
{
	size_t	off;
	int	r;

	if ((r = utf8_check(buf, len, &off)) == 0)
		return 0;
	/* A character cut by the end of a full buffer is not a fault. */
	return r == 1 || !full || off + 4 <= len;
}

/* How copy_selection failed. */
enum sel_error {
	SEL_OK,
	SEL_READ,		/* errno says why */
	SEL_BINARY,		/* the first bytes are not text */
	SEL_NUL			/* a NUL further on, with json */
};

static enum sel_error
sel_put(struct sel *s, FILE *f, const char *p, size_t n, int json)
{
	if (n == 0)
		return SEL_OK;
	if (!json) {
		if (fwrite(p, 1, n, f) != n)
			die_errno("write");
		return SEL_OK;
	}
	if (memchr(p, '\0', n) != NULL)
		return SEL_NUL;
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		if ((s->text = realloc(s->text, s->cap)) == NULL)
			die("out of memory");
	}
	memcpy(s->text + s->len, p, n);
	s->len += n;
	s->text[s->len] = '\0';
	return SEL_OK;
}

/*
 * Stream the selected bytes of fd to f, or with json collect them in s
 * and read on to the end, counting the file's lines. On an error s holds
 * what was collected so far (for the caller to free).
 */
static enum sel_error
copy_selection(int fd, FILE *f, const struct range *r, int json,
    int refuse_binary, struct sel *s)
{
	static char	 buf[SHOW_BUF];
	enum sel_error	 e;
	ssize_t		 n;
	size_t		 i, start;
	uint64_t	 pos = 0, line = 1;	/* of buf[0], 1-based */
	int		 first = 1, in, done = 0, lastnl = 1;

	memset(s, 0, sizeof(*s));
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			return SEL_READ;
		}
		if (n == 0)
			break;
		s->size += (uint64_t)n;
		if (first && refuse_binary && looks_binary(buf, (size_t)n,
		    (size_t)n == sizeof(buf)))
			return SEL_BINARY;
		first = 0;
		lastnl = buf[n - 1] == '\n';
		if (done) {
			/* Only counting the lines, for json. */
			for (i = 0; i < (size_t)n; i++)
				s->lines += buf[i] == '\n';
			continue;
		}
		start = 0;
		in = 0;
		for (i = 0; i < (size_t)n; i++) {
			int	sel;

			pos++;
			sel = r->unit == RANGE_NONE ||
			    (r->unit == RANGE_BYTES && pos >= r->from &&
			    pos <= r->to) ||
			    (r->unit == RANGE_LINES && line >= r->from &&
			    line <= r->to);
			if (sel && !in) {
				start = i;
				in = 1;
				if (s->first == 0)
					s->first = r->unit == RANGE_LINES ?
					    line : pos;
			} else if (!sel && in) {
				if ((e = sel_put(s, f, buf + start, i - start,
				    json)) != SEL_OK)
					return e;
				in = 0;
			}
			if (sel)
				s->last = r->unit == RANGE_LINES ? line : pos;
			if (buf[i] == '\n') {
				line++;
				s->lines++;
			}
			if ((r->unit == RANGE_BYTES && pos >= r->to) ||
			    (r->unit == RANGE_LINES && line > r->to)) {
				if (in && (e = sel_put(s, f, buf + start,
				    i + 1 - start, json)) != SEL_OK)
					return e;
				in = 0;
				done = 1;
				for (i++; i < (size_t)n; i++)
					s->lines += buf[i] == '\n';
				break;
			}
		}
		if (in && (e = sel_put(s, f, buf + start, (size_t)n - start,
		    json)) != SEL_OK)
			return e;
		if (done && !json)
			break;
	}
	/* A last line without its newline is a line all the same. */
	if (!lastnl)
		s->lines++;
	return SEL_OK;
}

/*
 * The selected text of a KB file (rel, relative to the KB) in s, its
 * lines counted: for other readers than show (kbctl mcp). -1 with a
 * one-line reason in err when it cannot be read or is not text.
 */
int
show_select(const char *rel, const struct range *r, struct sel *s,
    char *err, size_t errlen)
{
	enum sel_error	 e;
	char		*path;
	int		 fd, saved;

	memset(s, 0, sizeof(*s));
	if (asprintf(&path, "%s/%s", kb_root(), rel) == -1)
		die("out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	saved = errno;
	free(path);
	if (fd == -1) {
		(void)snprintf(err, errlen, "%s: %s (the registry lists it; "
		    "kbctl lint may tell more)", rel, strerror(saved));
		return -1;
	}
	e = copy_selection(fd, NULL, r, 1, 1, s);
	saved = errno;
	close(fd);
	if (e == SEL_OK)
		return 0;
	free(s->text);
	s->text = NULL;
	if (e == SEL_READ)
		(void)snprintf(err, errlen, "%s: %s", rel, strerror(saved));
	else
		(void)snprintf(err, errlen, "%s: binary content has no place "
		    "in JSON text", rel);
	return -1;
}

/* The record as show --meta --json prints it, malloc'd, no newline. */
char *
show_meta_json(const Kbd__DocMeta *m)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((f = open_memstream(&buf, &len)) == NULL)
		die_errno("open_memstream");
	show_meta(f, m, 1);
	if (fclose(f) == EOF)
		die_errno("open_memstream");
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

int
cmd_show(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "meta", no_argument, NULL, OPT_META },
		{ "lines", required_argument, NULL, OPT_LINES },
		{ "bytes", required_argument, NULL, OPT_BYTES },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__ShowReq	 req = KBD__SHOW_REQ__INIT;
	Kbd__ShowRep	*rep;
	Kbd__DocMeta	*m;
	struct range	 r = { RANGE_NONE, 1, UINT64_MAX };
	struct msg	 msg;
	struct stat	 sb;
	struct sel	 s;
	struct jobj	 o;
	enum show_part	 part = PART_SOURCE;
	const char	*output = NULL, *rel;
	char		*path;
	FILE		*f = stdout;
	size_t		 i;
	int		 ch, json = 0, parts = 0, fd, refuse;

	while ((ch = cmd_getopt(argc, argv, ":ho:", lo)) != -1) {
		switch (ch) {
		case OPT_SUMMARY:
			part = PART_SUMMARY;
			parts++;
			break;
		case OPT_RAW:
			part = PART_RAW;
			parts++;
			break;
		case OPT_META:
			part = PART_META;
			parts++;
			break;
		case OPT_LINES:
			parse_range(&r, RANGE_LINES, "--lines", optarg);
			break;
		case OPT_BYTES:
			parse_range(&r, RANGE_BYTES, "--bytes", optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die_usage("no document given");
	if (argc > 1)
		die_usage("one document at a time");
	if (parts > 1)
		die_usage("--summary, --raw and --meta go one at a time");
	if (part == PART_META && r.unit != RANGE_NONE)
		die_usage("--meta takes no range");

	req.doc = argv[0];
	kb_ask(MSG_SHOW_REQ, &req.base, &msg, MSG_SHOW_REP);
	rep = (Kbd__ShowRep *)msg.pb;
	if ((m = rep->meta) == NULL) {
		if (rep->n_similar == 0)
			die("no document named \"%s\"", argv[0]);
		(void)fflush(stdout);
		fprintf(stderr, "kbctl: no document named \"%s\"; did you "
		    "mean ", argv[0]);
		for (i = 0; i < rep->n_similar; i++)
			fprintf(stderr, "%s%s", i == 0 ? "" : i + 1 ==
			    rep->n_similar ? " or " : ", ", rep->similar[i]);
		fputs("?\n", stderr);
		exit(EXIT_FAIL);
	}

	if (output != NULL && (f = fopen(output, "w")) == NULL)
		die_errno("%s", output);
	if (part == PART_META) {
		show_meta(f, m, json);
		goto out;
	}
	rel = part == PART_SOURCE ? m->source : part == PART_SUMMARY ?
	    m->summary : m->raw;
	if (asprintf(&path, "%s/%s", kb_root(), rel) == -1)
		die("out of memory");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		die_errno("%s (the registry lists it; kbctl lint may tell "
		    "more)", rel);
	if (fstat(fd, &sb) == -1)
		die_errno("%s", rel);
	/*
	 * Binary bytes would garble a terminal (and JSON has no place for a
	 * NUL): refuse them there, not in a pipe or a file.
	 */
	refuse = json || (part == PART_RAW && output == NULL &&
	    isatty(STDOUT_FILENO));
	switch (copy_selection(fd, f, &r, json, refuse, &s)) {
	case SEL_OK:
		break;
	case SEL_READ:
		die_errno("%s", rel);
	case SEL_BINARY:
		if (json)
			die("%s: binary content has no place in JSON "
			    "text (use --raw -o FILE)", rel);
		die("%s: binary content; not printed to a terminal "
		    "(use -o FILE, or a pipe: kbctl show --raw DOC | ...)",
		    rel);
	case SEL_NUL:
		die("binary content has no place in JSON text "
		    "(use --raw -o FILE)");
	}
	close(fd);
	free(path);
	if (json) {
		jobj_begin(&o, f);
		jobj_str(&o, "doc", m->doc);
		jobj_str(&o, "part", part_names[part]);
		jobj_str(&o, "path", rel);
		jobj_u64(&o, "size", (uint64_t)sb.st_size);
		jobj_u64(&o, "lines", s.lines);
		if (r.unit != RANGE_NONE) {
			jobj_key(&o, r.unit == RANGE_LINES ? "range_lines" :
			    "range_bytes");
			if (s.first == 0)
				fputs("null", f);
			else
				fprintf(f, "[%" PRIu64 ",%" PRIu64 "]",
				    s.first, s.last);
		}
		jobj_str(&o, "text", s.text != NULL ? s.text : "");
		jobj_end(&o);
		fputc('\n', f);
		free(s.text);
	}
out:
	if (f != stdout && fclose(f) == EOF)
		die_errno("%s", output);
	msg_free(&msg);
	return EXIT_OK;
}
