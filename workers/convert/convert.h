/*
 * Converters: the bytes of one input document to Markdown, with the
 * metadata kbd keeps about it (title, description, outline). Library-like:
 * no I/O, malloc only, every failure an error code with, for some, a
 * one-line reason; the worker turns them into its reply.
 *
 * What each format becomes, the metadata rules, the limits and how
 * hostile input is contained are specified once, in docs/converters.md.
 * The converters themselves and their contract are in converters.h.
 */
#ifndef KBD_CONVERT_H
#define KBD_CONVERT_H

#include <stddef.h>

#include "format.h"

#define CONVERT_TITLE_MAX	200	/* bytes */
#define CONVERT_HEADING_MAX	200	/* bytes per outline entry */
#define CONVERT_DESC_MAX	300	/* bytes */
#define CONVERT_OUTLINE_MAX	256	/* headings */

#define CONVERT_REASON_MAX	200	/* bytes of convert_result.reason */
enum convert_error {
	CONVERT_OK = 0,
	CONVERT_ENOMEM,		/* out of memory */
	CONVERT_EUTF8,		/* invalid UTF-8; offset says where */
	CONVERT_ENUL,		/* NUL byte; offset says where */
	CONVERT_EOUTPUT,	/* the Markdown would exceed max_output */
	CONVERT_EPARSE,		/* md4c gave up */
	CONVERT_EFORMAT,	/* not the format it claims, or unsupported */
	CONVERT_EDOC,		/* damaged or unreadable document */
	CONVERT_ELIMIT		/* a container or parser limit (bombs) */
};

struct convert_heading {
	unsigned	 level;		/* 1-6 */
	char		*text;
};

struct convert_result {
	char			*md;		/* NUL-terminated, md_len bytes */
	size_t			 md_len;
	char			*title;		/* "" when there is none */
	char			*description;
	struct convert_heading	*outline;
	size_t			 noutline;
	int			 outline_set;	/* a converter's own outline, even none */
	size_t			 offset;	/* EUTF8, ENUL: byte offset in the input */
	char			 reason[CONVERT_REASON_MAX]; /* EFORMAT, EDOC, ELIMIT */
	enum format		 fmt;		/* whose converter made md (the
						   inner one of a compressed
						   file): common/convver.c */
};

/*
 * The most memory MuPDF may hold while it reads one PDF; past it the PDF
 * fails with CONVERT_ELIMIT. 0 (the default): half the process's
 * RLIMIT_AS, or 512 MiB when there is none. Tests lower it.
 */
extern size_t	convert_pdf_mem_max;
/*
 * The most a compressed file may decompress to (the worker sets it to
 * kbd --max-size); 0: 64 MiB. Past it, or past 100 times the compressed
 * size beyond 1 MiB, the file fails with CONVERT_ELIMIT.
 */
extern size_t	convert_decompress_max;

/*
 * Once per process, before the sandbox: lets libraries load what they
 * would otherwise load lazily from the file system. Returns 0 or -1.
 */
int	convert_init(void);

/*
 * The text checks every text format passes (strict UTF-8, no NUL), for
 * converters that read text themselves (CSV). CONVERT_OK, or
 * CONVERT_EUTF8 or CONVERT_ENUL with *off the offending byte's offset.
 */
int	convert_check_text(const char *s, size_t len, size_t *off);

/* Whether a converter reads this format (common/format.c decides it). */
int	convert_has(enum format);

/*
 * Convert len bytes of in, a document with extension ext (lower case, no
 * dot), into r. Returns CONVERT_OK or an error; r is filled only on success
 * (except r->offset), and is released with convert_free either way.
 */
int	convert(const char *ext, const char *in, size_t len, size_t max_output,
	    struct convert_result *r);
void	convert_free(struct convert_result *r);

#endif /* KBD_CONVERT_H */
