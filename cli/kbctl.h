/*
 * kbctl, the client of kbd: what its files share. kbctl.c has main, the
 * command table and the choice of KB; client.c the connection to kbd
 * (autostart, handshake, blocking message I/O); output.c how strings from
 * kbd are written (JSON or terminal text); paths.c add's paths, as sent
 * and as printed; cmd-*.c the commands; mcp*.c the command mcp (what
 * they share is in mcp.h, which needs jansson).
 *
 * kbctl is a CLI: errors print one line and exit, so nothing here returns
 * an error a caller would only turn into an exit anyway. The exception is
 * kbctl mcp, a server that must outlive a failed call: it uses the conn_try*
 * calls, conn_tryrecv_any and show_select, which report instead.
 */
#ifndef KBCTL_H
#define KBCTL_H

#include <sys/types.h>
#include <sys/un.h>

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chan.h"
#include "kbd-protocol.h"
#include "kbd.pb-c.h"
#include "names.h"

/* Exit statuses. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* some inputs failed, problems found, kbd error */
#define EXIT_USAGE	2

/* Long-only options share these values across commands. */
#define OPT_JSON	0x100
#define OPT_NO_WAIT	0x101
#define OPT_EXIT_ON_ERROR 0x102
#define OPT_COLOR	0x103
#define OPT_TIMEOUT	0x104
#define OPT_FIX		0x105
#define OPT_SUMMARY	0x106
#define OPT_RAW		0x107
#define OPT_META	0x108
#define OPT_LINES	0x109
#define OPT_BYTES	0x10a
#define OPT_PRUNE	0x10b
#define OPT_DRY_RUN	0x10c
#define OPT_EXCLUDE	0x10d
#define OPT_INCLUDE	0x10e
#define OPT_PATH	0x10f
#define OPT_JOB		0x110
#define OPT_FILES	0x120	/* status --files (history) */
#define OPT_FAILED	0x121
#define OPT_ALL		0x130	/* recompile --all, --stale */
#define OPT_STALE	0x131

struct cmd {
	const char	*name;
	const char	*args;		/* synopsis after the command name */
	const char	*help;		/* option lines, or NULL */
	int		(*fn)(int, char **);
};

/* kbctl.c */
extern const struct cmd	*cmd_current;

/*
 * Run fn before any error is printed (the progress region clears itself so
 * that the message lands below what was printed).
 */
void	 before_error(void (*fn)(void));
void	 die(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 die_errno(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 die_usage(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/*
 * A bad value of an operand the usage cannot help with: one line, as
 * die_usage's begins, and the usage's exit status, without the usage.
 */
void	 die_value(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	*emalloc(size_t);
void	*ecalloc(size_t, size_t);
void	*ereallocarray(void *, size_t, size_t);
char	*estrdup(const char *);
char	*estrndup(const char *, size_t);
int	 cmd_getopt(int, char **, const char *, const struct option *);
unsigned long	 parse_number(const char *, const char *, unsigned long,
		    unsigned long);
const char	*kb_root(void);
const char	*kb_dir_option(void);
void	 kb_check(const char *);

/* client.c */
struct conn {
	struct chan	 chan;
	int		 fd;
	pid_t		 pid;		/* kbd's supervisor, 0 if unknown */
	unsigned long long pid_start;	/* its start time, 0 if unknown */
	int		 hello_due;	/* its handshake's answer unread */
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};
int	 conn_open(struct conn *, const char *, int);
int	 conn_tryopen(struct conn *, const char *);
int	 conn_reopen(struct conn *, const char *);
void	 conn_close(struct conn *);
void	 conn_send(struct conn *, uint32_t, const ProtobufCMessage *);
void	 conn_recv(struct conn *, struct msg *);
int	 conn_trysend(struct conn *, uint32_t, const ProtobufCMessage *);
int	 conn_tryrecv(struct conn *, struct msg *);
int	 conn_tryrecv_any(struct conn *, struct msg *);
void	 kb_ask(uint32_t, const ProtobufCMessage *, struct msg *, uint32_t);
void	 conn_expect(struct conn *, struct msg *, uint32_t);
void	 conn_unexpected(const struct msg *)
	    __attribute__((noreturn));
void	 conn_wait_gone(const char *, pid_t);
/* What a command does while kbctl waits for kbd (see wait_fd). */
struct conn_wait {
	int	  fd;			/* also watched for input; -1: none */
	int	(*timeout)(void);	/* ms until wake is due; -1: none */
	void	(*wake)(void);		/* fd readable, timeout, or signal */
};
extern const struct conn_wait	*conn_wait;

/* output.c */
struct jobj {
	FILE	*f;
	int	 n;
};
/* Not json_string: jansson's (kbctl mcp) has that name. */
void	 json_write_string(FILE *, const char *);
void	 jobj_begin(struct jobj *, FILE *);
void	 jobj_key(struct jobj *, const char *);
void	 jobj_str(struct jobj *, const char *, const char *);
void	 jobj_u64(struct jobj *, const char *, uint64_t);
void	 jobj_i64(struct jobj *, const char *, int64_t);
void	 jobj_double(struct jobj *, const char *, double);
void	 jobj_bool(struct jobj *, const char *, int);
void	 jobj_end(struct jobj *);
/* text_put: a path (control characters escaped), or TEXT_LINE: one line. */
#define TEXT_LINE	1
void	 text_put(FILE *, const char *, int);
void	 text_putn(FILE *, const char *, size_t, int);
void	 out_flush(void);

/* paths.c */
/*
 * add's operands made absolute and clean for kbd (a malloc'd array of
 * malloc'd strings), remembered so that path_show can print what kbd
 * reports under a relative one relative again.
 */
char		**paths_absolute(int, char **);
/* A path from kbd as the user would write it; valid until the next call. */
const char	 *path_show(const char *);

/* cmd-job.c: the commands that start a job */
int	 cmd_add(int, char **);
int	 cmd_sync(int, char **);
int	 cmd_recompile(int, char **);
/* cmd-sync.c */
int	 cmd_roots(int, char **);
int	 cmd_watch(int, char **);
/* cmd-jobs.c: the commands about started jobs */
int	 cmd_status(int, char **);
int	 cmd_wait(int, char **);
int	 cmd_cancel(int, char **);
int	 cmd_jobs(int, char **);
/* follow.c: a file's reason, a duplicate's earlier path as path_show's. */
void	 reason_put(FILE *, const char *);

/* cmd-history.c: status --files, after the summary (o: its JSON object). */
void	 history_print(struct conn *, struct jobj *o, int json, int failed);

/* cmd-query.c */
int	 cmd_search(int, char **);
int	 cmd_list(int, char **);

/* cmd-show.c */
enum range_unit {
	RANGE_NONE,
	RANGE_LINES,
	RANGE_BYTES
};
struct range {
	enum range_unit	 unit;
	uint64_t	 from;		/* 1-based */
	uint64_t	 to;		/* inclusive; UINT64_MAX: to the end */
};
/* What a selection of a file holds. */
struct sel {
	char	*text;		/* with json: the selected bytes, NUL-ended */
	size_t	 len, cap;
	uint64_t lines;		/* the file's lines (json only) */
	uint64_t size;		/* the file's bytes (json only) */
	uint64_t first, last;	/* what was selected, in the range's unit */
};
int	 cmd_show(int, char **);
int	 show_select(const char *, const struct range *, struct sel *,
	    char *, size_t);
char	*show_meta_json(const Kbd__DocMeta *);

/* mcp.c */
int	 cmd_mcp(int, char **);

/* cmd-kb.c */
int	 cmd_init(int, char **);
int	 cmd_remove(int, char **);
int	 cmd_lint(int, char **);
int	 cmd_stop(int, char **);
int	 cmd_config(int, char **);
int	 cmd_token(int, char **);

#endif /* KBCTL_H */
