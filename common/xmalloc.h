/*
 * Allocation wrappers for daemon code (every role of the kbd binary): out
 * of memory is fatal there, so callers need not check. Library-like code
 * (proto/chan.c, the journal, the converters) uses malloc and returns errors.
 */
#ifndef KBD_XMALLOC_H
#define KBD_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* KBD_XMALLOC_H */
