/*
 * front.h -- what the `pyrunc` front's files share: front.c (argv, the hand-over to the
 * Python CLI, start), front_delete.c (delete), front_state.c (state), front_kill.c (kill)
 * and, in pyrunc-exec, front_exec.c (a plain exec).
 *
 * The file names are the Python side's (state.py, container.py);
 * tests/unit/test_front_constants.py compares them.
 */
#ifndef LIBCONTAINER_FRONT_H
#define LIBCONTAINER_FRONT_H

#include "nolibc.h"

#define MAX_PATH 4096
#define STATE_FILE "state.json"
#define STATE_LOCK ".lock"
#define EXEC_FIFO "exec.fifo"
#define NATIVE_START "start.native"
#define NATIVE_DELETE "delete.native"
#define NATIVE_EXEC "exec.native"
#define NATIVE_STATE "state.native"
#define EXEC_FACTS_MAX (1 << 20) /* native_exec.MAX_SIZE */
/* The same program built with libc and the plan's steps (initplan*.c): it runs a plain exec */
#define NATIVE_EXEC_PROGRAM "pyrunc-exec"

struct kernel_pollfd { /* struct pollfd, whose header a freestanding build has not */
	int fd;
	short events, revents;
};

int same(const char *a, const char *b);
const char *after(const char *s, const char *prefix);
int join(char *dst, unsigned long size, const char *a, unsigned long alen, const char *b, const char *c);
long number(const char **s);
/* A facts file of the state directory, read under its lock as the Python side reads
 * state.json: its length (NUL-terminated in buf), or -1. */
long read_locked(int dir, const char *name, char *buf, unsigned long size);
/* "PID STARTTIME\n" at *p, moving *p past it; 0, or -1 when it is not that. */
int parse_init(const char **p, long *pid, long *start);
/* A small file's bytes, NUL-terminated in buf: their count, or <= 0. */
long read_file(const char *path, char *buf, unsigned long size);
/* Whether PID is still the init that started at START: alive, not a zombie. */
int same_init(long pid, long start);
/* poll(2) on up to two descriptors (-1: none) for input; the revents of the first two. */
long wait_input(long fd1, long fd2, long timeout_ms, short *rev1, short *rev2);

/* runc's delete for the containers create left delete.native for: 0 when done, -1 when the
 * Python CLI must decide (what was done so far, it does again or finds done). */
int native_delete(long rootfd, const char *id, int force);

/* runc's state for the containers create left state.native for: 0 when printed, -1 when the
 * Python CLI must answer (nothing was printed). */
int native_state(long rootfd, const char *id);

/* runc's signal parsing for the signals this knows (kill_delete.LINUX_SIGNALS): the number,
 * or -1 when the Python CLI must read it. */
int signal_number(const char *raw);
/* runc's kill (the init only) for the containers create left state.native for: 0 when sent,
 * -1 when the Python CLI must do it (nothing was sent). */
int native_kill(long rootfd, const char *id, int sig);

#ifdef FRONT_EXEC
/* A plain `exec` of the containers create left exec.native for (native_exec.py): exits
 * with the process's status, or returns -1 when the Python CLI must run it (nothing of it
 * is left running). */
int native_exec(long rootfd, const char *id, char **program, int nargs);
#else
#define native_exec(rootfd, id, program, nargs) ((void)(rootfd), (void)(id), (void)(program), (void)(nargs), -1)
#endif

#endif /* LIBCONTAINER_FRONT_H */
