/*
 * Streaming SHA-256 of content (see sha256.h), over libcrypto: its
 * SHA-256 uses the CPU's SHA extensions where there are any, several
 * times libmd's speed on what an add hashes. Only kbd links it.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sha256.h"

struct sha256 {
	EVP_MD_CTX	*ctx;
};

static EVP_MD	*md_sha256;

int
sha256_setup(void)
{
	uint8_t		h[SHA256_LEN];
	unsigned int	len;

	if (md_sha256 != NULL)
		return 0;
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT, NULL) != 1 ||
	    (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	/* One digest, so that nothing is left to load lazily. */
	if (EVP_Digest("", 0, h, &len, md_sha256, NULL) != 1 ||
	    len != SHA256_LEN) {
		errno = EINVAL;
		return -1;
	}
	return 0;
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
