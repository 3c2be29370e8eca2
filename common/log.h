/*
 * The one logging API of kbd's processes. The supervisor writes to
 * .kb/kbd.log (and stderr in the foreground); its sandboxed children cannot
 * open files, so they install a sink (proto/chan.c's chan_log_sink) and
 * their lines travel to the supervisor as MSG_LOG messages, written there
 * with the child's name and pid.
 */
#ifndef KBD_LOG_H
#define KBD_LOG_H

#include <stdarg.h>

/* Levels, in syslog's order (MSG_LOG carries them as they are). */
#define KBD_LOG_WARN	4
#define KBD_LOG_INFO	6
#define KBD_LOG_DEBUG	7

/* A sink takes every line instead of the file; 0 if it took it. */
typedef int	log_sink_fn(int level, const char *text, void *arg);

/* fd: an open log file or -1; tostderr: also copy to stderr. */
void	log_init(const char *procname, int fd, int tostderr, int verbose);
/* Children: hand every line to this sink instead (NULL: the file). */
void	log_setsink(log_sink_fn *fn, void *arg);
/* Write a line that arrived from a child. */
void	log_child(int level, const char *who, long pid, const char *text);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* KBD_LOG_H */
