/*
 * fd.c -- files and processes: openat2 (safe path resolution inside a
 * rootfs), pidfd_open / pidfd_send_signal (race-free signalling) and
 * close_range (keeping the runtime's fds out of the container), and
 * fstatfs's f_type (which filesystem a resolved target really is on).
 */

#include <sys/vfs.h>

#include "nsenter.h"

NSE_DOC(openat2,
"openat2(dirfd, path, flags=0, mode=0, resolve=0)\n--\n\n"
"openat2(2) with struct open_how; returns the new fd.  resolve takes RESOLVE_* flags, e.g.\n"
"RESOLVE_IN_ROOT to resolve path (including symlinks) as if dirfd were the\n"
"root directory: the safe way to open paths inside a container rootfs.\n"
"O_CLOEXEC is always added.");

PyObject *
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

NSE_DOC(pidfd_open,
"pidfd_open(pid, flags=0)\n--\n\n"
"Return a file descriptor referring to process pid (close-on-exec).  It\n"
"becomes readable when the process exits; use it with pidfd_send_signal()\n"
"to signal without pid-reuse races.");

PyObject *
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

NSE_DOC(pidfd_send_signal,
"pidfd_send_signal(pidfd, sig, flags=0)\n--\n\n"
"Send signal sig to the process referred to by pidfd (siginfo is NULL, i.e.\n"
"it looks like kill(2) to the receiver).");

PyObject *
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

NSE_DOC(close_range,
"close_range(first, last, flags=0)\n--\n\n"
"Close (or with CLOSE_RANGE_CLOEXEC mark close-on-exec) every fd in\n"
"[first, last]; last may be 0xFFFFFFFF for 'all above first'.");

PyObject *
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

NSE_DOC(fstatfs_type,
"fstatfs_type(fd)\n--\n\n"
"f_type of fstatfs(2) on fd (O_PATH descriptors work): the filesystem's magic\n"
"number, e.g. 0x9fa0 for procfs.  os.statvfs does not expose it.");

PyObject *
nse_fstatfs_type(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fd", NULL};
    struct statfs st;
    int fd;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i:fstatfs_type", kwlist, &fd))
        return NULL;
    if (fstatfs(fd, &st) < 0)
        return raise_errno(errno, NULL, NULL);
    return PyLong_FromUnsignedLong((unsigned long)st.f_type & 0xFFFFFFFFUL);
}
