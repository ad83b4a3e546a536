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
#define O_WRONLY 01
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define EINTR 4
#define SIGKILL 9

#include "rawsyscall.h"

#if RAW_SYSCALL && !defined(FINISH_WITH_LIBC)
#define FREESTANDING 1
#if defined(__x86_64__)
#define NR_write 1
#define NR_close 3
#define NR_getpid 39
#define NR_execve 59
#define NR_exit_group 231
#define NR_kill 62
#define NR_getppid 110
#define NR_capget 125
#define NR_capset 126
#define NR_prctl 157
#define NR_openat 257

#define sys6 raw_syscall6 /* rawsyscall.h */

/* The kernel enters with the stack pointing at argc; hand it to finish() aligned. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  xor %rbp, %rbp\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call start_c\n"
	"  hlt\n");
#else /* __aarch64__ */
#define NR_write 64
#define NR_close 57
#define NR_getpid 172
#define NR_execve 221
#define NR_exit_group 94
#define NR_kill 129
#define NR_getppid 173
#define NR_capget 90
#define NR_capset 91
#define NR_prctl 167
#define NR_openat 56

#define sys6 raw_syscall6 /* rawsyscall.h */

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  mov x29, #0\n"
	"  mov x30, #0\n"
	"  mov x0, sp\n"
	"  and sp, x0, #-16\n"
	"  bl start_c\n"
	"  brk #0\n");
#endif

#define sys(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* The compiler may call these for array initialisers even without a libc. */
__attribute__((used)) void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

__attribute__((used)) void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

#else /* any other architecture: the C library's syscall(2) and startup */
#include <sys/syscall.h>
#include <unistd.h>
#define NR_write SYS_write
#define NR_close SYS_close
#define NR_getpid SYS_getpid
#define NR_execve SYS_execve
#define NR_exit_group SYS_exit_group
#define NR_kill SYS_kill
#define NR_getppid SYS_getppid
#define NR_capget SYS_capget
#define NR_capset SYS_capset
#define NR_prctl SYS_prctl
#define NR_openat SYS_openat
#include <errno.h>
static long sys_ret(long r) { return r == -1 ? -(long)errno : r; }
#define sys(n, a, b, c) sys_ret(syscall((n), (long)(a), (long)(b), (long)(c)))
#define sys6(n, a, b, c, d, e, f) sys_ret(syscall((n), (a), (b), (c), (d), (e), (f)))
#endif

struct cap_header {
	unsigned int version;
	int pid;
};
struct cap_data {
	unsigned int effective, permitted, inheritable;
};
#define CAP_V3 0x20080522

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s) { sys(NR_write, 2, s, slen(s)); }

static __attribute__((noreturn)) void leave(int code)
{
	for (;;)
		sys(NR_exit_group, code, 0, 0);
}

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

/* Go's syscall.Errno texts, which runc's messages carry. */
static const char *errtext(long e)
{
	switch (e) {
	case 1: return "operation not permitted";
	case 2: return "no such file or directory";
	case 7: return "argument list too long";
	case 8: return "exec format error";
	case 12: return "cannot allocate memory";
	case 13: return "permission denied";
	case 20: return "not a directory";
	case 21: return "is a directory";
	case 26: return "text file busy";
	case 40: return "too many levels of symbolic links";
	default: return "unknown error";
	}
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

static __attribute__((noreturn)) void finish(int argc, char **argv, char **envp)
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

#ifdef FREESTANDING
/* The initial stack: argc, argv[0..argc-1], NULL, envp..., NULL. */
__attribute__((used, noreturn)) void start_c(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	finish(argc, argv, argv + argc + 1);
}
#else
int main(int argc, char **argv, char **envp)
{
	finish(argc, argv, envp);
}
#endif
