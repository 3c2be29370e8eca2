/*
 * Links between documents: the relative link targets of a document's
 * Markdown, resolved against the path it was added from, and the
 * rewriting of its links to the wiki pages of the documents they name.
 * Parsing and rendering only; the registry (db.c, the links table) and
 * the committer (linkw.c) decide what a target resolves to.
 *
 * A link has three forms in a source page, each keeping the original URL:
 *   [text](url)                         as the converter wrote it
 *   [text](../sources/DOC.md "url")     resolved: the target's page
 *   \[text\](url)                       pending or removed: plain text
 */
#ifndef KBD_LINKS_H
#define KBD_LINKS_H

#include <stddef.h>

#define LINKS_SHOWN	50	/* "Links to" / "Linked from" entries shown */

/*
 * The document name (xstrdup'ed) whose source path is target, or NULL;
 * or LINKS_KEEP: the link stays in the form it has, byte for byte (a
 * caller that knows which targets changed rewrites only their links).
 * found, when set, is told each link's target and what it resolved to
 * (not for a link kept).
 */
extern char	 links_keep;
#define LINKS_KEEP	(&links_keep)
typedef char	*(*links_resolve_fn)(void *arg, const char *target);
typedef void	 (*links_found_fn)(void *arg, const char *target,
		    const char *doc);

/*
 * The absolute path a link's URL names, resolved against base (the
 * absolute path of the file the link is in), xmalloc'ed; NULL for what
 * is not a relative link to a file: a URL with a scheme, an absolute or
 * empty path, a fragment alone, one that leaves the root.
 */
char	*links_target(const char *base, const char *url);

/*
 * md with each relative link rewritten by resolve (NULL: only found is
 * called): resolved to [text](../sources/DOC.md "url"), else \[text\](url).
 * Images, code spans and fenced code are left alone. Returns the new
 * text (xmalloc'ed, *outlen its length).
 */
char	*links_rewrite(const char *md, size_t len, const char *base,
	    links_resolve_fn resolve, links_found_fn found, void *arg,
	    size_t *outlen);

/*
 * md as the full-text index holds it: each link that links_rewrite could
 * rewrite, in any of its forms, as [text](url) with the URL as written
 * (the title of the converter's form dropped), so that resolving a link,
 * or a target's removal, leaves the indexed text as it was. xmalloc'ed,
 * *outlen its length.
 */
char	*links_indexed(const char *md, size_t len, size_t *outlen);

/*
 * Every relative link to a .md file in md (a page in directory dir) whose
 * file does not exist: report(arg, target as written). Returns how many.
 */
size_t	 links_broken(const char *md, size_t len, const char *dir,
	    void (*report)(void *, const char *), void *arg);

#endif /* KBD_LINKS_H */
