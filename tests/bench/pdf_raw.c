/*
 * MuPDF alone, for the PDF side of the cost-of-isolation figure: the same
 * library calls as workers/convert/pdf.c (a context per document, the
 * document opened from memory, structured text of every page, the
 * characters walked), in a plain loop, no sandbox, no Markdown. Prints
 * files, pages, characters and the CPU time spent in the loop, with the
 * time spent converting the same files with kbd's convert() (also in
 * this process) for comparison.
 *
 * usage: pdf_raw [-m raw|kbd] [FILE.pdf ...]   (else a list on stdin)
 *
 * -m runs one side only, once, for a count of instructions that the
 * machine's load does not blur: perf stat -e instructions:u pdf_raw -m raw
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mupdf/fitz.h>

#include "convert.h"

#define ROUNDS_MIN_S	1.0	/* repeat the set until this much CPU */

struct file {
	char	*path, *buf;
	size_t	 len;
};

static double
cpu(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
quiet(void *user, const char *msg)
{
	(void)user;
	(void)msg;
}

/* One document: pages and characters seen, -1 if MuPDF gave up. */
static int
extract(const struct file *f, size_t *npages, size_t *nchars)
{
	fz_context	*ctx;
	fz_stream	*volatile stm = NULL;
	fz_document	*volatile doc = NULL;
	fz_page		*volatile page = NULL;
	fz_stext_page	*volatile text = NULL;
	fz_stext_options opts;
	fz_stext_block	*b;
	fz_stext_line	*l;
	fz_stext_char	*ch;
	volatile int	 rc = 0;
	int		 i, n;

	if ((ctx = fz_new_context(NULL, NULL, 64 << 20)) == NULL)
		errx(1, "fz_new_context");
	fz_set_error_callback(ctx, quiet, NULL);
	fz_set_warning_callback(ctx, quiet, NULL);
	memset(&opts, 0, sizeof(opts));
	opts.flags = FZ_STEXT_MEDIABOX_CLIP;
	fz_try(ctx) {
		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, (const unsigned char *)f->buf,
		    f->len);
		doc = fz_open_document_with_stream(ctx, "application/pdf",
		    stm);
		n = fz_count_pages(ctx, doc);
		for (i = 0; i < n; i++) {
			page = fz_load_page(ctx, doc, i);
			text = fz_new_stext_page_from_page(ctx, page, &opts);
			for (b = text->first_block; b != NULL; b = b->next)
				if (b->type == FZ_STEXT_BLOCK_TEXT)
					for (l = b->u.t.first_line; l != NULL;
					    l = l->next)
						for (ch = l->first_char;
						    ch != NULL; ch = ch->next)
							(*nchars)++;
			fz_drop_stext_page(ctx, text);
			text = NULL;
			fz_drop_page(ctx, page);
			page = NULL;
			(*npages)++;
		}
	}
	fz_always(ctx) {
		fz_drop_stext_page(ctx, text);
		fz_drop_page(ctx, page);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx)
		rc = -1;
	fz_drop_context(ctx);
	return rc;
}

static void
slurp(struct file *f)
{
	struct stat	 st;
	FILE		*fp;

	if ((fp = fopen(f->path, "rb")) == NULL || fstat(fileno(fp), &st) ==
	    -1)
		err(1, "%s", f->path);
	f->len = (size_t)st.st_size;
	if ((f->buf = malloc(f->len + 1)) == NULL)
		err(1, NULL);
	if (fread(f->buf, 1, f->len, fp) != f->len)
		errx(1, "%s: short read", f->path);
	fclose(fp);
}

int
main(int argc, char **argv)
{
	struct file		*fs = NULL;
	struct convert_result	 r;
	size_t			 n = 0, i, bytes = 0, pages, chars, md;
	size_t			 rounds, k, failed;
	double			 t0, t_raw, t_kbd;
	char			 line[4096];
	const char		*mode = NULL;
	int			 c;

	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm' || (strcmp(optarg, "raw") != 0 &&
		    strcmp(optarg, "kbd") != 0))
			errx(2, "usage: pdf_raw [-m raw|kbd] [file ...]");
		mode = optarg;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc > 1) {
		for (i = 1; i < (size_t)argc; i++) {
			fs = reallocarray(fs, n + 1, sizeof(*fs));
			fs[n++].path = argv[i];
		}
	} else {
		while (fgets(line, sizeof(line), stdin) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (*line == '\0')
				continue;
			fs = reallocarray(fs, n + 1, sizeof(*fs));
			if (fs == NULL || (fs[n++].path = strdup(line)) == NULL)
				err(1, NULL);
		}
	}
	if (n == 0)
		errx(1, "no files");
	for (i = 0; i < n; i++) {
		slurp(&fs[i]);
		bytes += fs[i].len;
	}

	if (mode != NULL) {
		pages = chars = md = 0;
		for (i = 0; i < n; i++)
			if (strcmp(mode, "raw") == 0)
				(void)extract(&fs[i], &pages, &chars);
			else {
				if (convert("pdf", fs[i].buf, fs[i].len,
				    256u << 20, &r) == CONVERT_OK)
					md += r.md_len;
				convert_free(&r);
			}
		return 0;
	}

	/* As many rounds as make a second of CPU, the same for both. */
	t0 = cpu();
	pages = chars = failed = 0;
	for (i = 0; i < n; i++)
		if (extract(&fs[i], &pages, &chars) == -1)
			failed++;
	t_raw = cpu() - t0;
	rounds = t_raw >= ROUNDS_MIN_S ? 1 : (size_t)(ROUNDS_MIN_S /
	    (t_raw > 1e-6 ? t_raw : 1e-6)) + 1;
	t0 = cpu();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++)
			(void)extract(&fs[i], &pages, &chars);
	t_raw = (cpu() - t0) / (double)rounds;

	md = 0;
	t0 = cpu();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++) {
			if (convert("pdf", fs[i].buf, fs[i].len, 256u << 20,
			    &r) == CONVERT_OK)
				md += r.md_len;
			convert_free(&r);
		}
	t_kbd = (cpu() - t0) / (double)rounds;

	printf("pdf_raw: %zu files, %.1f MB, %zu pages, %zu characters, "
	    "%zu failed\n", n, (double)bytes / 1e6, pages / (rounds + 1),
	    chars / (rounds + 1), failed);
	printf("  MuPDF structured text : %.3f CPU-s per pass (%.1f files/s, "
	    "%.1f MB/s)\n", t_raw, (double)n / t_raw,
	    (double)bytes / 1e6 / t_raw);
	printf("  kbd convert()         : %.3f CPU-s per pass (%.1f files/s, "
	    "%.1f MB/s), %.1f MB of Markdown\n", t_kbd, (double)n / t_kbd,
	    (double)bytes / 1e6 / t_kbd, (double)md / 1e6 / (double)rounds);
	printf("  ratio (kbd/MuPDF throughput): %.2f\n", t_raw / t_kbd);
	return 0;
}
