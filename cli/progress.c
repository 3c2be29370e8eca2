/*
 * kbctl's live progress: the region at the bottom of a terminal while a
 * job is followed, and the heartbeat line elsewhere.
 *
 * The region is one row per worker slot that holds a file (spinner, phase,
 * the file's name cut in the middle to fit, its size and how long it has
 * been there) and a line of counts, rates and ETA, from kbd's PROGRESS
 * messages. Nothing shows during the first FIRST_FRAME_MS; then a frame
 * at most every FRAME_MS. A frame is written with one write(2), wrapped in
 * synchronized-output markers (terminals that know them show it at once,
 * others ignore them) with the cursor hidden inside it and shown again at
 * its end, so the cursor is never left hidden between frames, whatever
 * kills kbctl. File lines that arrive while the region is on the screen
 * wait for the next frame, which erases the region, prints them and draws
 * the region again below them: they stay, the region moves down.
 *
 * Rows never wrap (they are cut to the width), so the frame knows how many
 * lines to move up. Memory is the rows (one per slot) and the lines of
 * one frame period, never the job.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "kbctl.h"
#include "progress.h"
#include "util.h"

#define FIRST_FRAME_MS	500
#define FRAME_MS	100	/* at most 10 frames a second */
#define SAMPLE_MS	1000	/* rate samples, over RATE_SAMPLES seconds */
#define RATE_SAMPLES	10
#define PENDING_MAX	(64 * 1024)	/* lines held for the next frame */
#define SLOTS_MAX	256

#define CSI		"\033["
#define SYNC_BEGIN	CSI "?2026h"
#define SYNC_END	CSI "?2026l"
#define CURSOR_HIDE	CSI "?25l"
#define CURSOR_SHOW	CSI "?25h"

struct row {
	int		 phase;		/* Kbd__Phase */
	uint64_t	 seq;
	char		*path;
	uint64_t	 size;
	int64_t		 since;		/* when this file took the slot */
};

struct sample {
	int64_t		 t;
	uint64_t	 done, bytes;
};

static struct {
	enum progress_mode mode;
	int		 color, utf8;
	int		 fd;		/* the region's terminal: stderr */
	int		 stdout_here;	/* stdout is that terminal too */
	int64_t		 start, next_frame, next_beat, beat_ms;
	unsigned	 cols, lines;
	unsigned	 drawn;		/* lines of the region on the screen */
	unsigned	 spin;
	char		*cwd;
	size_t		 cwdlen;
	/* What kbd said, and what the client counted since. */
	struct row	 rows[SLOTS_MAX];
	unsigned	 nslots;
	uint64_t	 done, total, bytes, failed;
	int		 total_final, have_total;
	struct sample	 samples[RATE_SAMPLES];
	unsigned	 nsamples;
	int64_t		 next_sample;
	/* Lines for the next frame. */
	FILE		*pending;
	char		*pbuf;
	size_t		 plen;
	int		 stopped;
} P;

int
color_parse(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return COLOR_AUTO;
	if (strcmp(s, "always") == 0)
		return COLOR_ALWAYS;
	if (strcmp(s, "never") == 0)
		return COLOR_NEVER;
	return -1;
}

/* A terminal that takes escape sequences: not TERM=dumb, not unknown. */
static int
term_capable(int fd)
{
	const char	*term = getenv("TERM");

	return isatty(fd) && term != NULL && term[0] != '\0' &&
	    strcmp(term, "dumb") != 0;
}

int
color_for(int fd, enum color_when when)
{
	const char	*nc;

	if (when == COLOR_ALWAYS)
		return 1;
	if (when == COLOR_NEVER)
		return 0;
	/* https://no-color.org: set and not empty. */
	if ((nc = getenv("NO_COLOR")) != NULL && nc[0] != '\0')
		return 0;
	return term_capable(fd);
}

enum progress_mode
progress_mode_for_stderr(void)
{
	return term_capable(STDERR_FILENO) ? PROGRESS_REGION :
	    PROGRESS_HEARTBEAT;
}

static void
term_size(void)
{
	struct winsize	ws;

	P.cols = 80;
	P.lines = 24;
	if (ioctl(P.fd, TIOCGWINSZ, &ws) == 0) {
		if (ws.ws_col > 0)
			P.cols = ws.ws_col;
		if (ws.ws_row > 0)
			P.lines = ws.ws_row;
	}
}

static int
same_terminal(int a, int b)
{
	struct stat	sa, sb;

	return isatty(a) && isatty(b) && fstat(a, &sa) == 0 &&
	    fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev;
}

static unsigned
beat_seconds(void)
{
	const char	*s = getenv("KBCTL_HEARTBEAT");
	char		*end;
	unsigned long	 v;

	if (s == NULL || s[0] == '\0')
		return 30;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 86400)
		return 30;
	return (unsigned)v;
}

/* Again after progress_stop: a follower that reconnected starts afresh. */
void
progress_start(enum progress_mode mode, int color)
{
	static int	 registered;
	const char	*cs;

	memset(&P, 0, sizeof(P));
	P.mode = mode;
	P.fd = STDERR_FILENO;
	P.color = color;
	P.start = mono_ms();
	P.next_sample = P.start;
	if (mode == PROGRESS_HEARTBEAT) {
		P.beat_ms = (int64_t)beat_seconds() * 1000;
		P.next_beat = P.start + P.beat_ms;
	}
	if (mode != PROGRESS_REGION)
		return;
	/* For the width of names on the screen: wcwidth needs the locale. */
	(void)setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	P.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	P.stdout_here = same_terminal(STDOUT_FILENO, P.fd);
	P.next_frame = P.start + FIRST_FRAME_MS;
	if ((P.cwd = getcwd(NULL, 0)) != NULL)
		P.cwdlen = strlen(P.cwd);
	term_size();
	/* Whatever happens, the region goes and the cursor comes back. */
	if (!registered && atexit(progress_stop) == 0)
		registered = 1;
	before_error(progress_stop);
}

static void
row_clear(struct row *r)
{
	free(r->path);
	memset(r, 0, sizeof(*r));
}

void
progress_update(const Kbd__Progress *p)
{
	int64_t		 now = mono_ms();
	size_t		 i;
	unsigned	 s;

	if (P.mode == PROGRESS_OFF)
		return;
	/* Counted from 0 until now (a wait): rates start from kbd's count. */
	if (!P.have_total)
		P.nsamples = 0;
	if (p->done > P.done)
		P.done = p->done;	/* events may be ahead of it: never back */
	P.total = p->total;
	P.total_final = p->total_final;
	P.bytes = p->bytes_done;
	P.have_total = 1;
	P.nslots = p->slots > SLOTS_MAX ? SLOTS_MAX : p->slots;
	if (p->full)
		for (s = 0; s < SLOTS_MAX; s++)
			row_clear(&P.rows[s]);
	for (i = 0; i < p->n_changed; i++) {
		const Kbd__SlotState	*st = p->changed[i];
		struct row		*r;

		if (st->slot >= P.nslots)
			continue;
		r = &P.rows[st->slot];
		if (st->phase == KBD__PHASE__PHASE_IDLE) {
			row_clear(r);
			continue;
		}
		if (r->path == NULL || r->seq != st->seq) {
			free(r->path);
			r->path = estrdup(st->path);
			r->seq = st->seq;
		}
		/* kbd's clock: right for a wait that joins late, too. */
		r->since = now - (int64_t)(st->elapsed_ms < 86400000 ?
		    st->elapsed_ms : 0);
		r->phase = st->phase;
		r->size = st->size;
	}
}

void
progress_file_done(const Kbd__FileEvent *ev)
{
	unsigned	s;

	if (P.mode == PROGRESS_OFF)
		return;
	/*
	 * kbd's done is its cursor, the last sequence number committed, and
	 * events come in sequence order: the event's number is the count,
	 * right whenever this follower joined and however stale the last
	 * PROGRESS is (counting events would drift from kbd's total).
	 */
	if (ev->seq > P.done)
		P.done = ev->seq;
	if (ev->status == KBD__FILE_STATUS__FS_FAILED)
		P.failed++;
	for (s = 0; s < P.nslots; s++)
		if (P.rows[s].path != NULL && P.rows[s].seq == ev->seq)
			row_clear(&P.rows[s]);
}

FILE *
progress_out(FILE *f)
{
	if (P.mode != PROGRESS_REGION || P.stopped || P.drawn == 0 ||
	    (f == stdout && !P.stdout_here))
		return f;
	if (P.pending == NULL &&
	    (P.pending = open_memstream(&P.pbuf, &P.plen)) == NULL)
		die_errno("open_memstream");
	/* Held too much: the next frame comes now. */
	if (ftello(P.pending) > PENDING_MAX)
		P.next_frame = 0;
	return P.pending;
}

/* ---- rates ---- */

static void
sample(int64_t now)
{
	if (now < P.next_sample)
		return;
	P.next_sample = now + SAMPLE_MS;
	if (P.nsamples == RATE_SAMPLES) {
		memmove(&P.samples[0], &P.samples[1],
		    sizeof(P.samples[0]) * (RATE_SAMPLES - 1));
		P.nsamples--;
	}
	P.samples[P.nsamples].t = now;
	P.samples[P.nsamples].done = P.done;
	P.samples[P.nsamples].bytes = P.bytes;
	P.nsamples++;
}

/* Files and bytes a second over the last samples; 0 when not known yet. */
static void
rates(int64_t now, double *files, double *bytes)
{
	const struct sample	*s = &P.samples[0];
	double			 dt;

	*files = *bytes = 0;
	if (P.nsamples == 0 || (dt = (double)(now - s->t) / 1000) < 0.5)
		return;
	*files = P.done >= s->done ? (double)(P.done - s->done) / dt : 0;
	*bytes = P.bytes >= s->bytes ? (double)(P.bytes - s->bytes) / dt : 0;
}

static void
fmt_bytes(char *buf, size_t len, double v)
{
	static const char *const u[] = { "B", "kB", "MB", "GB", "TB" };
	unsigned	i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		(void)snprintf(buf, len, "%.0f %s", v, u[i]);
	else
		(void)snprintf(buf, len, "%.1f %s", v, u[i]);
}

static void
fmt_duration(char *buf, size_t len, double s)
{
	unsigned long	t = (unsigned long)(s + 0.5);

	if (t >= 3600)
		(void)snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
	else
		(void)snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

/*
 * "1234/5000 files", "1234/5000+ files" while the walk goes on. The total
 * comes with PROGRESS (every 5 s for a heartbeat), done with every file:
 * a file done was found, so the total shown is never below done.
 */
static void
fmt_count(char *buf, size_t len)
{
	if (P.have_total)
		(void)snprintf(buf, len, "%" PRIu64 "/%" PRIu64 "%s files",
		    P.done, P.total > P.done ? P.total : P.done,
		    P.total_final ? "" : "+");
	else
		(void)snprintf(buf, len, "%" PRIu64 " files", P.done);
}

/* ---- heartbeat ---- */

static void
heartbeat(int64_t now)
{
	char	count[64];
	double	fr, br;

	if (now < P.next_beat)
		return;
	P.next_beat = now + P.beat_ms;
	rates(now, &fr, &br);
	fmt_count(count, sizeof(count));
	(void)fflush(stdout);
	fprintf(stderr, "kbctl: %s, %.0f files/s, %" PRIu64 " failed\n",
	    count, fr, P.failed);
	(void)fflush(stderr);
}

/* ---- the region ---- */

struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			die("out of memory");
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_sgr(struct buf *b, const char *code)
{
	if (!P.color)
		return;
	buf_str(b, CSI);
	buf_str(b, code);
	buf_str(b, "m");
}

/*
 * One character of a name as it goes on the screen: control characters
 * and bytes that are not UTF-8 escaped (as text_put does), so a name can
 * neither move the cursor nor hide its length.
 */
struct glyph {
	char	s[8];
	int	w;
};

static size_t
glyph_next(const unsigned char *p, struct glyph *g)
{
	mbstate_t	ps;
	wchar_t		wc;
	size_t		n;
	int		w;

	if (*p >= 0x20 && *p < 0x7f) {
		g->s[0] = (char)*p;
		g->s[1] = '\0';
		g->w = 1;
		return 1;
	}
	if (*p >= 0x80 && P.utf8) {
		memset(&ps, 0, sizeof(ps));
		n = mbrtowc(&wc, (const char *)p, 4, &ps);
		if (n != (size_t)-1 && n != (size_t)-2 && n > 0 && n <= 4 &&
		    (w = wcwidth(wc)) >= 0) {
			memcpy(g->s, p, n);
			g->s[n] = '\0';
			g->w = w;
			return n;
		}
	}
	(void)snprintf(g->s, sizeof(g->s), "\\x%02x", *p);
	g->w = 4;
	return 1;
}

/*
 * The text of s in at most width columns, cut in the middle if need be;
 * returns the columns used.
 */
static int
put_cut(struct buf *b, const char *str, int width)
{
	const unsigned char	*s = (const unsigned char *)str;
	struct glyph		*g;
	const char		*ell = P.utf8 ? "\xe2\x80\xa6" : "~";
	size_t			 n = 0, i, len = strlen(str), head, tail;
	int			 total = 0, hw, tw, keep;

	if (width <= 0)
		return 0;
	g = ecalloc(len + 1, sizeof(*g));
	while (*s != '\0') {
		s += glyph_next(s, &g[n]);
		total += g[n++].w;
	}
	if (total <= width) {
		for (i = 0; i < n; i++)
			buf_str(b, g[i].s);
		free(g);
		return total;
	}
	keep = width - 1;	/* the ellipsis takes one column */
	/* The end of a path says most: it gets two thirds. */
	for (head = 0, hw = 0; head < n && hw + g[head].w <= keep / 3; head++)
		hw += g[head].w;
	for (tail = n, tw = 0; tail > head && hw + tw + g[tail - 1].w <= keep;
	    tail--)
		tw += g[tail - 1].w;
	for (i = 0; i < head; i++)
		buf_str(b, g[i].s);
	buf_str(b, ell);
	for (i = tail; i < n; i++)
		buf_str(b, g[i].s);
	free(g);
	return hw + 1 + tw;
}

static const char *
phase_name(int phase)
{
	switch (phase) {
	case KBD__PHASE__PHASE_HASH:
		return "hash";
	case KBD__PHASE__PHASE_CONVERT:
		return "convert";
	case KBD__PHASE__PHASE_COMMIT:
		return "commit";
	}
	return "";
}

static const char *
phase_color(int phase)
{
	switch (phase) {
	case KBD__PHASE__PHASE_HASH:
		return "34";
	case KBD__PHASE__PHASE_CONVERT:
		return "33";
	}
	return "32";
}

static void
draw_row(struct buf *b, const struct row *r, int64_t now, int width)
{
	static const char *const spin_utf8[] = { "\xe2\xa0\x8b",
	    "\xe2\xa0\x99", "\xe2\xa0\xb9", "\xe2\xa0\xb8", "\xe2\xa0\xbc",
	    "\xe2\xa0\xb4", "\xe2\xa0\xa6", "\xe2\xa0\xa7", "\xe2\xa0\x87",
	    "\xe2\xa0\x8f" };
	static const char *const spin_ascii[] = { "|", "/", "-", "\\" };
	const char	*path = path_show(r->path);
	char		 info[80], size[32], el[32];
	int		 fixed, pw;

	/* Inputs under the working directory: the relative name says it. */
	if (path[0] == '/' && P.cwd != NULL && P.cwdlen > 1 &&
	    strncmp(path, P.cwd, P.cwdlen) == 0 && path[P.cwdlen] == '/')
		path += P.cwdlen + 1;
	fmt_bytes(size, sizeof(size), (double)r->size);
	(void)snprintf(el, sizeof(el), "%.1fs",
	    (double)(now - r->since) / 1000);
	(void)snprintf(info, sizeof(info), "%6s %9s  ", el, size);
	/*
	 * Spinner, space, phase in 7, space, time and size, then the name in
	 * what is left; time and size go when that is too narrow.
	 */
	fixed = 1 + 1 + 7 + 1;
	if (width - fixed - (int)strlen(info) < 16)
		info[0] = '\0';
	pw = width - fixed - (int)strlen(info);
	if (pw < 1)
		return;
	buf_sgr(b, "36");
	if (P.utf8)
		buf_str(b, spin_utf8[(P.spin + r->seq) % 10]);
	else
		buf_str(b, spin_ascii[(P.spin + r->seq) % 4]);
	buf_sgr(b, "0");
	buf_str(b, " ");
	buf_sgr(b, phase_color(r->phase));
	(void)snprintf(el, sizeof(el), "%-7s", phase_name(r->phase));
	buf_str(b, el);
	buf_sgr(b, "0");
	buf_str(b, " ");
	if (info[0] != '\0') {
		buf_sgr(b, "2");
		buf_str(b, info);
		buf_sgr(b, "0");
	}
	(void)put_cut(b, path, pw);
}

static void
draw_status(struct buf *b, int64_t now, int width)
{
	char		 line[256], count[64], mb[32], eta[32];
	double		 fr, br;
	int		 n;

	rates(now, &fr, &br);
	fmt_count(count, sizeof(count));
	fmt_bytes(mb, sizeof(mb), br);
	n = snprintf(line, sizeof(line), "%s  %.0f files/s  %s/s", count, fr,
	    mb);
	if (P.total_final && fr > 0 && P.total > P.done) {
		fmt_duration(eta, sizeof(eta), (double)(P.total - P.done) / fr);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  ETA %s",
		    eta);
	}
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (n > width)
		n = width;
	if (width <= 0)
		return;
	buf_sgr(b, "1");
	buf_add(b, line, (size_t)n);
	buf_sgr(b, "0");
	if (P.failed > 0 && n + 12 < width) {
		(void)snprintf(line, sizeof(line), "  %" PRIu64 " failed",
		    P.failed);
		if ((int)strlen(line) + n <= width) {
			buf_sgr(b, "31");
			buf_str(b, line);
			buf_sgr(b, "0");
		}
	}
}

static void
term_write(const char *s, size_t len)
{
	/* The terminal is gone (SIGHUP): draw no more. */
	if (write_all(P.fd, s, len) == -1)
		P.stopped = 1;
}

/* Erase the region and print the lines held for it. */
static void
frame_begin(struct buf *b)
{
	char	up[32];

	(void)fflush(stdout);
	(void)fflush(stderr);
	buf_str(b, SYNC_BEGIN CURSOR_HIDE);
	if (P.drawn > 0) {
		/* The cursor is at the start of the line below the region. */
		(void)snprintf(up, sizeof(up), "\r" CSI "%uA", P.drawn);
		buf_str(b, up);
	}
	buf_str(b, CSI "J");
	if (P.pending != NULL) {
		(void)fflush(P.pending);
		buf_add(b, P.pbuf, P.plen);
		fclose(P.pending);
		free(P.pbuf);
		P.pending = NULL;
		P.pbuf = NULL;
		P.plen = 0;
	}
	P.drawn = 0;
}

static void
frame_end(struct buf *b)
{
	buf_str(b, CURSOR_SHOW SYNC_END);
	term_write(b->s, b->len);
	free(b->s);
}

static void
draw(int64_t now)
{
	struct buf	 b = { NULL, 0, 0 };
	unsigned	 s, busy = 0, shown = 0, max;
	int		 width;

	frame_begin(&b);
	width = (int)P.cols - 1;	/* never the last column: no wrap */
	/* Leave the top of the screen to the lines above. */
	max = P.lines > 3 ? P.lines - 2 : 1;
	for (s = 0; s < P.nslots; s++)
		if (P.rows[s].path != NULL)
			busy++;
	for (s = 0; s < P.nslots && shown < max; s++) {
		if (P.rows[s].path == NULL)
			continue;
		if (shown + 1 == max && busy > max) {
			char	more[64];

			(void)snprintf(more, sizeof(more), "  ... and %u more",
			    busy - shown);
			buf_add(&b, more, strlen(more) < (size_t)width ?
			    strlen(more) : (size_t)(width > 0 ? width : 0));
		} else
			draw_row(&b, &P.rows[s], now, width);
		buf_str(&b, "\n");
		shown++;
	}
	draw_status(&b, now, width);
	buf_str(&b, "\n");
	P.drawn = shown + 1;
	frame_end(&b);
	P.spin++;
}

int
progress_timeout(void)
{
	int64_t	now, due;

	if (P.stopped)
		return -1;
	switch (P.mode) {
	case PROGRESS_REGION:
		due = P.next_frame;
		break;
	case PROGRESS_HEARTBEAT:
		due = P.next_beat;
		break;
	default:
		return -1;
	}
	if (P.next_sample < due)
		due = P.next_sample;
	now = mono_ms();
	return due <= now ? 0 : (int)(due - now);
}

/* In the terminal's foreground process group (not `kbctl add &`). */
static int
foreground(void)
{
	pid_t	pg = tcgetpgrp(P.fd);

	return pg == -1 || pg == getpgrp();
}

void
progress_tick(void)
{
	struct buf	b = { NULL, 0, 0 };
	int64_t		now = mono_ms();

	if (P.mode == PROGRESS_OFF || P.stopped)
		return;
	sample(now);
	if (P.mode == PROGRESS_HEARTBEAT) {
		heartbeat(now);
		return;
	}
	if (now < P.next_frame)
		return;
	/* A frame period after the last, however late this one is. */
	P.next_frame = now + FRAME_MS;
	if (!foreground()) {
		/* Leave the screen to the foreground; lines go out as such. */
		if (P.drawn > 0 || P.pending != NULL) {
			frame_begin(&b);
			frame_end(&b);
		}
		return;
	}
	draw(now);
}

void
progress_resize(void)
{
	if (P.mode != PROGRESS_REGION || P.stopped)
		return;
	term_size();
	/* Re-laid out at once, unless the first frame is not due yet. */
	if (P.drawn > 0)
		P.next_frame = 0;
}

void
progress_stop(void)
{
	struct buf	b = { NULL, 0, 0 };
	unsigned	s;

	if (P.mode != PROGRESS_REGION || P.stopped) {
		/* No heartbeat either until a progress_start. */
		P.stopped = 1;
		return;
	}
	/* First: a die() from here (out of memory) comes back here. */
	P.stopped = 1;
	if (P.drawn > 0 || P.pending != NULL) {
		frame_begin(&b);
		frame_end(&b);
	}
	for (s = 0; s < SLOTS_MAX; s++)
		row_clear(&P.rows[s]);
	free(P.cwd);
	P.cwd = NULL;
}
