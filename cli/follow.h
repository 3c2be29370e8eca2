/*
 * Following a job to its summary (follow.c), for the commands that start
 * jobs (cmd-job.c) and wait (cmd-jobs.c), and a job summary's output.
 */
#ifndef KBCTL_FOLLOW_H
#define KBCTL_FOLLOW_H

#include <stdint.h>

#include "kbctl.h"
#include "progress.h"

/* A summary's fields, in an object the caller began and ends. */
void	 summary_fields(struct jobj *, const Kbd__JobSummary *, int event);
/* A summary as one JSON line (event: with "event": "summary"). */
void	 summary_json(const Kbd__JobSummary *, int event);
/* "  error: ..." when the job has one. */
void	 summary_error_text(const Kbd__JobSummary *);
/* A full-text rebuild's own job (kind "reindex"). */
int	 summary_is_reindex(const Kbd__JobSummary *);

/*
 * The options of a follower, the same for add and wait: -q, -v, --json
 * and --color (ch is another option of the command's own: ignored).
 */
void	 follow_option(int ch, int *json, int *color);
int	 follow_changes_only(int json);
/* Colour stdout's file lines, stderr's failures: color is COLOR_*. */
void	 follow_colors(int color);
/* What a text follower shows besides file lines, and kbd's level for it. */
enum progress_mode follow_mode(int json);
int	 progress_level(enum progress_mode);
/*
 * wait --timeout: a follower of job gives up after s seconds (exit 1);
 * follow_check_deadline exits so if that time has come.
 */
void	 follow_set_timeout(uint64_t job, unsigned long s);
void	 follow_check_deadline(void);
/*
 * Print job's events from c until its summary; exit status 1 when a file
 * failed or the job did not complete. cancel_int: the first Ctrl-C asks
 * kbd to cancel the job (an add) rather than detach (a wait).
 */
int	 follow(struct conn *c, uint64_t job, int cancel_int, int json,
	    int exit_on_error, enum progress_mode);

#endif
