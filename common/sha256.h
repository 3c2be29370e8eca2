/*
 * Streaming SHA-256 of content (files, converted text), over libcrypto
 * (sha256.c); a short name's is util.h's sha256_buf. Library-like: 0 or
 * -1 with errno.
 */
#ifndef KBD_SHA256_H
#define KBD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * sha256_setup() loads libcrypto's configuration and providers now (a
 * sandboxed worker could not later); the others are safe after it.
 */
struct sha256;
int		 sha256_setup(void);
struct sha256	*sha256_new(void);
void		 sha256_free(struct sha256 *);
int		 sha256_begin(struct sha256 *);
int		 sha256_update(struct sha256 *, const void *, size_t);
int		 sha256_end(struct sha256 *, uint8_t out[SHA256_LEN]);
/* Of a whole file (symlinks not followed), as lower-case hex. */
int		 sha256_file(const char *path, char hex[2 * SHA256_LEN + 1]);

#endif /* KBD_SHA256_H */
