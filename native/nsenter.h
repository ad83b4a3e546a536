/*
 * nsenter.h -- internal header shared by the C files of libcontainer._nsenter:
 * thin, honest wrappers around the Linux syscalls a container runtime needs
 * and that the `os` module does not expose.
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
 *
 * Layout: one C file per concern (ns.c, mount.c, fd.c, caps.c, host.c), the
 * argument helpers in args.c, and the module definition (method table and
 * constants) in nsenter.c.  Every file includes only this header, so all of
 * them see the same system headers *before* nsenter_compat.h: its #ifndef
 * fallbacks must never be seen ahead of the libc definitions they stand in for.
 */
#ifndef LIBCONTAINER_NSENTER_H
#define LIBCONTAINER_NSENTER_H

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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "nsenter_compat.h" /* fallback constants, syscall numbers, ABI structs */

/* The symbols below are shared between the module's own object files only;
 * keep them out of the .so's dynamic symbol table (PyInit__nsenter is
 * exported by PyMODINIT_FUNC regardless). */
#pragma GCC visibility push(hidden)

/* ------------------------------------------------------------------------
 * Argument helpers (args.c)
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

/* "O&" converter for path_t (supports Py_CLEANUP_SUPPORTED). */
int path_converter(PyObject *o, void *p);
void path_cleanup(path_t *p);
/* unsigned 64-bit with range checking (the "K" format silently masks). */
int u64_converter(PyObject *o, void *p);
/* unsigned 32-bit with range checking (the "I" format silently masks). */
int u32_converter(PyObject *o, void *p);
/* Set OSError from err naming p1/p2 (when given and not None); returns NULL. */
PyObject *raise_errno(int err, path_t *p1, path_t *p2);

/* Run a syscall expression with the GIL released; captures errno. */
#define BLOCKING_CALL(res, err, expr)   \
    do {                                \
        Py_BEGIN_ALLOW_THREADS          \
        res = (expr);                   \
        err = errno;                    \
        Py_END_ALLOW_THREADS            \
    } while (0)

/* ------------------------------------------------------------------------
 * Module functions, one set per concern file.  NSE_DOC defines the
 * docstring nse_<name>_doc that the method table in nsenter.c refers to.
 * ------------------------------------------------------------------------ */

#define NSE_DOC(name, text) const char nse_##name##_doc[] = PyDoc_STR(text)

#define NSE_KW_FUNC(name) \
    extern const char nse_##name##_doc[]; \
    PyObject *nse_##name(PyObject *m, PyObject *args, PyObject *kw)

/* ns.c: namespaces */
NSE_KW_FUNC(setns);
NSE_KW_FUNC(unshare);
NSE_KW_FUNC(clone);
/* the fork()-like clone both clone() and clone_init() use */
pid_t nse_raw_clone(uint64_t flags, int cgroup_fd);

/* initplan.c: the native init */
NSE_KW_FUNC(clone_init);

/* mount.c: classic and new mount API */
NSE_KW_FUNC(mount);
NSE_KW_FUNC(umount2);
NSE_KW_FUNC(pivot_root);
NSE_KW_FUNC(open_tree);
NSE_KW_FUNC(move_mount);
NSE_KW_FUNC(fsopen);
NSE_KW_FUNC(fsconfig);
NSE_KW_FUNC(fsmount);
NSE_KW_FUNC(mount_setattr);

/* fd.c: files and processes */
NSE_KW_FUNC(openat2);
NSE_KW_FUNC(pidfd_open);
NSE_KW_FUNC(pidfd_send_signal);
NSE_KW_FUNC(close_range);
NSE_KW_FUNC(fstatfs_type);

/* sockmsg.c: the sync channel's socketpair and SCM_RIGHTS messages */
NSE_KW_FUNC(socketpair);
NSE_KW_FUNC(send_fds);
NSE_KW_FUNC(recv_fds);

/* caps.c: capabilities and prctl */
NSE_KW_FUNC(capget);
NSE_KW_FUNC(capset);
NSE_KW_FUNC(prctl);
extern const char nse_cap_last_cap_doc[];
PyObject *nse_cap_last_cap(PyObject *m, PyObject *noargs);

/* seccomp.c: installing a compiled filter */
NSE_KW_FUNC(seccomp_filter);
NSE_KW_FUNC(trap);

/* host.c: UTS names */
NSE_KW_FUNC(sethostname);
NSE_KW_FUNC(setdomainname);

/* mkdirs.c: directories made by a thread of ours */
NSE_KW_FUNC(mkdirs_begin);
extern PyTypeObject nse_mkdirs_type;

/* teardown.c: an exit that leaves the freeing of our memory to a child */
extern const char nse_hand_off_teardown_doc[];
PyObject *nse_hand_off_teardown(PyObject *m, PyObject *noargs);

#undef NSE_KW_FUNC

#pragma GCC visibility pop

#endif /* LIBCONTAINER_NSENTER_H */
