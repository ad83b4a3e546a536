/*
 * initplan_proc.c -- the native init's process steps (init/process_setup.py, security.py,
 * finisher.py's hand-over): limits, stdio, capabilities, user, cwd, and the execve.
 */
#include "initplan.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sys/ioctl.h>

void
do_mkdir_cwd(const struct op *op)
{
    char buf[PATH_MAX], *p;
    if (strlen(op->strs[1]) >= sizeof(buf))
        return; /* chdir reports it */
    strcpy(buf, op->strs[1]);
    for (p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (k_mkdirat(AT_FDCWD, buf, 0755) < 0 && perr != EEXIST) {
                /* as str() of the OSError os.makedirs raises */
                char msg[PATH_MAX + 128];
                int e = perr;
                snprintf(msg, sizeof(msg), "[Errno %d] %s: '%s'", e, plan_strerror(e), buf);
                plan_die(0, msg, "%s", "");
            }
            *p = c;
            if (c == 0)
                return;
        }
    }
}

void
do_stdio(const struct op *op)
{
    int copies[3], i;
    for (i = 0; i < 3; i++) {
        int fd = (int)arg_int(op, i);
        copies[i] = fd < 0 ? -1 : k_fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd >= 0 && copies[i] < 0)
            FAIL(op);
    }
    for (i = 0; i < 3; i++) {
        if (copies[i] < 0)
            continue;
        if (k_dup3(copies[i], i) < 0)
            FAIL(op);
        k_close(copies[i]);
    }
}

void
do_bounding(const struct op *op)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    uint64_t keep = (uint64_t)arg_int(op, 0);
    int last = (int)arg_int(op, 1), n;
    if (k_capget(&h, d) < 0)
        FAILF(op, "capget: ");
    if (!(d[0].effective & (1u << CAP_SETPCAP)))
        return;
    for (n = 0; n <= last && n < 64; n++) {
        if (keep & (1ull << n))
            continue;
        if (k_prctl(PR_CAPBSET_DROP, n) < 0 && perr != EINVAL)
            FAILF(op, "dropping capability %d from the bounding set: ", n);
    }
}

void
do_user(const struct op *op)
{
    gid_t groups[NGROUPS_MAX];
    int n = op->nints - 3, i;
    if (n > NGROUPS_MAX)
        n = NGROUPS_MAX;
    for (i = 0; i < n; i++)
        groups[i] = (gid_t)arg_int(op, 3 + i);
    if (arg_int(op, 2) && k_setgroups(n, groups) < 0)
        FAIL(op);
    if (k_setresgid((gid_t)arg_int(op, 1), (gid_t)arg_int(op, 1), (gid_t)arg_int(op, 1)) < 0 ||
        k_setresuid((uid_t)arg_int(op, 0), (uid_t)arg_int(op, 0), (uid_t)arg_int(op, 0)) < 0)
        FAIL(op);
}

void
do_caps(const struct op *op)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    uint64_t e = (uint64_t)arg_int(op, 0), p = (uint64_t)arg_int(op, 1), in = (uint64_t)arg_int(op, 2), amb = (uint64_t)arg_int(op, 3);
    int last = (int)arg_int(op, 4), n;
    d[0].effective = (uint32_t)e;
    d[1].effective = (uint32_t)(e >> 32);
    d[0].permitted = (uint32_t)p;
    d[1].permitted = (uint32_t)(p >> 32);
    d[0].inheritable = (uint32_t)in;
    d[1].inheritable = (uint32_t)(in >> 32);
    if (k_capset(&h, d) < 0)
        FAILF(op, "capset: ");
    if (k_prctl3(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0) < 0)
        return;
    for (n = 0; n <= last && n < 64; n++)
        if (amb & (1ull << n))
            k_prctl3(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n);
}

void
do_chdir(const struct op *op)
{
    char cwd[PATH_MAX];
    if (k_chdir(op->strs[1]) < 0)
        plan_die(perr, "", "chdir to cwd ('%s') set in config.json failed: ", op->strs[1]);
    /* CVE-2024-21626: a cwd outside our root reads "(unreachable)..." */
    if (k_getcwd(cwd, sizeof(cwd)) < 0 || cwd[0] != '/')
        plan_die(EPERM, "", "current working directory is outside of container mount namespace root -- possible container "
                       "breakout detected");
}

/* process_setup.lookup: a name without "/" is searched in the process's PATH. */
static const char *
lookup(const char *arg0, char *const *env, int nenv, char *buf)
{
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char dirs[8192], *dir, *save = NULL;
    struct stat st;
    int i;
    if (strchr(arg0, '/') != NULL) {
        if (k_stat(arg0, &st) < 0)
            plan_die(0, "", "exec: \"%s\": stat %s: no such file or directory", arg0, arg0);
        return arg0;
    }
    for (i = 0; i < nenv; i++)
        if (strncmp(env[i], "PATH=", 5) == 0) {
            path = env[i] + 5;
            break;
        }
    snprintf(dirs, sizeof(dirs), "%s", path);
    for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
        snprintf(buf, PATH_MAX, "%s/%s", dir, arg0);
        if (k_stat(buf, &st) == 0 && !S_ISDIR(st.st_mode) && k_faccessat(AT_FDCWD, buf, X_OK) == 0)
            return buf;
    }
    plan_die(0, "", "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* The filter of a P_SECCOMP step, copied here (the plan's bytes need not be aligned for
 * struct sock_filter); with "late" it waits for do_exec, which installs it after the
 * program lookup: with no_new_privs, as few of our own system calls as possible run under
 * it (init/security.py's load_last). */
static struct sock_filter seccomp_prog[BPF_MAXINSNS];
static struct sock_fprog seccomp_pending;
static unsigned int seccomp_flags;
static const char *seccomp_prefix;

/* A CLONE_VM init shares these statics with the runtime and with the inits before it: one
 * that failed between a late P_SECCOMP and P_EXEC left its filter pending, which must never
 * reach the next container. */
void
seccomp_forget(void)
{
    seccomp_pending.len = 0;
}

static void
seccomp_install(void)
{
    if (K3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, seccomp_flags, &seccomp_pending) < 0)
        plan_die(perr, seccomp_prefix, "%s", "");
    seccomp_pending.len = 0;
}

void
do_seccomp(const struct op *op)
{
    uint32_t len = op->nstrs > 1 ? op->lens[1] : 0;
    if (op->nints < 2 || len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
        plan_die(EINVAL, "init plan: ", "bad seccomp step: ");
    memcpy(seccomp_prog, op->strs[1], len);
    seccomp_pending.len = (unsigned short)(len / sizeof(struct sock_filter));
    seccomp_pending.filter = seccomp_prog;
    seccomp_flags = (unsigned int)arg_int(op, 0);
    seccomp_prefix = op->strs[0];
    if (!arg_int(op, 1))
        seccomp_install();
}

void
do_exec(const struct op *op)
{
    int fifo_fd = (int)arg_int(op, 0), memfd = (int)arg_int(op, 1), pdeath = (int)arg_int(op, 2), parent_pid = (int)arg_int(op, 3);
    int nargs = (int)arg_int(op, 4), nenv = op->nstrs - 1 - nargs, i;
    /* no malloc: the clone was a raw system call, so glibc's fork handlers did not reset
     * the allocator's locks, which another thread of the runtime may have held */
    static char *argv[MAX_STRS + 9], *env[MAX_STRS + 1];
    char found[PATH_MAX], line[128];
    const char *path;
    uint64_t all_blocked = ~(uint64_t)0; /* the kernel's sigset: 64 bits */
    if (nargs < 1 || nenv < 0)
        plan_die(EINVAL, "init plan: ", "bad exec step: ");
    for (i = 0; i < nenv; i++)
        env[i] = (char *)op->strs[1 + nargs + i];
    path = lookup(op->strs[1], env, nenv, found);
    if (seccomp_pending.len)
        seccomp_install();
    if (memfd >= 0) {
        /* init/finisher.py's hand-over: the native finisher waits on the FIFO */
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2];
        char a1[16], a2[16], a3[16], a4[64], a5[16];
        int n = snprintf(line, sizeof(line), "{\"type\": \"ready\", \"pid\": %d, \"closing\": true}\n", k_getpid());
        (void)n;
        if (k_capget(&h, d) < 0)
            FAILF(op, "capget: ");
        snprintf(a1, sizeof(a1), "%d", fifo_fd);
        snprintf(a2, sizeof(a2), "%d", pdeath);
        snprintf(a3, sizeof(a3), "%d", parent_pid);
        snprintf(a4, sizeof(a4), "%llx:%llx",
                 (unsigned long long)d[0].effective | ((unsigned long long)d[1].effective << 32),
                 (unsigned long long)d[0].permitted | ((unsigned long long)d[1].permitted << 32));
        snprintf(a5, sizeof(a5), "%d", sync_fd);
        argv[0] = "libcontainer-finish";
        argv[1] = a1;
        argv[2] = a2;
        argv[3] = a3;
        argv[4] = a4;
        argv[5] = a5;
        argv[6] = line;
        argv[7] = (char *)path;
        for (i = 0; i < nargs; i++)
            argv[8 + i] = (char *)op->strs[1 + i];
        k_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        k_fcntl(fifo_fd, F_SETFD, 0);
        k_fcntl(sync_fd, F_SETFD, 0);
        k_sigmask(SIG_SETMASK, &plan_saved_mask, NULL); /* the program's signals: the runtime's */
        k_execveat(memfd, "", argv, env, AT_EMPTY_PATH);
        k_sigmask(SIG_SETMASK, &all_blocked, NULL);
        k_fcntl(fifo_fd, F_SETFD, FD_CLOEXEC);
        k_fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
    }
    for (i = 0; i < nargs; i++)
        argv[i] = (char *)op->strs[1 + i];
    argv[nargs] = NULL;
    if (op->nints < 6 || arg_int(op, 5)) { /* an exec'd process has no "ready": execve's EOF says it */
        int n = snprintf(line, sizeof(line), "{\"type\": \"ready\", \"pid\": %d}\n", k_getpid());
        send_all(line, (size_t)n);
    }
    if (fifo_fd >= 0) {
        /* no finisher: wait on the FIFO here (init/standard.py's fallback) */
        char b[64];
        int fifo = k_open(fdpath(fifo_fd, b), O_WRONLY | O_CLOEXEC);
        if (fifo < 0 || k_write(fifo, "0", 1) != 1)
            FAIL(op);
    }
    k_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    k_sigmask(SIG_SETMASK, &plan_saved_mask, NULL);
    k_execve(path, argv, env);
    k_sigmask(SIG_SETMASK, &all_blocked, NULL);
    {
        /* as str() of the OSError os.execve raises */
        char msg[PATH_MAX + 128];
        int e = perr;
        snprintf(msg, sizeof(msg), "[Errno %d] %s: '%s'", e, plan_strerror(e), path);
        plan_die(0, msg, "%s", "");
    }
}

void
do_loopback_up(const struct op *op)
{
    struct ifreq ifr;
    int fd = k_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        FAIL(op);
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    if (k_ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        FAIL(op);
    ifr.ifr_flags |= IFF_UP;
    if (k_ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        FAIL(op);
    k_close(fd);
}
