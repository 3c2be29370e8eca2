/* Whole-file I/O, the monotonic clock and SHA-256 (see util.h). */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util.h"

struct sha256 {
	EVP_MD_CTX	*ctx;
};

static EVP_MD	*md_sha256;

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
	cap = (size_t)st.st_size + 1;
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
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
sha256_setup(void)
{
	uint8_t	h[SHA256_LEN];

	if (md_sha256 != NULL)
		return 0;
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT, NULL) != 1 ||
	    (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	/* One digest, so that nothing is left to load lazily. */
	return sha256_buf("", 0, h);
}

struct sha256 *
sha256_new(void)
{
	struct sha256	*s;

	if (sha256_setup() == -1)
		return NULL;
	if ((s = malloc(sizeof(*s))) == NULL)
		return NULL;
	if ((s->ctx = EVP_MD_CTX_new()) == NULL) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void
sha256_free(struct sha256 *s)
{
	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}

int
sha256_begin(struct sha256 *s)
{
	if (EVP_DigestInit_ex2(s->ctx, md_sha256, NULL) != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
sha256_update(struct sha256 *s, const void *p, size_t n)
{
	if (EVP_DigestUpdate(s->ctx, p, n) != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
sha256_end(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	unsigned int	n;

	if (EVP_DigestFinal_ex(s->ctx, out, &n) != 1 || n != SHA256_LEN) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
sha256_buf(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	unsigned int	len;

	if (EVP_Digest(p, n, out, &len, md_sha256 != NULL ? md_sha256 :
	    EVP_sha256(), NULL) != 1 || len != SHA256_LEN) {
		errno = EINVAL;
		return -1;
	}
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
sha256_file(const char *path, char hex[2 * SHA256_LEN + 1])
{
	struct sha256	*s;
	unsigned char	 buf[64 * 1024];
	uint8_t		 h[SHA256_LEN];
	ssize_t		 n;
	int		 fd, saved, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if ((s = sha256_new()) == NULL || sha256_begin(s) == -1)
		goto out;
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		if (sha256_update(s, buf, (size_t)n) == -1)
			goto out;
	}
	if (sha256_end(s, h) == -1)
		goto out;
	sha256_hex(h, hex);
	r = 0;
out:
	saved = errno;
	sha256_free(s);
	close(fd);
	errno = saved;
	return r;
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
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}
