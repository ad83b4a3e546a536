/*
 * initplan_sys.h -- the native init's system calls, made without libc's wrappers.
 *
 * Why: the init may be cloned with CLONE_VM (initplan.c): it then shares every page with
 * the runtime, which keeps running, and also its thread pointer -- so a libc wrapper that
 * fails would write *the runtime's* errno under its feet. These calls never touch errno:
 * a failure stores the error in ``perr`` (the init's own, see initplan.c) and returns -1,
 * the libc convention the step code is written against. On architectures without the
 * inline system call below the init is never cloned with CLONE_VM, and these fall back
 * to syscall(2).
 */
#ifndef LIBCONTAINER_INITPLAN_SYS_H
#define LIBCONTAINER_INITPLAN_SYS_H

#include <sys/syscall.h>

extern int perr; /* the init's errno */

#include "rawsyscall.h"

#if RAW_SYSCALL
#define PLAN_RAW_SYSCALLS 1
#define ksys raw_syscall6
#else
#define PLAN_RAW_SYSCALLS 0
static inline long
ksys(long n, long a, long b, long c, long d, long e, long f)
{
    long r = syscall(n, a, b, c, d, e, f);
    return r < 0 ? -errno : r;
}
#endif

/* -errno -> -1 and perr */
static inline long
kret(long r)
{
    if (r < 0 && r > -4096) {
        perr = (int)-r;
        return -1;
    }
    return r;
}

#define K0(n) kret(ksys((n), 0, 0, 0, 0, 0, 0))
#define K1(n, a) kret(ksys((n), (long)(a), 0, 0, 0, 0, 0))
#define K2(n, a, b) kret(ksys((n), (long)(a), (long)(b), 0, 0, 0, 0))
#define K3(n, a, b, c) kret(ksys((n), (long)(a), (long)(b), (long)(c), 0, 0, 0))
#define K4(n, a, b, c, d) kret(ksys((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0))
#define K5(n, a, b, c, d, e) kret(ksys((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0))

static inline int k_openat(int dfd, const char *p, int fl, mode_t m) { return (int)K4(SYS_openat, dfd, p, fl, m); }
static inline int k_open(const char *p, int fl) { return k_openat(AT_FDCWD, p, fl, 0); }
static inline int k_close(int fd) { return (int)K1(SYS_close, fd); }
static inline long k_read(int fd, void *b, size_t n) { return K3(SYS_read, fd, b, n); }
static inline long k_write(int fd, const void *b, size_t n) { return K3(SYS_write, fd, b, n); }
static inline long k_sendto(int fd, const void *b, size_t n, int fl) { return K5(SYS_sendto, fd, b, n, fl, 0); }
static inline long k_recvmsg(int fd, void *m, int fl) { return K3(SYS_recvmsg, fd, m, fl); }
static inline int k_fstat(int fd, struct stat *st) { return (int)K4(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH); }
static inline int k_stat(const char *p, struct stat *st) { return (int)K4(SYS_newfstatat, AT_FDCWD, p, st, 0); }
static inline int k_fstatfs(int fd, struct statfs *sf) { return (int)K2(SYS_fstatfs, fd, sf); }
static inline int k_statfs(const char *p, struct statfs *sf) { return (int)K2(SYS_statfs, p, sf); }
static inline int k_mkdirat(int dfd, const char *p, mode_t m) { return (int)K3(SYS_mkdirat, dfd, p, m); }
static inline int k_mknodat(int dfd, const char *p, mode_t m, dev_t d) { return (int)K4(SYS_mknodat, dfd, p, m, d); }
static inline int k_symlinkat(const char *t, int dfd, const char *p) { return (int)K3(SYS_symlinkat, t, dfd, p); }
static inline int k_unlinkat(int dfd, const char *p, int fl) { return (int)K3(SYS_unlinkat, dfd, p, fl); }
static inline int k_fchmodat(int dfd, const char *p, mode_t m) { return (int)K3(SYS_fchmodat, dfd, p, m); }
static inline int k_fchownat(int dfd, const char *p, uid_t u, gid_t g) { return (int)K5(SYS_fchownat, dfd, p, u, g, 0); }
static inline int k_faccessat(int dfd, const char *p, int m) { return (int)K3(SYS_faccessat, dfd, p, m); }
static inline int k_mount(const char *s, const char *t, const char *ty, unsigned long fl, const void *d) { return (int)K5(SYS_mount, s, t, ty, fl, d); }
static inline int k_umount2(const char *t, int fl) { return (int)K2(SYS_umount2, t, fl); }
static inline int k_pivot_root(const char *n, const char *o) { return (int)K2(SYS_pivot_root, n, o); }
static inline int k_chdir(const char *p) { return (int)K1(SYS_chdir, p); }
static inline int k_fchdir(int fd) { return (int)K1(SYS_fchdir, fd); }
static inline long k_getcwd(char *b, size_t n) { return K2(SYS_getcwd, b, n); }
static inline int k_dup3(int o, int n) { return (int)K3(SYS_dup3, o, n, 0); }
static inline int k_fcntl(int fd, int c, long a) { return (int)K3(SYS_fcntl, fd, c, a); }
static inline int k_socket(int d, int t, int p) { return (int)K3(SYS_socket, d, t, p); }
static inline int k_ioctl(int fd, unsigned long r, void *a) { return (int)K3(SYS_ioctl, fd, r, a); }
static inline int k_setsid(void) { return (int)K0(SYS_setsid); }
static inline int k_sethostname(const char *n, size_t l) { return (int)K2(SYS_sethostname, n, l); }
static inline int k_setdomainname(const char *n, size_t l) { return (int)K2(SYS_setdomainname, n, l); }
static inline int k_unshare(int fl) { return (int)K1(SYS_unshare, fl); }
static inline int k_setns(int fd, int t) { return (int)K2(SYS_setns, fd, t); }
static inline int k_prctl(int o, unsigned long a) { return (int)K5(SYS_prctl, o, a, 0, 0, 0); }
static inline int k_prctl3(int o, unsigned long a, unsigned long b) { return (int)K5(SYS_prctl, o, a, b, 0, 0); }
static inline int k_prlimit(int res, const struct rlimit *nl) { return (int)K4(SYS_prlimit64, 0, res, nl, 0); }
static inline int k_umask(mode_t m) { return (int)K1(SYS_umask, m); }
static inline int k_capget(void *h, void *d) { return (int)K2(SYS_capget, h, d); }
static inline int k_capset(void *h, const void *d) { return (int)K2(SYS_capset, h, d); }
static inline int k_setgroups(size_t n, const gid_t *g) { return (int)K2(SYS_setgroups, n, g); }
static inline int k_setresgid(gid_t a, gid_t b, gid_t c) { return (int)K3(SYS_setresgid, a, b, c); }
static inline int k_setresuid(uid_t a, uid_t b, uid_t c) { return (int)K3(SYS_setresuid, a, b, c); }
static inline int k_kill(pid_t p, int s) { return (int)K2(SYS_kill, p, s); }
static inline int k_getpid(void) { return (int)K0(SYS_getpid); }
static inline int k_getppid(void) { return (int)K0(SYS_getppid); }
static inline int k_execve(const char *p, char *const *a, char *const *e) { return (int)K3(SYS_execve, p, a, e); }
static inline int k_execveat(int fd, const char *p, char *const *a, char *const *e, int fl) { return (int)K5(SYS_execveat, fd, p, a, e, fl); }
static inline int k_close_range(unsigned a, unsigned b, unsigned fl) { return (int)K3(__NR_close_range, a, b, fl); }
static inline int k_openat2(int dfd, const char *p, void *how, size_t sz) { return (int)K4(__NR_openat2, dfd, p, how, sz); }
static inline int k_nanosleep(const struct timespec *ts) { return (int)K2(SYS_nanosleep, ts, 0); }
static inline int k_sigmask(int how, const void *set, void *old) { return (int)K4(SYS_rt_sigprocmask, how, set, old, 8); }
static inline void k_exit(int code) { ksys(SYS_exit_group, code, 0, 0, 0, 0, 0); }

#endif /* LIBCONTAINER_INITPLAN_SYS_H */
