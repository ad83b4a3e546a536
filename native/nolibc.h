/*
 * nolibc.h -- what the two small programs (finish.c, front.c) need to run without a libc.
 *
 * Why without one: each is exec'd on a hot path (the container's created state; every
 * `pyrunc` command), and a static glibc's startup costs ~0.25 ms here against ~0.01 for a
 * bare _start; the finisher must also make no system call a seccomp profile may refuse
 * (glibc's startup adds arch_prctl, set_tid_address, rseq, brk...).
 *
 * On x86_64 and aarch64 (rawsyscall.h), unless NOLIBC_OFF is defined, the program is built
 * with -nostdlib: _start below hands the initial stack to program_main(). Elsewhere, the C
 * library's main() and syscall(2) stand in. Either way a program calls sys()/sys6(), which
 * return the kernel's value (a negative errno on failure). The translation unit with the
 * program's entry defines
 *     static __attribute__((noreturn)) void program_main(int argc, char **argv, char **envp);
 * and includes this header once more at its end with NOLIBC_MAIN defined: _start (or main),
 * memset and memcpy are defined there, once per program.
 */
#ifndef LIBCONTAINER_NOLIBC_H
#define LIBCONTAINER_NOLIBC_H

#include <stddef.h> /* the compiler's own: NULL */

#include "rawsyscall.h"

#if RAW_SYSCALL && !defined(NOLIBC_OFF)
#define FREESTANDING 1
#define AT_FDCWD (-100)
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EAGAIN 11
#define EBUSY 16
#define ENOTEMPTY 39
#define AT_REMOVEDIR 0x200
#define CLOCK_MONOTONIC 1
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_SYNC 04010000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define LOCK_EX 2
#define POLLIN 1
#if defined(__x86_64__)
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_getpid 39
#define NR_execve 59
#define NR_kill 62
#define NR_flock 73
#define NR_geteuid 107
#define NR_getppid 110
#define NR_capget 125
#define NR_capset 126
#define NR_prctl 157
#define NR_exit_group 231
#define NR_openat 257
#define NR_unlinkat 263
#define NR_readlinkat 267
#define NR_ppoll 271
#define NR_nanosleep 35
#define NR_lseek 8
#define NR_getdents64 217
#define NR_clock_gettime 228
#define NR_statx 332
#define NR_rt_sigaction 13

#else /* __aarch64__ */
#define O_DIRECTORY 040000
#define O_NOFOLLOW 0100000
#define NR_flock 32
#define NR_openat 56
#define NR_close 57
#define NR_read 63
#define NR_write 64
#define NR_ppoll 73
#define NR_readlinkat 78
#define NR_unlinkat 35
#define NR_capget 90
#define NR_capset 91
#define NR_exit_group 94
#define NR_kill 129
#define NR_prctl 167
#define NR_getpid 172
#define NR_getppid 173
#define NR_geteuid 175
#define NR_execve 221
#define NR_getdents64 61
#define NR_lseek 62
#define NR_nanosleep 101
#define NR_clock_gettime 113
#define NR_statx 291
#define NR_rt_sigaction 134

#endif
#define NR_pidfd_send_signal 424 /* these two: the same number on every architecture */
#define NR_pidfd_open 434

#define sys6 raw_syscall6

#else /* any other architecture: the C library's syscall(2) and startup */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_PATH */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#define NR_read SYS_read
#define NR_write SYS_write
#define NR_close SYS_close
#define NR_getpid SYS_getpid
#define NR_execve SYS_execve
#define NR_kill SYS_kill
#define NR_flock SYS_flock
#define NR_geteuid SYS_geteuid
#define NR_getppid SYS_getppid
#define NR_capget SYS_capget
#define NR_capset SYS_capset
#define NR_prctl SYS_prctl
#define NR_exit_group SYS_exit_group
#define NR_openat SYS_openat
#define NR_unlinkat SYS_unlinkat
#define NR_readlinkat SYS_readlinkat
#define NR_ppoll SYS_ppoll
#define NR_nanosleep SYS_nanosleep
#define NR_lseek SYS_lseek
#define NR_getdents64 SYS_getdents64
#define NR_clock_gettime SYS_clock_gettime
#define NR_statx SYS_statx
#define NR_rt_sigaction SYS_rt_sigaction
#define NR_pidfd_send_signal 424
#define NR_pidfd_open 434
static inline long sys_ret(long r) { return r == -1 ? -(long)errno : r; }
#define sys6(n, a, b, c, d, e, f) sys_ret(syscall((n), (a), (b), (c), (d), (e), (f)))
#endif

#define sys(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static inline unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static inline void say(const char *s) { sys(NR_write, 2, s, slen(s)); }

static inline __attribute__((noreturn)) void leave(int code)
{
	for (;;)
		sys(NR_exit_group, code, 0, 0);
}

/* Go's syscall.Errno texts, which runc's messages carry. */
static inline const char *errtext(long e)
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
	case 36: return "file name too long";
	case 40: return "too many levels of symbolic links";
	default: return "unknown error";
	}
}

#endif /* LIBCONTAINER_NOLIBC_H */

#ifdef NOLIBC_MAIN
/* The definitions, in the one translation unit that has main (the others share them). */
#undef NOLIBC_MAIN
#ifdef FREESTANDING
#if defined(__x86_64__)
/* The kernel enters with the stack pointing at argc; hand it over 16-byte aligned. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  xor %rbp, %rbp\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call start_c\n"
	"  hlt\n");
#else
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

/* The compiler may call these for initialisers and copies even without a libc. */
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

/* The initial stack: argc, argv[0..argc-1], NULL, envp..., NULL. */
__attribute__((used, noreturn)) void start_c(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	program_main(argc, argv, argv + argc + 1);
}
#else
int main(int argc, char **argv, char **envp)
{
	program_main(argc, argv, envp);
}
#endif
#endif
