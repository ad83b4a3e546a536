/*
 * The `pyrunc` command: it starts and deletes plain containers itself (front_delete.c for
 * delete), tells their state (front_state.c) and signals them (front_kill.c), hands a plain exec to pyrunc-exec (this program built with libc and the native
 * init's steps: front_exec.c), and every other command to the Python CLI (pyrunc-py,
 * installed beside it) by exec'ing it.
 *
 * Why: `start` is the one command whose whole work is a system call or two (open the
 * container's exec FIFO, read it to end-of-file, unlink it), and a plain `delete` a few
 * more (a kill, some rmdirs), yet in Python each cost an interpreter's start (~11-13 ms
 * here) against runc's and crun's whole command (4-9 ms), and every container an engine
 * runs pays both (create, start, delete: docs/performance.md).
 *
 * It does only the success path of a plain start (front_delete.c says the same of delete),
 * and only with facts the Python side left for it: create writes start.native ("PID STARTTIME\n", state.py's NATIVE_START_FILE)
 * beside state.json only when releasing the init is all a start has to do (no hooks). Any
 * doubt, before the FIFO is read, execs pyrunc-py with the same argv, and the Python CLI
 * decides with runc's words: another command, a flag or form it does not know exactly as
 * argparse would read it, an id runc would refuse, no start.native, an init that is gone or
 * a recycled PID, no FIFO. So the two can differ in speed only, never in outcome.
 *
 * Nothing here is inherited by what it execs: every fd it opens is close-on-exec, and the
 * environment and argv pass unchanged. Built without a libc where nolibc.h knows how (the
 * exec it adds to every other command then costs ~0.1 ms instead of ~0.35 with static glibc).
 */
#define PR_SET_DUMPABLE 4

#include "front.h"

#define PYTHON_CLI "pyrunc-py"
#define DEFAULT_ROOT "/run/pyrunc"

int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* s without prefix, or NULL when s does not start with it */
const char *after(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return NULL;
	return s;
}

/* dst = a + b + c, cut to size; 0 when it did not fit */
int join(char *dst, unsigned long size, const char *a, unsigned long alen, const char *b, const char *c)
{
	unsigned long n = 0;
	for (unsigned long i = 0; i < alen && n < size; i++)
		dst[n++] = a[i];
	for (; *b && n < size; b++)
		dst[n++] = *b;
	for (; *c && n < size; c++)
		dst[n++] = *c;
	if (n >= size)
		return 0;
	dst[n] = 0;
	return 1;
}

static const char *env(char **envp, const char *name)
{
	for (; *envp; envp++) {
		const char *v = after(*envp, name);
		if (v && *v == '=')
			return v + 1;
	}
	return NULL;
}

/* The directory this program lives in (its real path: a symlink to it works too), as a
 * length into buf; 0 when unknown. Without /proc, argv[0] if it is a path: the Python CLI
 * needs /proc for every command anyway, so no search of $PATH for a bare name. */
static unsigned long own_dir(char *buf, unsigned long size, const char *argv0)
{
	long n = sys6(NR_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)buf, (long)size - 1, 0, 0);

	if (n > 0)
		buf[n] = 0;
	else if (!argv0 || !join(buf, size, "", 0, argv0, ""))
		return 0;
	for (n = (long)slen(buf); n > 0 && buf[n - 1] != '/'; n--)
		;
	return (unsigned long)n;
}

/* exec NAME from this program's directory with this argv and environment; returns the
 * error (a negative errno), with *shown the path tried */
static long run_sibling(const char *name, char **argv, char **envp, char *path, unsigned long size, const char **shown)
{
	char self[MAX_PATH];
	unsigned long dir = own_dir(self, sizeof(self), argv[0]);

	*shown = name;
	if (!dir) /* never a pyrunc-py from the working directory (an engine's is the bundle) */
		return -2; /* ENOENT */
	if (!join(path, size, self, dir, name, ""))
		return -36; /* ENAMETOOLONG */
	*shown = path;
	return sys(NR_execve, path, argv, envp);
}

/* exec the Python CLI with this argv and environment */
static __attribute__((noreturn)) void hand_over(char **argv, char **envp)
{
	char cli[MAX_PATH];
	const char *shown;
	long err = run_sibling(PYTHON_CLI, argv, envp, cli, sizeof(cli), &shown);

	say("pyrunc: cannot run ");
	say(shown);
	say(": ");
	say(errtext(-err));
	say("\n");
	leave(127);
}

static int is_value(const char *s)
{
	/* argparse reads a following string that starts with "-" as an option, not a value */
	return s && s[0] && s[0] != '-';
}

/* The value of a global flag taking one, as "--flag VALUE" or "--flag=VALUE"; NULL if
 * argv[*i] is not that flag. *i moves past what was used; *ok turns 0 on a form not handled. */
static const char *flag_value(char **argv, int *i, const char *flag, int *ok)
{
	const char *rest = after(argv[*i], flag);

	if (!rest)
		return NULL;
	if (*rest == '=') {
		*i += 1;
		return rest + 1;
	}
	if (*rest)
		return NULL;
	if (!is_value(argv[*i + 1])) {
		*ok = 0;
		return NULL;
	}
	*i += 2;
	return argv[*i - 1];
}

/* runc's container id rule (factory.validate_id; saved.plainly_valid_id): ASCII only here. */
static int plain_id(const char *id)
{
	if (!id[0] || id[0] == '-' || same(id, ".") || same(id, ".."))
		return 0; /* a leading "-": argparse would read an option */
	for (const char *c = id; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '_' || *c == '+' || *c == '-' || *c == '.'))
			return 0;
	}
	return 1;
}

/* A root the Python side would use as it is: os.path.abspath() changes nothing the kernel
 * would read differently (no "." or ".." component), and it is not "/". */
static int plain_root(const char *root)
{
	const char *c = root;
	int only_slashes = 1;

	while (*c) {
		unsigned long len = 0;
		while (c[len] && c[len] != '/')
			len++;
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (len)
			only_slashes = 0;
		c += len + (c[len] == '/');
	}
	return root[0] && !only_slashes;
}

enum command { NONE, START, DELETE, EXEC, STATE, KILL };

struct args {
	const char *root, *id, *log;
	enum command cmd;
	int force;
	int sig;  /* kill */
	int argi; /* exec: where the program's argv starts */
};

/* `exec ID PROGRAM [ARG...]`: no flag of exec's own, and the program's argv as argparse
 * hands it over whole (its REMAINDER). argparse sorts every string first, and one that
 * starts with "--" may be an abbreviation of several options -- an error even there. A
 * single "-" and one letter matches one short option at most, so "sh -c ..." is plain. */
static int parse_exec(int argc, char **argv, int i, struct args *a)
{
	a->cmd = EXEC;
	a->id = argv[i + 1];
	a->argi = i + 2;
	if (a->argi >= argc || !plain_id(a->id) || !is_value(argv[a->argi]))
		return 0;
	for (i = a->argi + 1; i < argc; i++)
		if (after(argv[i], "--"))
			return 0;
	return 1;
}

/* The command's own argv: `start ID`, `state ID`, `kill ID [SIGNAL]`, `delete [-f|--force] ID [-f|--force]` (argparse
 * takes an optional before or after the positional), or a plain exec; 0 for anything else. */
static int parse_command(int argc, char **argv, int i, struct args *a)
{
	if (same(argv[i], "exec"))
		return parse_exec(argc, argv, i, a);
	if (same(argv[i], "start") || same(argv[i], "state")) {
		a->cmd = same(argv[i], "start") ? START : STATE;
		a->id = argv[i + 1];
		return argc - i == 2 && plain_id(a->id);
	}
	if (same(argv[i], "kill")) { /* `kill ID [SIGNAL]`: SIGTERM by default, --all is Python's */
		a->cmd = KILL;
		a->id = argv[i + 1];
		a->sig = argc - i == 2 ? 15 : argc - i == 3 && is_value(argv[i + 2]) ? signal_number(argv[i + 2]) : -1;
		return argc - i >= 2 && plain_id(a->id) && a->sig >= 0;
	}
	if (!same(argv[i], "delete"))
		return 0;
	a->cmd = DELETE;
	a->id = NULL;
	for (i++; i < argc; i++) {
		if (same(argv[i], "-f") || same(argv[i], "--force")) {
			if (a->force)
				return 0;
			a->force = 1;
		} else if (!a->id && plain_id(argv[i])) {
			a->id = argv[i];
		} else {
			return 0;
		}
	}
	return a->id != NULL;
}

/* argv as main.GLOBAL_FLAGS and the command declare it, for the forms argparse reads the
 * same way; 0 for anything else. */
static int parse(int argc, char **argv, struct args *a)
{
	int i = 1, ok = 1;
	const char *v;

	a->root = a->log = a->id = NULL;
	a->cmd = NONE;
	a->force = 0;
	a->sig = -1;
	while (i < argc && argv[i][0] == '-') {
		if ((v = flag_value(argv, &i, "--root", &ok)))
			a->root = v;
		else if ((v = flag_value(argv, &i, "--log-format", &ok))) {
			if (!same(v, "text") && !same(v, "json"))
				return 0;
		} else if ((v = flag_value(argv, &i, "--log", &ok)))
			a->log = v;
		else if ((v = flag_value(argv, &i, "--rootless", &ok))) {
			if (!same(v, "true") && !same(v, "false") && !same(v, "auto"))
				return 0;
		} else if (ok && same(argv[i], "--systemd-cgroup"))
			i++;
		else
			return 0; /* --debug, --criu (a warning), -v, -h, an abbreviation, "--"... */
		if (!ok)
			return 0;
	}
	return i < argc && parse_command(argc, argv, i, a);
}

/* main.default_root(); NULL when too long */
static const char *default_root(char *buf, unsigned long size, char **envp)
{
	const char *xdg = env(envp, "XDG_RUNTIME_DIR");

	if (!xdg || !xdg[0] || sys(NR_geteuid, 0, 0, 0) == 0)
		return DEFAULT_ROOT;
	return join(buf, size, "", 0, xdg, "/pyrunc") ? buf : NULL;
}

/* a decimal number at *s, moving *s past it; -1 when there is none. It stops before a digit
 * that would overflow a long (a nanosecond mtime's 19 digits fit), leaving *s on it. */
long number(const char **s)
{
	long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9' && v <= (__LONG_MAX__ - 9) / 10; p++)
		v = v * 10 + (*p - '0');
	*s = p;
	return v;
}

long read_locked(int dir, const char *name, char *buf, unsigned long size)
{
	long lock, fd, n, got = 0;

	lock = sys6(NR_openat, dir, (long)STATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600, 0, 0);
	if (lock < 0)
		return -1;
	if (sys(NR_flock, lock, LOCK_EX, 0) != 0) {
		sys(NR_close, lock, 0, 0);
		return -1;
	}
	fd = sys6(NR_openat, dir, (long)name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	while (fd >= 0 && (unsigned long)got < size - 1 &&
	       (n = sys(NR_read, fd, buf + got, size - 1 - (unsigned long)got)) > 0)
		got += n;
	if (fd >= 0)
		sys(NR_close, fd, 0, 0);
	sys(NR_close, lock, 0, 0);
	if (fd < 0 || got <= 0 || (unsigned long)got >= size - 1)
		return -1; /* missing, empty, or more than this program expects */
	buf[got] = 0;
	return got;
}

int parse_init(const char **p, long *pid, long *start)
{
	*pid = number(p);
	if (*pid <= 0 || *pid > 0x7fffffff || *(*p)++ != ' ')
		return -1;
	*start = number(p);
	return *start >= 0 && *(*p)++ == '\n' ? 0 : -1;
}

/* The init's pid and start time, from start.native ("PID STARTTIME\n"). */
static int read_facts(int dir, long *pid, long *start)
{
	char buf[64];
	const char *p = buf;

	if (read_locked(dir, NATIVE_START, buf, sizeof(buf)) < 0 || parse_init(&p, pid, start) != 0)
		return -1;
	return *p ? -1 : 0;
}

long read_file(const char *path, char *buf, unsigned long size)
{
	long fd = sys6(NR_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0), n;

	if (fd < 0)
		return fd;
	n = sys(NR_read, fd, buf, size - 1);
	sys(NR_close, fd, 0, 0);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Whether PID is still the init create recorded (state.process_state_and_start): alive, not
 * a zombie, and started when it did (not a recycled PID). */
int same_init(long pid, long start)
{
	char path[32] = "/proc/", digits[24], buf[1024], *p = 0;
	long n, i = 0, field;
	const char *q;

	do
		digits[i++] = (char)('0' + pid % 10);
	while ((pid /= 10) && i < 20);
	for (n = 6; i;)
		path[n++] = digits[--i];
	join(path + n, sizeof(path) - (unsigned long)n, "", 0, "/stat", "");
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) /* the command name may hold spaces and parentheses: the last ')' */
		if (buf[i] == ')')
			p = buf + i;
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	q = p + 2; /* field 3, the state; the start time is field 22 */
	for (field = 3; field < 22 && *q; q++)
		if (*q == ' ')
			field++;
	return field == 22 && number(&q) == start && (*q == ' ' || *q == '\n' || !*q);
}

long wait_input(long fd1, long fd2, long timeout_ms, short *rev1, short *rev2)
{
	struct kernel_pollfd fds[2] = {{(int)fd1, POLLIN, 0}, {(int)fd2, POLLIN, 0}};
	struct { long sec, nsec; } limit = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
	long n;

	do
		n = sys6(NR_ppoll, (long)fds, 2, timeout_ms < 0 ? 0 : (long)&limit, 0, 0, 0);
	while (n == -EINTR); /* a signal's handler-less wake: ppoll left limit as it was */
	*rev1 = fds[0].revents;
	*rev2 = fds[1].revents;
	return n;
}

/* Container.exec()'s work: read the FIFO to end-of-file (the init wrote its byte and exec'd).
 * 1: started; 0: nothing was read (the init died first, or another start took it); -1: no FIFO. */
static int release(long dir, long pidfd)
{
	char buf[256];
	int got = 0;
	long fifo, n;
	short fifo_ev, init_ev;

	/* Non-blocking, so that an init that dies before it opens its end is seen (the pidfd)
	 * instead of waiting forever; a FIFO opened so reports no hang-up until a writer came. */
	fifo = sys6(NR_openat, dir, (long)EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, 0, 0);
	if (fifo < 0)
		return -1;
	while (wait_input(fifo, pidfd, -1, &fifo_ev, &init_ev) > 0) {
		if (fifo_ev) {
			n = sys(NR_read, fifo, buf, sizeof(buf));
			if (n > 0) {
				got = 1;
				continue;
			}
			if (n != -EAGAIN && n != -EINTR)
				break; /* end-of-file: the init exec'd */
		} else if (init_ev) {
			break; /* the init exited without opening the FIFO */
		}
	}
	sys(NR_close, fifo, 0, 0);
	return got;
}

/* runc's start for the containers create left start.native for: 0 when started, -1 when
 * the Python CLI must decide (nothing was consumed). */
static int native_start(long rootfd, const char *id)
{
	long dir, pidfd, pid, start;
	int got = -1;

	dir = sys6(NR_openat, rootfd, (long)id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return -1;
	if (read_facts((int)dir, &pid, &start) == 0) {
		pidfd = sys(NR_pidfd_open, pid, 0, 0);
		/* checked once the pidfd is held: the process it names cannot be replaced any more */
		if (pidfd >= 0 && same_init(pid, start))
			got = release(dir, pidfd);
		if (pidfd >= 0)
			sys(NR_close, pidfd, 0, 0);
	}
	if (got == 1) {
		sys(NR_unlinkat, dir, EXEC_FIFO, 0);
		sys(NR_unlinkat, dir, NATIVE_START, 0);
	}
	sys(NR_close, dir, 0, 0);
	return got == 1 ? 0 : -1; /* nothing consumed: the Python CLI says why (stopped, running) */
}

/* What the Python CLI does before any command (the log file, the root), then the command;
 * -1 whenever the Python CLI must take over. */
static int run_native(const struct args *a, int argc, char **argv, char **envp)
{
	char root_buf[MAX_PATH];
	const char *root = a->root ? a->root : default_root(root_buf, sizeof(root_buf), envp);
	long rootfd;
	int done;

	if (!root || !plain_root(root))
		return -1;
	if (a->log) { /* the Python CLI opens (creates) the log file even when it writes nothing */
		long fd = sys6(NR_openat, AT_FDCWD, (long)a->log, O_WRONLY | O_CREAT | O_APPEND | O_SYNC | O_CLOEXEC, 0644, 0, 0);
		if (fd < 0)
			return -1;
		sys(NR_close, fd, 0, 0);
	}
	rootfd = sys6(NR_openat, AT_FDCWD, (long)root, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (rootfd < 0)
		return -1;
	if (a->cmd == EXEC)
		done = native_exec(rootfd, a->id, argv + a->argi, argc - a->argi);
	else if (a->cmd == START)
		done = native_start(rootfd, a->id);
	else if (a->cmd == STATE)
		done = native_state(rootfd, a->id);
	else if (a->cmd == KILL)
		done = native_kill(rootfd, a->id, a->sig);
	else
		done = native_delete(rootfd, a->id, a->force);
	sys(NR_close, rootfd, 0, 0);
	return done;
}

static __attribute__((noreturn)) void program_main(int argc, char **argv, char **envp)
{
	struct args a;

	if (argc > 1 && parse(argc, argv, &a)) {
		const char *native_init = env(envp, "LIBCONTAINER_NATIVE_INIT"); /* init/plan.enabled() */
		if (a.cmd == EXEC && native_init && same(native_init, "0"))
			hand_over(argv, envp);
#ifndef FRONT_EXEC
		if (a.cmd == EXEC) { /* the libc build of this program runs it, or else Python */
			char path[MAX_PATH];
			const char *shown;
			run_sibling(NATIVE_EXEC_PROGRAM, argv, envp, path, sizeof(path), &shown);
			hand_over(argv, envp);
		}
#endif
		/* no process of any container may ptrace this one or read its memory */
		sys(NR_prctl, PR_SET_DUMPABLE, 0, 0);
		if (run_native(&a, argc, argv, envp) == 0)
			leave(0);
	}
	hand_over(argv, envp);
}

#define NOLIBC_MAIN
#include "nolibc.h"
