/*
 * The process roles of the kbd binary. Each entry function sets itself up
 * (sandbox, events, peers), runs its loop and never returns. Children are
 * started by re-executing the binary as "kbd -X ROLE ARGS..." with their
 * channel to the supervisor on fd 3 (KBD_CHAN_FD) and every other fd closed.
 */
#ifndef KBD_KBD_H
#define KBD_KBD_H

#include <stdint.h>

#define KBD_CHAN_FD	3
#define KBD_VERSION	"0.5.0"

struct worker_limits {
	uint64_t	mem;		/* RLIMIT_AS, bytes */
	uint64_t	cpu;		/* RLIMIT_CPU, seconds */
	uint64_t	fsize;		/* RLIMIT_FSIZE, bytes: a backstop */
};

struct kbd_opts {
	const char	*kbroot;	/* absolute, canonical */
	int		 foreground;
	int		 verbose;
	unsigned	 jobs;		/* worker processes */
	uint64_t	 max_size;	/* largest input accepted */
	uint64_t	 max_output;	/* most Markdown from one file */
	unsigned	 timeout;	/* per-file watchdog, seconds */
	unsigned	 idle_exit;	/* seconds idle before exiting; 0 never */
	unsigned	 history;	/* finished jobs whose file outcomes are kept */
	unsigned	 watch_debounce; /* seconds of quiet before a sync */
	const char	*listen;	/* --listen [ADDR:]PORT, or NULL */
	const char	*summarizer;	/* kbd.conf's command line, or NULL */
	unsigned	 summarizer_jobs; /* summarizer commands at once */
	unsigned	 summarizer_timeout; /* seconds for one */
	const char	*language;	/* kbd.conf's default language ("en") */
	struct worker_limits limits;
};

/* kbd -X worker MEM CPU FSIZE */
void	worker_main(const struct worker_limits *, const char *language)
	    __attribute__((noreturn));
/* kbd -X committer KBROOT [LANGUAGE] */
void	committer_main(const char *kbroot, const char *language)
	    __attribute__((noreturn));
/* The supervisor: kbd -C KB [-f] [-v] [--jobs N] ... */
void	supervisor_main(const struct kbd_opts *, int readyfd)
	    __attribute__((noreturn));

#endif /* KBD_KBD_H */
