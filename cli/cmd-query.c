/*
 * Read-only queries: search and list. A search's snippet comes as plain
 * text with the byte offsets of its matches, shown in colour at a
 * terminal (never as brackets, which Markdown has too). A list arrives in chunks and is
 * printed chunk by chunk, JSON included, so kbctl never holds the whole
 * registry however large the KB grows.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbctl.h"
#include "progress.h"

/* grep's colours: a match in bold red. */
#define MATCH_ON	"\033[01;31m"
#define MATCH_OFF	"\033[0m"

/*
 * The matches kbd sent, as pairs into the snippet: only pairs in order and
 * inside it are used, so a bad peer cannot send kbctl off the string.
 */
static size_t
match_pairs(const Kbd__SearchHit *h)
{
	size_t	len = strlen(h->snippet), i, at = 0;

	for (i = 0; i + 1 < h->n_matches; i += 2) {
		if (h->matches[i] < at || h->matches[i] > len ||
		    h->matches[i + 1] > len - h->matches[i])
			break;
		at = h->matches[i] + h->matches[i + 1];
	}
	return i / 2;
}

static void
hit_json(const Kbd__SearchHit *h, int incomplete)
{
	struct jobj	o;
	size_t		i, n = match_pairs(h);

	jobj_begin(&o, stdout);
	jobj_str(&o, "doc", h->doc);
	jobj_str(&o, "title", h->title);
	jobj_double(&o, "score", h->score);
	jobj_str(&o, "snippet", h->snippet);
	jobj_key(&o, "matches");
	putchar('[');
	for (i = 0; i < n; i++)
		printf("%s[%u,%u]", i ? "," : "", h->matches[2 * i],
		    h->matches[2 * i + 1]);
	putchar(']');
	jobj_str(&o, "source", h->source);
	jobj_str(&o, "wiki", h->wiki);
	jobj_str(&o, "src_path", h->src_path);
	jobj_str(&o, "language", h->language);
	/* Only during a full-text rebuild: other hits may be missing. */
	if (incomplete)
		jobj_bool(&o, "index_incomplete", 1);
	jobj_end(&o);
}

/* The snippet on one line, its matches in colour (or plain). */
static void
hit_snippet(const Kbd__SearchHit *h, int color)
{
	size_t	i, n = match_pairs(h), at = 0;

	for (i = 0; i < n; i++) {
		text_putn(stdout, h->snippet + at, h->matches[2 * i] - at,
		    TEXT_LINE);
		if (color)
			fputs(MATCH_ON, stdout);
		text_putn(stdout, h->snippet + h->matches[2 * i],
		    h->matches[2 * i + 1], TEXT_LINE);
		if (color)
			fputs(MATCH_OFF, stdout);
		at = h->matches[2 * i] + h->matches[2 * i + 1];
	}
	text_put(stdout, h->snippet + at, TEXT_LINE);
}

/*
 * Is a - argument one of search's short options? Only -l, -h and -n
 * (with its number) are: anything else with one dash, like -night or
 * -9, is a word the query excludes.
 */
static int
short_option(const char *a)
{
	a++;
	while (*a == 'l' || *a == 'h')
		a++;
	if (*a == 'n')
		for (a++; *a >= '0' && *a <= '9'; a++)
			;
	return *a == '\0';
}

/*
 * Split argv into the options (to *ov, after argv[0]) and the query's
 * words (to *wv), in order: "kbctl search owl -night --json" has one
 * option and two words. After --, everything is a word.
 */
static void
split_args(int argc, char **argv, int *oc, char ***ov, int *wc, char ***wv)
{
	int	i, words = 0;

	*ov = ecalloc((size_t)argc + 1, sizeof(**ov));
	*wv = ecalloc((size_t)argc + 1, sizeof(**wv));
	(*ov)[0] = argv[0];
	*oc = 1;
	*wc = 0;
	for (i = 1; i < argc; i++) {
		if (words || argv[i][0] != '-' || argv[i][1] == '\0') {
			(*wv)[(*wc)++] = argv[i];
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			words = 1;
			continue;
		}
		if (argv[i][1] != '-' && !short_option(argv[i])) {
			(*wv)[(*wc)++] = argv[i];
			continue;
		}
		(*ov)[(*oc)++] = argv[i];
		/* Its value, when given apart. */
		if (i + 1 < argc && (strcmp(argv[i], "--limit") == 0 ||
		    strcmp(argv[i], "--offset") == 0 ||
		    strcmp(argv[i], "--color") == 0 || (argv[i][1] != '-' &&
		    argv[i][strlen(argv[i]) - 1] == 'n')))
			(*ov)[(*oc)++] = argv[++i];
	}
}

/*
 * Exit statuses as grep's: 0 hits, 1 none (and "no matches" at a
 * terminal), 2 a malformed query (kbd says where).
 */
int
cmd_search(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'o' },
		{ "files", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__SearchReq	 req = KBD__SEARCH_REQ__INIT;
	Kbd__SearchRep	*rep;
	Kbd__SearchHit	*h;
	struct msg	 m;
	char		*query, *p, **ov, **wv;
	size_t		 len, i;
	unsigned long	 limit = 10, offset = 0;
	int		 ch, json = 0, files = 0, when = COLOR_AUTO, color, rc;
	int		 oc;

	split_args(argc, argv, &oc, &ov, &argc, &wv);
	while ((ch = cmd_getopt(oc, ov, ":hln:", lo)) != -1) {
		switch (ch) {
		case 'n':
			limit = parse_number("--limit", optarg, 1, 10000);
			break;
		case 'o':
			offset = parse_number("--offset", optarg, 0,
			    1000000000);
			break;
		case 'l':
			files = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_COLOR:
			if ((when = color_parse(optarg)) == -1)
				die_usage("--color: expected auto, always or "
				    "never, not %s", optarg);
			break;
		}
	}
	argv = wv;
	if (argc == 0)
		die_usage("no query given");
	if (json && files)
		die_usage("--json and --files exclude each other");
	/* The words, joined by spaces, are one query. */
	for (len = 0, i = 0; i < (size_t)argc; i++)
		len += strlen(argv[i]) + 1;
	p = query = emalloc(len);
	for (i = 0; i < (size_t)argc; i++) {
		if (i > 0)
			*p++ = ' ';
		memcpy(p, argv[i], strlen(argv[i]));
		p += strlen(argv[i]);
	}
	*p = '\0';
	free(ov);
	free(wv);
	req.query = query;
	req.limit = (uint32_t)limit;
	req.offset = (uint32_t)offset;
	color = !json && !files && color_for(STDOUT_FILENO, when);

	kb_ask(MSG_SEARCH_REQ, &req.base, &m, MSG_SEARCH_REP);
	free(query);
	rep = (Kbd__SearchRep *)m.pb;
	if (rep->error != NULL && rep->error[0] != '\0') {
		(void)fflush(stdout);
		fputs("kbctl: search: ", stderr);
		text_put(stderr, rep->error, TEXT_LINE);
		fputc('\n', stderr);
		exit(EXIT_USAGE);
	}
	if (json)
		putchar('[');
	for (i = 0; i < rep->n_hits; i++) {
		h = rep->hits[i];
		if (json) {
			if (i > 0)
				fputs(",\n", stdout);
			hit_json(h, rep->incomplete);
			continue;
		}
		text_put(stdout, h->doc, 0);
		if (files) {
			putchar('\n');
			continue;
		}
		fputs(" \xe2\x80\x94 ", stdout);	/* em dash */
		text_put(stdout, h->title, TEXT_LINE);
		fputs("\n    ", stdout);
		hit_snippet(h, color);
		putchar('\n');
	}
	if (json)
		fputs("]\n", stdout);
	rc = rep->n_hits > 0 ? EXIT_OK : EXIT_FAIL;
	if (rep->incomplete && (!json || isatty(STDERR_FILENO))) {
		(void)fflush(stdout);
		fputs("kbctl: search: the full-text index is being rebuilt; "
		    "these results are incomplete (kbctl status)\n", stderr);
	}
	if (rc == EXIT_FAIL && !json && isatty(STDERR_FILENO)) {
		(void)fflush(stdout);
		fputs(offset > 0 ? "no more matches\n" : "no matches\n",
		    stderr);
	}
	msg_free(&m);
	return rc;
}

int
cmd_list(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__ListReq	 req = KBD__LIST_REQ__INIT;
	Kbd__ListChunk	*chunk;
	Kbd__DocInfo	*d;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	size_t		 i, n = 0;
	int		 ch, json = 0, last;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
	if (optind != argc)
		die_usage("unexpected argument: %s", argv[optind]);

	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_LIST_REQ, &req.base);
	if (json)
		putchar('[');
	do {
		conn_expect(&c, &m, MSG_LIST_CHUNK);
		chunk = (Kbd__ListChunk *)m.pb;
		for (i = 0; i < chunk->n_docs; i++, n++) {
			d = chunk->docs[i];
			if (json) {
				if (n > 0)
					fputs(",\n", stdout);
				jobj_begin(&o, stdout);
				jobj_str(&o, "doc", d->doc);
				jobj_str(&o, "title", d->title);
				jobj_str(&o, "hash", d->hash);
				jobj_str(&o, "raw", d->raw);
				jobj_str(&o, "source", d->source);
				jobj_u64(&o, "size", d->size);
				jobj_str(&o, "src_path", d->src_path);
				jobj_str(&o, "language", d->language);
				jobj_end(&o);
				continue;
			}
			text_put(stdout, d->doc, 0);
			putchar('\t');
			text_put(stdout, d->title, TEXT_LINE);
			putchar('\n');
		}
		last = chunk->last;
		msg_free(&m);
	} while (!last);
	if (json)
		fputs("]\n", stdout);
	conn_close(&c);
	return EXIT_OK;
}
