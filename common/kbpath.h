/*
 * The on-disk layout of a KB: every path kbd and kbctl use is spelled
 * here and nowhere else. Paths are relative to the KB root (kbd and its
 * children run there); kbctl joins them to the root it found.
 *
 *	raw/NAME[.EXT]			the original bytes
 *	wiki/sources/NAME.md		its Markdown
 *	wiki/summaries/NAME.md		its summary page
 *	wiki/index.md, wiki/log.md	the index and the log
 *	wiki/AGENTS.md			how to read this KB (for agents)
 *	wiki/index/type/KEY[-N].md	sub-index pages by type (extension)
 *	wiki/index/folder/KEY[-N].md	sub-index pages by source folder
 *	wiki/index/folders-N.md		the folder list's pages (many folders)
 *	wiki/concepts/NAME.md		a concept page; index.md their index
 *	.kb/				kbd's own state (below)
 */
#ifndef KBD_KBPATH_H
#define KBD_KBPATH_H

#include <stdint.h>

#define KB_STATE	".kb"
#define KB_DB		".kb/kb.db"
#define KB_LOCK		".kb/lock"		/* the committer's flock */
#define KB_STAGING	".kb/staging"		/* workers' output, by fd */
#define KB_JOURNAL	".kb/journal"
#define KB_PIDFILE	".kb/kbd.pid"
#define KB_LOGFILE	".kb/kbd.log"
#define KB_SOCKET	".kb/kbd.sock"
#define KB_SOCKET_NOTE	".kb/socket"		/* where it is, if elsewhere */
#define KB_START_LOCK	".kb/start.lock"	/* kbctl's autostart */
#define KB_CONFIG	".kb/kbd.conf"		/* settings, kbd.conf(5) */
#define KB_HTTP_TOKEN	".kb/http.token"	/* kbd --listen's bearer token */
#define KB_FP_TRACE	".kb/failpoints.trace"	/* drills */
#define KB_DIRLOG	".kb/dirlog"		/* drills */
#define KB_DIRLOG_D	".kb/dirlog.d"		/* drills */

#define KB_RAW		"raw"
#define KB_WIKI		"wiki"
#define KB_SOURCES	"wiki/sources"
#define KB_SUMMARIES	"wiki/summaries"
#define KB_INDEX	"wiki/index.md"
#define KB_LOG		"wiki/log.md"
#define KB_AGENTS	"wiki/AGENTS.md"
#define KB_INDEX_DIR	"wiki/index"
#define KB_INDEX_TYPES	"wiki/index/type"
#define KB_INDEX_FOLDERS "wiki/index/folder"
#define KB_CONCEPTS	"wiki/concepts"		/* one page per concept */
#define KB_CONCEPTS_INDEX "wiki/concepts/index.md"

/* Relative links between wiki pages: summary to source and raw, index to
 * summary. */
#define KB_LINK_SUMMARY_SOURCE	"../sources/"
#define KB_LINK_SUMMARY_RAW	"../../raw/"
#define KB_LINK_INDEX_SUMMARY	"summaries/"
/* Concept pages: to summaries, and index.md to the concepts index. */
#define KB_LINK_CONCEPT_SUMMARY	"../summaries/"
#define KB_LINK_SUMMARY_CONCEPT	"../concepts/"
#define KB_LINK_INDEX_CONCEPTS	"concepts/index.md"

/*
 * Sub-index pages (wiki/index/, docs/architecture.md "The wiki"): a group
 * is a type (a document's extension, "" for none) or a source folder
 * (the directory part of its source path, trailing slash kept). Page 0 is
 * the group's page, N >= 1 its numbered pages. The key is the file name
 * without ".md": a type's extension made safe, a folder's last component
 * made safe and 8 hex digits of its path's SHA-256 (names are unique).
 */
enum kbpath_group { KBPATH_TYPE, KBPATH_FOLDER };
char	*kbpath_index_key(enum kbpath_group, const char *value);
/* wiki/index/<type|folder>/KEY.md or KEY-N.md */
char	*kbpath_index_page(enum kbpath_group, const char *value,
	    unsigned page);
/* The link to that page from index.md: index/<type|folder>/KEY[-N].md */
char	*kbpath_index_link(enum kbpath_group, const char *value,
	    unsigned page);
#define KB_LINK_SUBINDEX_SUMMARY	"../../summaries/"
/*
 * The folder list, paged when index.md cannot list every folder:
 * wiki/index/folders-N.md (N >= 1), index.md's link to it
 * (index/folders-N.md), and its links to the folders' pages
 * (folder/KEY.md).
 */
char	*kbpath_index_folders(unsigned page);
char	*kbpath_index_folders_link(unsigned page);
char	*kbpath_index_folder_from_list(const char *value);

/* malloc'd paths of a document's three files (ext "" for none). */
char	*kbpath_raw(const char *doc, const char *ext);
char	*kbpath_source(const char *doc);
char	*kbpath_summary(const char *doc);
/*
 * A concept's page name in wiki/concepts/ (without ".md"): its term, lower
 * case words joined by single spaces, with each space made "-" (terms
 * hold no "-", so distinct terms give distinct names) and "index" made
 * "index-" (index.md is the concepts' index). NULL for a term that is
 * not one (empty, or holding a byte a term cannot: "/", ".", controls).
 */
char	*kbpath_concept_name(const char *term);
/* wiki/concepts/<name>.md, or NULL as above. */
char	*kbpath_concept(const char *term);
/* The raw file's name in raw/: "NAME.EXT" or "NAME". */
char	*kbpath_raw_name(const char *doc, const char *ext);
/*
 * A worker's output for one file of a job, kind "raw" or "md"; or kind
 * KB_STAGED_SUM, the committer's summary page of it on its way into
 * wiki/summaries/ (its own: the committer removes any it finds at start).
 */
#define KB_STAGED_SUM	"sum"

char	*kbpath_staged(uint64_t job, uint64_t seq, const char *kind);
/* Whether p names a file directly in the staging directory. */
int	 kbpath_is_staged(const char *p);

#endif /* KBD_KBPATH_H */
