/*
 * The man-page reader's shared state and the functions its three files
 * call across: man.c (lines, requests, blocks), man_roff.c (escapes and
 * fonts), man_mdoc.c (mdoc's inline macros). Internal to workers/convert.
 */
#ifndef KBD_CONVERT_MAN_H
#define KBD_CONVERT_MAN_H

#include <stddef.h>

#include "mdbuf.h"

#define MAN_ARGS	32	/* arguments of one request; the rest dropped */
#define MAN_ITEMS	8	/* list nesting written; deeper stays there */
#define MAN_RS		64	/* .RS / .Bl depth counted */
#define MAN_RECURSE	8	/* .if .if .if ... */
#define MAN_CLOSERS	16	/* mdoc enclosures open on one line */
#define MAN_MACROS	64	/* .de definitions kept */
#define MAN_MACRO_MAX	(64u << 10) /* bytes of one definition */

/* A macro the page defines (.de): its body, run with its arguments. */
struct macro {
	char		 name[16];
	struct mdbuf	 body;
};

enum font { F_R, F_I, F_B, F_BI };

struct man {
	struct mdbuf	*out;
	struct mdbuf	 seg;		/* raw text in the current font */
	struct mdbuf	 para;		/* the paragraph's Markdown */
	struct mdbuf	 plain;		/* the paragraph's text, no markup */
	struct mdbuf	 code;		/* .nf / .EX text */
	enum font	 font, prev;
	int		 space;		/* a blank is due before more text */
	int		 nf;		/* no-fill (code) mode */
	int		 join;		/* \c: the next line continues this one */
	int		 rs;		/* .RS / .Bl depth */
	int		 items[MAN_ITEMS]; /* rs depth of each open item */
	int		 nitems;
	int		 marker;	/* the next paragraph goes on "- " */
	int		 tp_wait;	/* .TP: the next line is the tag */
	int		 head_wait;	/* .SH/.SS without text: next line */
	int		 line_font;	/* .B/.I without text: next line */
	int		 in_name;	/* in the NAME section */
	int		 titled;	/* the "# title" is written */
	int		 skip;		/* .if false \{ ... \}: brace depth */
	int		 skipto;	/* .de / .ig: until ".." */
	int		 el;		/* .el runs (the last .ie failed) */
	char		*th;		/* .TH / .Dt name */
	char		*nm;		/* the first .Nm */
	struct macro	 mac[MAN_MACROS];
	int		 nmac;
	struct macro	*def;		/* the .de being recorded */
	size_t		 budget;	/* bytes macros may still expand to */
};

/* Text into the paragraph, or the code block in no-fill mode. */
void	man_put(struct man *, const char *, size_t);
void	man_putcp(struct man *, unsigned long);
void	man_set_font(struct man *, enum font);
/* A request's words end as a text line does. */
void	man_end_words(struct man *);
/* Decode a line or argument: escapes, fonts, special characters. */
void	man_text(struct man *, const char *, size_t);
/* \fX, .ft X: the font named by f. */
void	man_font_escape(struct man *, const char *f, size_t n);
/* Skip a delimited escape argument ('...'); returns where it ends. */
size_t	man_esc_delim(const char *, size_t, size_t);
/* Whether this word is a callable mdoc macro ("Fl", "Brq"). */
int	man_is_mdoc(const char *, size_t);
/* An mdoc line: each word in its macro's font, enclosures closed. */
void	man_mdoc_words(struct man *, int ac, char **av, size_t *al);

#endif /* KBD_CONVERT_MAN_H */
