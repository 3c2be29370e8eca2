/* Whole-file I/O, the monotonic clock, a name's SHA-256 (see util.h). */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sha2.h>

#include "util.h"

char *
read_file(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*buf = NULL, *nb;
	size_t		 len = 0, cap;
	ssize_t		 n;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	/*
	 * Room for a byte past the size, and a regular file that read as
	 * many bytes as its size is whole: one read, not a second to see
	 * the end and a realloc for it (the committer reads each added
	 * document's Markdown so).
	 */
	cap = (size_t)st.st_size + 2;
	if ((buf = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (S_ISREG(st.st_mode) && len == (size_t)st.st_size)
			break;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char	*b = p;
	ssize_t			 w;

	while (n > 0) {
		if ((w = write(fd, b, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int64_t
mono_ms(void)
{
	return mono_ns() / 1000000;
}

int64_t
mono_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t
env_u64(const char *name, uint64_t dflt, uint64_t min, uint64_t max)
{
	const char		*e;
	char			*end;
	unsigned long long	 v;

	if ((e = getenv(name)) == NULL || *e == '\0')
		return dflt;
	v = strtoull(e, &end, 10);
	return *end == '\0' && v >= min && v <= max ? (uint64_t)v : dflt;
}

/*
 * libmd's, not libcrypto's: names are hashed in every process, kbctl's
 * too, and a program linked with libcrypto takes 1.4 ms more to start
 * (its constructors and relocations; an empty main, perf stat), most of
 * what `kbctl --help` cost. Content is hashed by sha256.c.
 */
int
sha256_buf(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	SHA2_CTX	ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, p, n);
	SHA256Final(out, &ctx);
	return 0;
}

void
sha256_hex(const uint8_t h[SHA256_LEN], char hex[2 * SHA256_LEN + 1])
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = digits[h[i] >> 4];
		hex[2 * i + 1] = digits[h[i] & 0xf];
	}
	hex[2 * SHA256_LEN] = '\0';
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint32_t
hash_fnv1a(const char *s)
{
	uint32_t	h = FNV_BASIS;

	for (; *s != '\0'; s++)
		h = FNV_STEP(h, (unsigned char)*s);
	return h;
}
