/*
 * Charsets of text input (see charset.h): text that is not UTF-8 is
 * detected with uchardet and transcoded to UTF-8 with ICU's converters,
 * whose tables are built into libicudata, so both work inside the
 * sandbox (glibc's iconv would need its gconv modules from the file
 * system). 8-bit text uchardet cannot place is read as Windows-1252.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uchardet.h>
#include <unicode/ucnv.h>

#include "charset.h"
#include "convert.h"
#include "utf8.h"

/* uchardet decides on its first MiB; more only costs time. */
#define DETECT_MAX	(1024 * 1024)

/* Bytes past ASCII an 8-bit guess of uchardet needs to be believed. */
#define SINGLE_BYTE_MIN	16

/* Whether uchardet's name is of an 8-bit charset. */
static int
single_byte(const char *cs)
{
	static const char *const multi[] = {
		"UTF-", "SHIFT_JIS", "EUC-", "GB18030", "BIG5", "ISO-2022",
		"HZ-GB", "X-EUC",
	};
	size_t	i;

	for (i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
		if (strncasecmp(cs, multi[i], strlen(multi[i])) == 0)
			return 0;
	return 1;
}

/* A byte order mark: the charset it names and its length. */
static const char *
bom(const char *in, size_t len, size_t *n)
{
	static const struct {
		const char	*mark;
		size_t		 len;
		const char	*name;
	} boms[] = {
		/* UTF-32LE first: its mark starts with UTF-16LE's. */
		{ "\xff\xfe\0\0", 4, "UTF-32LE" },
		{ "\0\0\xfe\xff", 4, "UTF-32BE" },
		{ "\xff\xfe", 2, "UTF-16LE" },
		{ "\xfe\xff", 2, "UTF-16BE" },
	};
	size_t	i;

	for (i = 0; i < sizeof(boms) / sizeof(boms[0]); i++)
		if (len >= boms[i].len &&
		    memcmp(in, boms[i].mark, boms[i].len) == 0) {
			*n = boms[i].len;
			return boms[i].name;
		}
	return NULL;
}

/*
 * UTF-8 with a few bad bytes (a cut, a stray Latin-1 byte): at least 8
 * valid multibyte sequences for each invalid one. Read as UTF-8, each bad
 * sequence a U+FFFD, rather than every character as two in an 8-bit
 * charset.
 */
static int
mostly_utf8(const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 i, k, bad, multi = 0, invalid = 0;

	for (i = 0; i < len; i += k) {
		if ((k = utf8_len(s + i, len - i, &bad)) == 0) {
			invalid++;
			k = bad;
		} else if (k > 1)
			multi++;
	}
	return multi >= 8 * invalid;
}

/* uchardet's guess, or "" when it has none. */
static int
detect(const char *in, size_t len, char *name, size_t nlen)
{
	uchardet_t	 ud;
	const char	*cs;

	if ((ud = uchardet_new()) == NULL)
		return CONVERT_ENOMEM;
	if (uchardet_handle_data(ud, in, len < DETECT_MAX ? len :
	    DETECT_MAX) != 0) {
		uchardet_delete(ud);
		return CONVERT_ENOMEM;
	}
	uchardet_data_end(ud);
	cs = uchardet_get_charset(ud);
	if (cs == NULL || strlen(cs) >= nlen)
		cs = "";
	memcpy(name, cs, strlen(cs) + 1);
	uchardet_delete(ud);
	return CONVERT_OK;
}

/*
 * The name ICU opens for a detected charset. Latin-1 and ASCII labels
 * read as Windows-1252, as browsers read them (WHATWG Encoding): their
 * 0x80-0x9F are C1 controls no text means, Windows-1252's are quotes
 * and dashes. Text that is not UTF-8 is never ASCII; when uchardet still
 * says UTF-8 (a few bad bytes in UTF-8 text), it is read as UTF-8, each
 * bad sequence a U+FFFD.
 */
static const char *
icu_name(const char *detected, const char *in, size_t len)
{
	size_t	i, high = 0;

	if (*detected == '\0' || strcasecmp(detected, "ASCII") == 0 ||
	    strcasecmp(detected, "ISO-8859-1") == 0)
		return CHARSET_FALLBACK;
	if (!single_byte(detected))
		return detected;
	/*
	 * uchardet tells 8-bit charsets apart by the statistics of their
	 * letters: on a few of them ("caf\xe9") its guess is noise, and the
	 * fallback is the better reading.
	 */
	for (i = 0; i < len && high < SINGLE_BYTE_MIN; i++)
		if ((unsigned char)in[i] >= 0x80)
			high++;
	return high < SINGLE_BYTE_MIN ? CHARSET_FALLBACK : detected;
}

/* len bytes in charset cs to UTF-8 in a malloc'd, NUL-terminated buffer. */
static int
transcode(const char *cs, const char *in, size_t len, char **out,
    size_t *outlen)
{
	UConverter	*cnv;
	UErrorCode	 ue = U_ZERO_ERROR;
	int32_t		 n;
	char		*buf;

	if (len > INT32_MAX / 4)
		return CONVERT_ENOMEM;
	if ((cnv = ucnv_open(cs, &ue)) == NULL || U_FAILURE(ue))
		return -1;
	/* Once to size the output, once to write it. */
	n = ucnv_toAlgorithmic(UCNV_UTF8, cnv, NULL, 0, in, (int32_t)len,
	    &ue);
	if (ue != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(ue)) {
		ucnv_close(cnv);
		return -1;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		ucnv_close(cnv);
		return CONVERT_ENOMEM;
	}
	ue = U_ZERO_ERROR;
	ucnv_reset(cnv);
	n = ucnv_toAlgorithmic(UCNV_UTF8, cnv, buf, n + 1, in, (int32_t)len,
	    &ue);
	ucnv_close(cnv);
	if (U_FAILURE(ue)) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = (size_t)n;
	return CONVERT_OK;
}

int
charset_utf8(const char *in, size_t len, char **out, size_t *outlen,
    char *name, size_t nlen)
{
	const char	*cs;
	size_t		 off, skip = 0;
	int		 err;

	*out = NULL;
	*outlen = 0;
	if (nlen < CHARSET_NAME_MAX)
		return CONVERT_ENOMEM;
	*name = '\0';
	if ((cs = bom(in, len, &skip)) == NULL) {
		/* UTF-8, or a NUL the converter reports as binary. */
		if (utf8_check(in, len, &off) != -1)
			return CONVERT_OK;
		if (memchr(in, '\0', len) != NULL)
			return CONVERT_OK;
		if (mostly_utf8(in, len))
			cs = "UTF-8";
		else {
			if ((err = detect(in, len, name, nlen)) != CONVERT_OK)
				return err;
			cs = icu_name(name, in, len);
		}
	}
	if (cs != name)
		(void)snprintf(name, nlen, "%s", cs);
	err = transcode(cs, in + skip, len - skip, out, outlen);
	if (err == -1 && strcmp(cs, CHARSET_FALLBACK) != 0) {
		/* A name ICU does not know: the documented fallback. */
		(void)snprintf(name, nlen, "%s", CHARSET_FALLBACK);
		err = transcode(CHARSET_FALLBACK, in + skip, len - skip, out,
		    outlen);
	}
	if (err == CONVERT_OK && strcasecmp(name, "UTF-8") == 0)
		(void)snprintf(name, nlen, "UTF-8, invalid bytes replaced");
	if (err == -1)
		return CONVERT_EDOC;
	return err;
}

int
charset_init(void)
{
	static const char *const preload[] = {
		CHARSET_FALLBACK, "UTF-16LE", "UTF-16BE", "UTF-32LE",
		"UTF-32BE", "ISO-8859-15", "windows-1251", "KOI8-R",
		"Shift_JIS", "EUC-JP", "GB18030", "Big5", "EUC-KR",
	};
	UConverter	*cnv;
	UErrorCode	 ue;
	uchardet_t	 ud;
	size_t		 i;

	/*
	 * ICU reads its tables from libicudata, already mapped; opening the
	 * common converters now loads their alias table and data before the
	 * sandbox all the same, and any file ICU would look for is looked
	 * for now (the sandbox answers open with EACCES, never kills).
	 */
	for (i = 0; i < sizeof(preload) / sizeof(preload[0]); i++) {
		ue = U_ZERO_ERROR;
		if ((cnv = ucnv_open(preload[i], &ue)) == NULL ||
		    U_FAILURE(ue))
			return -1;
		ucnv_close(cnv);
	}
	/* uchardet keeps its models in its code: nothing to load. */
	if ((ud = uchardet_new()) == NULL)
		return -1;
	uchardet_delete(ud);
	return 0;
}
