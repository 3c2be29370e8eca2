/*
 * The man-page reader's mdoc(7) inline macros (see man.h): the macros
 * callable on a line (.Fl, .Ar, .Op, .Xr...), each word in its font,
 * enclosures opened and closed. What each becomes is in
 * docs/converters.md.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "man.h"
#include "mdbuf.h"
/* mdoc's words that end or open a phrase without a blank. */
static int
closing_punct(const char *s, size_t n)
{
	return n == 1 && strchr(".,;:?!)]", *s) != NULL;
}

static int
opening_punct(const char *s, size_t n)
{
	return n == 1 && (*s == '(' || *s == '[');
}

/* The mdoc macros callable inside another's line. */
static const char *const callable[] = {
	"Ac", "Ao", "Aq", "Ar", "Bc", "Bo", "Bq", "Brc", "Bro", "Brq", "Cm",
	"Dc", "Do", "Dq", "Dv", "Em", "Er", "Ev", "Fa", "Fl", "Fn", "Ft",
	"Ic", "Li", "Ms", "Nm", "No", "Ns", "Oc", "Oo", "Op", "Pa", "Pc",
	"Po", "Pq", "Ql", "Qc", "Qo", "Qq", "Sc", "So", "Sq", "Sx", "Sy",
	"Tn", "Va", "Vt", "Xr", "Cd", "Ad", "An", "Lk", "Mt", "St", "Ux",
	"Bx", "Ox", "Nx", "Fx", "Dx", "At", "Ta",
};

static int
is_callable(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < sizeof(callable) / sizeof(callable[0]); i++)
		if (strlen(callable[i]) == n && memcmp(callable[i], s, n) == 0)
			return 1;
	return 0;
}

/* Callable macros are 2 or 3 characters: "Fl", "Brq". */
int
man_is_mdoc(const char *s, size_t n)
{
	return n >= 2 && n <= 3 && is_callable(s, n);
}

static void
word(struct man *m, enum font f, const char *s, size_t n, int *nospace)
{
	if (!*nospace && !closing_punct(s, n))
		man_put(m, " ", 1);
	man_set_font(m, closing_punct(s, n) || opening_punct(s, n) ? F_R : f);
	man_text(m, s, n);
	*nospace = opening_punct(s, n);
}

static void
mdoc_open(struct man *m, const char *o, int *nospace)
{
	man_set_font(m, F_R);
	if (!*nospace)
		man_put(m, " ", 1);
	man_put(m, o, strlen(o));
	*nospace = 1;
}

static void
mdoc_close(struct man *m, const char *c, int *nospace)
{
	man_set_font(m, F_R);
	man_put(m, c, strlen(c));
	*nospace = 0;
}

/*
 * An mdoc line from macro av[0]: each word in its macro's font, the
 * macros called on the line switching it, enclosures closed at the end.
 */
void
man_mdoc_words(struct man *m, int ac, char **av, size_t *al)
{
	const char	*closers[MAN_CLOSERS];
	const char	*mac = NULL;
	char		 macbuf[4];
	enum font	 f = F_R;
	int		 i, nc = 0, nospace = m->para.len == 0 && m->seg.len == 0,
			 args = 0;

	for (i = 0; i < ac; i++) {
		if (man_is_mdoc(av[i], al[i])) {
			if (mac != NULL && strcmp(mac, "Fl") == 0 && args == 0)
				word(m, F_B, "-", 1, &nospace);
			if (mac != NULL && strcmp(mac, "Nm") == 0 && args == 0 &&
			    m->nm != NULL)
				word(m, F_B, m->nm, strlen(m->nm), &nospace);
			memcpy(macbuf, av[i], al[i]);
			macbuf[al[i]] = '\0';
			mac = macbuf;
			args = 0;
			f = F_R;
			if (strstr("Fl Cm Ic Sy Nm Fn Xr Sx", mac) != NULL)
				f = F_B;
			else if (strstr("Ar Pa Em Va Fa Ft Vt Ad", mac) != NULL)
				f = F_I;
			if (nc < MAN_CLOSERS) {
				const char *o = NULL, *c = NULL;

				if (strcmp(mac, "Op") == 0 ||
				    strcmp(mac, "Bq") == 0)
					o = "[", c = "]";
				else if (strcmp(mac, "Pq") == 0)
					o = "(", c = ")";
				else if (strcmp(mac, "Dq") == 0)
					o = "\xe2\x80\x9c", c = "\xe2\x80\x9d";
				else if (strcmp(mac, "Sq") == 0)
					o = "\xe2\x80\x98", c = "\xe2\x80\x99";
				else if (strcmp(mac, "Qq") == 0)
					o = c = "\"";
				else if (strcmp(mac, "Aq") == 0)
					o = "<", c = ">";
				else if (strcmp(mac, "Brq") == 0)
					o = "{", c = "}";
				else if (strcmp(mac, "Ql") == 0)
					o = c = "'";
				if (o != NULL) {
					mdoc_open(m, o, &nospace);
					closers[nc++] = c;
				}
			}
			if (strcmp(mac, "Oo") == 0 || strcmp(mac, "Bo") == 0)
				mdoc_open(m, "[", &nospace);
			else if (strcmp(mac, "Oc") == 0 ||
			    strcmp(mac, "Bc") == 0)
				mdoc_close(m, "]", &nospace);
			else if (strcmp(mac, "Po") == 0)
				mdoc_open(m, "(", &nospace);
			else if (strcmp(mac, "Pc") == 0)
				mdoc_close(m, ")", &nospace);
			else if (strcmp(mac, "Do") == 0)
				mdoc_open(m, "\xe2\x80\x9c", &nospace);
			else if (strcmp(mac, "Dc") == 0)
				mdoc_close(m, "\xe2\x80\x9d", &nospace);
			else if (strcmp(mac, "Ns") == 0)
				nospace = 1;
			continue;
		}
		if (mac != NULL && strcmp(mac, "Fl") == 0 &&
		    !closing_punct(av[i], al[i])) {
			if (!nospace)
				man_put(m, " ", 1);
			man_set_font(m, F_B);
			man_put(m, "-", 1);
			nospace = 1;
		}
		if (mac != NULL && strcmp(mac, "Xr") == 0 && args == 1 &&
		    !closing_punct(av[i], al[i])) {
			man_set_font(m, F_R);
			man_put(m, "(", 1);
			man_text(m, av[i], al[i]);
			man_put(m, ")", 1);
			args++;
			continue;
		}
		word(m, f, av[i], al[i], &nospace);
		args++;
	}
	if (mac != NULL && strcmp(mac, "Fl") == 0 && args == 0)
		word(m, F_B, "-", 1, &nospace);
	if (mac != NULL && strcmp(mac, "Nm") == 0 && args == 0 && m->nm != NULL)
		word(m, F_B, m->nm, strlen(m->nm), &nospace);
	if (mac != NULL && strcmp(mac, "Ar") == 0 && args == 0)
		word(m, F_I, "file ...", 8, &nospace);
	while (nc > 0)
		mdoc_close(m, closers[--nc], &nospace);
	man_set_font(m, F_R);
	man_end_words(m);
}
