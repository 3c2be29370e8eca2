/*
 * The prepare/convert worker: a sandboxed child of the supervisor that
 * hashes inputs and decides their format from their first bytes (PREPARE)
 * and converts them to Markdown (CONVERT; for a small file new to the KB,
 * both in one request), one request at a time, on fds the supervisor
 * opened for it. With the Markdown goes its analysis
 * (language, concept terms, keywords): computed here, by the workers in
 * parallel, rather than by the one committer.
 * It sandboxes itself before it reads a request, so everything it needs
 * from the file system (libcrypto's configuration) is loaded first. A
 * worker lives for many files: each request frees all it allocated and
 * closes its fds.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef KBD_SAN
#include <sanitizer/common_interface_defs.h>
#endif

#include "chan.h"
#include "convert.h"
#include "convver.h"
#include "kbd.h"
#include "kbd.pb-c.h"
#include "kbpath.h"
#include "keywords.h"
#include "lang.h"
#include "log.h"
#include "sandbox.h"
#include "terms.h"
#include "sha256.h"
#include "util.h"
#include "xmalloc.h"

/* Heap kept between files, and the size from which a buffer is mapped. */
#define WORKER_HEAP_KEEP	(8 << 20)

#define IO_CHUNK	(64 * 1024)
#define READ_MAX	(1024 * 1024)		/* per pread when converting */
#define DEFAULT_MAX_SIZE (64ull << 20)

static struct chan	 w_chan;
static struct sha256	*w_hash;
static uint64_t		 w_fsize;
static uint8_t		 w_io[IO_CHUNK];

static void
hash_begin(void)
{
	if (sha256_begin(w_hash) == -1)
		fatalx("SHA-256: init failed");
}

static void
hash_update(const void *p, size_t n)
{
	if (sha256_update(w_hash, p, n) == -1)
		fatalx("SHA-256: update failed");
}

static void
hash_end(uint8_t *out)
{
	if (sha256_end(w_hash, out) == -1)
		fatalx("SHA-256: final failed");
}

static void
too_large(char *reason, size_t len, uint64_t size, uint64_t max)
{
	(void)snprintf(reason, len, "too large (%llu bytes, limit %llu)",
	    (unsigned long long)size, (unsigned long long)max);
}

/*
 * The prefilter: the content's first bytes (of len in all) must be of a
 * format ext may hold. -1 with the reason, and *skipped for a binary kbd
 * has no converter for.
 */
static int
prefilter(const char *ext, const char *head, uint64_t len, char *reason,
    size_t rlen, protobuf_c_boolean *skipped)
{
	enum format	fmt;
	size_t		sniff;

	sniff = len < FORMAT_SNIFF_LEN ? (size_t)len : FORMAT_SNIFF_LEN;
	*skipped = 0;
	if (format_sniff(ext, head, sniff, &fmt, reason, rlen) == 0)
		return 0;
	*skipped = format_skippable(ext, head, sniff);
	return -1;
}

/* Hash the input and apply the prefilter; nothing is converted. */
static void
prepare(struct msg *m)
{
	Kbd__PrepareReq	*req = (Kbd__PrepareReq *)m->pb;
	Kbd__PrepareRep	 rep = KBD__PREPARE_REP__INIT;
	uint8_t		 hash[SHA256_LEN];
	char		 reason[256] = "", head[FORMAT_SNIFF_LEN];
	protobuf_c_boolean skipped;
	struct stat	 st;
	uint64_t	 max, total = 0;
	size_t		 sniff;
	ssize_t		 n;
	int		 fd;

	if (m->nfds != 1)
		fatalx("PREPARE_REQ with %d fds", m->nfds);
	fd = m->fds[0];
	max = req->max_size != 0 ? req->max_size : DEFAULT_MAX_SIZE;
	rep.seq = req->seq;

	if (fstat(fd, &st) == -1) {
		(void)snprintf(reason, sizeof(reason), "read error: %s",
		    strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(reason, sizeof(reason), "not a regular file");
		goto done;
	}
	if ((uint64_t)st.st_size > max) {
		too_large(reason, sizeof(reason), (uint64_t)st.st_size, max);
		goto done;
	}
	hash_begin();
	for (;;) {
		if ((n = read(fd, w_io, sizeof(w_io))) == -1) {
			if (errno == EINTR)
				continue;
			(void)snprintf(reason, sizeof(reason),
			    "read error: %s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (total < FORMAT_SNIFF_LEN) {
			sniff = (size_t)n < FORMAT_SNIFF_LEN - total ?
			    (size_t)n : (size_t)(FORMAT_SNIFF_LEN - total);
			memcpy(head + total, w_io, sniff);
		}
		total += (uint64_t)n;
		if (total > max) {	/* it grew since fstat */
			too_large(reason, sizeof(reason), total, max);
			goto done;
		}
		hash_update(w_io, (size_t)n);
	}
	hash_end(hash);
	if (prefilter(req->ext, head, total, reason, sizeof(reason),
	    &skipped) == -1) {
		rep.skipped = skipped;
		goto done;
	}
	rep.ok = 1;
	rep.hash.data = hash;
	rep.hash.len = sizeof(hash);
	rep.size = total;
done:
	rep.reason = reason;
	if (chan_send(&w_chan, MSG_PREPARE_REP, &rep.base, NULL, 0) == -1)
		fatal("send PREPARE_REP");
}

/*
 * Whether the input still holds the len bytes of buf: read once more and
 * compared. A file written while it was read gives a copy that mixes
 * versions, which one read cannot tell; the two requests of a prepared
 * file tell it by comparing hashes of two reads, and a direct one does it
 * here (the file's mtime may not move: a timestamp's tick is coarser
 * than two writes).
 */
static int
unchanged(int in, const char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	for (;;) {
		n = pread(in, w_io, sizeof(w_io), (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (size_t)n > len - off)
			return 0;
		if (n == 0)
			return off == len;
		if (memcmp(w_io, buf + off, (size_t)n) != 0)
			return 0;
		off += (size_t)n;
		/*
		 * A short read that ends at len: the file ends there (a
		 * longer one would have filled more). No read more to see
		 * it: a small file took four reads, now two.
		 */
		if (off == len && (size_t)n < sizeof(w_io))
			return 1;
	}
}

/*
 * Read the whole input from offset 0 into memory, copying it to the raw
 * staging fd and hashing it on the way. Returns the buffer, or NULL with
 * the reason set.
 */
static char *
slurp(int in, int raw, uint64_t max, uint8_t *hash, size_t *lenp,
    char *reason, size_t rlen)
{
	struct stat	 st;
	char		*buf, *nb;
	size_t		 len = 0, cap, want;
	ssize_t		 n;

	if (fstat(in, &st) == -1) {
		(void)snprintf(reason, rlen, "read error: %s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(reason, rlen, "not a regular file");
		return NULL;
	}
	if ((uint64_t)st.st_size > max) {
		too_large(reason, rlen, (uint64_t)st.st_size, max);
		return NULL;
	}
	/* Room for one byte more than allowed tells a file that grew. */
	cap = (size_t)st.st_size + 1;
	if (cap < IO_CHUNK)
		cap = IO_CHUNK;
	if ((uint64_t)cap > max + 1)
		cap = (size_t)max + 1;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	hash_begin();
	for (;;) {
		if (len == cap) {
			if ((uint64_t)len > max) {
				too_large(reason, rlen, len, max);
				goto fail;
			}
			cap = (uint64_t)cap * 2 > max + 1 ? (size_t)max + 1 :
			    cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto nomem;
			buf = nb;
		}
		want = cap - len < READ_MAX ? cap - len : READ_MAX;
		if ((n = pread(in, buf + len, want, (off_t)len)) == -1) {
			if (errno == EINTR)
				continue;
			(void)snprintf(reason, rlen, "read error: %s",
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if ((uint64_t)(len + (size_t)n) > max) {
			too_large(reason, rlen, len + (size_t)n, max);
			goto fail;
		}
		hash_update(buf + len, (size_t)n);
		if (write_all(raw, buf + len, (size_t)n) == -1) {
			(void)snprintf(reason, rlen,
			    "writing the raw copy: %s",
			    strerror(errno));
			goto fail;
		}
		len += (size_t)n;
		/* As unchanged(): a short read to the file's size is all. */
		if (len == (size_t)st.st_size && (size_t)n < want)
			break;
	}
	hash_end(hash);
	*lenp = len;
	return buf;
nomem:
	(void)snprintf(reason, rlen, "out of memory");
fail:
	free(buf);
	return NULL;
}

static void
convert_reason(int err, const struct convert_result *r, uint64_t maxout,
    char *reason, size_t rlen)
{
	switch (err) {
	case CONVERT_ENOMEM:
		(void)snprintf(reason, rlen, "out of memory");
		break;
	case CONVERT_EUTF8:
		(void)snprintf(reason, rlen, "invalid UTF-8 at byte %zu",
		    r->offset);
		break;
	case CONVERT_ENUL:
		(void)snprintf(reason, rlen,
		    "binary content (NUL byte at byte %zu)", r->offset);
		break;
	case CONVERT_EOUTPUT:
		(void)snprintf(reason, rlen, "output exceeds %llu bytes",
		    (unsigned long long)maxout);
		break;
	case CONVERT_EFORMAT:
	case CONVERT_EDOC:
	case CONVERT_ELIMIT:
		(void)snprintf(reason, rlen, "%s", r->reason);
		break;
	default:
		(void)snprintf(reason, rlen, "Markdown parser failed");
		break;
	}
}

#ifdef KBD_FAILPOINTS
/*
 * Test builds: a worker started with KBD_WORKER_SELFTEST=open|execve|socket
 * makes that forbidden call when it converts a file that begins with
 * SELFTEST_MAGIC, as a converter subverted by a hostile file would; the
 * tests check that the sandbox kills it and that the file fails with
 * "sandbox violation". hang, segv and oom behave as a broken converter
 * would, for the tests of containment; in sanitizer builds (SAN=1) oob
 * reads past a heap block, for the test that the report reaches kbd.log.
 * Both the environment and the content must agree, so no input alone can
 * trigger it.
 */
#define SELFTEST_MAGIC	"kbd-sandbox-selftest\n"

static const char	*w_selftest;

static void
selftest(const char *buf, size_t len)
{
	static char *const	argv[] = { (char *)"sh", NULL };
	volatile char		*p;
	size_t			 i;

	if (w_selftest == NULL || len < sizeof(SELFTEST_MAGIC) - 1 ||
	    memcmp(buf, SELFTEST_MAGIC, sizeof(SELFTEST_MAGIC) - 1) != 0)
		return;
	if (strcmp(w_selftest, "open") == 0) {
#ifdef SYS_open
		(void)syscall(SYS_open, "/etc/passwd", O_RDONLY);
#else
		(void)syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
#endif
	} else if (strcmp(w_selftest, "execve") == 0)
		(void)execve("/bin/sh", argv, NULL);
	else if (strcmp(w_selftest, "socket") == 0)
		(void)socket(AF_INET, SOCK_STREAM, 0);
	/* And a converter that hangs, crashes or eats memory. */
	else if (strcmp(w_selftest, "hang") == 0)
		for (;;)
			;
	else if (strcmp(w_selftest, "segv") == 0)
		(void)raise(SIGSEGV);
	else if (strcmp(w_selftest, "oom") == 0)
		for (i = 0; i < 1024; i++) {
			/* 16 GiB at most: far past any --mem-limit. */
			p = xmalloc(16 << 20);
			p[0] = p[(16 << 20) - 1] = 1;
		}
#ifdef KBD_SAN
	else if (strcmp(w_selftest, "oob") == 0) {
		p = xcalloc(1, len);
		/* One byte past the block: ASan reports it and stops us. */
		i = (size_t)p[len];
		free((void *)p);
	}
#endif
}
#endif

#ifdef KBD_SAN
/*
 * Sanitizer builds: once sandboxed, a worker cannot open the sanitizers'
 * log_path (openat answers EACCES), and its stderr is the daemon's
 * /dev/null, so a report of a memory error in a converter would be lost.
 * Open kbd.log (the supervisor made the KB root our working directory)
 * while we still can and send every report there; the integration tests
 * fail on any report in a kbd.log (tests/integration/lib.sh).
 */
static void
san_report_fd(void)
{
	int	fd;

	if ((fd = open(KB_LOGFILE, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1) {
		log_warn("sanitizer reports: %s", KB_LOGFILE);
		return;
	}
	__sanitizer_set_report_fd((void *)(intptr_t)fd);
}
#endif

/*
 * The Markdown's language (the KB's default when unsure: it came on the
 * command line), its candidate concept terms and its keywords, encoded
 * as an Analysis for the committer (workers/committer/itemtext.c).
 */
static void
analyse(const char *md, size_t len, ProtobufCBinaryData *out)
{
	Kbd__Analysis		 a = KBD__ANALYSIS__INIT;
	Kbd__ConceptTerm	 ts[CONCEPT_DOC_TERMS], *tp[CONCEPT_DOC_TERMS];
	struct concept_term	*t;
	char			*kw[KEYWORDS_MAX];
	size_t			 nt, nkw, i;
	int			 lang;

	lang = tok_doc_lang(md, len);
	nt = concepts_extract_lang(md, len, lang, &t);
	nkw = keywords_extract(md, len, kw);
	a.lang = (char *)tok_lang_code(lang);
	for (i = 0; i < nt; i++) {
		kbd__concept_term__init(&ts[i]);
		ts[i].term = t[i].term;
		ts[i].count = t[i].count;
		ts[i].weight = t[i].weight;
		ts[i].defn = t[i].defn != NULL ? t[i].defn : (char *)"";
		tp[i] = &ts[i];
	}
	a.terms = tp;
	a.n_terms = nt;
	a.keywords = kw;
	a.n_keywords = nkw;
	out->len = kbd__analysis__get_packed_size(&a);
	out->data = xmalloc(out->len + 1);
	(void)kbd__analysis__pack(&a, out->data);
	concepts_terms_free(t, nt);
	keywords_free(kw, nkw);
}

/* Copy, re-hash, convert, write the Markdown; reply with the metadata. */
static void
convert_one(struct msg *m)
{
	Kbd__ConvertReq		 *req = (Kbd__ConvertReq *)m->pb;
	Kbd__ConvertRep		  rep = KBD__CONVERT_REP__INIT;
	Kbd__Heading		 *hs = NULL, **hp = NULL;
	struct convert_result	  r;
	uint8_t			  hash[SHA256_LEN];
	char			  reason[256] = "", *buf;
	uint64_t		  max, maxout;
	size_t			  len = 0, i;
	int			  err;

	if (m->nfds != 3)
		fatalx("CONVERT_REQ with %d fds", m->nfds);
	if (req->expect_hash.len != (req->prepare ? 0 : SHA256_LEN))
		fatalx("CONVERT_REQ with a hash of %zu bytes",
		    req->expect_hash.len);
	memset(&r, 0, sizeof(r));
	max = req->max_size != 0 ? req->max_size : DEFAULT_MAX_SIZE;
	maxout = req->max_output != 0 ? req->max_output : w_fsize;
	if (maxout == 0 || maxout > SIZE_MAX)
		maxout = SIZE_MAX;
	rep.seq = req->seq;

	buf = slurp(m->fds[0], m->fds[1], max, hash, &len, reason,
	    sizeof(reason));
	if (buf == NULL)
		goto done;
	rep.hash.data = hash;
	rep.hash.len = sizeof(hash);
	rep.size = len;
	if (req->prepare) {
		/* PREPARE's prefilter, on the bytes to be converted. */
		if (prefilter(req->ext, buf, len, reason, sizeof(reason),
		    &rep.skipped) == -1) {
			free(buf);
			goto done;
		}
		if (!unchanged(m->fds[0], buf, len)) {
			(void)snprintf(reason, sizeof(reason),
			    "file changed while being read");
			free(buf);
			goto done;
		}
	} else if (memcmp(hash, req->expect_hash.data, SHA256_LEN) != 0) {
		(void)snprintf(reason, sizeof(reason),
		    "file changed while being read");
		free(buf);
		goto done;
	}
#ifdef KBD_FAILPOINTS
	selftest(buf, len);
#endif
	/* A compressed file may expand to what --max-size allows a file. */
	convert_decompress_max = max > SIZE_MAX ? SIZE_MAX : (size_t)max;
	err = convert(req->ext, buf, len, (size_t)maxout, &r);
	free(buf);
	if (err != CONVERT_OK) {
		convert_reason(err, &r, maxout, reason, sizeof(reason));
		goto done;
	}
	if (write_all(m->fds[2], r.md, r.md_len) == -1) {
		(void)snprintf(reason, sizeof(reason),
		    "writing the Markdown: %s",
		    strerror(errno));
		goto done;
	}

	if (r.noutline > 0) {
		hs = xcalloc(r.noutline, sizeof(*hs));
		hp = xcalloc(r.noutline, sizeof(*hp));
		for (i = 0; i < r.noutline; i++) {
			kbd__heading__init(&hs[i]);
			hs[i].level = r.outline[i].level;
			hs[i].text = r.outline[i].text;
			hp[i] = &hs[i];
		}
	}
	rep.ok = 1;
	rep.title = r.title;
	rep.description = r.description;
	rep.outline = hp;
	rep.n_outline = r.noutline;
	rep.md_size = r.md_len;
	analyse(r.md, r.md_len, &rep.analysis);
	if (convver_name(r.fmt) != NULL) {
		rep.converter = (char *)convver_name(r.fmt);
		rep.converter_version = convver_version(r.fmt);
	}
done:
	rep.reason = reason;
	if (chan_send(&w_chan, MSG_CONVERT_REP, &rep.base, NULL, 0) == -1)
		fatal("send CONVERT_REP");
	free(hp);
	free(hs);
	free(rep.analysis.data);
	convert_free(&r);
}

/*
 * Conversion is background work: a worker runs under SCHED_BATCH, so
 * the supervisor's search threads, woken by a query, preempt it rather
 * than wait for its slice to end, and at nice WORKER_NICE, so that on a
 * small machine a fleet of searches during an add gets the CPU first:
 * at 5 against the searches' 0 it has a quarter of a contended core
 * (at 10, a tenth, and the add fell under half its speed;
 * at 0, the searches' p99 during an add was 100 to 600 ms: docs/
 * architecture.md, "Which part yields"). KBD_WORKER_SCHED=normal keeps
 * SCHED_OTHER and KBD_WORKER_NICE (0-19) sets the nice value, to compare.
 * Neither needs privilege: the nice value is only ever raised (a kbd
 * started at nice 10 keeps its workers there); a failure is logged and
 * the worker runs as it is.
 */
#define WORKER_NICE	5

static void
worker_sched(void)
{
	struct sched_param	 sp = { .sched_priority = 0 };
	const char		*e;
	char			*end;
	long			 v = WORKER_NICE;
	int			 cur;

	e = getenv("KBD_WORKER_SCHED");
	if ((e == NULL || strcmp(e, "normal") != 0) &&
	    sched_setscheduler(0, SCHED_BATCH, &sp) == -1)
		log_warn("SCHED_BATCH");
	if ((e = getenv("KBD_WORKER_NICE")) != NULL && *e != '\0') {
		v = strtol(e, &end, 10);
		if (*end != '\0' || v < 0 || v > 19)
			v = WORKER_NICE;
	}
	errno = 0;
	cur = getpriority(PRIO_PROCESS, 0);
	if ((cur != -1 || errno == 0) && cur < v &&
	    setpriority(PRIO_PROCESS, 0, (int)v) == -1)
		log_warn("nice %ld", v);
}

void
worker_main(const struct worker_limits *lim, const char *language)
{
	struct msg	m;
	int		r;

	chan_init(&w_chan, KBD_CHAN_FD, 0, MSG_MAX_INTERNAL);
	log_setsink(chan_log_sink, &w_chan);
	w_fsize = lim->fsize;
	/* kbd.conf's language, which kbd checked: as the committer's. */
	if (tok_set_default_lang(language) == -1)
		fatalx("unknown default language '%s'", language);

	/*
	 * libcrypto reads openssl.cnf and sets up its providers on first
	 * use; after the sandbox it could not.
	 */
	if ((w_hash = sha256_new()) == NULL)
		fatalx("SHA-256 unavailable");
#ifdef KBD_FAILPOINTS
	w_selftest = getenv("KBD_WORKER_SELFTEST");
#endif
	if (convert_init() == -1)
		fatalx("converters: initialization failed");
	worker_sched();
	/*
	 * Each file's buffers are allocated and freed whole, so by default
	 * glibc gave the heap's top back to the kernel after nearly every
	 * small file (and mapped anything over 128 KiB apart): a brk or an
	 * munmap a file, each a TLB flush on every core, 4 % of a worker's
	 * time on small files. Memory stays bounded by RLIMIT_AS. Best
	 * effort: the sanitizers' allocators ignore it.
	 */
	(void)mallopt(M_TRIM_THRESHOLD, WORKER_HEAP_KEEP);
	(void)mallopt(M_MMAP_THRESHOLD, WORKER_HEAP_KEEP);
#ifdef KBD_SAN
	san_report_fd();
#endif
	if (sandbox_apply(lim) == -1)
		fatal("sandbox");

	for (;;) {
		if ((r = chan_recv(&w_chan, &m, 0)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPROTO)
				fatalx("channel: %s", w_chan.error);
			fatal("channel");
		}
		/* _exit: atexit hooks (sanitizers') could make forbidden calls. */
		if (r == 0)
			_exit(0);
		switch (m.type) {
		case MSG_PREPARE_REQ:
			prepare(&m);
			break;
		case MSG_CONVERT_REQ:
			convert_one(&m);
			break;
		default:
			fatalx("unexpected %s from the supervisor",
			    msg_type_name(m.type));
		}
		msg_free(&m);
	}
}
