/*
 * Read-only queries: search and list. A list arrives in chunks and is
 * printed chunk by chunk, JSON included, so kbctl never holds the whole
 * registry however large the KB grows.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbctl.h"

int
cmd_search(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__SearchReq	 req = KBD__SEARCH_REQ__INIT;
	Kbd__SearchRep	*rep;
	Kbd__SearchHit	*h;
	struct msg	 m;
	struct jobj	 o;
	char		*query, *p;
	size_t		 len, i;
	unsigned long	 limit = 10;
	int		 ch, json = 0;

	while ((ch = cmd_getopt(argc, argv, ":hn:", lo)) != -1) {
		switch (ch) {
		case 'n':
			limit = parse_number("--limit", optarg, 1, 10000);
			break;
		case OPT_JSON:
			json = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die_usage("no query given");
	/* The words, joined by spaces, are one FTS5 query. */
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
	req.query = query;
	req.limit = (uint32_t)limit;

	kb_ask(MSG_SEARCH_REQ, &req.base, &m, MSG_SEARCH_REP);
	free(query);
	rep = (Kbd__SearchRep *)m.pb;
	if (json)
		putchar('[');
	for (i = 0; i < rep->n_hits; i++) {
		h = rep->hits[i];
		if (json) {
			if (i > 0)
				fputs(",\n", stdout);
			jobj_begin(&o, stdout);
			jobj_str(&o, "doc", h->doc);
			jobj_str(&o, "title", h->title);
			jobj_double(&o, "score", h->score);
			jobj_str(&o, "snippet", h->snippet);
			jobj_str(&o, "source", h->source);
			jobj_str(&o, "src_path", h->src_path);
			jobj_end(&o);
			continue;
		}
		text_put(stdout, h->doc, 0);
		fputs(" \xe2\x80\x94 ", stdout);	/* em dash */
		text_put(stdout, h->title, TEXT_LINE);
		fputs("\n    ", stdout);
		text_put(stdout, h->snippet, TEXT_LINE);
		putchar('\n');
	}
	if (json)
		fputs("]\n", stdout);
	msg_free(&m);
	return EXIT_OK;
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
