/*
 * Logging for kbd: timestamped lines to the KB's log file, or, in a
 * sandboxed child, to the sink it installed (a child has no file it could
 * write to; its sink sends the line to the supervisor). fatal() and fatalx() log and exit; they are for
 * daemon code only, never for library-like code.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_name = "kbd";
static int		 log_fd = -1;
static int		 log_stderr = 1;
static int		 log_verbose;
static log_sink_fn	*log_sink;
static void		*log_sink_arg;

void
log_init(const char *procname, int fd, int tostderr, int verbose)
{
	log_name = procname;
	log_fd = fd;
	log_stderr = tostderr;
	log_verbose = verbose;
}

void
log_setsink(log_sink_fn *fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

static const char *
level_name(int level)
{
	switch (level) {
	case KBD_LOG_WARN:
		return "warning: ";
	case KBD_LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

static void
write_line(int level, const char *who, long pid, const char *text)
{
	char		 line[2048], stamp[32];
	struct tm	 tm;
	time_t		 now;
	int		 n;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s%s\n", stamp, who,
	    pid, level_name(level), text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (log_fd != -1)
		(void)!write(log_fd, line, (size_t)n);
	if (log_stderr)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
log_child(int level, const char *who, long pid, const char *text)
{
	if (level == KBD_LOG_DEBUG && !log_verbose)
		return;
	write_line(level, who, pid, text);
}

static void	vlog(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static void	vlog_errno(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
vlog(int level, const char *fmt, va_list ap)
{
	char	buf[1800];

	if (level == KBD_LOG_DEBUG && !log_verbose && log_sink == NULL)
		return;
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_sink != NULL && log_sink(level, buf, log_sink_arg) == 0)
		return;
	write_line(level, log_name, (long)getpid(), buf);
}

static void
vlog_errno(int level, int saved, const char *fmt, va_list ap)
{
	char	buf[1600];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (level == KBD_LOG_WARN)
		log_warnx("%s: %s", buf, strerror(saved));
	else
		fatalx("%s: %s", buf, strerror(saved));
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog_errno(KBD_LOG_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(KBD_LOG_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(KBD_LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(KBD_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog_errno(0, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;
	char	buf[1700];

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("fatal: %s", buf);
	exit(1);
}
