/*
 * Unit tests of the committer's batch decisions and naming, against a
 * real SQLite registry and real files: each test opens a fresh KB in a
 * temporary directory as the committer does at start (committer_open),
 * writes real staged files, and drives the real batch code
 * (batch_begin, batch_item, batch_end) without a channel, then checks
 * the reply, the registry, the job's counters and the files. The
 * dispatch table's refusals are checked in a forked child, where they
 * are fatal.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "kbpath.h"
#include "keywords.h"
#include "lang.h"
#include "terms.h"
#include "util.h"
#include "wiki.h"

#define ADDED		KBD__FILE_STATUS__FS_ADDED
#define DUPLICATE	KBD__FILE_STATUS__FS_DUPLICATE
#define SKIPPED		KBD__FILE_STATUS__FS_SKIPPED
#define FAILED		KBD__FILE_STATUS__FS_FAILED
#define CANCELLED	KBD__FILE_STATUS__FS_CANCELLED

static int	oldcwd = -1;
static char	tmpdir[PATH_MAX];

/* One input file as the supervisor sends it; content for added ones. */
struct tin {
	const char	*path, *stem, *ext;
	const char	*content;
	int		 status;
	const char	*reason;
	/* Its worker's analysis: NULL, the real one of its Markdown. */
	const ProtobufCBinaryData *analysis;
};

/* Helpers. */

/*
 * What a worker sends with the Markdown md (workers/worker/worker.c
 * analyse): the real extraction, encoded. Free ->data.
 */
static ProtobufCBinaryData
analysis_of(const char *md)
{
	Kbd__Analysis		 a = KBD__ANALYSIS__INIT;
	Kbd__ConceptTerm	 ts[CONCEPT_DOC_TERMS], *tp[CONCEPT_DOC_TERMS];
	ProtobufCBinaryData	 b;
	struct concept_term	*t;
	char			*kw[KEYWORDS_MAX];
	size_t			 nt, nkw, i, len = strlen(md);
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
	b.len = kbd__analysis__get_packed_size(&a);
	b.data = malloc(b.len + 1);
	assert_non_null(b.data);
	(void)kbd__analysis__pack(&a, b.data);
	concepts_terms_free(t, nt);
	keywords_free(kw, nkw);
	return b;
}

static void
write_file(const char *path, const char *s)
{
	int	fd;

	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write_all(fd, s, strlen(s)), 0);
	assert_int_equal(close(fd), 0);
}

static int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

static int
not_dot(const struct dirent *de)
{
	return strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
}

/* Names in a directory (no . and ..). */
static int
count_entries(const char *dir)
{
	struct dirent	**v;
	int		  i, n;

	assert_true((n = scandir(dir, &v, not_dot, NULL)) >= 0);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return n;
}

static void
hex_of(const char *content, char hex[65])
{
	uint8_t	h[SHA256_LEN];

	assert_int_equal(sha256_buf(content, strlen(content), h), 0);
	sha256_hex(h, hex);
}

/* stem-<first 8 hex digits of the content's hash>: the first fallback. */
static char *
suffixed(const char *stem, const char *content)
{
	char	hex[65], *s;

	hex_of(content, hex);
	assert_true(asprintf(&s, "%s-%.8s", stem, hex) != -1);
	return s;
}

static uint64_t
new_job(void)
{
	uint64_t	job;

	assert_int_equal(db_job_create("req", 3, 1, &job), 0);
	return job;
}

/*
 * Send items seq first.. as one batch of job through the real batch
 * code, cursor at the last item; added ones get staged files written
 * the way a worker leaves them. Returns the reply (batch_rep_free).
 */
static Kbd__BatchRep *
run_batch(uint64_t job, uint64_t batchno, uint64_t first,
    const struct tin *v, size_t n)
{
	Kbd__BatchBegin	 b = KBD__BATCH_BEGIN__INIT;
	Kbd__BatchEnd	 e = KBD__BATCH_END__INIT;
	Kbd__BatchItem	 bi;
	uint8_t		 hash[SHA256_LEN];
	char		*raw, *md, *text;
	size_t		 i;
	ProtobufCBinaryData ab;

	b.job = job;
	b.batch = batchno;
	b.count = (uint32_t)n;
	assert_int_equal(batch_begin(&b), n);
	for (i = 0; i < n; i++) {
		kbd__batch_item__init(&bi);
		bi.seq = first + i;
		bi.path = (char *)v[i].path;
		bi.status = v[i].status;
		bi.reason = (char *)(v[i].reason != NULL ? v[i].reason : "");
		bi.stem = (char *)v[i].stem;
		bi.ext = (char *)v[i].ext;
		bi.dev = 1;
		bi.ino = 100 + bi.seq;
		bi.mtime_ns = 1000;
		raw = md = NULL;
		if (v[i].status == ADDED) {
			assert_int_equal(sha256_buf(v[i].content,
			    strlen(v[i].content), hash), 0);
			bi.hash.data = hash;
			bi.hash.len = sizeof(hash);
			bi.size = strlen(v[i].content);
			raw = kbpath_staged(job, bi.seq, "raw");
			md = kbpath_staged(job, bi.seq, "md");
			write_file(raw, v[i].content);
			assert_true(asprintf(&text, "# %s\n\n%s\n", v[i].stem,
			    v[i].content) != -1);
			write_file(md, text);
			ab.data = NULL;
			if (v[i].analysis != NULL)
				bi.analysis = *v[i].analysis;
			else
				bi.analysis = ab = analysis_of(text);
			free(text);
			bi.staged_raw = raw;
			bi.staged_md = md;
		}
		assert_int_equal(batch_item(&bi), n - i - 1);
		if (v[i].status == ADDED)
			free(ab.data);
		free(raw);
		free(md);
	}
	e.job = job;
	e.batch = batchno;
	e.cursor = first + n - 1;
	return batch_end(&e);
}

static void
check_result(const Kbd__BatchRep *rep, size_t i, int status,
    const char *doc, const char *reason)
{
	assert_true(i < rep->n_results);
	assert_int_equal(rep->results[i]->status, status);
	assert_string_equal(rep->results[i]->doc, doc);
	if (reason != NULL)
		assert_string_equal(rep->results[i]->reason, reason);
}

static void
check_counts(uint64_t job, uint64_t added, uint64_t duplicates,
    uint64_t skipped, uint64_t failed, uint64_t cancelled, uint64_t cursor)
{
	Kbd__JobSummary	s = KBD__JOB_SUMMARY__INIT;

	assert_int_equal(db_job_get(job, &s), 1);
	assert_int_equal(s.added, added);
	assert_int_equal(s.duplicates, duplicates);
	assert_int_equal(s.skipped, skipped);
	assert_int_equal(s.failed, failed);
	assert_int_equal(s.cancelled, cancelled);
	assert_int_equal(s.cursor, cursor);
	free(s.error);
}

/* The document's three files are live, its raw file holding content. */
static void
check_published(const char *doc, const char *ext, const char *content)
{
	char	*p, *got;
	size_t	 len;

	p = kbpath_raw(doc, ext);
	assert_non_null(got = read_file(p, &len));
	assert_string_equal(got, content);
	free(got);
	free(p);
	p = kbpath_source(doc);
	assert_true(exists(p));
	free(p);
	p = kbpath_summary(doc);
	assert_true(exists(p));
	free(p);
	assert_int_equal(db_name_exists(doc), 1);
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(path);
}

static int
setup(void **state)
{
	unsigned	rolled_back, finalized;

	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbd-test-committer."
	    "XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if ((oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    chdir(tmpdir) == -1 || mkdir(KB_STATE, 0700) == -1)
		return -1;
	committer_open(&rolled_back, &finalized);
	return rolled_back == 0 && finalized == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	db_close();
	if (fchdir(oldcwd) == -1)
		return -1;
	close(oldcwd);
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Tests. */

static void
test_new_document(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/notes.txt", "notes", "txt", "some notes", ADDED, NULL },
	};
	Kbd__BatchRep		*rep;
	char			*index;
	size_t			 len;
	uint64_t		 job;

	(void)state;
	job = new_job();
	rep = run_batch(job, 1, 1, in, 1);
	assert_string_equal(rep->error, "");
	assert_int_equal(rep->job, job);
	assert_int_equal(rep->batch, 1);
	assert_int_equal(rep->results[0]->seq, 1);
	assert_string_equal(rep->results[0]->path, "/in/notes.txt");
	check_result(rep, 0, ADDED, "notes", "");
	batch_rep_free(rep);

	check_published("notes", "txt", "some notes");
	/* Listed on its type's index page, which index.md links. */
	assert_non_null(index = read_file(KB_INDEX_TYPES "/txt.md", &len));
	assert_non_null(strstr(index, "(../../summaries/notes.md)"));
	free(index);
	assert_non_null(index = read_file(WIKI_INDEX, &len));
	assert_non_null(strstr(index, "(index/type/txt.md)"));
	free(index);
	/* The staged files moved: nothing is left in staging. */
	assert_int_equal(count_entries(KB_STAGING), 0);
	check_counts(job, 1, 0, 0, 0, 0, 1);
}

static void
test_duplicate(void **state)
{
	static const struct tin	 in1[] = {
		{ "/in/a.txt", "a", "txt", "same words", ADDED, NULL },
		{ "/in/copy.txt", "copy", "txt", "same words", ADDED, NULL },
	};
	static const struct tin	 in2[] = {
		{ "/in/b.md", "b", "md", "same words", ADDED, NULL },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 job;

	(void)state;
	job = new_job();
	/* An earlier item of the same batch. */
	rep = run_batch(job, 1, 1, in1, 2);
	assert_string_equal(rep->error, "");
	check_result(rep, 0, ADDED, "a", "");
	check_result(rep, 1, DUPLICATE, "a", "same content as a");
	batch_rep_free(rep);
	/* The registry. */
	rep = run_batch(job, 2, 3, in2, 1);
	assert_string_equal(rep->error, "");
	check_result(rep, 0, DUPLICATE, "a", "same content as a");
	batch_rep_free(rep);

	check_published("a", "txt", "same words");
	assert_int_equal(db_name_exists("copy"), 0);
	assert_int_equal(db_name_exists("b"), 0);
	assert_false(exists("raw/copy.txt"));
	assert_false(exists("raw/b.md"));
	/* A duplicate's staged files are removed, not published. */
	assert_int_equal(count_entries(KB_STAGING), 0);
	assert_int_equal(count_entries(KB_RAW), 1);
	check_counts(job, 1, 2, 0, 0, 0, 3);
}

/*
 * Two batches of a job: the first item of in1 is named by its stem; the
 * second, and then the one of in2, find their stem taken (as a name or
 * as a raw file's name) and get the stem with a hash suffix.
 */
static void
check_collisions(const struct tin in1[2], const struct tin in2[1])
{
	const struct tin	*all[3] = { &in1[0], &in1[1], &in2[0] };
	Kbd__BatchRep		*rep;
	char			*names[3];
	uint64_t		 job;
	size_t			 i;

	job = new_job();
	assert_non_null(names[0] = strdup(in1[0].stem));
	names[1] = suffixed(in1[1].stem, in1[1].content);
	names[2] = suffixed(in2[0].stem, in2[0].content);
	/* Against an earlier item of the batch, then the registry. */
	rep = run_batch(job, 1, 1, in1, 2);
	assert_string_equal(rep->error, "");
	check_result(rep, 0, ADDED, names[0], "");
	check_result(rep, 1, ADDED, names[1], "");
	batch_rep_free(rep);
	rep = run_batch(job, 2, 3, in2, 1);
	assert_string_equal(rep->error, "");
	check_result(rep, 0, ADDED, names[2], "");
	batch_rep_free(rep);
	for (i = 0; i < 3; i++) {
		check_published(names[i], all[i]->ext, all[i]->content);
		free(names[i]);
	}
	check_counts(job, 3, 0, 0, 0, 0, 3);
}

/* A name is unique whatever the extension. */
static void
test_same_stem(void **state)
{
	static const struct tin	 in1[] = {
		{ "/x/report.txt", "report", "txt", "first", ADDED, NULL },
		{ "/y/report.txt", "report", "txt", "second", ADDED, NULL },
	};
	static const struct tin	 in2[] = {
		{ "/z/report.md", "report", "md", "third", ADDED, NULL },
	};

	(void)state;
	check_collisions(in1, in2);
}

/*
 * Names hold dots: "a.b" without an extension and "a" with extension "b"
 * would both be raw/a.b.
 */
static void
test_raw_file_collision(void **state)
{
	static const struct tin	 in1[] = {
		{ "/in/a.b", "a.b", "", "dotted", ADDED, NULL },
		{ "/in/a.b", "a", "b", "extension", ADDED, NULL },
	};
	static const struct tin	 in2[] = {
		{ "/other/a.b", "a", "b", "again", ADDED, NULL },
	};

	(void)state;
	check_collisions(in1, in2);
	assert_int_equal(raw_file_owned("a.b"), 1);
	assert_int_equal(raw_file_owned("a.c"), 0);
}

/* The extension of a raw copy is cut to NAMING_EXT_MAX bytes. */
static void
test_long_extension(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/x.0123456789abcdef0123456789abcdefXYZ", "x",
		    "0123456789abcdef0123456789abcdefXYZ", "long", ADDED,
		    NULL },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 job;

	(void)state;
	job = new_job();
	rep = run_batch(job, 1, 1, in, 1);
	check_result(rep, 0, ADDED, "x", "");
	batch_rep_free(rep);
	check_published("x", "0123456789abcdef0123456789abcdef", "long");
}

/* What arrived failed, skipped or cancelled stays so, with its reason. */
static void
test_outcomes_kept(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/scan.txt", "scan", "txt", NULL, FAILED,
		    "binary content" },
		{ "/in/tool.exe", "tool", "exe", NULL, SKIPPED,
		    "unsupported format (.exe)" },
		{ "/in/ok.txt", "ok", "txt", "fine", ADDED, NULL },
		{ "/in/late.txt", "late", "txt", NULL, CANCELLED,
		    "job cancelled" },
		{ "/in/scan2.txt", "scan", "txt", NULL, FAILED,
		    "file changed while read" },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 job;

	(void)state;
	job = new_job();
	rep = run_batch(job, 1, 10, in, 5);
	assert_string_equal(rep->error, "");
	/*
	 * Outcomes that came without content keep theirs and are not
	 * answered (the supervisor has them): the added file alone is.
	 */
	assert_int_equal(rep->n_results, 1);
	check_result(rep, 0, ADDED, "ok", "");
	assert_int_equal(rep->results[0]->seq, 12);
	batch_rep_free(rep);

	assert_int_equal(db_name_exists("scan"), 0);
	assert_int_equal(db_name_exists("tool"), 0);
	assert_int_equal(count_entries(KB_RAW), 1);
	check_counts(job, 1, 0, 1, 2, 1, 14);
}

/* An Analysis with these fields, encoded (free ->data). */
static ProtobufCBinaryData
analysis_made(const char *lang, char **terms, size_t nterms, char **kw,
    size_t nkw)
{
	Kbd__Analysis		 a = KBD__ANALYSIS__INIT;
	Kbd__ConceptTerm	 ts[40], *tp[40];
	ProtobufCBinaryData	 b;
	size_t			 i;

	assert_true(nterms <= 40);
	a.lang = (char *)lang;
	for (i = 0; i < nterms; i++) {
		kbd__concept_term__init(&ts[i]);
		ts[i].term = terms[i];
		ts[i].count = 2;
		ts[i].weight = 1000;
		tp[i] = &ts[i];
	}
	a.terms = tp;
	a.n_terms = nterms;
	a.keywords = kw;
	a.n_keywords = nkw;
	b.len = kbd__analysis__get_packed_size(&a);
	b.data = malloc(b.len + 1);
	assert_non_null(b.data);
	(void)kbd__analysis__pack(&a, b.data);
	return b;
}

/*
 * A worker's analysis is checked like any worker output: a missing,
 * malformed or out-of-rule one fails its file with the reason, removes
 * its staged files, and the rest of the batch is committed.
 */
static void
test_bad_analysis(void **state)
{
	char			*ok[] = { "event loop", "callback" };
	char			*bad_path[] = { "../etc" };
	char			*twice[] = { "loop", "loop" };
	char			*many[CONCEPT_DOC_TERMS + 1];
	char			*bad_kw[] = { "new\nline" };
	char			 names[CONCEPT_DOC_TERMS + 1][16];
	uint8_t			 junk[] = { 0xff, 0xff, 0xff, 0x01 };
	ProtobufCBinaryData	 b[7];
	static const char	*why[] = { "missing", "malformed",
	    "unknown language", "bad term", "too many terms", "a term twice",
	    "bad keyword" };
	struct tin		 in[8];
	Kbd__BatchRep		*rep;
	uint64_t		 job;
	char			 reason[128];
	size_t			 i;

	(void)state;
	for (i = 0; i <= CONCEPT_DOC_TERMS; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "term%zu", i);
		many[i] = names[i];
	}
	b[0].len = 0;
	b[0].data = NULL;
	b[1].len = sizeof(junk);
	b[1].data = junk;
	b[2] = analysis_made("xx", ok, 2, NULL, 0);
	b[3] = analysis_made("en", bad_path, 1, NULL, 0);
	b[4] = analysis_made("en", many, CONCEPT_DOC_TERMS + 1, NULL, 0);
	b[5] = analysis_made("en", twice, 2, NULL, 0);
	b[6] = analysis_made("en", ok, 2, bad_kw, 1);
	memset(in, 0, sizeof(in));
	for (i = 0; i < 7; i++) {
		in[i].path = "/in/bad.md";
		in[i].stem = "bad";
		in[i].ext = "md";
		in[i].content = why[i];
		in[i].status = ADDED;
		in[i].analysis = &b[i];
	}
	in[7].path = "/in/good.md";
	in[7].stem = "good";
	in[7].ext = "md";
	in[7].content = "fine";
	in[7].status = ADDED;

	job = new_job();
	rep = run_batch(job, 1, 1, in, 8);
	assert_string_equal(rep->error, "");
	assert_int_equal(rep->n_results, 8);
	for (i = 0; i < 7; i++) {
		(void)snprintf(reason, sizeof(reason),
		    "the converter's text analysis is %s", why[i]);
		check_result(rep, i, FAILED, "", reason);
	}
	check_result(rep, 7, ADDED, "good", "");
	batch_rep_free(rep);
	for (i = 2; i < 7; i++)
		free(b[i].data);

	assert_int_equal(db_name_exists("bad"), 0);
	assert_int_equal(db_name_exists("good"), 1);
	assert_int_equal(count_entries(KB_RAW), 1);
	/* The failed files' staged copies are gone with the batch. */
	assert_int_equal(count_entries(KB_STAGING), 0);
	check_counts(job, 1, 0, 0, 7, 0, 8);
}

/* Counters add up over batches, and each batch moves the cursor. */
static void
test_counters(void **state)
{
	static const struct tin	 in1[] = {
		{ "/in/1.txt", "one", "txt", "1", ADDED, NULL },
		{ "/in/2.txt", "two", "txt", "2", ADDED, NULL },
		{ "/in/2b.txt", "twob", "txt", "2", ADDED, NULL },
	};
	static const struct tin	 in2[] = {
		{ "/in/3.txt", "three", "txt", NULL, SKIPPED, "empty" },
		{ "/in/4.txt", "one", "txt", "4", ADDED, NULL },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 job, other;

	(void)state;
	job = new_job();
	other = new_job();
	rep = run_batch(job, 1, 1, in1, 3);
	batch_rep_free(rep);
	check_counts(job, 2, 1, 0, 0, 0, 3);
	rep = run_batch(job, 2, 4, in2, 2);
	batch_rep_free(rep);
	check_counts(job, 3, 1, 1, 0, 0, 5);
	/* Another job's row is its own. */
	check_counts(other, 0, 0, 0, 0, 0, 0);
}

/*
 * A batch resent after a crash that had in fact committed (the job's
 * cursor is past it) is answered from the registry and changes nothing.
 */
static void
test_replay(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/a.txt", "a", "txt", "alpha", ADDED, NULL },
		{ "/in/a2.txt", "a2", "txt", "alpha", ADDED, NULL },
		{ "/in/x.txt", "x", "txt", NULL, FAILED, "unreadable" },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 job;

	(void)state;
	job = new_job();
	rep = run_batch(job, 1, 1, in, 3);
	check_result(rep, 0, ADDED, "a", "");
	check_result(rep, 1, DUPLICATE, "a", "same content as a");
	batch_rep_free(rep);
	rep = run_batch(job, 1, 1, in, 3);
	assert_string_equal(rep->error, "");
	assert_int_equal(rep->n_results, 2);
	check_result(rep, 0, ADDED, "a", "");
	check_result(rep, 1, DUPLICATE, "a", "same content as a");
	batch_rep_free(rep);
	check_counts(job, 1, 1, 0, 1, 0, 3);
	assert_int_equal(count_entries(KB_RAW), 1);
	assert_int_equal(count_entries(KB_STAGING), 0);
}

/*
 * A batch that fails is rolled back: its added items fail with the
 * error, nothing is published, and its items are still counted.
 */
static void
test_failed_batch(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/good.txt", "good", "txt", "good", ADDED, NULL },
		{ "/in/bad.txt", "bad", "txt", "bad", ADDED, NULL },
		{ "/in/skip", "skip", "", NULL, SKIPPED, "empty" },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 job;

	(void)state;
	job = new_job();
	/* The second item's Markdown is gone before it is published. */
	assert_int_equal(setenv("KBD_FAILPOINT", "publish.source:eio@2", 1),
	    0);
	fsio_reset();
	rep = run_batch(job, 1, 1, in, 3);
	assert_int_equal(unsetenv("KBD_FAILPOINT"), 0);
	fsio_reset();
#ifdef KBD_FAILPOINTS
	assert_non_null(strstr(rep->error, "wiki/sources/bad.md"));
	assert_int_equal(rep->n_results, 2);
	check_result(rep, 0, FAILED, "", rep->error);
	check_result(rep, 1, FAILED, "", rep->error);
	batch_rep_free(rep);
	assert_int_equal(db_name_exists("good"), 0);
	assert_int_equal(count_entries(KB_RAW), 0);
	assert_int_equal(count_entries(KB_SOURCES), 0);
	assert_int_equal(count_entries(KB_SUMMARIES), 0);
	assert_int_equal(count_entries(KB_STAGING), 0);
	assert_int_equal(count_entries(KB_JOURNAL), 0);
	check_counts(job, 0, 0, 1, 2, 0, 3);
#else
	batch_rep_free(rep);
#endif
}

/*
 * History (job_files): one integer or text answer of a query on the
 * registry, read as the supervisor does, on a connection of its own.
 */
static char *
history_query(const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		*out;

	assert_int_equal(sqlite3_open_v2(KB_DB, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	out = strdup(sqlite3_column_text(st, 0) != NULL ?
	    (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return out;
}

static void
check_history(const char *sql, const char *want)
{
	char	*got = history_query(sql);

	assert_string_equal(got, want);
	free(got);
}

static void
finish_job(uint64_t job, unsigned keep)
{
	assert_int_equal(db_begin(), 0);
	assert_int_equal(db_job_finish(job, KBD__JOB_STATE__JOB_DONE, "", 0,
	    2), 0);
	assert_int_equal(db_history_prune(keep), 0);
	assert_int_equal(db_commit(), 0);
}

/*
 * Every item's outcome is in job_files as the reply tells it, committed
 * with the batch; a failed batch's items too, the added ones failed; the
 * newest finished jobs keep theirs, older ones are marked pruned.
 */
static void
test_history(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/a.txt", "a", "txt", "alpha", ADDED, NULL },
		{ "/in/copy.txt", "copy", "txt", "alpha", ADDED, NULL },
		{ "/in/img.png", "img", "png", NULL, SKIPPED, "unsupported" },
		{ "/in/bad.pdf", "bad", "pdf", NULL, FAILED, "not a PDF" },
	};
	static const struct tin	 in2[] = {
		{ "/in/b.txt", "b", "txt", "beta", ADDED, NULL },
	};
	Kbd__BatchRep		*rep;
	uint64_t		 j1, j2, j3;
	char			 sql[256], want[64];

	(void)state;
	j1 = new_job();
	rep = run_batch(j1, 1, 1, in, 4);
	assert_string_equal(rep->error, "");
	batch_rep_free(rep);
	(void)snprintf(sql, sizeof(sql), "SELECT group_concat(seq || ':' || "
	    "path || ':' || status || ':' || doc || ':' || reason, '|') FROM "
	    "(SELECT * FROM job_files WHERE job = %llu ORDER BY seq)",
	    (unsigned long long)j1);
	check_history(sql, "1:/in/a.txt:1:a:|"
	    "2:/in/copy.txt:2:a:same content as a|"
	    "3:/in/img.png:3::unsupported|4:/in/bad.pdf:4::not a PDF");

#ifdef KBD_FAILPOINTS
	/* A failed batch: its added item failed with the batch's error. */
	j2 = new_job();
	assert_int_equal(setenv("KBD_FAILPOINT", "publish.source:eio@1", 1),
	    0);
	fsio_reset();
	rep = run_batch(j2, 1, 1, in2, 1);
	assert_int_equal(unsetenv("KBD_FAILPOINT"), 0);
	fsio_reset();
	assert_string_not_equal(rep->error, "");
	(void)snprintf(sql, sizeof(sql), "SELECT status || ':' || "
	    "(reason = '%s') FROM job_files WHERE job = %llu", rep->error,
	    (unsigned long long)j2);
	check_history(sql, "4:1");
	batch_rep_free(rep);
#else
	j2 = new_job();
#endif

	/* Keep 2 finished jobs: j1 goes when the third finishes. */
	finish_job(j1, 2);
	finish_job(j2, 2);
	check_history("SELECT count(*) FROM job_files", "5");
	j3 = new_job();
	rep = run_batch(j3, 1, 1, in2, 1);
	batch_rep_free(rep);
	finish_job(j3, 2);
	(void)snprintf(sql, sizeof(sql), "SELECT group_concat(id || ':' || "
	    "history, ' ') FROM jobs");
	(void)snprintf(want, sizeof(want), "%llu:2 %llu:1 %llu:1",
	    (unsigned long long)j1, (unsigned long long)j2,
	    (unsigned long long)j3);
	check_history(sql, want);
	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM job_files "
	    "WHERE job = %llu", (unsigned long long)j1);
	check_history(sql, "0");
	check_history("SELECT count(*) FROM job_files", "2");
}

/* A batch of a job the registry does not have fails as a whole. */
static void
test_unknown_job(void **state)
{
	static const struct tin	 in[] = {
		{ "/in/a.txt", "a", "txt", "alpha", ADDED, NULL },
	};
	Kbd__BatchRep		*rep;

	(void)state;
	rep = run_batch(99, 1, 1, in, 1);
	assert_string_equal(rep->error, "no such job 99");
	check_result(rep, 0, FAILED, "", "no such job 99");
	batch_rep_free(rep);
	assert_int_equal(db_name_exists("a"), 0);
	assert_int_equal(count_entries(KB_STAGING), 0);
}

/*
 * Dispatch m in a child, which must die of it with status 1 and log a
 * line holding want.
 */
static void
check_fatal(struct msg *pre, size_t npre, struct msg *m, const char *want)
{
	char	path[PATH_MAX + 16], *log;
	size_t	i, len;
	pid_t	pid;
	int	status, fd;

	(void)snprintf(path, sizeof(path), "%s/child.err", tmpdir);
	/* The child exits through exit(): nothing buffered is written twice. */
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		if ((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644)) ==
		    -1 || dup2(fd, STDERR_FILENO) == -1)
			_exit(3);
		for (i = 0; i < npre; i++)
			committer_dispatch(&pre[i]);
		committer_dispatch(m);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(log = read_file(path, &len));
	if (strstr(log, want) == NULL)
		fail_msg("log \"%s\" does not say \"%s\"", log, want);
	free(log);
}

static void
test_dispatch_refuses(void **state)
{
	Kbd__BatchBegin		 b = KBD__BATCH_BEGIN__INIT;
	Kbd__BatchBegin		 b0 = KBD__BATCH_BEGIN__INIT;
	Kbd__BatchItem		 bi = KBD__BATCH_ITEM__INIT;
	Kbd__BatchEnd		 e = KBD__BATCH_END__INIT;
	Kbd__JobCreateReq	 jc = KBD__JOB_CREATE_REQ__INIT;
	Kbd__BatchItems		 run;
	Kbd__BatchItem		 ri[3], *runv[3];
	struct msg		 begin, begin0, item, end, create, odd, items;
	struct msg		 before[2];
	size_t			 i;

	(void)state;
	b.job = b0.job = 1;
	b.count = 2;
	memset(&begin, 0, sizeof(begin));
	begin.type = MSG_BATCH_BEGIN;
	begin.pb = &b.base;
	begin0 = begin;
	begin0.pb = &b0.base;
	item = begin;
	item.type = MSG_BATCH_ITEM;
	item.pb = &bi.base;
	end = begin;
	end.type = MSG_BATCH_END;
	end.pb = &e.base;
	create = begin;
	create.type = MSG_JOB_CREATE_REQ;
	create.pb = &jc.base;

	check_fatal(NULL, 0, &item,
	    "BATCH_ITEM from the supervisor not allowed between requests");
	check_fatal(NULL, 0, &end,
	    "BATCH_END from the supervisor not allowed between requests");
	check_fatal(&begin, 1, &create, "JOB_CREATE_REQ from the supervisor "
	    "not allowed inside a batch, before its last item");
	check_fatal(&begin, 1, &end, "BATCH_END from the supervisor "
	    "not allowed inside a batch, before its last item");
	check_fatal(&begin, 1, &begin, "BATCH_BEGIN from the supervisor "
	    "not allowed inside a batch");
	/* A batch of no items waits for its BATCH_END only. */
	check_fatal(&begin0, 1, &item, "BATCH_ITEM from the supervisor "
	    "not allowed inside a batch, before its BATCH_END");
	/* A run of items: as its items one by one, never empty or too long. */
	kbd__batch_items__init(&run);
	run.items = runv;
	for (i = 0; i < 3; i++) {
		kbd__batch_item__init(&ri[i]);
		ri[i].seq = i + 1;
		runv[i] = &ri[i];
	}
	items = begin;
	items.type = MSG_BATCH_ITEMS;
	items.pb = &run.base;
	run.n_items = 2;
	check_fatal(NULL, 0, &items,
	    "BATCH_ITEMS from the supervisor not allowed between requests");
	check_fatal(&begin0, 1, &items, "BATCH_ITEMS from the supervisor "
	    "not allowed inside a batch, before its BATCH_END");
	run.n_items = 3;
	check_fatal(&begin, 1, &items, "more than 2 items");
	run.n_items = 0;
	check_fatal(&begin, 1, &items, "BATCH_ITEMS without items");
	/* Its last item ends the batch's items: then BATCH_END only. */
	run.n_items = 2;
	before[0] = begin;
	before[1] = items;
	check_fatal(before, 2, &item, "BATCH_ITEM from the supervisor "
	    "not allowed inside a batch, before its BATCH_END");
	/* A message the committer never takes, and one no one knows. */
	odd = begin;
	odd.type = MSG_COMMITTER_READY;
	check_fatal(NULL, 0, &odd, "unexpected COMMITTER_READY");
	odd.type = 9999;
	check_fatal(NULL, 0, &odd, "unexpected UNKNOWN (type 9999)");
	/* File descriptors from the supervisor. */
	odd = create;
	odd.nfds = 1;
	check_fatal(NULL, 0, &odd,
	    "JOB_CREATE_REQ with file descriptors from the supervisor");
}

/*
 * Checkpoints on their own thread (workers/store/dbckpt.c): the
 * committer's connection has no automatic checkpoint, and once its WAL
 * passes 10,000 pages the database file receives them while the
 * connection stays open (closing it would checkpoint too).
 */
static void
test_checkpoint_thread(void **state)
{
	sqlite3		*c = db_conn();
	sqlite3_stmt	*st;
	struct stat	 sb;
	int		 i, auto_pages = -1;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(c, "PRAGMA wal_autocheckpoint",
	    -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		auto_pages = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(auto_pages, 0);
	assert_int_equal(stat(KB_DB, &sb), 0);
	assert_true(sb.st_size < 8 * 1024 * 1024);
	/* About 12,000 pages of WAL, in four commits. */
	assert_int_equal(sqlite3_exec(c, "CREATE TABLE scratch(b BLOB)", NULL,
	    NULL, NULL), SQLITE_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(sqlite3_exec(c, "WITH RECURSIVE n(x) AS "
		    "(SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000) "
		    "INSERT INTO scratch SELECT randomblob(3900) FROM n", NULL,
		    NULL, NULL), SQLITE_OK);
	/* The thread's checkpoint, within 30 s. */
	for (i = 0; i < 3000; i++) {
		assert_int_equal(stat(KB_DB, &sb), 0);
		if (sb.st_size >= 40 * 1024 * 1024)
			break;
		usleep(10000);
	}
	assert_true(sb.st_size >= 40 * 1024 * 1024);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_new_document, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_stem, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raw_file_collision, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_extension, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outcomes_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_analysis, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_job, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_thread, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
