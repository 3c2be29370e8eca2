/*
 * The PDF converter's parts (internal to workers/convert): pdf.c reads the
 * document and its pages, pdf_text.c turns MuPDF's structured text into
 * paragraphs and headings, pdf_mem.c holds the capped allocator and the
 * device that counts a page's drawing operations.
 */
#ifndef KBD_PDF_INT_H
#define KBD_PDF_INT_H

#include <stddef.h>

#include <mupdf/fitz.h>

#include "mdbuf.h"

#define PDF_PAGES_MAX		10000
#define PDF_PAGE_OPS_MAX	1000000	/* device calls per page */
#define PDF_MEM_DEFAULT		(512UL << 20)
#define PDF_STORE_MAX		(64UL << 20)	/* MuPDF's resource cache */
#define PDF_MARKS_MAX		10000	/* bookmarks placed as headings */
#define PDF_MARK_DEPTH		32	/* deeper bookmarks are not read */
#define PDF_OUTLINE_DEPTH_MAX	256	/* deeper: no bookmarks at all */
#define PDF_OUTLINE_VISITS	100000	/* bookmarks checked for depth */
#define MARK_LOOKAHEAD		16	/* bookmarks matched against a line */
#define MARK_SLACK		2.0f	/* points a destination may be low */
#define KEY_MAX			256	/* bytes of a running header's key */
#define SIZE_BINS		256	/* font sizes by half points, to 128 */
#define HEAD_RATIO		1.15f	/* a heading's size over the body's */
#define HEAD_LINES		3	/* at most, in a heading's block */
#define HEAD_CHARS		200


/*
 * Every block MuPDF holds is on a list, so that what it leaks on some
 * error paths (a page tree whose /Parent is a page, found by fuzzing) is
 * freed with the document's context: the context is an arena.
 */
struct mem_blk {
	struct mem_blk	*prev, *next;
	size_t		 size;
	size_t		 pad;		/* keeps the payload max-aligned */
};
#define MEM_HDR			sizeof(struct mem_blk)
/* What a block of n bytes costs: ours and malloc's headers, rounding. */
#define MEM_COST(n)		(((n) + MEM_HDR + 16 + 15) & ~(size_t)15)

struct pdf_mem {
	struct mem_blk	*live;
	size_t		 used, max;
	int		 hit;		/* an allocation was refused */
	int		 oom;		/* malloc failed under the cap */
};

/* A bookmark that becomes a heading in front of the text it points at. */
struct pdf_mark {
	int	 page;
	float	 y;		/* top of the destination, NAN if unknown */
	unsigned level;
	size_t	 seq;		/* place in the outline's order */
	char	*text;		/* whitespace collapsed, UTF-8 */
};

struct pdf_conv {
	fz_context	*ctx;
	struct mdbuf	*out;
	struct pdf_mem	 mem;
	struct pdf_mark	*marks;
	size_t		 nmarks, next;	/* next: first mark not yet written */
	char		*para;		/* one paragraph being assembled */
	size_t		 plen, pcap;
	size_t		 nchars;	/* non-blank characters written */
	float		 last_y;	/* top of the page's last block */
	size_t		 sizes[SIZE_BINS];	/* characters by font size */
	float		 body;		/* the commonest size so far */
	unsigned	 base;		/* heading levels under the title */
	int		 pages_failed;
	int		 want_title;	/* no metadata title: read page 1's */
	char		*page_title;
	char		 head[KEY_MAX], foot[KEY_MAX];	/* running ones */
	char		 first_error[128];
};

/* The page device: counts every call, forwards text to the stext device. */
struct count_dev {
	fz_device	 super;
	fz_device	*target;
	fz_cookie	*cookie;
	size_t		 n;
	int		 stopped;
};

/* pdf_text.c */
void	 pdf_add_block(struct pdf_conv *pc, int page, fz_stext_block *b);
void	 pdf_block_key(fz_stext_block *b, char *key, size_t size);
void	 pdf_body_size(struct pdf_conv *pc, fz_stext_page *text);
void	 pdf_clean_copy(char *dst, size_t dlen, const char *src);
void	 pdf_first_page_title(struct pdf_conv *pc, fz_stext_page *text);
int	 pdf_is_blank(int c);
void	 pdf_marks_write(struct pdf_conv *pc, size_t end);
char	*pdf_clean_text(const char *s, size_t max);
int	 pdf_running(struct pdf_conv *pc, int head, const char *key);

/* pdf_mem.c */
size_t	 pdf_mem_cap(void);
void	*pdf_mem_malloc(void *u, size_t n);
void	 pdf_mem_free(void *u, void *q);
void	*pdf_mem_realloc(void *u, void *q, size_t n);
void	 pdf_mem_release(struct pdf_mem *m);
void	 pdf_quiet(void *user, const char *msg);
fz_device *pdf_new_count_dev(fz_context *ctx, fz_device *target,
	    fz_cookie *cookie);

#endif
