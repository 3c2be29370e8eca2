/*
 * The text of the compiled wiki (OpenKB's layout): a document's summary
 * page, its line in wiki/index.md, wiki/log.md entries and
 * wiki/AGENTS.md. Only rendering and parsing here; the committer writes
 * the files (through its journal, but AGENTS.md, which it derives from
 * the registry again at start-up).
 */
#ifndef KBD_WIKI_H
#define KBD_WIKI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "kbpath.h"
#include "keywords.h"

#define WIKI_INDEX		KB_INDEX
#define WIKI_LOG		KB_LOG
#define WIKI_AGENTS		KB_AGENTS
/*
 * The fixed pages' frontmatter and headers. Their strings hold nothing
 * YAML needs escaped, so they are written quoted as wiki_yaml_str would.
 */
#define WIKI_INDEX_DESCRIPTION	"The way in: pages of the documents by " \
	"type and by source folder, each within three links."
#define WIKI_LOG_DESCRIPTION	"What changed in this knowledge base and " \
	"when: one entry per job, remove and lint --fix."
#define WIKI_AGENTS_DESCRIPTION	"How to read this knowledge base: its " \
	"layout and the kbctl commands."
#define WIKI_INDEX_HEADER	"---\ntype: \"index\"\n" \
	"description: \"" WIKI_INDEX_DESCRIPTION "\"\n---\n\n" \
	"# Index\n\n" WIKI_INDEX_DESCRIPTION "\n\n"
#define WIKI_LOG_HEADER		"---\ntype: \"log\"\n" \
	"description: \"" WIKI_LOG_DESCRIPTION "\"\n---\n\n# Log\n\n"
#define WIKI_LOG_HEADER_OLD	"# Log\n\n"	/* before frontmatter */

#define WIKI_LOG_NAMES		20	/* names per log.md entry, then a count */
#define WIKI_INDEX_DESC_MAX	160	/* bytes of description in index.md */
#define WIKI_SUBINDEX_DESC_MAX	120	/* bytes of description, sub-index */

struct wiki_heading {
	unsigned	 level;
	const char	*text;
};

/* A document a summary links to or is linked from. */
struct wiki_link {
	const char	*name;
	const char	*title;
};

struct wiki_doc {
	const char			*name;
	const char			*ext;		/* "" when none */
	const char			*title;
	const char			*description;
	/* Who wrote the description: "summarizer", or NULL for "local". */
	const char			*description_by;
	const char			*hash;		/* the raw bytes' SHA-256 */
	/*
	 * The language its Markdown is indexed in (ISO 639-1, as
	 * documents.lang): the frontmatter's language. NULL: no such line.
	 */
	const char			*lang;
	const struct wiki_heading	*outline;
	size_t				 noutline;
	/* The registry's links (links.h): the first few, and how many. */
	const struct wiki_link		*links_to, *linked_from;
	size_t				 nlinks_to, nlinked_from;
	uint64_t			 links_to_total, linked_from_total;
};

/* A summary's link sections start with one of these, after Keywords. */
#define WIKI_SUM_LINKS_TO	"\n## Links to\n\n"
#define WIKI_SUM_LINKED_FROM	"\n## Linked from\n\n"


/*
 * "[title](<prefix><name>.md)": a link to a document's page, as the index
 * writes it (the name when the title is empty).
 */
void	 wiki_put_doc_link(FILE *f, const char *title, const char *name,
	    const char *prefix);

/* wiki/summaries/<doc>.md; *len gets its length. */
char	*wiki_summary(const struct wiki_doc *, char *const *kw, size_t nkw,
	    size_t *len);
/*
 * A summary's "Links to" and "Linked from" sections (none when it has no
 * links), as wiki_summary ends the page with them.
 */
void	 wiki_summary_links(FILE *, const struct wiki_doc *);
/* "- [title](summaries/<doc>.md) — description\n" */
char	*wiki_index_line(const struct wiki_doc *);
/* Link text (brackets, backslashes escaped) and a link target. */
void	 wiki_put_text(FILE *, const char *);
void	 wiki_put_target(FILE *, const char *prefix, const char *name,
	    const char *suffix);
/* Cut a folded text to at most max bytes at a word, with an ellipsis. */
void	 wiki_cut_words(char *s, size_t max);
/*
 * A sub-index page's line (wiki/index/...):
 * "- [title](../../summaries/<doc>.md) — description… (folder/file)\n"
 */
char	*wiki_subindex_entry(const struct wiki_doc *, const char *src_path);
/*
 * The document an index.md line links to, xstrdup'ed, or NULL when the
 * line is not a document line written by wiki_index_line.
 */
char	*wiki_index_line_doc(const char *line, size_t len);
/*
 * "## [time] <what>\n\n- doc\n...\n": the first WIKI_LOG_NAMES of docs,
 * then "- and N more" for the rest of total (the number of documents the
 * entry is about, ndocs or more).
 */
char	*wiki_log_entry(const char *what, char *const *docs, size_t ndocs,
	    uint64_t total, time_t when);
/* "" for 1, else "s": "1 document", "2 documents". */
const char *wiki_plural(uint64_t n);
/*
 * A YAML double-quoted scalar: the one quoting of every string the wiki's
 * frontmatter holds (", \\, newline, tab and control bytes escaped).
 */
void	 wiki_yaml_str(FILE *f, const char *s);
/*
 * Parse the frontmatter at the start of a page, as the wiki writes it:
 * lines of key: "scalar", or key: then "  - scalar" items, between ---
 * lines. 0 parsed (*doc, *hash: its doc and hash, xstrdup'ed, or NULL),
 * WIKI_FM_MISSING, WIKI_FM_INVALID.
 */
#define WIKI_FM_MISSING	(-1)
#define WIKI_FM_INVALID	(-2)
int	 wiki_frontmatter(const char *text, size_t len, char **doc,
	    char **hash);
/*
 * Whether the frontmatter at the start of a page has a line for key
 * (key: ...): 1 or 0, WIKI_FM_MISSING without frontmatter. Lint accepts
 * a summary page from before schema 13 without a language line.
 */
int	 wiki_fm_has(const char *text, size_t len, const char *key);
/* wiki/AGENTS.md for a KB of ndocs documents; *len gets its length. */
char	*wiki_agents(uint64_t ndocs, size_t *len);

#endif /* KBD_WIKI_H */
