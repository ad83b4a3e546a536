/*
 * libcontainer._nsenter -- thin, honest wrappers around the Linux syscalls a
 * container runtime needs and that the `os` module does not expose.
 *
 * Design rules (why the code looks the way it does):
 *  - Every syscall goes through syscall(SYS_xxx) instead of the glibc wrapper.
 *    Debian 12's glibc (2.36) lacks some wrappers (openat2, pidfd_send_signal,
 *    close_range on older libcs, clone3) and the ones it has conflict with
 *    <linux/mount.h>.  Raw syscalls behave the same on every libc.
 *  - We never include <linux/mount.h> or <linux/openat2.h>; the few structs we
 *    need are declared in nsenter_compat.h (nse_*) with the kernel ABI layout,
 *    and every newer constant has an #ifndef fallback there with the kernel's
 *    value, so the module builds against old headers and works on new kernels.
 *  - Errors are OSError(errno, strerror[, filename[, filename2]]) exactly as
 *    the os module raises them, so callers can use FileNotFoundError etc.
 *  - Every file descriptor we create is close-on-exec (PEP 446), like
 *    os.open(); a runtime must never leak its fds into the container.
 *  - The GIL is released around calls that can block on filesystems
 *    (mount & co, openat2) but not around cheap credential calls, and never
 *    around clone() (the interpreter must be in a known state to fork).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "nsenter_compat.h" /* fallback constants, syscall numbers, ABI structs */

/* ------------------------------------------------------------------------
 * Argument helpers
 * ------------------------------------------------------------------------ */

/* A path argument: accepts str / bytes / os.PathLike (like os.* functions)
 * and keeps the original object so errors report the name the caller used. */
typedef struct {
    int nullable;      /* may the caller pass None (-> NULL pointer)? */
    PyObject *obj;     /* borrowed: what the caller passed */
    PyObject *bytes;   /* owned: fs-encoded bytes */
    const char *c;     /* NUL-terminated C string or NULL */
} path_t;

#define PATH_T(nullable) {nullable, NULL, NULL, NULL}

static int
path_converter(PyObject *o, void *p)
{
    path_t *path = (path_t *)p;
    if (o == NULL) { /* cleanup call after a later argument failed */
        Py_CLEAR(path->bytes);
        return 1;
    }
    path->obj = o;
    if (o == Py_None && path->nullable) {
        path->c = NULL;
        return Py_CLEANUP_SUPPORTED;
    }
    if (!PyUnicode_FSConverter(o, &path->bytes))
        return 0;
    path->c = PyBytes_AS_STRING(path->bytes);
    return Py_CLEANUP_SUPPORTED;
}

static void
path_cleanup(path_t *p)
{
    Py_CLEAR(p->bytes);
}

/* unsigned 64-bit with range checking (the "K" format silently masks). */
static int
u64_converter(PyObject *o, void *p)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(o);
    if (v == (unsigned long long)-1 && PyErr_Occurred())
        return 0;
    *(uint64_t *)p = v;
    return 1;
}

/* unsigned 32-bit with range checking (the "I" format silently masks). */
static int
u32_converter(PyObject *o, void *p)
{
    unsigned long v = PyLong_AsUnsignedLong(o);
    if (v == (unsigned long)-1 && PyErr_Occurred())
        return 0;
    if (v > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "value does not fit in 32 bits");
        return 0;
    }
    *(unsigned int *)p = (unsigned int)v;
    return 1;
}

static PyObject *
raise_errno(int err, path_t *p1, path_t *p2)
{
    PyObject *f1 = (p1 && p1->obj && p1->obj != Py_None) ? p1->obj : NULL;
    PyObject *f2 = (p2 && p2->obj && p2->obj != Py_None) ? p2->obj : NULL;
    errno = err;
    if (f1 == NULL && f2 != NULL) {
        f1 = f2;
        f2 = NULL;
    }
    return PyErr_SetFromErrnoWithFilenameObjects(PyExc_OSError, f1, f2);
}

/* Run a syscall expression with the GIL released; captures errno. */
#define BLOCKING_CALL(res, err, expr)   \
    do {                                \
        Py_BEGIN_ALLOW_THREADS          \
        res = (expr);                   \
        err = errno;                    \
        Py_END_ALLOW_THREADS            \
    } while (0)

/* ------------------------------------------------------------------------
 * Namespaces: setns, unshare, clone
 * ------------------------------------------------------------------------ */

PyDoc_STRVAR(setns_doc,
"setns(fd, nstype=0)\n--\n\n"
"Move the calling thread into the namespace referred to by fd (an int or an\n"
"object with fileno(), e.g. an open /proc/<pid>/ns/<type> file).  nstype\n"
"(a CLONE_NEW* constant, 0 = any) makes the kernel check the fd's type.");

static PyObject *
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

PyDoc_STRVAR(unshare_doc,
"unshare(flags)\n--\n\n"
"Disassociate parts of the process execution context (CLONE_NEW* flags).\n"
"CLONE_NEWPID/CLONE_NEWTIME only affect children created afterwards.");

static PyObject *
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

/* fork()-like clone: no new stack, child continues on a copy of ours.
 * CLONE_NEWTIME (0x80) collides with the exit-signal byte of clone(2), so it
 * needs clone3(2); everything else uses the classic syscall, which also
 * works under seccomp profiles that answer clone3 with ENOSYS. */
static pid_t
raw_clone(unsigned long flags)
{
#ifdef __NR_clone3
    if (flags & CLONE_NEWTIME) {
        struct nse_clone_args ca;
        memset(&ca, 0, sizeof(ca));
        ca.flags = flags;
        ca.exit_signal = SIGCHLD;
        return (pid_t)syscall(__NR_clone3, &ca, sizeof(ca));
    }
#else
    if (flags & CLONE_NEWTIME) {
        errno = ENOSYS;
        return -1;
    }
#endif
#if defined(__s390__) || defined(__CRIS__)
    /* these architectures swap the first two clone(2) arguments */
    return (pid_t)syscall(SYS_clone, 0UL, flags | SIGCHLD, NULL, NULL, 0UL);
#else
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0UL, NULL, NULL, 0UL);
#endif
}

PyDoc_STRVAR(clone_doc,
"clone(flags)\n--\n\n"
"Fork with namespace flags: like os.fork() (same interpreter before/after\n"
"fork handling, os.register_at_fork hooks run) but the child is created in\n"
"the new namespaces given by the CLONE_NEW* flags.  Returns 0 in the child\n"
"and the child's pid (in the caller's pid namespace) in the parent.  With\n"
"CLONE_NEWPID the child's os.getpid() is 1.  The exit signal is SIGCHLD;\n"
"flags sharing memory/threads or needing tid pointers raise ValueError.\n"
"Like os.fork, do not call it while other threads may hold libc locks.");

static PyObject *
nse_clone(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"flags", NULL};
    uint64_t flags;
    pid_t pid;
    int saved_errno;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&:clone", kwlist, u64_converter, &flags))
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
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
        PyErr_SetString(PyExc_RuntimeError, "clone not supported for subinterpreters");
        return NULL;
    }
    if (PySys_Audit("libcontainer._nsenter.clone", "K", (unsigned long long)flags) < 0)
        return NULL;

    /* Exactly os.fork()'s sequence: take the import lock & run before-fork
     * hooks, fork, then let the interpreter repair itself in each process. */
    PyOS_BeforeFork();
    pid = raw_clone((unsigned long)flags);
    saved_errno = errno;
    if (pid == 0)
        PyOS_AfterFork_Child();
    else
        PyOS_AfterFork_Parent();
    if (pid < 0)
        return raise_errno(saved_errno, NULL, NULL);
    return PyLong_FromPid(pid);
}

/* ------------------------------------------------------------------------
 * Classic mount API: mount, umount2, pivot_root
 * ------------------------------------------------------------------------ */

PyDoc_STRVAR(mount_doc,
"mount(source, target, fstype, flags=0, data=None)\n--\n\n"
"mount(2).  source, fstype and data may be None (e.g. for MS_REMOUNT,\n"
"MS_BIND or propagation changes).  Paths may be str, bytes or PathLike.");

static PyObject *
nse_mount(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"source", "target", "fstype", "flags", "data", NULL};
    path_t src = PATH_T(1), tgt = PATH_T(0), fst = PATH_T(1), data = PATH_T(1);
    unsigned long flags = 0;
    int r, err;
    PyObject *ret = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O&O&|kO&:mount", kwlist,
                                     path_converter, &src, path_converter, &tgt,
                                     path_converter, &fst, &flags, path_converter, &data))
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(SYS_mount, src.c, tgt.c, fst.c, flags, data.c));
    if (r < 0)
        raise_errno(err, &tgt, NULL);
    else
        ret = Py_NewRef(Py_None);
    path_cleanup(&src);
    path_cleanup(&tgt);
    path_cleanup(&fst);
    path_cleanup(&data);
    return ret;
}

PyDoc_STRVAR(umount2_doc,
"umount2(target, flags=0)\n--\n\n"
"Unmount target; flags are MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW.");

static PyObject *
nse_umount2(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"target", "flags", NULL};
    path_t tgt = PATH_T(0);
    int flags = 0, r, err;
    PyObject *ret = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|i:umount2", kwlist,
                                     path_converter, &tgt, &flags))
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(SYS_umount2, tgt.c, flags));
    if (r < 0)
        raise_errno(err, &tgt, NULL);
    else
        ret = Py_NewRef(Py_None);
    path_cleanup(&tgt);
    return ret;
}

PyDoc_STRVAR(pivot_root_doc,
"pivot_root(new_root, put_old)\n--\n\n"
"Make new_root the root mount of the calling mount namespace and move the\n"
"old root to put_old.  pivot_root('.', '.') followed by umount2('.',\n"
"MNT_DETACH) is the runc idiom that needs no put_old directory.");

static PyObject *
nse_pivot_root(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"new_root", "put_old", NULL};
    path_t nr = PATH_T(0), po = PATH_T(0);
    int r, err;
    PyObject *ret = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O&:pivot_root", kwlist,
                                     path_converter, &nr, path_converter, &po))
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(SYS_pivot_root, nr.c, po.c));
    if (r < 0)
        raise_errno(err, &nr, &po);
    else
        ret = Py_NewRef(Py_None);
    path_cleanup(&nr);
    path_cleanup(&po);
    return ret;
}

/* ------------------------------------------------------------------------
 * New mount API (5.2+): open_tree, move_mount, fsopen, fsconfig, fsmount,
 * mount_setattr (5.12+).  Returned fds are always close-on-exec.
 * ------------------------------------------------------------------------ */

PyDoc_STRVAR(open_tree_doc,
"open_tree(dirfd, path, flags=0)\n--\n\n"
"Return an fd for a mount (OPEN_TREE_CLONE: a detached copy, AT_RECURSIVE: with\n"
"submounts) for use with move_mount().  The fd is close-on-exec.");

static PyObject *
nse_open_tree(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"dirfd", "path", "flags", NULL};
    path_t p = PATH_T(0);
    int dirfd, fd, err;
    unsigned int flags = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iO&|O&:open_tree", kwlist, &dirfd,
                                     path_converter, &p, u32_converter, &flags))
        return NULL;
    BLOCKING_CALL(fd, err, (int)syscall(__NR_open_tree, dirfd, p.c, flags | OPEN_TREE_CLOEXEC));
    if (fd < 0)
        raise_errno(err, &p, NULL);
    path_cleanup(&p);
    return fd < 0 ? NULL : PyLong_FromLong(fd);
}

PyDoc_STRVAR(move_mount_doc,
"move_mount(from_dirfd, from_path, to_dirfd, to_path, flags=0)\n--\n\n"
"Attach/move a mount.  Use from_path='' with MOVE_MOUNT_F_EMPTY_PATH to\n"
"attach the fd returned by open_tree()/fsmount().");

static PyObject *
nse_move_mount(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"from_dirfd", "from_path", "to_dirfd", "to_path", "flags", NULL};
    path_t fp = PATH_T(0), tp = PATH_T(0);
    int fdfd, tdfd, r, err;
    unsigned int flags = 0;
    PyObject *ret = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iO&iO&|O&:move_mount", kwlist,
                                     &fdfd, path_converter, &fp, &tdfd,
                                     path_converter, &tp, u32_converter, &flags))
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(__NR_move_mount, fdfd, fp.c, tdfd, tp.c, flags));
    if (r < 0)
        raise_errno(err, &fp, &tp);
    else
        ret = Py_NewRef(Py_None);
    path_cleanup(&fp);
    path_cleanup(&tp);
    return ret;
}

PyDoc_STRVAR(fsopen_doc,
"fsopen(fsname, flags=0)\n--\n\n"
"Return a new filesystem context fd (e.g. fsopen('tmpfs')) to configure with\n"
"fsconfig() and mount with fsmount().  The fd is close-on-exec.");

static PyObject *
nse_fsopen(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fsname", "flags", NULL};
    path_t name = PATH_T(0);
    unsigned int flags = 0;
    int fd, err;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|O&:fsopen", kwlist,
                                     path_converter, &name, u32_converter, &flags))
        return NULL;
    BLOCKING_CALL(fd, err, (int)syscall(__NR_fsopen, name.c, flags | FSOPEN_CLOEXEC));
    if (fd < 0)
        raise_errno(err, &name, NULL);
    path_cleanup(&name);
    return fd < 0 ? NULL : PyLong_FromLong(fd);
}

PyDoc_STRVAR(fsconfig_doc,
"fsconfig(fd, cmd, key=None, value=None, aux=0)\n--\n\n"
"Configure a filesystem context.  value may be None, str (FSCONFIG_SET_STRING\n"
"/ SET_PATH) or a bytes-like blob (FSCONFIG_SET_BINARY; aux defaults to its\n"
"length).  For FSCONFIG_SET_FD pass the fd as aux.  FSCONFIG_CMD_CREATE\n"
"creates the superblock (this is where mount errors are reported; details\n"
"can be read from the context fd).");

static PyObject *
nse_fsconfig(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fd", "cmd", "key", "value", "aux", NULL};
    path_t key = PATH_T(1);
    PyObject *value = Py_None, *vbytes = NULL, *ret = NULL;
    Py_buffer view = {0};
    const void *vptr = NULL;
    int fd, cmd, aux = 0, r, err;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ii|O&Oi:fsconfig", kwlist, &fd, &cmd,
                                     path_converter, &key, &value, &aux))
        return NULL;
    if (PyUnicode_Check(value)) {
        if ((vbytes = PyUnicode_EncodeFSDefault(value)) == NULL)
            goto done;
        vptr = PyBytes_AS_STRING(vbytes);
    } else if (value != Py_None) {
        if (PyObject_GetBuffer(value, &view, PyBUF_SIMPLE) < 0)
            goto done;
        vptr = view.buf;
        if (cmd == FSCONFIG_SET_BINARY && aux == 0) {
            if (view.len > INT_MAX) {
                PyErr_SetString(PyExc_OverflowError, "fsconfig(): value too large");
                goto done;
            }
            aux = (int)view.len;
        }
    }
    BLOCKING_CALL(r, err, (int)syscall(__NR_fsconfig, fd, cmd, key.c, vptr, aux));
    if (r < 0)
        raise_errno(err, &key, NULL);
    else
        ret = Py_NewRef(Py_None);
done:
    if (view.obj)
        PyBuffer_Release(&view);
    Py_XDECREF(vbytes);
    path_cleanup(&key);
    return ret;
}

PyDoc_STRVAR(fsmount_doc,
"fsmount(fd, flags=0, attr_flags=0)\n--\n\n"
"Turn a created filesystem context into an fd for a detached mount (attach it with\n"
"move_mount()).  attr_flags are MOUNT_ATTR_* values.  Close-on-exec.");

static PyObject *
nse_fsmount(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fd", "flags", "attr_flags", NULL};
    int fd, mfd, err;
    unsigned int flags = 0, attr = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i|O&O&:fsmount", kwlist, &fd,
                                     u32_converter, &flags, u32_converter, &attr))
        return NULL;
    BLOCKING_CALL(mfd, err, (int)syscall(__NR_fsmount, fd, flags | FSMOUNT_CLOEXEC, attr));
    if (mfd < 0)
        return raise_errno(err, NULL, NULL);
    return PyLong_FromLong(mfd);
}

PyDoc_STRVAR(mount_setattr_doc,
"mount_setattr(dirfd, path, flags, attr_set, attr_clr=0, propagation=0, userns_fd=0)\n--\n\n"
"Change mount properties (MOUNT_ATTR_* in attr_set/attr_clr; propagation is\n"
"MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE or 0).  flags: AT_RECURSIVE,\n"
"AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW...  userns_fd is for MOUNT_ATTR_IDMAP.");

static PyObject *
nse_mount_setattr(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"dirfd", "path", "flags", "attr_set", "attr_clr",
                             "propagation", "userns_fd", NULL};
    path_t p = PATH_T(0);
    struct nse_mount_attr attr = {0, 0, 0, 0};
    int dirfd, r, err;
    unsigned int flags;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iO&O&O&|O&O&O&:mount_setattr", kwlist,
                                     &dirfd, path_converter, &p, u32_converter, &flags,
                                     u64_converter, &attr.attr_set, u64_converter, &attr.attr_clr,
                                     u64_converter, &attr.propagation, u64_converter,
                                     &attr.userns_fd))
        return NULL;
    BLOCKING_CALL(r, err, (int)syscall(__NR_mount_setattr, dirfd, p.c, flags, &attr, sizeof(attr)));
    if (r < 0)
        raise_errno(err, &p, NULL);
    path_cleanup(&p);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------
 * Files and processes: openat2, pidfd_open, pidfd_send_signal, close_range
 * ------------------------------------------------------------------------ */

PyDoc_STRVAR(openat2_doc,
"openat2(dirfd, path, flags=0, mode=0, resolve=0)\n--\n\n"
"openat2(2) with struct open_how; returns the new fd.  resolve takes RESOLVE_* flags, e.g.\n"
"RESOLVE_IN_ROOT to resolve path (including symlinks) as if dirfd were the\n"
"root directory: the safe way to open paths inside a container rootfs.\n"
"O_CLOEXEC is always added.");

static PyObject *
nse_openat2(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"dirfd", "path", "flags", "mode", "resolve", NULL};
    path_t p = PATH_T(0);
    struct nse_open_how how = {0, 0, 0};
    int dirfd, fd, err;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iO&|O&O&O&:openat2", kwlist, &dirfd,
                                     path_converter, &p, u64_converter, &how.flags,
                                     u64_converter, &how.mode, u64_converter, &how.resolve))
        return NULL;
    how.flags |= O_CLOEXEC;
    BLOCKING_CALL(fd, err, (int)syscall(__NR_openat2, dirfd, p.c, &how, sizeof(how)));
    if (fd < 0)
        raise_errno(err, &p, NULL);
    path_cleanup(&p);
    return fd < 0 ? NULL : PyLong_FromLong(fd);
}

PyDoc_STRVAR(pidfd_open_doc,
"pidfd_open(pid, flags=0)\n--\n\n"
"Return a file descriptor referring to process pid (close-on-exec).  It\n"
"becomes readable when the process exits; use it with pidfd_send_signal()\n"
"to signal without pid-reuse races.");

static PyObject *
nse_pidfd_open(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"pid", "flags", NULL};
    int pid, fd;
    unsigned int flags = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i|O&:pidfd_open", kwlist, &pid,
                                     u32_converter, &flags))
        return NULL;
    fd = (int)syscall(__NR_pidfd_open, pid, flags);
    if (fd < 0)
        return raise_errno(errno, NULL, NULL);
    return PyLong_FromLong(fd);
}

PyDoc_STRVAR(pidfd_send_signal_doc,
"pidfd_send_signal(pidfd, sig, flags=0)\n--\n\n"
"Send signal sig to the process referred to by pidfd (siginfo is NULL, i.e.\n"
"it looks like kill(2) to the receiver).");

static PyObject *
nse_pidfd_send_signal(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"pidfd", "sig", "flags", NULL};
    int pidfd, sig;
    unsigned int flags = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ii|O&:pidfd_send_signal", kwlist, &pidfd,
                                     &sig, u32_converter, &flags))
        return NULL;
    if (syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, flags) < 0)
        return raise_errno(errno, NULL, NULL);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(close_range_doc,
"close_range(first, last, flags=0)\n--\n\n"
"Close (or with CLOSE_RANGE_CLOEXEC mark close-on-exec) every fd in\n"
"[first, last]; last may be 0xFFFFFFFF for 'all above first'.");

static PyObject *
nse_close_range(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"first", "last", "flags", NULL};
    unsigned int first, last, flags = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O&|O&:close_range", kwlist,
                                     u32_converter, &first, u32_converter, &last,
                                     u32_converter, &flags))
        return NULL;
    if (syscall(__NR_close_range, first, last, flags) < 0)
        return raise_errno(errno, NULL, NULL);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------
 * Credentials and process attributes: capget, capset, cap_last_cap, prctl,
 * sethostname, setdomainname.  Cheap calls: the GIL is kept.
 * ------------------------------------------------------------------------ */

PyDoc_STRVAR(capget_doc,
"capget(pid=0)\n--\n\n"
"Return (effective, permitted, inheritable): the capability sets of pid\n"
"(0 = calling thread) as 64-bit ints (_LINUX_CAPABILITY_VERSION_3).");

static PyObject *
nse_capget(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"pid", NULL};
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    int pid = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|i:capget", kwlist, &pid))
        return NULL;
    hdr.pid = pid;
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &hdr, d) < 0)
        return raise_errno(errno, NULL, NULL);
    return Py_BuildValue("(KKK)",
                         (unsigned long long)d[0].effective | ((unsigned long long)d[1].effective << 32),
                         (unsigned long long)d[0].permitted | ((unsigned long long)d[1].permitted << 32),
                         (unsigned long long)d[0].inheritable | ((unsigned long long)d[1].inheritable << 32));
}

PyDoc_STRVAR(capset_doc,
"capset(effective, permitted, inheritable)\n--\n\n"
"Set the calling thread's capability sets (64-bit ints, bit n = cap n).\n"
"The bounding and ambient sets are changed with prctl().");

static PyObject *
nse_capset(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"effective", "permitted", "inheritable", NULL};
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    uint64_t e, p, i;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O&O&:capset", kwlist, u64_converter, &e,
                                     u64_converter, &p, u64_converter, &i))
        return NULL;
    d[0].effective = (uint32_t)e;
    d[1].effective = (uint32_t)(e >> 32);
    d[0].permitted = (uint32_t)p;
    d[1].permitted = (uint32_t)(p >> 32);
    d[0].inheritable = (uint32_t)i;
    d[1].inheritable = (uint32_t)(i >> 32);
    if (syscall(SYS_capset, &hdr, d) < 0)
        return raise_errno(errno, NULL, NULL);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(cap_last_cap_doc,
"cap_last_cap()\n--\n\n"
"Highest capability number the running kernel knows (may exceed the\n"
"compile-time CAP_LAST_CAP).  Reads /proc/sys/kernel/cap_last_cap and falls\n"
"back to probing PR_CAPBSET_READ when /proc is unavailable.");

static PyObject *
nse_cap_last_cap(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(noargs))
{
    int last = -1;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f != NULL) {
        if (fscanf(f, "%d", &last) != 1)
            last = -1;
        fclose(f);
    }
    if (last < 0) {
        /* PR_CAPBSET_READ fails with EINVAL past the last valid cap */
        for (last = 0; last < 64 && prctl(PR_CAPBSET_READ, (unsigned long)last + 1, 0, 0, 0) >= 0; last++)
            ;
    }
    return PyLong_FromLong(last);
}

PyDoc_STRVAR(prctl_doc,
"prctl(option, arg2=0, arg3=0, arg4=0, arg5=0)\n--\n\n"
"prctl(2); returns the syscall's result (e.g. PR_GET_DUMPABLE's value).\n"
"Each argN may be an int, a str (passed as a NUL-terminated string, e.g.\n"
"prctl(PR_SET_NAME, 'init')) or a bytes-like object (passed as a pointer to\n"
"its buffer; a bytearray receives output, e.g. PR_GET_NAME).");

static PyObject *
nse_prctl(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"option", "arg2", "arg3", "arg4", "arg5", NULL};
    PyObject *objs[4] = {NULL, NULL, NULL, NULL}, *owned[4] = {NULL, NULL, NULL, NULL};
    Py_buffer views[4];
    unsigned long a[4] = {0, 0, 0, 0};
    int option, i, r = -1, err = 0, failed = 0;
    memset(views, 0, sizeof(views));
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i|OOOO:prctl", kwlist, &option,
                                     &objs[0], &objs[1], &objs[2], &objs[3]))
        return NULL;
    for (i = 0; i < 4 && !failed; i++) {
        PyObject *o = objs[i];
        if (o == NULL)
            continue;
        if (PyLong_Check(o)) {
            /* mask, so prctl(X, -1) works like in C */
            a[i] = PyLong_AsUnsignedLongMask(o);
            failed = (a[i] == (unsigned long)-1 && PyErr_Occurred());
        } else if (PyUnicode_Check(o)) {
            failed = (owned[i] = PyUnicode_EncodeFSDefault(o)) == NULL;
            if (!failed)
                a[i] = (unsigned long)(uintptr_t)PyBytes_AS_STRING(owned[i]);
        } else {
            if (PyObject_GetBuffer(o, &views[i], PyBUF_WRITABLE) < 0) {
                PyErr_Clear();
                failed = PyObject_GetBuffer(o, &views[i], PyBUF_SIMPLE) < 0;
            }
            if (!failed)
                a[i] = (unsigned long)(uintptr_t)views[i].buf;
        }
    }
    if (!failed) {
        r = prctl(option, a[0], a[1], a[2], a[3]);
        err = errno;
    }
    for (i = 0; i < 4; i++) {
        if (views[i].obj)
            PyBuffer_Release(&views[i]);
        Py_XDECREF(owned[i]);
    }
    if (failed)
        return NULL;
    if (r < 0)
        return raise_errno(err, NULL, NULL);
    return PyLong_FromLong(r);
}

/* sethostname/setdomainname share everything but the syscall. */
static PyObject *
set_uts_name(PyObject *args, PyObject *kw, const char *fmt, long nr)
{
    static char *kwlist[] = {"name", NULL};
    path_t name = PATH_T(0);
    long r;
    if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, path_converter, &name))
        return NULL;
    r = syscall(nr, name.c, strlen(name.c));
    if (r < 0)
        raise_errno(errno, NULL, NULL);
    path_cleanup(&name);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(sethostname_doc,
"sethostname(name)\n--\n\n"
"Set the hostname of the calling process's UTS namespace.");

static PyObject *
nse_sethostname(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    return set_uts_name(args, kw, "O&:sethostname", SYS_sethostname);
}

PyDoc_STRVAR(setdomainname_doc,
"setdomainname(name)\n--\n\n"
"Set the NIS domain name of the calling process's UTS namespace.");

static PyObject *
nse_setdomainname(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    return set_uts_name(args, kw, "O&:setdomainname", SYS_setdomainname);
}

/* ------------------------------------------------------------------------
 * Module definition
 * ------------------------------------------------------------------------ */

#define KW(name) {#name, (PyCFunction)(void (*)(void))nse_##name, METH_VARARGS | METH_KEYWORDS, name##_doc}

static PyMethodDef nse_methods[] = {
    KW(setns), KW(unshare), KW(clone),
    KW(mount), KW(umount2), KW(pivot_root),
    KW(open_tree), KW(move_mount), KW(fsopen), KW(fsconfig), KW(fsmount), KW(mount_setattr),
    KW(openat2), KW(pidfd_open), KW(pidfd_send_signal), KW(close_range),
    KW(capget), KW(capset), KW(prctl), KW(sethostname), KW(setdomainname),
    {"cap_last_cap", nse_cap_last_cap, METH_NOARGS, cap_last_cap_doc},
    {NULL, NULL, 0, NULL},
};

/* Constants exported to Python.  long long holds every value we need, from
 * AT_FDCWD (-100) to MS_NOUSER (1 << 31), on 32- and 64-bit alike. */
#define C(name) {#name, (long long)(name)}
static const struct { const char *name; long long value; } nse_constants[] = {
    /* namespaces */
    C(CLONE_NEWNS), C(CLONE_NEWUTS), C(CLONE_NEWIPC), C(CLONE_NEWUSER), C(CLONE_NEWPID),
    C(CLONE_NEWNET), C(CLONE_NEWCGROUP), C(CLONE_NEWTIME), C(CLONE_PARENT), C(CLONE_FILES),
    C(CLONE_FS), C(CLONE_SYSVSEM),
    /* mount(2) flags */
    C(MS_RDONLY), C(MS_NOSUID), C(MS_NODEV), C(MS_NOEXEC), C(MS_SYNCHRONOUS), C(MS_REMOUNT),
    C(MS_MANDLOCK), C(MS_DIRSYNC), C(MS_NOSYMFOLLOW), C(MS_NOATIME), C(MS_NODIRATIME),
    C(MS_BIND), C(MS_MOVE), C(MS_REC), C(MS_SILENT), C(MS_POSIXACL), C(MS_UNBINDABLE),
    C(MS_PRIVATE), C(MS_SLAVE), C(MS_SHARED), C(MS_RELATIME), C(MS_KERNMOUNT),
    C(MS_I_VERSION), C(MS_STRICTATIME), C(MS_LAZYTIME), C(MS_ACTIVE), C(MS_NOUSER),
    C(MS_MGC_VAL), C(MS_MGC_MSK),
    /* umount2(2) flags */
    C(MNT_FORCE), C(MNT_DETACH), C(MNT_EXPIRE), C(UMOUNT_NOFOLLOW),
    /* prctl(2) */
    C(PR_SET_PDEATHSIG), C(PR_GET_PDEATHSIG), C(PR_GET_DUMPABLE), C(PR_SET_DUMPABLE),
    C(PR_GET_KEEPCAPS), C(PR_SET_KEEPCAPS), C(PR_SET_NAME), C(PR_GET_NAME),
    C(PR_GET_SECCOMP), C(PR_SET_SECCOMP), C(PR_CAPBSET_READ), C(PR_CAPBSET_DROP),
    C(PR_GET_SECUREBITS), C(PR_SET_SECUREBITS), C(PR_SET_CHILD_SUBREAPER),
    C(PR_GET_CHILD_SUBREAPER), C(PR_SET_NO_NEW_PRIVS), C(PR_GET_NO_NEW_PRIVS),
    C(PR_CAP_AMBIENT), C(PR_CAP_AMBIENT_IS_SET), C(PR_CAP_AMBIENT_RAISE),
    C(PR_CAP_AMBIENT_LOWER), C(PR_CAP_AMBIENT_CLEAR_ALL), C(PR_SET_TIMERSLACK),
    C(PR_GET_TIMERSLACK),
    C(SECCOMP_MODE_DISABLED), C(SECCOMP_MODE_STRICT), C(SECCOMP_MODE_FILTER),
    C(SECBIT_NOROOT), C(SECBIT_NOROOT_LOCKED), C(SECBIT_NO_SETUID_FIXUP),
    C(SECBIT_NO_SETUID_FIXUP_LOCKED), C(SECBIT_KEEP_CAPS), C(SECBIT_KEEP_CAPS_LOCKED),
    C(SECBIT_NO_CAP_AMBIENT_RAISE), C(SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED),
    /* openat2(2) */
    C(RESOLVE_NO_XDEV), C(RESOLVE_NO_MAGICLINKS), C(RESOLVE_NO_SYMLINKS), C(RESOLVE_BENEATH),
    C(RESOLVE_IN_ROOT), C(RESOLVE_CACHED),
    /* new mount API */
    C(OPEN_TREE_CLONE), C(OPEN_TREE_CLOEXEC),
    C(MOVE_MOUNT_F_SYMLINKS), C(MOVE_MOUNT_F_AUTOMOUNTS), C(MOVE_MOUNT_F_EMPTY_PATH),
    C(MOVE_MOUNT_T_SYMLINKS), C(MOVE_MOUNT_T_AUTOMOUNTS), C(MOVE_MOUNT_T_EMPTY_PATH),
    C(MOVE_MOUNT_SET_GROUP), C(MOVE_MOUNT_BENEATH),
    C(FSOPEN_CLOEXEC), C(FSPICK_CLOEXEC), C(FSPICK_SYMLINK_NOFOLLOW), C(FSPICK_NO_AUTOMOUNT),
    C(FSPICK_EMPTY_PATH),
    C(FSCONFIG_SET_FLAG), C(FSCONFIG_SET_STRING), C(FSCONFIG_SET_BINARY), C(FSCONFIG_SET_PATH),
    C(FSCONFIG_SET_PATH_EMPTY), C(FSCONFIG_SET_FD), C(FSCONFIG_CMD_CREATE),
    C(FSCONFIG_CMD_RECONFIGURE), C(FSCONFIG_CMD_CREATE_EXCL), C(FSMOUNT_CLOEXEC),
    C(MOUNT_ATTR_RDONLY), C(MOUNT_ATTR_NOSUID), C(MOUNT_ATTR_NODEV), C(MOUNT_ATTR_NOEXEC),
    C(MOUNT_ATTR__ATIME), C(MOUNT_ATTR_RELATIME), C(MOUNT_ATTR_NOATIME),
    C(MOUNT_ATTR_STRICTATIME), C(MOUNT_ATTR_NODIRATIME), C(MOUNT_ATTR_IDMAP),
    C(MOUNT_ATTR_NOSYMFOLLOW),
    /* *at() flags */
    C(AT_FDCWD), C(AT_SYMLINK_NOFOLLOW), C(AT_SYMLINK_FOLLOW), C(AT_REMOVEDIR), C(AT_EACCESS),
    C(AT_NO_AUTOMOUNT), C(AT_EMPTY_PATH), C(AT_RECURSIVE),
    /* close_range(2), pidfd_open(2) */
    C(CLOSE_RANGE_UNSHARE), C(CLOSE_RANGE_CLOEXEC), C(PIDFD_NONBLOCK),
    /* capabilities (numbers, for capget/capset bit masks and PR_CAPBSET_*) */
    C(CAP_CHOWN), C(CAP_DAC_OVERRIDE), C(CAP_DAC_READ_SEARCH), C(CAP_FOWNER), C(CAP_FSETID),
    C(CAP_KILL), C(CAP_SETGID), C(CAP_SETUID), C(CAP_SETPCAP), C(CAP_LINUX_IMMUTABLE),
    C(CAP_NET_BIND_SERVICE), C(CAP_NET_BROADCAST), C(CAP_NET_ADMIN), C(CAP_NET_RAW),
    C(CAP_IPC_LOCK), C(CAP_IPC_OWNER), C(CAP_SYS_MODULE), C(CAP_SYS_RAWIO), C(CAP_SYS_CHROOT),
    C(CAP_SYS_PTRACE), C(CAP_SYS_PACCT), C(CAP_SYS_ADMIN), C(CAP_SYS_BOOT), C(CAP_SYS_NICE),
    C(CAP_SYS_RESOURCE), C(CAP_SYS_TIME), C(CAP_SYS_TTY_CONFIG), C(CAP_MKNOD), C(CAP_LEASE),
    C(CAP_AUDIT_WRITE), C(CAP_AUDIT_CONTROL), C(CAP_SETFCAP), C(CAP_MAC_OVERRIDE),
    C(CAP_MAC_ADMIN), C(CAP_SYSLOG), C(CAP_WAKE_ALARM), C(CAP_BLOCK_SUSPEND),
    C(CAP_AUDIT_READ), C(CAP_PERFMON), C(CAP_BPF), C(CAP_CHECKPOINT_RESTORE),
    C(CAP_LAST_CAP), C(_LINUX_CAPABILITY_VERSION_3),
};
#undef C

static int
nse_exec(PyObject *m)
{
    size_t i;
    for (i = 0; i < sizeof(nse_constants) / sizeof(nse_constants[0]); i++) {
        PyObject *v = PyLong_FromLongLong(nse_constants[i].value);
        if (v == NULL)
            return -1;
        if (PyModule_AddObjectRef(m, nse_constants[i].name, v) < 0) {
            Py_DECREF(v);
            return -1;
        }
        Py_DECREF(v);
    }
    return 0;
}

static PyModuleDef_Slot nse_slots[] = {
    {Py_mod_exec, nse_exec},
    {0, NULL},
};

PyDoc_STRVAR(module_doc,
"Low-level Linux syscalls for libcontainer (namespaces, mounts, capabilities,\n"
"prctl, openat2, pidfds).  Use libcontainer.syscalls instead of importing\n"
"this module directly; it is the seam tests replace with a double.");

static struct PyModuleDef nse_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "libcontainer._nsenter",
    .m_doc = module_doc,
    .m_size = 0,
    .m_methods = nse_methods,
    .m_slots = nse_slots,
};

PyMODINIT_FUNC
PyInit__nsenter(void)
{
    return PyModuleDef_Init(&nse_module);
}
