/*
 * The container's init in the created state: a tiny program that waits on the exec FIFO
 * and execs the user's program, so that no Python interpreter (~6 MB of PSS) sits there.
 *
 * The Python init hands over to it (init/finisher.py) once everything is set up: rootfs,
 * user, capabilities, seccomp, stdio. It is exec'd from a sealed memfd, so /proc/PID/exe
 * of the waiting process is never a writable host file (CVE-2019-5736).
 *
 * On x86_64 and aarch64 it is built without any libc (-nostdlib): no startup code, so the
 * only system calls it makes are the ones below, which the Python side checks the seccomp
 * profile allows (a libc's startup would add arch_prctl, set_tid_address, rseq, brk...).
 *
 * argv: [0] any name, [1] FIFO fd (O_PATH, opened before pivot_root), [2] parent-death
 * signal (0 = none), [3] the parent pid to check it against, [4] "-" or "EFF:PRM" as hex
 * capability masks to restore, [5] the sync socket's fd, [6] the "ready" message to write
 * on it (so `create` returns only once this program holds the created state), [7] the
 * program's path, [8...] the program's argv. envp is the program's environment, unchanged.
 */

#define PR_SET_PDEATHSIG 1
#define PR_SET_DUMPABLE 4
#define SIGKILL 9

#include "nolibc.h"

struct cap_header {
	unsigned int version;
	int pid;
};
struct cap_data {
	unsigned int effective, permitted, inheritable;
};
#define CAP_V3 0x20080522

static long num(const char *s, int base, int *ok)
{
	unsigned long v = 0;
	*ok = *s != 0;
	for (; *s && *ok; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0'
		      : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : 99;
		if (d >= base)
			*ok = 0;
		else
			v = v * base + d;
	}
	return (long)v;
}

static __attribute__((noreturn)) void fail(const char *what, const char *path, long err, int code)
{
	say(what);
	say(" \"");
	say(path);
	say("\": ");
	say(errtext(-err));
	say("\n");
	leave(code);
}

/* Lower the sets an execve recomputed back to the configured ones (the waiting process
 * then shows what runc's init shows); never raises anything, and the final execve
 * recomputes them from the same inheritable/bounding/ambient sets either way. */
static void restore_caps(const char *spec)
{
	const char *colon = spec;
	int ok1, ok2;
	unsigned long eff, prm;
	char buf[17];
	unsigned long i;
	struct cap_header h = {CAP_V3, 0};
	struct cap_data d[2];

	while (*colon && *colon != ':')
		colon++;
	if (*colon != ':' || colon - spec > 16)
		return;
	for (i = 0; i < (unsigned long)(colon - spec); i++)
		buf[i] = spec[i];
	buf[i] = 0;
	eff = (unsigned long)num(buf, 16, &ok1);
	prm = (unsigned long)num(colon + 1, 16, &ok2);
	if (!ok1 || !ok2 || sys(NR_capget, &h, d, 0) < 0)
		return;
	d[0].permitted &= (unsigned int)prm;
	d[1].permitted &= (unsigned int)(prm >> 32);
	d[0].effective = d[0].permitted & (unsigned int)eff;
	d[1].effective = d[1].permitted & (unsigned int)(eff >> 32);
	sys(NR_capset, &h, d, 0);
}

static __attribute__((noreturn)) void program_main(int argc, char **argv, char **envp)
{
	int ok;
	long fifo, sig, ppid, fd, err;
	char path[48] = "/proc/self/fd/";
	char digits[24];
	int n = 0, p = 14;

	/* Nothing may ptrace us or read our memory until the program runs. */
	sys(NR_prctl, PR_SET_DUMPABLE, 0, 0);
	if (argc < 9) {
		say("libcontainer finish: bad arguments\n");
		leave(1);
	}
	fifo = num(argv[1], 10, &ok);
	if (!ok)
		leave(1);
	sig = num(argv[2], 10, &ok);
	if (ok && sig) {
		/* an execve that changes credentials clears it: set it again, as runc does */
		ppid = num(argv[3], 10, &ok);
		sys(NR_prctl, PR_SET_PDEATHSIG, sig, 0);
		if (ok && sys(NR_getppid, 0, 0, 0) != ppid)
			sys(NR_kill, sys(NR_getpid, 0, 0, 0), SIGKILL, 0);
	}
	if (argv[4][0] != '-')
		restore_caps(argv[4]);
	fd = num(argv[5], 10, &ok);
	if (!ok || sys(NR_write, fd, argv[6], slen(argv[6])) != (long)slen(argv[6]))
		leave(1);
	sys(NR_close, fd, 0, 0);

	do
		digits[n++] = (char)('0' + fifo % 10);
	while ((fifo /= 10) && n < 20);
	fifo = num(argv[1], 10, &ok);
	while (n)
		path[p++] = digits[--n];
	path[p] = 0;
	/* Blocks until `start` opens the FIFO for reading (runc's exec.fifo). */
	do
		fd = sys6(NR_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0, 0, 0);
	while (fd == -EINTR);
	if (fd < 0)
		fail("open exec fifo", path, fd, 1);
	sys(NR_close, fifo, 0, 0);
	if (sys(NR_write, fd, "0", 1) != 1)
		leave(1);
	err = sys(NR_execve, argv[7], &argv[8], envp);
	fail("exec", argv[7], err, 127);
}

#define NOLIBC_MAIN
#include "nolibc.h"
