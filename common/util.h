/*
 * Small utilities every process uses: whole-file reads and writes, a
 * monotonic clock, the SHA-256 of a name (content's: sha256.h).
 * Library-like: errors are returned, with errno.
 */
#ifndef KBD_UTIL_H
#define KBD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

/*
 * A whole file in memory, NUL-terminated (not followed if a symlink), or
 * NULL with errno.
 */
char	*read_file(const char *path, size_t *lenp);
/* Write all n bytes, retrying short writes and EINTR; 0 or -1. */
int	 write_all(int fd, const void *, size_t n);
/* CLOCK_MONOTONIC in milliseconds, and in nanoseconds. */
int64_t	 mono_ms(void);
int64_t	 mono_ns(void);
/*
 * A tests' knob: environment variable name as a decimal number from min
 * to max, else (unset, empty, not a number, out of range) dflt.
 */
uint64_t env_u64(const char *name, uint64_t dflt, uint64_t min,
	    uint64_t max);

/*
 * The SHA-256 of a short string, a name (a socket's, an index page's):
 * libmd's, no set-up, no libcrypto (see util.c). 0.
 */
int		 sha256_buf(const void *, size_t, uint8_t out[SHA256_LEN]);
/* The value of a hex digit (either case), or -1. */
int		 hex_digit(int c);
/*
 * FNV-1a of a string: the hash of kbd's open-addressing word tables; a
 * byte at a time, FNV_STEP from FNV_BASIS, for those that hash as they
 * scan (the analysis' terms, the tokenizer's stem cache).
 */
#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u
#define FNV_STEP(h, b)	(((h) ^ (b)) * FNV_PRIME)
uint32_t	 hash_fnv1a(const char *s);
void		 sha256_hex(const uint8_t h[SHA256_LEN],
		    char hex[2 * SHA256_LEN + 1]);

#endif /* KBD_UTIL_H */
