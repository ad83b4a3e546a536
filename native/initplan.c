/*
 * initplan.c -- the container's init as native code: clone, then execute a plan.
 *
 * Why: a Python init is a fork of the runtime's interpreter, and every line it runs
 * writes reference counts into pages it shares with its parent -- ~700 copy-on-write
 * faults and ~10 ms before execve on the development VM, the longest leg of `run`.
 * Here the child never returns to Python: clone_init() forks and the child walks a
 * plan (a byte string the runtime compiled from the config, libcontainer/init/plan.py)
 * of plain system calls, then execs the program or the native finisher.
 *
 * The plan only covers configs the compiler can prove simple (no user namespace, no
 * joins by path, no hooks, terminal, seccomp or LSM labels...); anything else keeps the
 * Python init. Each step does what the Python step of the same name does
 * (init/standard.py's order), and a failure reports "[Errno N] <prefix><strerror>" on
 * the sync socket exactly as the Python init's OSError would, then exits.
 *
 * Record layout (little-endian, see plan.py): u32 op, u16 nints, u16 nstrs,
 * nints x i64, then nstrs x (u32 len, bytes, NUL).  strs[0] is always the error prefix.
 *
 * The child is a copy of the runtime (a fork-like clone), or -- for the CLI -- shares its
 * memory (CLONE_VM, see clone_init below and initplan_sys.h). Either way it never calls
 * malloc (a raw clone does not reset the allocator's locks, which another thread of the
 * runtime may hold), never touches the interpreter, and makes its system calls without
 * libc's wrappers. The steps' state lives in this module's statics: one sharing child at
 * a time.
 */
#include "initplan.h"

#include <pthread.h>
#include <sys/mman.h>

int sync_fd = -1;
int root_fd = -1;
int perr; /* the init's errno (initplan_sys.h) */
static char rbuf[4096];
static size_t rlen;
/* descriptors that came with what is buffered: "join"'s may arrive with "go"'s bytes */
static int pending[64];
static int npending;

/* ---- reporting --------------------------------------------------------------------- */

void
send_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = k_sendto(sync_fd, s, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (perr == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static size_t
json_escape(char *out, size_t cap, const char *in)
{
    size_t o = 0;
    for (; *in && o + 8 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = 0;
    return o;
}

/* Report "[Errno N] <prefix><detail><strerror>" (err 0: "<prefix><detail>") and exit. */
void
plan_die(int err, const char *prefix, const char *fmt, ...)
{
    char text[2048], esc[4600], line[4700];
    size_t n = 0;
    va_list ap;
    size_t body;
    if (err)
        n = (size_t)snprintf(text, sizeof(text), "[Errno %d] ", err);
    body = n;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", prefix ? prefix : "");
    va_start(ap, fmt);
    if (n < sizeof(text))
        n += (size_t)vsnprintf(text + n, sizeof(text) - n, fmt, ap);
    va_end(ap);
    /* the system's words only where the text asks for them (ends in ": "), as
     * OSError(errno, "<our words>: <strerror>") reads; else OSError(errno, "<our words>") */
    if (err && n < sizeof(text) && (n == body || (n >= 2 && text[n - 2] == ':' && text[n - 1] == ' ')))
        snprintf(text + n, sizeof(text) - n, "%s", plan_strerror(err));
    json_escape(esc, sizeof(esc), text);
    n = (size_t)snprintf(line, sizeof(line), "{\"type\": \"error\", \"message\": \"%s\"}\n", esc);
    send_all(line, n < sizeof(line) ? n : sizeof(line) - 1);
    k_exit(1);
    /* a seccomp filter that refuses exit_group: die by a fault, which needs no system call
     * (init/security.py's exit_init), rather than spin on the refused call */
    __builtin_trap();
}


/* ---- plan decoding ----------------------------------------------------------------- */

int64_t
arg_int(const struct op *op, int i)
{
    int64_t v;
    memcpy(&v, op->ints + 8 * i, 8);
    return v;
}

static const unsigned char *
decode(const unsigned char *p, const unsigned char *end, struct op *op)
{
    uint32_t code;
    uint16_t ni, ns;
    int i;
    if (end - p < 8)
        plan_die(EINVAL, "init plan: ", "truncated record: ");
    memcpy(&code, p, 4);
    memcpy(&ni, p + 4, 2);
    memcpy(&ns, p + 6, 2);
    p += 8;
    if ((size_t)(end - p) < 8u * ni || ns > MAX_STRS)
        plan_die(EINVAL, "init plan: ", "truncated integers: ");
    op->code = code;
    op->nints = ni;
    op->ints = p;
    p += 8u * ni;
    op->nstrs = ns;
    for (i = 0; i < ns; i++) {
        uint32_t len;
        if (end - p < 4)
            plan_die(EINVAL, "init plan: ", "truncated string: ");
        memcpy(&len, p, 4);
        p += 4;
        if ((size_t)(end - p) < (size_t)len + 1 || p[len] != 0)
            plan_die(EINVAL, "init plan: ", "bad string: ");
        op->strs[i] = (const char *)p;
        op->lens[i] = len;
        p += len + 1;
    }
    return p;
}

/* ---- the sync channel (init/sync.py's framing: one JSON object per line) ------------ */

/* Read one line of the given type. Descriptors that ride along (SCM_RIGHTS, received
 * close-on-exec) are kept in pending[] for the step that takes them (JOIN). */
void
expect(const char *prefix, const char *type)
{
    char want[128], *nl;
    snprintf(want, sizeof(want), "\"type\": \"%s\"", type);
    while ((nl = memchr(rbuf, '\n', rlen)) == NULL) {
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int) * 64)];
        } cm;
        struct iovec iov = {rbuf + rlen, sizeof(rbuf) - 1 - rlen};
        struct msghdr mh;
        struct cmsghdr *c;
        ssize_t r;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof(cm.buf);
        if (iov.iov_len == 0)
            plan_die(EMSGSIZE, prefix, "sync message too long: ");
        r = k_recvmsg(sync_fd, &mh, MSG_CMSG_CLOEXEC);
        if (r < 0 && perr == EINTR)
            continue;
        if (r <= 0)
            k_exit(1); /* the runtime is gone: nobody to tell */
        for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                int k;
                for (k = 0; k < n; k++) {
                    int fd;
                    memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
                    if (npending < 64)
                        pending[npending++] = fd;
                    else
                        k_close(fd);
                }
            }
        }
        rlen += (size_t)r;
    }
    *nl = 0;
    if (strstr(rbuf, want) == NULL)
        plan_die(0, prefix, "unexpected message %.200s (wanted %s)", rbuf, type);
    rlen -= (size_t)(nl + 1 - rbuf);
    memmove(rbuf, nl + 1, rlen);
}

static void
do_join(const struct op *op)
{
    int i;
    expect(op->strs[0], op->strs[1]);
    for (i = 0; i < npending; i++) {
        if (k_write(pending[i], "0", 1) != 1)
            FAIL(op);
        k_close(pending[i]);
    }
    npending = 0;
}

void
run_plan(const unsigned char *p, const unsigned char *end)
{
    static struct op op; /* large: not on the stack */
    seccomp_forget();
    dir_cache_forget();
    if (plan_default_signals) {
        /* The runtime's Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays
         * ignored across execve: the program gets the defaults, as from subprocess. First
         * thing, so before any seccomp filter (which may refuse rt_sigaction); this process
         * writes to no pipe (the sync socket is sent to with MSG_NOSIGNAL), and a copy of
         * the runtime's handlers is its own (no CLONE_SIGHAND). */
        uint64_t dfl[4] = {0, 0, 0, 0}; /* the kernel's struct sigaction, all zero: SIG_DFL */
        ksys(SYS_rt_sigaction, SIGPIPE, (long)dfl, 0, 8, 0, 0);
        ksys(SYS_rt_sigaction, SIGXFSZ, (long)dfl, 0, 8, 0, 0);
    }
    while (p < end) {
        p = decode(p, end, &op);
        perr = 0;
        if (op.code != P_MKNOD && op.code != P_SYMLINK)
            dir_cache_drop();
        switch (op.code) {
        case P_PRCTL:
            if (k_prctl((int)arg_int(&op, 0), (unsigned long)arg_int(&op, 1)) < 0)
                FAIL(&op);
            break;
        case P_EXPECT:
            expect(op.strs[0], op.strs[1]);
            break;
        case P_SETSID:
            k_setsid();
            break;
        case P_SETHOSTNAME:
            if (k_sethostname(op.strs[1], strlen(op.strs[1])) < 0)
                FAIL(&op);
            break;
        case P_SETDOMAINNAME:
            if (k_setdomainname(op.strs[1], strlen(op.strs[1])) < 0)
                FAIL(&op);
            break;
        case P_RAW_MOUNT:
            if (k_mount(arg_int(&op, 1) ? op.strs[1] : NULL, op.strs[2], arg_int(&op, 2) ? op.strs[3] : NULL,
                      (unsigned long)arg_int(&op, 0), arg_int(&op, 3) ? op.strs[4] : NULL) < 0)
                FAIL(&op);
            break;
        case P_OPEN_ROOT:
            root_fd = k_open(op.strs[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (root_fd < 0)
                FAIL(&op);
            break;
        case P_MOUNT:
            do_mount(&op);
            break;
        case P_JOIN:
            do_join(&op);
            break;
        case P_UNSHARE:
            if (k_unshare((int)arg_int(&op, 0)) < 0)
                FAIL(&op);
            break;
        case P_CGROUP_V1:
            do_cgroup_v1(&op);
            break;
        case P_MKNOD:
            do_mknod(&op);
            break;
        case P_SYMLINK:
            do_symlink(&op);
            break;
        case P_PIVOT:
            do_pivot(&op);
            break;
        case P_DEV_NULL:
            do_dev_null();
            break;
        case P_REMOUNT_RO:
            do_remount_ro(&op);
            break;
        case P_ROOT_RO:
            do_root_ro(&op);
            break;
        case P_UMASK:
            k_umask((mode_t)arg_int(&op, 0));
            break;
        case P_RO_PATH:
            do_ro_path(&op);
            break;
        case P_MASK_PATH:
            do_mask_path(&op);
            break;
        case P_MKDIR_CWD:
            do_mkdir_cwd(&op);
            break;
        case P_RLIMIT: {
            struct rlimit rl = {(rlim_t)arg_int(&op, 1), (rlim_t)arg_int(&op, 2)};
            if (k_prlimit((int)arg_int(&op, 0), &rl) < 0)
                FAIL(&op);
            break;
        }
        case P_STDIO:
            do_stdio(&op);
            break;
        case P_BOUNDING:
            do_bounding(&op);
            break;
        case P_USER:
            do_user(&op);
            break;
        case P_PDEATHSIG:
            if (k_prctl(PR_SET_PDEATHSIG, (unsigned long)arg_int(&op, 0)) < 0)
                FAIL(&op);
            if (k_getppid() != (pid_t)arg_int(&op, 1))
                k_kill(k_getpid(), SIGKILL);
            break;
        case P_CHDIR:
            do_chdir(&op);
            break;
        case P_CAPS:
            do_caps(&op);
            break;
        case P_LOOPBACK_UP:
            do_loopback_up(&op);
            break;
        case P_SETNS:
            if (k_setns((int)arg_int(&op, 0), (int)arg_int(&op, 1)) < 0)
                FAIL(&op);
            k_close((int)arg_int(&op, 0));
            break;
        case P_JOIN_FDS: {
            int k;
            for (k = 0; k < op.nints; k++) {
                if (k_write((int)arg_int(&op, k), "0", 1) != 1)
                    FAIL(&op);
                k_close((int)arg_int(&op, k));
            }
            break;
        }
        case P_SECCOMP:
            do_seccomp(&op);
            break;
        case P_SYSCTL:
            do_sysctl(&op);
            break;
        case P_EXEC:
            do_exec(&op);
        default:
            plan_die(EINVAL, "init plan: ", "unknown step %u: ", op.code);
        }
    }
    plan_die(EINVAL, "init plan: ", "no exec step: ");
}

sigset_t plan_saved_mask; /* the runtime's signal mask: the init restores it for execve */
int plan_default_signals;

/* ---- the clone ---------------------------------------------------------------------- */
#ifndef PLAN_STANDALONE

/* What the CLONE_VM init reads of ours: set before the clone, left alone while it runs. */
static const unsigned char *plan_begin, *plan_end;

/* The CLONE_VM init's stack. The kernel zeroes ``ctid`` (CLONE_CHILD_CLEARTID) when the
 * init leaves our memory -- at its execve or its exit -- so the next clone can tell
 * whether the step code's static state is free again and the stack can go. */
static struct {
    char *base;
    size_t size;
    volatile pid_t *ctid;
} vm_stack;

#define VM_STACK_SIZE (1024 * 1024)
#define VM_GUARD 4096

static int
vm_child(void *unused)
{
    (void)unused;
    k_prctl(PR_SET_DUMPABLE, 0); /* /proc/PID/exe is the host's Python (CVE-2019-5736) */
    run_plan(plan_begin, plan_end);
}

/* A stack for a CLONE_VM init, or NULL: the previous one still runs in our memory (its
 * steps' statics are taken), or no memory. */
static char *
vm_stack_get(void)
{
    if (vm_stack.base != NULL) {
        if (*vm_stack.ctid != 0)
            return NULL;
        munmap(vm_stack.base, vm_stack.size);
        vm_stack.base = NULL;
    }
    vm_stack.size = VM_STACK_SIZE + VM_GUARD;
    vm_stack.base = mmap(NULL, vm_stack.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                         MAP_STACK, -1, 0);
    if (vm_stack.base == MAP_FAILED) {
        vm_stack.base = NULL;
        return NULL;
    }
    mprotect(vm_stack.base, VM_GUARD, PROT_NONE); /* an overflow faults, never writes ours */
    vm_stack.ctid = (volatile pid_t *)(vm_stack.base + VM_GUARD);
    *vm_stack.ctid = -1;
    return vm_stack.base + vm_stack.size; /* it grows down, towards ctid and the guard */
}

NSE_DOC(clone_init,
"clone_init(flags, cgroup_fd, plan, sync_fd, share_memory=False)\n--\n\n"
"Clone the container's init (as clone()) and run ``plan`` in the child:\n"
"native steps compiled by libcontainer.init.plan, ending in execve.  The\n"
"child never returns to Python; it reports a failure on ``sync_fd`` as an\n"
"\"error\" message and exits.  Returns the child's pid in the parent.\n\n"
"``share_memory``: clone with CLONE_VM (x86_64 and aarch64, no cgroup_fd):\n"
"no page tables copied, and none of our pages turns copy-on-write, which\n"
"costs a Python parent ~1 ms for the fork and more in faults while the\n"
"child lives.  The child then also shares our dumpable flag (it makes it\n"
"0 for both of us) -- for a one-shot process such as the CLI.  Falls back\n"
"to a copy when a previous such child still runs in our memory.");

PyObject *
nse_clone_init(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"flags", "cgroup_fd", "plan", "sync_fd", "share_memory", NULL};
    uint64_t flags;
    int cgroup_fd, fd, share = 0;
    Py_buffer plan;
    pid_t pid;
    int saved_errno;
    sigset_t all, old_mask;
    char *stack = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&iy*i|p:clone_init", kwlist, u64_converter, &flags, &cgroup_fd,
                                     &plan, &fd, &share))
        return NULL;
    if (flags & ~(uint64_t)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET |
                            CLONE_NEWCGROUP)) {
        PyBuffer_Release(&plan);
        PyErr_SetString(PyExc_ValueError, "clone_init(): only CLONE_NEW{NS,UTS,IPC,PID,NET,CGROUP} flags");
        return NULL;
    }
    if (PySys_Audit("libcontainer._nsenter.clone", "Ki", (unsigned long long)flags, cgroup_fd) < 0) {
        PyBuffer_Release(&plan);
        return NULL;
    }
    if (share && PLAN_RAW_SYSCALLS && cgroup_fd < 0)
        stack = vm_stack_get();
    plan_default_signals = 1; /* ours are Python's, not the caller's: see run_plan */
    /* every signal blocked from the clone on: a handler of ours must never run in the
     * init (with CLONE_VM it would write our interpreter's state); it restores the mask
     * for execve */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old_mask);
    if (stack != NULL) {
        plan_saved_mask = old_mask; /* no other init runs in our memory: ours to write */
        plan_begin = (const unsigned char *)plan.buf;
        plan_end = plan_begin + plan.len;
        sync_fd = fd;
        pid = clone(vm_child, stack, (int)flags | CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, NULL, NULL, NULL,
                    vm_stack.ctid);
        saved_errno = errno;
        if (pid < 0)
            *vm_stack.ctid = 0; /* no child: the stack is free again */
    } else {
        PyOS_BeforeFork();
        pid = nse_raw_clone(flags, cgroup_fd);
        saved_errno = errno;
        if (pid == 0) {
            /* no PyOS_AfterFork_Child: this process never runs Python again. Non-dumpable
             * before anything else: /proc/PID/exe is the host's Python (CVE-2019-5736) */
            k_prctl(PR_SET_DUMPABLE, 0);
            sync_fd = fd;
            plan_saved_mask = old_mask; /* our own copy of the statics now */
            run_plan((const unsigned char *)plan.buf, (const unsigned char *)plan.buf + plan.len);
        }
        PyOS_AfterFork_Parent();
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    PyBuffer_Release(&plan); /* the caller keeps the bytes alive until the init is done */
    if (pid < 0)
        return raise_errno(saved_errno, NULL, NULL);
    return PyLong_FromPid(pid);
}
#endif /* PLAN_STANDALONE */
