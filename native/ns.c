/*
 * ns.c -- namespaces: setns, unshare and clone (a fork() that creates the
 * child in new namespaces, the way runc's nsexec does with clone(2)).
 */

#include "nsenter.h"

NSE_DOC(setns,
"setns(fd, nstype=0)\n--\n\n"
"Move the calling thread into the namespace referred to by fd (an int or an\n"
"object with fileno(), e.g. an open /proc/<pid>/ns/<type> file).  nstype\n"
"(a CLONE_NEW* constant, 0 = any) makes the kernel check the fd's type.");

PyObject *
nse_setns(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fd", "nstype", NULL};
    PyObject *fdobj;
    int nstype = 0, fd, r, err;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i:setns", kwlist, &fdobj, &nstype))
        return NULL;
    if ((fd = PyObject_AsFileDescriptor(fdobj)) < 0)
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(SYS_setns, fd, nstype));
    if (r < 0)
        return raise_errno(err, NULL, NULL);
    Py_RETURN_NONE;
}

NSE_DOC(unshare,
"unshare(flags)\n--\n\n"
"Disassociate parts of the process execution context (CLONE_NEW* flags).\n"
"CLONE_NEWPID/CLONE_NEWTIME only affect children created afterwards.");

PyObject *
nse_unshare(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"flags", NULL};
    int flags, r, err;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i:unshare", kwlist, &flags))
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(SYS_unshare, flags));
    if (r < 0)
        return raise_errno(err, NULL, NULL);
    Py_RETURN_NONE;
}

/* Flags that would break "fork semantics" (shared VM/stack, tid pointers we
 * cannot supply, pidfd output pointer): rejected up front. */
#define CLONE_FORBIDDEN (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS | \
                         CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | \
                         CLONE_CHILD_CLEARTID | CLONE_PIDFD)

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL /* clone3 only, Linux 5.7 */
#endif

/* fork()-like clone: no new stack, child continues on a copy of ours.
 * CLONE_NEWTIME (0x80) collides with the exit-signal byte of clone(2), and
 * CLONE_INTO_CGROUP needs clone_args.cgroup, so both need clone3(2);
 * everything else uses the classic syscall, which also works under seccomp
 * profiles that answer clone3 with ENOSYS. */
pid_t
nse_raw_clone(uint64_t flags, int cgroup_fd)
{
    if ((flags & CLONE_NEWTIME) || cgroup_fd >= 0) {
#ifdef __NR_clone3
        struct nse_clone_args ca;
        memset(&ca, 0, sizeof(ca));
        ca.flags = flags;
        ca.exit_signal = SIGCHLD;
        if (cgroup_fd >= 0) {
            ca.flags |= CLONE_INTO_CGROUP;
            ca.cgroup = (uint64_t)cgroup_fd;
        }
        return (pid_t)syscall(__NR_clone3, &ca, sizeof(ca));
#else
        errno = ENOSYS;
        return -1;
#endif
    }
#if defined(__s390__) || defined(__CRIS__)
    /* these architectures swap the first two clone(2) arguments */
    return (pid_t)syscall(SYS_clone, 0UL, (unsigned long)flags | SIGCHLD, NULL, NULL, 0UL);
#else
    return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0UL, NULL, NULL, 0UL);
#endif
}

NSE_DOC(clone,
"clone(flags, cgroup_fd=-1)\n--\n\n"
"Fork with namespace flags: like os.fork() (same interpreter before/after\n"
"fork handling, os.register_at_fork hooks run) but the child is created in\n"
"the new namespaces given by the CLONE_NEW* flags.  Returns 0 in the child\n"
"and the child's pid (in the caller's pid namespace) in the parent.  With\n"
"CLONE_NEWPID the child's os.getpid() is 1.  The exit signal is SIGCHLD;\n"
"flags sharing memory/threads or needing tid pointers raise ValueError.\n"
"Like os.fork, do not call it while other threads may hold libc locks.\n\n"
"cgroup_fd >= 0 (a directory fd of a cgroup2 cgroup, O_PATH is enough)\n"
"creates the child directly in that cgroup: clone3(2) with\n"
"CLONE_INTO_CGROUP, so it never runs a single instruction outside it.\n"
"A kernel without clone3 or CLONE_INTO_CGROUP (before 5.7, or a seccomp\n"
"profile refusing clone3) fails with OSError ENOSYS, E2BIG or EINVAL and\n"
"no child; the caller then clones without the fd and moves the child\n"
"through cgroup.procs.  The kernel's other refusals (EBUSY: controllers\n"
"enabled below the target, EOPNOTSUPP: a threaded or v1 cgroup, EBADF)\n"
"are raised the same way, with no child either.");

PyObject *
nse_clone(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"flags", "cgroup_fd", NULL};
    uint64_t flags;
    int cgroup_fd = -1;
    pid_t pid;
    int saved_errno;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|i:clone", kwlist, u64_converter, &flags, &cgroup_fd))
        return NULL;
    if (flags & CLONE_FORBIDDEN) {
        PyErr_SetString(PyExc_ValueError,
                        "clone(): flags sharing VM/threads or needing tid/pidfd pointers are not supported");
        return NULL;
    }
    if (flags & (CSIGNAL & ~(uint64_t)CLONE_NEWTIME)) {
        PyErr_SetString(PyExc_ValueError, "clone(): the exit signal is always SIGCHLD; do not pass one");
        return NULL;
    }
    if (flags & CLONE_INTO_CGROUP) {
        PyErr_SetString(PyExc_ValueError, "clone(): pass the cgroup as cgroup_fd, not CLONE_INTO_CGROUP in flags");
        return NULL;
    }
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
        PyErr_SetString(PyExc_RuntimeError, "clone not supported for subinterpreters");
        return NULL;
    }
    if (PySys_Audit("libcontainer._nsenter.clone", "Ki", (unsigned long long)flags, cgroup_fd) < 0)
        return NULL;

    /* Exactly os.fork()'s sequence: take the import lock & run before-fork
     * hooks, fork, then let the interpreter repair itself in each process. */
    PyOS_BeforeFork();
    pid = nse_raw_clone(flags, cgroup_fd);
    saved_errno = errno;
    if (pid == 0)
        PyOS_AfterFork_Child();
    else
        PyOS_AfterFork_Parent();
    if (pid < 0)
        return raise_errno(saved_errno, NULL, NULL);
    return PyLong_FromPid(pid);
}
