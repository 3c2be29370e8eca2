/*
 * Unit tests of format detection, charsets and compressed files: how a
 * name splits, what is skipped by name, what the first bytes decide
 * (common/format.c), text in other charsets read as UTF-8 (charset.c),
 * and single compressed files read by their inner name and content
 * (decompress.c), with their limits; noise the metadata skips (meta.c).
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "convert.h"
#include "format.h"

#define BIG	(1 << 20)

static void
split_is(const char *path, const char *stem, const char *ext)
{
	char	*s, *e;

	format_split(path, &s, &e);
	assert_string_equal(s, stem);
	assert_string_equal(e, ext);
	free(s);
	free(e);
}

/* Only extensions kbd knows are split off. */
static void
test_split(void **state)
{
	(void)state;
	split_is("/a/notes.md", "notes", "md");
	split_is("x/Report.PDF", "Report", "pdf");
	split_is("notes.txt.gz", "notes", "txt.gz");
	split_is("NOTES.TXT.GZ", "NOTES", "txt.gz");
	split_is("ls.1.gz", "ls", "1.gz");	/* a gzipped man page */
	split_is("LGPL-2.1", "LGPL-2.1", "");	/* a version, not a page */
	split_is("python3.11.1.gz", "python3.11.1", "gz");
	split_is("changelog.Debian.gz", "changelog.Debian", "gz");
	split_is("foo.tar.gz", "foo", "tar.gz");
	split_is("twice.gz.gz", "twice.gz", "gz");
	split_is("data.csv.zst", "data", "csv.zst");
	split_is("README.Debian", "README.Debian", "");
	split_is("/usr/share/common-licenses/Apache-2.0", "Apache-2.0", "");
	split_is("GFDL-1.3", "GFDL-1.3", "");
	split_is("Makefile", "Makefile", "");
	split_is("server.log", "server.log", "");
	split_is("logo.png", "logo", "png");
	split_is(".bashrc", ".bashrc", "");
	split_is(".x.md", ".x", "md");
}

static void
skip_is(const char *ext, const char *want)
{
	char	reason[256] = "";

	assert_int_equal(format_skip(ext, reason, sizeof(reason)),
	    want != NULL);
	if (want != NULL)
		assert_string_equal(reason, want);
}

/* Known binaries are skipped by name; anything else is read. */
static void
test_skip(void **state)
{
	(void)state;
	skip_is("png", "unsupported format (.png: image)");
	skip_is("tar.gz", "unsupported format (.tar.gz: archive)");
	skip_is("so", "unsupported format (.so: shared library)");
	skip_is("ps.gz", "unsupported format (.ps.gz: PostScript)");
	skip_is("xls", "unsupported format (.xls: legacy Excel; save it as "
	    ".xlsx)");
	skip_is("", NULL);
	skip_is("txt", NULL);
	skip_is("txt.gz", NULL);
	skip_is("gz", NULL);
	skip_is("debian", NULL);
	assert_int_equal(format_readable("png"), 0);
	assert_string_equal(format_compression("txt.xz", NULL), "xz");
	assert_null(format_compression("txt", NULL));
}

static int
sniff(const char *ext, const char *head, size_t len, enum format *f,
    char *reason)
{
	return format_sniff(ext, head, len, f, reason, CONVERT_REASON_MAX);
}

/* Signatures where readers look for them; any other text is text. */
static void
test_sniff_content(void **state)
{
	static const char	md[] = "# PDF notes\n\nA PDF starts with "
	    "`%PDF-1.7`.\n\n    %PDF-1.7\n    %\xe2\xe3\xcf\xd3\n";
	static const char	mk[] = "check:\n\tgrep \"%PDF-1\" out.pdf\n";
	static const char	junk[] = "\x01\x02\x03junk\x04%PDF-1.4\n1 0 obj";
	static const char	mail[] = "From: a@b\nSubject: x\n\n%PDF-1.4\n";
	static const char	elf[] = "\x7f" "ELF\x02\x01\x01\x03\x03\x04";
	static const char	ctl[] = "\x01\x02\x03\x04\x05\x06\x07 abc";
	static const char	gz[] = "\x1f\x8b\x08\0\0\0\0\0\0\x03";
	static const char	latin[] = "Caf\xe9 cr\xe8me br\xfbl\xe9" "e\n";
	static const char	u16[] = "\xff\xfeh\0i\0\n\0";
	enum format		f;
	char			reason[CONVERT_REASON_MAX];

	(void)state;
	assert_int_equal(sniff("md", md, sizeof(md) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_MARKDOWN);
	assert_int_equal(sniff("", mk, sizeof(mk) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_TEXT);
	/* Junk before the header, as readers allow: a PDF by content. */
	assert_int_equal(sniff("", junk, sizeof(junk) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_PDF);
	assert_int_equal(sniff("pdf", junk, sizeof(junk) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_PDF);
	/* A text preamble: a PDF only when the name says so too. */
	assert_int_equal(sniff("pdf", mail, sizeof(mail) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_PDF);
	assert_int_equal(sniff("", mail, sizeof(mail) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_TEXT);
	/* Binaries, with or without NUL bytes. */
	assert_int_equal(sniff("", elf, sizeof(elf) - 1, &f, reason), -1);
	assert_string_equal(reason, "binary content");
	/* Skipped, unless the name claims a format kbd reads. */
	assert_int_equal(format_skippable("", elf, sizeof(elf) - 1), 1);
	assert_int_equal(format_skippable("txt.gz", elf, sizeof(elf) - 1), 1);
	assert_int_equal(format_skippable("txt", elf, sizeof(elf) - 1), 0);
	assert_int_equal(format_skippable("", "%!PS-Adobe", 10), 1);
	assert_int_equal(format_skippable("", "PK\003\004", 4), 0);
	assert_int_equal(sniff("", ctl, sizeof(ctl) - 1, &f, reason), -1);
	assert_string_equal(reason, "binary content");
	/* Text in another charset, UTF-16 with a BOM: text. */
	assert_int_equal(sniff("", latin, sizeof(latin) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_TEXT);
	assert_int_equal(sniff("md", u16, sizeof(u16) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_MARKDOWN);
	/* Compressed: by the name's suffix, or with no name to say. */
	assert_int_equal(sniff("txt.gz", gz, sizeof(gz) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_COMPRESSED);
	assert_int_equal(sniff("", gz, sizeof(gz) - 1, &f, reason), 0);
	assert_int_equal(f, FMT_COMPRESSED);
	assert_int_equal(sniff("txt", gz, sizeof(gz) - 1, &f, reason), -1);
	assert_string_equal(reason,
	    "content is compressed but the name says .txt");
	/* A text named .gz is text. */
	assert_int_equal(sniff("txt.gz", "plain\n", 6, &f, reason), 0);
	assert_int_equal(f, FMT_TEXT);
	/* PostScript is text to a printer only. */
	assert_int_equal(sniff("", "%!PS-Adobe-3.0\n", 15, &f, reason), -1);
	assert_string_equal(reason,
	    "unsupported format (PostScript; convert it to PDF)");
	/* Skipped by name whatever the content. */
	assert_int_equal(sniff("png", "text", 4, &f, reason), -1);
	assert_string_equal(reason, "unsupported format (.png: image)");
	/* A UTF-8 sequence cut by the end of the head is still text. */
	{
		char	*big = malloc(FORMAT_SNIFF_LEN + 4);

		assert_non_null(big);
		memset(big, 'a', FORMAT_SNIFF_LEN + 4);
		memcpy(big + FORMAT_SNIFF_LEN - 1, "\xc3\xa9", 2);
		assert_int_equal(sniff("", big, FORMAT_SNIFF_LEN + 4, &f,
		    reason), 0);
		assert_int_equal(f, FMT_TEXT);
		free(big);
	}
}

static void
conv_ok(const char *ext, const char *in, size_t len,
    struct convert_result *r)
{
	int	err;

	err = convert(ext, in, len, BIG, r);
	if (err != CONVERT_OK)
		fail_msg("convert .%s: error %d: %s", ext, err, r->reason);
	assert_non_null(r->md);
}

/* Text in other charsets is read as UTF-8; the Markdown says from what. */
static void
test_charsets(void **state)
{
	/* "Привет, мир! ..." in KOI8-R. */
	static const char	koi8[] = "\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9"
	    "\xd2! \xfc\xd4\xcf \xd4\xc5\xcb\xd3\xd4 \xd7 \xcb\xcf\xc4\xc9"
	    "\xd2\xcf\xd7\xcb\xc5 KOI8-R. \xef\xce \xc4\xcf\xcc\xd6\xc5\xce "
	    "\xc2\xd9\xd4\xd8 \xd0\xd2\xcf\xde\xc9\xd4\xc1\xce "
	    "\xd0\xd2\xc1\xd7\xc9\xcc\xd8\xce\xcf.\n";
	static const char	u16be[] = "\xfe\xff\0T\0i\0t\0l\0e\0\n\0\n"
	    "\0c\0a\0f\0\xe9\0\n";
	static const char	cp1252[] = "Title\n\n\x93quoted\x94 \x96 dash\n";
	struct convert_result	r;
	char			*bad;
	size_t			 i, n;

	(void)state;
	conv_ok("txt", koi8, sizeof(koi8) - 1, &r);
	assert_non_null(strstr(r.md, "# Привет, мир! Это текст в кодировке"));
	assert_non_null(strstr(r.md, "<!-- kbd: read as KOI8-R -->"));
	convert_free(&r);

	conv_ok("md", u16be, sizeof(u16be) - 1, &r);
	assert_string_equal(r.md, "Title\n\ncafé\n\n"
	    "<!-- kbd: read as UTF-16BE -->\n");
	assert_string_equal(r.title, "Title");
	convert_free(&r);

	/* Few bytes past ASCII: the fallback, Windows-1252. */
	conv_ok("", cp1252, sizeof(cp1252) - 1, &r);
	assert_string_equal(r.md, "# Title\n\n\xe2\x80\x9cquoted\xe2\x80\x9d "
	    "\xe2\x80\x93 dash\n\n<!-- kbd: read as windows-1252 -->\n");
	assert_string_equal(r.description, "\xe2\x80\x9cquoted\xe2\x80\x9d "
	    "\xe2\x80\x93 dash");
	convert_free(&r);

	/* UTF-8 with a stray byte stays UTF-8; the byte becomes U+FFFD. */
	n = 4000;
	bad = malloc(n + 1);
	assert_non_null(bad);
	memcpy(bad, "T\n\n\n", 4);
	for (i = 4; i + 2 <= n; i += 2)
		memcpy(bad + i, "\xc3\xa9", 2);
	bad[2000] = '\xff';
	bad[2001] = ' ';
	conv_ok("txt", bad, n, &r);
	assert_non_null(strstr(r.md, "\xef\xbf\xbd"));
	assert_non_null(strstr(r.md, "\xc3\xa9\xc3\xa9"));
	assert_non_null(strstr(r.md,
	    "<!-- kbd: read as UTF-8, invalid bytes replaced -->"));
	convert_free(&r);
	free(bad);

	/* UTF-8 is left alone, and says nothing. */
	conv_ok("txt", "caf\xc3\xa9\n", 6, &r);
	assert_string_equal(r.md, "# caf\xc3\xa9\n");
	convert_free(&r);
}

/* len bytes compressed with libarchive's filter (raw format). */
static char *
compress(int filter, const char *in, size_t len, size_t *outlen)
{
	struct archive		*a;
	struct archive_entry	*ae;
	size_t			 cap = len + 4096, used = 0;
	char			*buf;

	buf = malloc(cap);
	assert_non_null(buf);
	a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used),
	    ARCHIVE_OK);
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, "x");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_size(ae, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, in, len), (la_ssize_t)len);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(ae);
	archive_write_free(a);
	*outlen = used;
	return buf;
}

/* Single compressed files, read by the name and content inside. */
static void
test_compressed(void **state)
{
	static const struct {
		int		 filter;
		const char	*ext;
	} kinds[] = {
		{ ARCHIVE_FILTER_GZIP, "txt.gz" },
		{ ARCHIVE_FILTER_BZIP2, "txt.bz2" },
		{ ARCHIVE_FILTER_XZ, "txt.xz" },
		{ ARCHIVE_FILTER_ZSTD, "txt.zst" },
	};
	static const char	text[] = "Notes\n=====\n\nKept in a compressed "
	    "file.\n";
	static const char	latin[] = "Caf\xe9\n";
	struct convert_result	r;
	char			*z, *zz, *big;
	size_t			 i, n, nn;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		z = compress(kinds[i].filter, text, sizeof(text) - 1, &n);
		conv_ok(kinds[i].ext, z, n, &r);
		assert_string_equal(r.md, "# Notes\n\nKept in a compressed "
		    "file.\n");
		assert_string_equal(r.title, "Notes");
		convert_free(&r);
		free(z);
	}
	/* The inner extension picks the converter: Markdown, CSV. */
	z = compress(ARCHIVE_FILTER_GZIP, "a,b\n1,2\n", 8, &n);
	conv_ok("csv.gz", z, n, &r);
	assert_non_null(strstr(r.md, "| a | b |\n| --- | --- |\n| 1 | 2 |\n"));
	convert_free(&r);
	/* No inner extension: the inner content decides. */
	conv_ok("gz", z, n, &r);
	assert_string_equal(r.md, "# a,b\n\n1,2\n");
	convert_free(&r);
	free(z);
	/* A charset inside. */
	z = compress(ARCHIVE_FILTER_GZIP, latin, sizeof(latin) - 1, &n);
	conv_ok("txt.gz", z, n, &r);
	assert_string_equal(r.md, "# Caf\xc3\xa9\n\n"
	    "<!-- kbd: read as windows-1252 -->\n");
	convert_free(&r);
	/* Compressed twice: libarchive undoes both, under the same limits. */
	zz = compress(ARCHIVE_FILTER_GZIP, z, n, &nn);
	conv_ok("txt.gz", zz, nn, &r);
	assert_string_equal(r.md, "# Caf\xc3\xa9\n\n"
	    "<!-- kbd: read as windows-1252 -->\n");
	convert_free(&r);
	free(zz);
	/* Damaged: cut in the middle. */
	assert_int_equal(convert("txt.gz", z, n / 2, BIG, &r), CONVERT_EDOC);
	assert_non_null(strstr(r.reason, "damaged compressed file"));
	convert_free(&r);
	free(z);
	/* Binary inside. */
	z = compress(ARCHIVE_FILTER_GZIP, "a\0b", 3, &n);
	assert_int_equal(convert("gz", z, n, BIG, &r), CONVERT_EFORMAT);
	assert_string_equal(r.reason, "binary content");
	convert_free(&r);
	free(z);

	/* A bomb: 8 MiB of one letter is far past 100 times. */
	big = malloc(8 << 20);
	assert_non_null(big);
	memset(big, 'a', 8 << 20);
	z = compress(ARCHIVE_FILTER_GZIP, big, 8 << 20, &n);
	assert_true(n < (8 << 20) / 100);
	assert_int_equal(convert("txt.gz", z, n, BIG * 64, &r),
	    CONVERT_ELIMIT);
	assert_string_equal(r.reason, "compressed file expands more than "
	    "100 times (compression bomb)");
	convert_free(&r);
	free(z);
	/* Past the size limit (--max-size), whatever the ratio. */
	convert_decompress_max = 1000;
	z = compress(ARCHIVE_FILTER_GZIP, big, 2000, &n);
	assert_int_equal(convert("txt.gz", z, n, BIG, &r), CONVERT_ELIMIT);
	assert_string_equal(r.reason,
	    "decompressed size exceeds 1000 bytes");
	convert_free(&r);
	convert_decompress_max = 0;
	free(z);
	free(big);
}

static void
desc_is(const char *md, const char *title, const char *desc)
{
	struct convert_result	r;

	conv_ok("md", md, strlen(md), &r);
	assert_string_equal(r.title, title);
	assert_string_equal(r.description, desc);
	convert_free(&r);
}

/* Descriptions (and titles read from paragraphs) skip noise. */
static void
test_meta_noise(void **state)
{
	(void)state;
	desc_is("# Guide\n\n1 Introduction 2\n\nThe real start.\n",
	    "Guide", "The real start.");
	desc_is("# Guide\n\n2.1 Options 14\n3 Usage 20\n\nReal.\n",
	    "Guide", "Real.");
	desc_is("# Guide\n\nIntroduction ........ 3\n\nReal.\n", "Guide",
	    "Real.");
	desc_is("TAR(1) GNU TAR Manual TAR(1)\n\ntar saves files.\n",
	    "tar saves files.", "tar saves files.");
	desc_is("# API\n\n.. c:function:: PyObject* PyList_New()\n\n"
	    "Lists.\n", "API", "Lists.");
	desc_is("# API\n\n> **c:function** `PyObject* PyList_New(n)`\n>\n"
	    "> Return a new list.\n", "API", "Return a new list.");
	/* Noise only: better than nothing. */
	desc_is("# Contents\n\n1 Introduction 2\n", "Contents",
	    "1 Introduction 2");
	/* Not noise. */
	desc_is("# A\n\nSee http://example.org for 2 more\n", "A",
	    "See http://example.org for 2 more");
	desc_is("# A\n\n3 cups of flour\n", "A", "3 cups of flour");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_sniff_content),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_meta_noise),
	};

	if (convert_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
