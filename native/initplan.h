/*
 * initplan.h -- internal to the native init (initplan*.c): the plan's step codes, a decoded
 * step, and what the step files share (the sync socket, the root, error reporting).
 */
#ifndef LIBCONTAINER_INITPLAN_H
#define LIBCONTAINER_INITPLAN_H

#ifdef PLAN_STANDALONE
/* linked into a program of its own (front_exec.c), without Python: nsenter.h's system
 * headers, then its fallbacks, in the same order (Python.h defines _GNU_SOURCE first) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "nsenter_compat.h"
#else
#include "nsenter.h"
#endif

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>

#pragma GCC visibility push(hidden)

#include "initplan_sys.h"

/* strerror without gettext: glibc's strerror translates, and gettext saves and restores
 * errno -- a write the CLONE_VM init must not make (initplan_sys.h). The same English text
 * as Python's os.strerror in the runtime's default (C) message locale. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define plan_strerror(e) (strerrordesc_np(e) ? strerrordesc_np(e) : "Unknown error")
#else
#define plan_strerror(e) strerror(e)
#endif

enum {
    P_PRCTL = 1,        /* ints: option, arg */
    P_EXPECT = 2,       /* strs: prefix, type */
    P_SETSID = 3,
    P_SETHOSTNAME = 4,  /* strs: prefix, name */
    P_SETDOMAINNAME = 5,
    P_RAW_MOUNT = 6,    /* ints: flags, has_src, has_type, has_data; strs: prefix, src, target, type, data */
    P_OPEN_ROOT = 7,    /* strs: prefix, path */
    P_MOUNT = 8,        /* ints: kind, flags, target_magic, after_magic, remount, cleared, props...;
                           strs: prefix, dest, source, fstype, data */
    P_JOIN = 9,         /* strs: prefix, type ("join"): receive fds, write "0" to each */
    P_UNSHARE = 10,     /* ints: flags */
    P_CGROUP_V1 = 11,   /* ints: flags, cgroupns, props...; strs: prefix, dest, then per hierarchy:
                           name, mountpoint, root, subsystems (comma list) */
    P_MKNOD = 12,       /* ints: type|mode, major, minor, uid, gid, bind; strs: prefix, path */
    P_SYMLINK = 13,     /* ints: replace; strs: prefix, dir, name, target */
    P_PIVOT = 14,       /* strs: prefix, rootfs */
    P_DEV_NULL = 15,
    P_REMOUNT_RO = 16,  /* ints: flags; strs: prefix, dest */
    P_ROOT_RO = 17,
    P_UMASK = 18,       /* ints: mask */
    P_RO_PATH = 19,     /* ints: magic; strs: prefix, path */
    P_MASK_PATH = 20,   /* ints: magic; strs: prefix, path */
    P_MKDIR_CWD = 21,   /* strs: prefix, cwd */
    P_RLIMIT = 22,      /* ints: resource, soft, hard */
    P_STDIO = 23,       /* ints: fd0, fd1, fd2 (-1: keep) */
    P_BOUNDING = 24,    /* ints: mask (lo 64 bits), last */
    P_USER = 25,        /* ints: uid, gid, setgroups, sgids...; */
    P_PDEATHSIG = 26,   /* ints: signal, parent pid */
    P_CHDIR = 27,       /* strs: prefix, cwd */
    P_CAPS = 28,        /* ints: effective, permitted, inheritable, ambient, last */
    P_EXEC = 29,        /* ints: fifo_fd, memfd, pdeathsig, parent_pid, nargs, ready;
                           strs: prefix, arg0..., env... */
    P_LOOPBACK_UP = 30, /* network/loopback.py's work, from inside: lo up */
    P_SETNS = 31,       /* ints: fd, nstype (closed after) */
    P_JOIN_FDS = 32,    /* ints: cgroup "tasks" fds to write "0" to (closed after) */
    P_SECCOMP = 33,     /* ints: filter flags, late; strs: prefix, program (struct sock_filter[]):
                           installed now, or (late) by P_EXEC right after the program lookup */
    P_SYSCTL = 34,      /* strs: prefix, path under /proc, value: written on the real procfs */
};

enum { K_SPECIAL = 1, K_TMPFS = 2, K_BIND = 3, K_OTHER = 4 };

#define MAX_STRS 4096

struct op {
    uint32_t code;
    int nints, nstrs;
    const unsigned char *ints;
    const char *strs[MAX_STRS];
    uint32_t lens[MAX_STRS]; /* strs[i]'s length: a BPF program holds NUL bytes */
};

/* initplan.c: the channel to the runtime and the decoder */
extern int sync_fd;
/* Walk the plan in [p, end): the caller is the new process, with every signal blocked
 * (plan_saved_mask is what the program gets) and sync_fd set. */
void run_plan(const unsigned char *p, const unsigned char *end) __attribute__((noreturn));
extern int root_fd;
extern sigset_t plan_saved_mask; /* the runtime's signal mask, for the program */
extern int plan_default_signals;  /* SIGPIPE and SIGXFSZ to their defaults first (Python's child) */
void send_all(const char *s, size_t n);
/* Report "[Errno N] <prefix><detail>" (+ strerror where the text ends in ": ", or has no
 * words of its own) on the sync socket as an "error" message, and exit. */
void plan_die(int err, const char *prefix, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
#define FAIL(op) plan_die(perr, (op)->strs[0], "%s", "")
#define FAILF(op, ...) plan_die(perr, (op)->strs[0], __VA_ARGS__)
int64_t arg_int(const struct op *op, int i);
void expect(const char *prefix, const char *type);

/* initplan_fs.c: the root filesystem's steps */
const char *fdpath(int fd, char *buf);
void do_mount(const struct op *op);
void do_cgroup_v1(const struct op *op);
void do_mknod(const struct op *op);
void do_symlink(const struct op *op);
void do_pivot(const struct op *op);
void do_dev_null(void);
void do_remount_ro(const struct op *op);
void do_root_ro(const struct op *op);
void do_ro_path(const struct op *op);
void do_mask_path(const struct op *op);
void do_sysctl(const struct op *op);
void dir_cache_drop(void); /* MKNOD and SYMLINK's directory: dropped at any other step */
void dir_cache_forget(void);

/* initplan_proc.c: the process's steps */
void do_mkdir_cwd(const struct op *op);
void do_stdio(const struct op *op);
void do_bounding(const struct op *op);
void do_user(const struct op *op);
void do_caps(const struct op *op);
void do_chdir(const struct op *op);
void do_exec(const struct op *op) __attribute__((noreturn));
void do_loopback_up(const struct op *op);
void do_seccomp(const struct op *op);
void seccomp_forget(void);

#pragma GCC visibility pop

#endif /* LIBCONTAINER_INITPLAN_H */
