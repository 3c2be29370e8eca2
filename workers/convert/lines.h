/*
 * What the reStructuredText and plain-text converters share: reading the
 * lines of a (dedented) region of the input, and writing Markdown lines
 * with the prefixes of the containers they are nested in (list markers
 * and their indentation, "> " quotes). Internal to workers/convert.
 */
#ifndef KBD_CONVERT_LINES_H
#define KBD_CONVERT_LINES_H

#include <stddef.h>

#include "mdbuf.h"

/* Nesting of containers (lists, quotes, directives) kept as such. */
#define DEPTH_MAX	24
/* "Not found" for the offsets below. */
#define NONE		((size_t)-1)

/* ---- Markdown output: line prefixes of nested containers ---- */

struct seg {
	size_t	 off;		/* where this container's prefix starts */
	char	*marker;	/* list marker, replaces the prefix once */
};

/* Title adornment styles in order of first appearance, as docutils. */
struct styles {
	unsigned char	ch[64], over[64];
	size_t		n;
};

struct conv {
	struct mdbuf	 out;
	struct mdbuf	 prefix;
	struct seg	 seg[DEPTH_MAX + 1];
	int		 nseg;
	int		 need_blank;	/* a block was emitted in this container */
	const char	*lead;		/* field name for the next paragraph */
	size_t		 leadlen;
	struct styles	 styles;
	char		 hl[32];	/* reST: ".. highlight::" language */
	struct mdbuf	 para, inl;	/* scratch */
	int		 err;
};

/*
 * c->out is capped at max_output. conv_done frees the scratch buffers and
 * returns the first error (c->out freed too), or 0 with c->out holding
 * the Markdown (never NULL).
 */
void	 conv_init(struct conv *, size_t max_output);
int	 conv_done(struct conv *);

/*
 * Open and close a container whose lines start with prefix; a list item's
 * marker replaces the prefix on its first line.
 */
void	 conv_push(struct conv *, const char *prefix, const char *marker);
void	 conv_pop(struct conv *);

/* The prefixes of the open containers, at the start of an output line. */
void	 line_begin(struct conv *);
/* One line, verbatim. */
void	 emit_line(struct conv *, const char *, size_t);
/* A blank line inside the open containers. */
void	 emit_blank(struct conv *);
/* Before a block: the blank line that separates it from the one before. */
void	 block_start(struct conv *);
/* A pending field name ("**name:**") that no paragraph took. */
void	 lead_flush(struct conv *);
/*
 * A line of paragraph text, escaped where Markdown would read a block
 * construct at its start; the first takes a pending field name.
 */
void	 emit_text_line(struct conv *, const char *, size_t);
/* Text whose lines are separated by '\n', each as emit_text_line. */
void	 emit_text(struct conv *, const char *, size_t);
/* An ATX heading, level capped at 6. */
void	 emit_heading(struct conv *, unsigned level, const char *, size_t);
/* The level of a title adornment style (1 for the first seen). */
unsigned style_level(struct styles *, unsigned char ch, int over);

/* ---- lines of a (dedented) region of the text ---- */

/*
 * A view is a region whose lines lose `base` columns of indentation; its
 * first line starts at `start`, which may be inside a line (the text after
 * a list marker, say) and then counts as unindented.
 */
struct view {
	const char	*s;
	size_t		 start, end, base;
};

struct line {
	size_t	raw;		/* start of the line in s */
	size_t	pos;		/* start in the view */
	size_t	text;		/* first non-blank */
	size_t	eol;		/* end, before the newline */
	size_t	next;		/* the following line */
	size_t	ind;		/* text - pos: indentation in the view */
	size_t	col;		/* text - raw: absolute indentation */
	int	blank;
};

/* The line of v that starts at offset at. */
void	 get_line(const struct view *, size_t at, struct line *);
/* Trimmed end of a line's text. */
size_t	 line_end(const struct view *, const struct line *);
/*
 * The lines from `at` indented to mincol or more, with blank lines between
 * them: returns the end of the last such line; *minc is the least
 * indentation among them (SIZE_MAX if none).
 */
size_t	 extent(const struct view *, size_t at, size_t mincol, size_t *minc);
/* The view of the lines from l to end, dedented by base columns. */
void	 subview(const struct view *, const struct line *, size_t end,
	    size_t base, struct view *);
/* A fenced code block of the view's lines, verbatim. */
void	 emit_fence(struct conv *, const struct view *, const char *lang);

/* Whether ch is one of the punctuation characters reST adorns with. */
int	 adorn_char(char ch);
/* An adornment line: one punctuation character repeated; its length. */
size_t	 adornment(const struct view *, const struct line *,
	    unsigned char *ch);
/* Characters in n bytes of UTF-8, which title underlines are measured in. */
size_t	 u8width(const char *, size_t);

#endif /* KBD_CONVERT_LINES_H */
