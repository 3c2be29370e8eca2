/*
 * The worker sandbox: resource limits, no_new_privs and a seccomp filter
 * that kills the process on any system call outside a short allow list
 * (read and write on fds it already has, memory, time, exit). open() and
 * openat() fail with EACCES instead, so that a library probing for a file
 * gets an error rather than killing the worker. Irreversible; the caller
 * must have loaded everything it needs from the file system before.
 *
 * Built with -DKBD_SANDBOX_DEBUG, a forbidden call traps instead: the
 * process writes "sandbox violation: syscall N" to stderr and exits 111.
 *
 * Library-like: returns 0, or -1 with errno set (and the process possibly
 * half-restricted: limits set, filter not loaded; the caller should exit).
 */
#ifndef KBD_SANDBOX_H
#define KBD_SANDBOX_H

struct worker_limits;

/* Limits of 0 are left as they are. */
int	sandbox_apply(const struct worker_limits *);

#endif /* KBD_SANDBOX_H */
