/*
 * The cost of isolation, per format: the same documents converted twice,
 * once in a plain loop in this process (the libraries doing the work,
 * with the hashing, copying and text analysis a worker does too), once
 * by a real
 * sandboxed worker (kbd -X worker,
 * re-executed, seccomp, rlimits) driven over its channel exactly as the
 * supervisor drives it: PREPARE (hash and sniff) then CONVERT (read again,
 * copy, hash, convert, write the Markdown), with fds passed by SCM_RIGHTS.
 * Prints, per extension, files/s and MB/s of each and their ratio.
 *
 * usage: convert_bench KBD_BINARY < list of files, one per line
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "chan.h"
#include "convert.h"
#include "kbd-protocol.h"
#include "kbd.pb-c.h"
#include "keywords.h"
#include "lang.h"
#include "terms.h"

#define MAX_OUTPUT	(256u << 20)
#define ROUNDS_MIN_S	1.0	/* repeat a format's set until this long */

struct file {
	char	*path;
	char	 ext[16];
	size_t	 size;
	uint8_t	 hash[32];
};

static struct chan	wc;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		err(1, "%s", path);
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		err(1, NULL);
	while (off < (size_t)st.st_size &&
	    (n = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	*len = off;
	return buf;
}

static pid_t
spawn_worker(const char *kbd)
{
	int	sp[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1)
		err(1, "socketpair");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if (dup2(sp[1], 3) == -1)
			_exit(127);
		closefrom(4);
		execl(kbd, "kbd", "-X", "worker", "1073741824", "60",
		    "268435456", "en", (char *)NULL);
		_exit(127);
	}
	close(sp[1]);
	chan_init(&wc, sp[0], 0, MSG_MAX_INTERNAL);
	return pid;
}

/* The next reply, skipping the worker's log lines. */
static void
reply(struct msg *m, uint32_t want)
{
	for (;;) {
		if (chan_recv(&wc, m, 0) <= 0)
			errx(1, "worker channel: %s", wc.error);
		if (m->type == MSG_LOG) {
			msg_free(m);
			continue;
		}
		if (m->type != want)
			errx(1, "unexpected %s", msg_type_name(m->type));
		return;
	}
}

/*
 * Queue one file's PREPARE and CONVERT to the worker without waiting; the
 * worker answers in order. Keeping a few files in flight measures what the
 * worker can do, as the supervisor's several workers do, not the latency
 * of one round trip.
 */
static void
worker_send(const struct file *f, int rawfd, int mdfd, uint64_t seq)
{
	Kbd__PrepareReq	 pr = KBD__PREPARE_REQ__INIT;
	Kbd__ConvertReq	 cr = KBD__CONVERT_REQ__INIT;
	int		 fds[3], i;

	if ((fds[0] = open(f->path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", f->path);
	pr.seq = seq;
	pr.ext = (char *)f->ext;
	if (chan_send(&wc, MSG_PREPARE_REQ, &pr.base, fds, 1) == -1)
		err(1, "send");
	close(fds[0]);

	if ((fds[0] = open(f->path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", f->path);
	if (ftruncate(rawfd, 0) == -1 || ftruncate(mdfd, 0) == -1 ||
	    lseek(rawfd, 0, SEEK_SET) == -1 || lseek(mdfd, 0, SEEK_SET) == -1)
		err(1, "memfd");
	if ((fds[1] = dup(rawfd)) == -1 || (fds[2] = dup(mdfd)) == -1)
		err(1, "dup");
	cr.seq = seq;
	cr.ext = (char *)f->ext;
	cr.expect_hash.data = (uint8_t *)f->hash;
	cr.expect_hash.len = sizeof(f->hash);
	cr.max_output = MAX_OUTPUT;
	if (chan_send(&wc, MSG_CONVERT_REQ, &cr.base, fds, 3) == -1)
		err(1, "send");
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

/* The replies to the oldest file in flight: 1 converted, 0 refused. */
static int
worker_recv(void)
{
	struct msg	m;
	int		ok;

	reply(&m, MSG_PREPARE_REP);
	msg_free(&m);
	reply(&m, MSG_CONVERT_REP);
	ok = ((Kbd__ConvertRep *)m.pb)->ok;
	msg_free(&m);
	return ok;
}

#define WINDOW	4

static void
hash(const char *buf, size_t len, uint8_t *out)
{
	unsigned int	hl;

	if (EVP_Digest(buf, len, out, &hl, EVP_sha256(), NULL) != 1)
		errx(1, "sha256");
}

static void
put(int fd, const char *p, size_t n)
{
	ssize_t	w;

	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		err(1, "memfd");
	while (n > 0) {
		if ((w = write(fd, p, n)) == -1)
			err(1, "write");
		p += w;
		n -= (size_t)w;
	}
}

/* Every file of a set through the worker; how many converted. */
static size_t
via_worker(const struct file *fs, size_t n, const int *rawfds,
    const int *mdfds, uint64_t *seq)
{
	size_t	i, ok = 0;

	for (i = 0; i < n; i++) {
		if (i >= WINDOW)
			ok += (size_t)worker_recv();
		/* A slot's memfds are free once its file's replies are in. */
		worker_send(&fs[i], rawfds[i % WINDOW], mdfds[i % WINDOW],
		    ++*seq);
	}
	for (i = n > WINDOW ? n - WINDOW : 0; i < n; i++)
		ok += (size_t)worker_recv();
	return ok;
}

/* What a worker computes from the Markdown for the committer. */
static void
analyse(const char *md, size_t len)
{
	struct concept_term	*t;
	char			*kw[KEYWORDS_MAX];
	size_t			 nt, nkw;

	nt = concepts_extract_lang(md, len, tok_doc_lang(md, len), &t);
	nkw = keywords_extract(md, len, kw);
	concepts_terms_free(t, nt);
	keywords_free(kw, nkw);
}

/*
 * The same work as the worker's PREPARE and CONVERT, in this process:
 * read and hash, sniff; read again, hash, copy, convert, write the
 * Markdown, analyse it. What differs is only the isolation.
 */
static int
in_process(const struct file *f, int rawfd, int mdfd)
{
	struct convert_result	 r;
	enum format	 fmt;
	uint8_t			 h[32];
	char			*buf, reason[CONVERT_REASON_MAX];
	size_t			 len;
	int			 ok;

	buf = slurp(f->path, &len);
	hash(buf, len, h);
	ok = format_sniff(f->ext, buf, len, &fmt, reason,
	    sizeof(reason)) == 0;
	free(buf);
	if (!ok)
		return 0;
	buf = slurp(f->path, &len);
	hash(buf, len, h);
	put(rawfd, buf, len);
	ok = convert(f->ext, buf, len, MAX_OUTPUT, &r) == CONVERT_OK;
	if (ok) {
		put(mdfd, r.md, r.md_len);
		analyse(r.md, r.md_len);
	}
	convert_free(&r);
	free(buf);
	return ok;
}

static void
bench(const char *ext, struct file *fs, size_t n, const int *rawfds,
    const int *mdfds)
{
	double		t0, raw_s, iso_s;
	uint64_t	seq = 0, bytes = 0;
	size_t		i, rounds = 0, ok = 0;

	for (i = 0; i < n; i++)
		bytes += fs[i].size;
	/* Warm both paths once (page cache, worker start). */
	for (i = 0; i < n; i++)
		ok += (size_t)in_process(&fs[i], rawfds[0], mdfds[0]);
	(void)via_worker(fs, n, rawfds, mdfds, &seq);
	if (ok == 0) {
		printf("%-6s %5zu files: not converted (unsupported here)\n",
		    ext, n);
		return;
	}
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			(void)in_process(&fs[i], rawfds[0], mdfds[0]);
		rounds++;
	} while (now() - t0 < ROUNDS_MIN_S);
	raw_s = (now() - t0) / (double)rounds;
	t0 = now();
	for (i = 0; i < rounds; i++)
		(void)via_worker(fs, n, rawfds, mdfds, &seq);
	iso_s = (now() - t0) / (double)rounds;
	printf("%-6s %5zu files %8.1f MB  library %8.1f files/s %7.1f MB/s"
	    "  worker %8.1f files/s %7.1f MB/s  ratio %.2f%s\n", ext, n,
	    (double)bytes / 1e6, (double)n / raw_s, (double)bytes / 1e6 / raw_s,
	    (double)n / iso_s, (double)bytes / 1e6 / iso_s, raw_s / iso_s,
	    ok < n ? "  (some files refused)" : "");
}

static int
by_ext(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->ext,
	    ((const struct file *)b)->ext);
}

int
main(int argc, char **argv)
{
	struct file	*fs = NULL;
	char		*line = NULL, *dot, *buf;
	size_t		 cap = 0, n = 0, i, j, len;
	ssize_t		 ll;
	int		 rawfds[WINDOW], mdfds[WINDOW], status;
	pid_t		 pid;

	if (argc != 2)
		errx(2, "usage: convert_bench KBD_BINARY < file-list");
	if (convert_init() == -1)
		errx(1, "convert_init");
	while ((ll = getline(&line, &cap, stdin)) > 0) {
		if (line[ll - 1] == '\n')
			line[--ll] = '\0';
		if (ll == 0)
			continue;
		if ((fs = reallocarray(fs, n + 1, sizeof(*fs))) == NULL)
			err(1, NULL);
		fs[n].path = strdup(line);
		dot = strrchr(line, '.');
		(void)snprintf(fs[n].ext, sizeof(fs[n].ext), "%s",
		    dot != NULL && strchr(dot, '/') == NULL ? dot + 1 : "");
		buf = slurp(line, &len);
		fs[n].size = len;
		hash(buf, len, fs[n].hash);
		free(buf);
		n++;
	}
	free(line);
	if (n == 0)
		errx(1, "no files");
	qsort(fs, n, sizeof(*fs), by_ext);
	for (i = 0; i < WINDOW; i++)
		if ((rawfds[i] = memfd_create("raw", 0)) == -1 ||
		    (mdfds[i] = memfd_create("md", 0)) == -1)
			err(1, "memfd_create");
	pid = spawn_worker(argv[1]);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(fs[j].ext, fs[i].ext) == 0; j++)
			;
		bench(fs[i].ext, fs + i, j - i, rawfds, mdfds);
	}
	close(wc.fd);
	(void)waitpid(pid, &status, 0);
	for (i = 0; i < n; i++)
		free(fs[i].path);
	free(fs);
	return 0;
}
