/*
 * `pyrunc kill ID [SIGNAL]` without an interpreter: how engines stop a container (podman's
 * stop, CRI-O's StopContainer, containerd's shim), and in Python an interpreter's start for
 * one system call. The Python CLI (cli/kill_delete.py, Container.signal) refuses a stopped
 * container and otherwise signals the init; so does this, for a container whose create
 * left state.native (no hooks), with the init found as `state` finds it (its pid and start
 * time, the first line there) and signalled through a pidfd taken before that check, so
 * that a recycled pid is never signalled.
 *
 * SIGNAL as runc's parseSignal reads it: a decimal number, or a name in any case with or
 * without "SIG" (kill_delete.LINUX_SIGNALS, the same table: tests/unit/test_front_constants.py).
 * Everything else goes to the Python CLI before any signal is sent: `--all`/`-a` (every
 * process in the cgroup), a signal it does not know here (SIGRTMIN+n, a number above 64,
 * anything argparse might read as an option), no facts, a container that is not running
 * (runc's refusal is the Python CLI's to word).
 */
#include "front.h"

struct signame {
	const char *name;
	int number;
};

/* kill_delete.LINUX_SIGNALS: x86_64 and aarch64 share these numbers */
static const struct signame signals[] = {
	{"SIGHUP", 1}, {"SIGINT", 2}, {"SIGQUIT", 3}, {"SIGILL", 4}, {"SIGTRAP", 5}, {"SIGABRT", 6},
	{"SIGIOT", 6}, {"SIGBUS", 7}, {"SIGFPE", 8}, {"SIGKILL", 9}, {"SIGUSR1", 10}, {"SIGSEGV", 11},
	{"SIGUSR2", 12}, {"SIGPIPE", 13}, {"SIGALRM", 14}, {"SIGTERM", 15}, {"SIGSTKFLT", 16},
	{"SIGCHLD", 17}, {"SIGCLD", 17}, {"SIGCONT", 18}, {"SIGSTOP", 19}, {"SIGTSTP", 20},
	{"SIGTTIN", 21}, {"SIGTTOU", 22}, {"SIGURG", 23}, {"SIGXCPU", 24}, {"SIGXFSZ", 25},
	{"SIGVTALRM", 26}, {"SIGPROF", 27}, {"SIGWINCH", 28}, {"SIGIO", 29}, {"SIGPOLL", 29},
	{"SIGPWR", 30}, {"SIGSYS", 31},
};

/* the signal's number, or -1 when the Python CLI must read it */
int signal_number(const char *raw)
{
	char name[16] = "SIG";
	const char *s = raw;
	long n;
	unsigned long i = 3;

	if (*s >= '0' && *s <= '9') {
		n = number(&s);
		return *s || n > 64 ? -1 : (int)n; /* "015" is 15, as int() and Go's Atoi read it */
	}
	if ((raw[0] == 's' || raw[0] == 'S') && (raw[1] == 'i' || raw[1] == 'I') && (raw[2] == 'g' || raw[2] == 'G'))
		s = raw + 3;
	for (; *s && i < sizeof(name) - 1; s++)
		name[i++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	if (*s)
		return -1;
	name[i] = 0;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (same(name, signals[i].name))
			return signals[i].number;
	return -1;
}

int native_kill(long rootfd, const char *id, int sig)
{
	char buf[64];
	const char *p = buf;
	long dir, fd, n, pid, start, pidfd;
	int done = -1;

	dir = sys6(NR_openat, rootfd, (long)id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return -1;
	fd = sys6(NR_openat, dir, (long)NATIVE_STATE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	sys(NR_close, dir, 0, 0);
	if (fd < 0)
		return -1;
	n = sys(NR_read, fd, buf, sizeof(buf) - 1); /* the first line is all this needs */
	sys(NR_close, fd, 0, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (parse_init(&p, &pid, &start) != 0)
		return -1;
	pidfd = sys(NR_pidfd_open, pid, 0, 0);
	if (pidfd < 0)
		return -1;
	/* checked once the pidfd is held: the process it names cannot be replaced any more */
	if (same_init(pid, start) && sys6(NR_pidfd_send_signal, pidfd, sig, 0, 0, 0, 0) == 0)
		done = 0;
	sys(NR_close, pidfd, 0, 0);
	return done; /* a stopped container, or a refusal: the Python CLI's words */
}
