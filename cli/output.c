/*
 * How kbctl writes the strings kbd sends: as JSON, and as text for a
 * terminal. Strings from kbd are UTF-8 except where they carry file
 * names, which can be any bytes: JSON output replaces each invalid
 * sequence with U+FFFD so that every line parses, and text output escapes
 * control characters so that a name cannot forge lines or move the cursor.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kbctl.h"
#include "utf8.h"

void
json_write_string(FILE *f, const char *str)
{
	const unsigned char	*s = (const unsigned char *)(str ? str : "");
	size_t			 n, bad;

	fputc('"', f);
	while (*s != '\0') {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			if ((n = utf8_len(s, SIZE_MAX, &bad)) == 0) {
				fputs("\\ufffd", f);
				s += bad;
				continue;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

void
jobj_begin(struct jobj *o, FILE *f)
{
	o->f = f;
	o->n = 0;
	fputc('{', f);
}

/* A key; the caller writes its value (an array, say). */
void
jobj_key(struct jobj *o, const char *key)
{
	if (o->n++ > 0)
		fputc(',', o->f);
	json_write_string(o->f, key);
	fputc(':', o->f);
}

void
jobj_str(struct jobj *o, const char *key, const char *val)
{
	jobj_key(o, key);
	json_write_string(o->f, val);
}

void
jobj_u64(struct jobj *o, const char *key, uint64_t v)
{
	jobj_key(o, key);
	fprintf(o->f, "%" PRIu64, v);
}

void
jobj_i64(struct jobj *o, const char *key, int64_t v)
{
	jobj_key(o, key);
	fprintf(o->f, "%" PRId64, v);
}

void
jobj_double(struct jobj *o, const char *key, double v)
{
	jobj_key(o, key);
	if (isfinite(v))
		fprintf(o->f, "%.9g", v);
	else
		fputs("null", o->f);	/* JSON has no NaN or infinity */
}

void
jobj_bool(struct jobj *o, const char *key, int v)
{
	jobj_key(o, key);
	fputs(v ? "true" : "false", o->f);
}

void
jobj_end(struct jobj *o)
{
	fputc('}', o->f);
}

/*
 * Text for a terminal. A path keeps its bytes but shows control
 * characters escaped (\t, \n, \x1b); with TEXT_LINE (titles, snippets)
 * line breaks and tabs become spaces, so one hit stays on its line.
 */
void
text_put(FILE *f, const char *str, int flags)
{
	text_putn(f, str, str ? strlen(str) : 0, flags);
}

/* The first n bytes of str (a part of a snippet), as text_put. */
void
text_putn(FILE *f, const char *str, size_t n, int flags)
{
	const unsigned char	*s = (const unsigned char *)(str ? str : "");
	const unsigned char	*end = s + n;

	for (; s < end && *s != '\0'; s++) {
		if (*s >= 0x20 && *s != 0x7f) {
			fputc(*s, f);
			continue;
		}
		if ((flags & TEXT_LINE) &&
		    (*s == '\n' || *s == '\r' || *s == '\t')) {
			fputc(' ', f);
			continue;
		}
		switch (*s) {
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			fprintf(f, "\\x%02x", *s);
			break;
		}
	}
}

/* Output that did not reach stdout (a full disk) is a failure. */
void
out_flush(void)
{
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == 0)
			errno = EIO;
		die_errno("stdout");
	}
}

