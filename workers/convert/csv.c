/*
 * CSV to Markdown. RFC 4180 records (quoted fields, doubled quotes,
 * newlines inside quotes, CRLF or LF or CR line ends) with the delimiter
 * guessed from the first records; the whole file becomes one pipe table
 * whose header is the first record, after a line that says its size and
 * names its columns. Two passes over the input: the first counts rows and
 * columns (ragged rows are padded to the widest), the second writes.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "converters.h"
#include "csv.h"
#include "mdbuf.h"

#define SNIFF_RECORDS	20
#define SNIFF_BYTES	(64 * 1024)

struct csv {
	const char	*p;
	size_t		 len, pos;
	size_t		 line;		/* of pos, from 1 */
	char		 delim;
	struct mdbuf	 field;		/* the unquoted fields of a record */
	size_t		 off[CSV_COLUMNS_MAX + 1], flen[CSV_COLUMNS_MAX + 1];
	size_t		 n;		/* fields of the record */
	int		 err;
	char		*reason;
	size_t		 rlen;
};

/*
 * Read one record at c->pos into c->field/off/flen/n. Returns 1 for a
 * record, 0 at the end, -1 on error (c->err, c->reason). A blank line is a
 * record of one empty field.
 */
static int
record(struct csv *c)
{
	const char	*p = c->p, *q;
	size_t		 qline, run, i;
	char		 ch;

	if (c->pos >= c->len)
		return 0;
	c->field.len = 0;
	c->n = 0;
	for (;;) {
		if (c->n >= CSV_COLUMNS_MAX) {
			c->err = CONVERT_ELIMIT;
			(void)snprintf(c->reason, c->rlen, "CSV line %zu has "
			    "more than %d fields", c->line, CSV_COLUMNS_MAX);
			return -1;
		}
		c->off[c->n] = c->field.len;
		if (c->pos < c->len && p[c->pos] == '"') {
			qline = c->line;
			c->pos++;
			for (;;) {
				q = memchr(p + c->pos, '"', c->len - c->pos);
				if (q == NULL) {
					c->err = CONVERT_EDOC;
					(void)snprintf(c->reason, c->rlen,
					    "CSV quoted field opened on line "
					    "%zu is never closed", qline);
					return -1;
				}
				run = (size_t)(q - (p + c->pos));
				for (i = c->pos; i < c->pos + run; i++)
					if (p[i] == '\n' || (p[i] == '\r' &&
					    p[i + 1] != '\n'))
						c->line++;
				mdbuf_add(&c->field, p + c->pos, run);
				c->pos += run + 1;
				if (c->pos < c->len && p[c->pos] == '"') {
					c->pos++;
					mdbuf_addc(&c->field, '"');
					continue;
				}
				break;
			}
		}
		/* Unquoted text, or what follows a closing quote (lenient). */
		for (i = c->pos; i < c->len && p[i] != c->delim &&
		    p[i] != '\n' && p[i] != '\r'; i++)
			;
		mdbuf_add(&c->field, p + c->pos, i - c->pos);
		c->pos = i;
		if (c->field.err != 0) {
			c->err = c->field.err;
			return -1;
		}
		c->flen[c->n] = c->field.len - c->off[c->n];
		c->n++;
		if (c->pos >= c->len)
			return 1;
		ch = p[c->pos++];
		if (ch == c->delim)
			continue;
		if (ch == '\r' && c->pos < c->len && p[c->pos] == '\n')
			c->pos++;
		c->line++;
		return 1;
	}
}

static int
blank_record(const struct csv *c)
{
	return c->n == 1 && c->flen[0] == 0;
}

static void
csv_start(struct csv *c, const char *in, size_t len, char delim, size_t max)
{
	c->p = in;
	c->len = len;
	c->pos = 0;
	c->line = 1;
	c->delim = delim;
	c->err = 0;
	c->field.len = 0;
	c->field.max = max;
}

/*
 * The delimiter among , ; TAB | that splits the first records into the
 * same number of fields, more than one, most often; ties go to the more
 * usual delimiter. Quotes are honoured, so a ',' inside "..." is not one.
 */
static char
sniff(struct csv *c, const char *in, size_t len)
{
	static const char cand[] = ",;\t|";
	size_t		  i, k, first, same, best = 0, score;
	char		  d = ',';

	if (len > SNIFF_BYTES)
		len = SNIFF_BYTES;	/* a cut record only counts less */
	for (i = 0; i < sizeof(cand) - 1; i++) {
		csv_start(c, in, len, cand[i], MDBUF_NOLIMIT);
		first = same = 0;
		for (k = 0; k < SNIFF_RECORDS && record(c) == 1; k++) {
			if (blank_record(c))
				continue;
			if (first == 0)
				first = c->n;
			if (c->n == first)
				same++;
		}
		if (first < 2)
			continue;
		score = same * CSV_COLUMNS_MAX + first;
		if (score > best) {
			best = score;
			d = cand[i];
		}
	}
	return d;
}

int
csv_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct csv	*c;
	const char	*cells[CSV_COLUMNS_MAX];
	size_t		 lens[CSV_COLUMNS_MAX], rows = 0, cols = 0, i, skip = 0;
	int		 err, rc, hdr = 1;

	(void)ext;
	/* Text like any other: strict UTF-8, no NUL (source.c). */
	if ((err = convert_check_text(in, len, &r->offset)) != CONVERT_OK)
		return err;
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	in += skip;
	len -= skip;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CONVERT_ENOMEM;
	c->reason = r->reason;
	c->rlen = sizeof(r->reason);
	mdbuf_init(&c->field, MDBUF_NOLIMIT);
	c->delim = sniff(c, in, len);

	/* Pass 1: the table's size, and the errors before any output. */
	csv_start(c, in, len, c->delim, out->max);
	while ((rc = record(c)) == 1) {
		if (blank_record(c))
			continue;
		rows++;
		if (c->n > cols)
			cols = c->n;
	}
	if (rc == -1) {
		err = c->err;
		goto done;
	}
	/* The name is the title: a CSV file has none of its own. */
	if ((r->title = strdup("")) == NULL) {
		err = CONVERT_ENOMEM;
		goto done;
	}
	if (rows == 0) {
		err = CONVERT_OK;
		goto done;
	}

	csv_start(c, in, len, c->delim, out->max);
	while (record(c) == 1 && out->err == 0) {
		if (blank_record(c))
			continue;
		for (i = 0; i < cols; i++) {
			/* field.p is NULL while every field is empty. */
			lens[i] = i < c->n ? c->flen[i] : 0;
			cells[i] = lens[i] > 0 ? c->field.p + c->off[i] : "";
		}
		if (hdr) {
			/* Says what the table is, for the summary and index. */
			(void)snprintf(c->reason, c->rlen, "%zu row%s, %zu "
			    "column%s: ", rows - 1, rows == 2 ? "" : "s", cols,
			    cols == 1 ? "" : "s");
			mdbuf_adds(out, c->reason);
			c->reason[0] = '\0';
			for (i = 0; i < cols && out->len < CONVERT_DESC_MAX * 4;
			    i++) {
				if (i > 0)
					mdbuf_adds(out, ", ");
				mdbuf_text(out, cells[i], lens[i]);
			}
			mdbuf_adds(out, ".\n");
		}
		mdbuf_table_row(out, cells, lens, cols, hdr);
		hdr = 0;
	}
	err = c->err;
done:
	mdbuf_free(&c->field);
	free(c);
	return err;
}
