/*
 * What kbctl shows while it follows a job, besides the file lines: at a
 * terminal, a live region at the bottom of stderr (one row per busy
 * worker slot and a line of counts, rates and ETA), with the file lines
 * printed permanently above it; elsewhere, a plain heartbeat line now and
 * then. The follow loop feeds it kbd's messages and calls progress_tick
 * when progress_timeout says so.
 */
#ifndef KBCTL_PROGRESS_H
#define KBCTL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "kbd.pb-c.h"

/* --color=WHEN */
enum color_when {
	COLOR_AUTO,
	COLOR_ALWAYS,
	COLOR_NEVER
};

/* Parse --color's argument; -1 when it is none of auto, always, never. */
int	 color_parse(const char *);
/* Whether to colour what goes to fd. */
int	 color_for(int fd, enum color_when);

enum progress_mode {
	PROGRESS_OFF,
	PROGRESS_REGION,	/* stderr is a terminal that can move the cursor */
	PROGRESS_HEARTBEAT	/* a plain line every KBCTL_HEARTBEAT seconds */
};

/* The mode a text follower gets for its stderr. */
enum progress_mode	 progress_mode_for_stderr(void);

void	 progress_start(enum progress_mode, int color);
void	 progress_update(const Kbd__Progress *);
void	 progress_file_done(const Kbd__FileEvent *);
/*
 * The stream to print a line meant for f (stdout or stderr) on: while the
 * region is on the screen, lines for its terminal wait for the next frame,
 * which prints them above the region.
 */
FILE	*progress_out(FILE *f);
/* Milliseconds until progress_tick has something to do, -1 never. */
int	 progress_timeout(void);
void	 progress_tick(void);
/* The terminal changed size (SIGWINCH, acted on from the loop). */
void	 progress_resize(void);
/*
 * Take the region off the screen (and stop the heartbeat) until the next
 * progress_start, if any; the cursor is shown.
 */
void	 progress_stop(void);

#endif /* KBCTL_PROGRESS_H */
