/*
 * The one logging API of kbd's processes. The supervisor writes to
 * .kb/kbd.log (and stderr in the foreground); its sandboxed children cannot
 * open files, so their lines travel to the supervisor as MSG_LOG messages
 * on their channel and are written there with the child's name and pid.
 */
#ifndef KBD_LOG_H
#define KBD_LOG_H

#include <stdarg.h>

struct chan;

/* fd: an open log file or -1; tostderr: also copy to stderr. */
void	log_init(const char *procname, int fd, int tostderr, int verbose);
/* Children: send every line on this channel instead. */
void	log_setchan(struct chan *);
void	log_setname(const char *procname);
/* Write a line that arrived from a child. */
void	log_child(int level, const char *who, long pid, const char *text);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* KBD_LOG_H */
