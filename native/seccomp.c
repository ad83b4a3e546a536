/*
 * seccomp.c -- installing a compiled seccomp filter: seccomp(SECCOMP_SET_MODE_FILTER).
 *
 * The filter is compiled elsewhere (libseccomp, through the backend plugin, into a BPF
 * program: libcontainer/seccomp/compiled.py); installing it is one system call, which
 * Python has no wrapper for. ctypes could make it, but importing ctypes (and libseccomp's
 * binding, to learn the syscall's number) costs an init ~30 ms.
 */

#include "nsenter.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

NSE_DOC(seccomp_filter,
"seccomp_filter(flags, program=None)\n--\n\n"
"seccomp(SECCOMP_SET_MODE_FILTER, flags, program) on the calling thread: program is\n"
"an array of struct sock_filter as bytes (8 bytes an instruction).  Returns what the\n"
"kernel returns: the user-notification descriptor with SECCOMP_FILTER_FLAG_NEW_LISTENER,\n"
"else 0.  program=None passes NULL: a probe, which fails with EFAULT for a flag the\n"
"kernel knows and EINVAL for one it does not.  The caller must hold no_new_privs or\n"
"CAP_SYS_ADMIN.");

PyObject *
nse_seccomp_filter(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"flags", "program", NULL};
    unsigned int flags;
    PyObject *program = Py_None;
    Py_buffer buf = {0};
    struct sock_fprog prog;
    long ret;
    int err;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "I|O:seccomp_filter", kwlist, &flags, &program))
        return NULL;
    if (program == Py_None) {
        ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL);
        return ret < 0 ? raise_errno(errno, NULL, NULL) : PyLong_FromLong(ret);
    }
    if (PyObject_GetBuffer(program, &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    if (buf.len == 0 || buf.len % sizeof(struct sock_filter) || buf.len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_ValueError, "seccomp_filter: not a BPF program (a non-empty array of up to 4096 instructions)");
        return NULL;
    }
    /* bytes objects are 8-byte aligned in CPython, but a buffer need not be: copy */
    prog.len = (unsigned short)(buf.len / sizeof(struct sock_filter));
    prog.filter = PyMem_Malloc((size_t)buf.len);
    if (prog.filter == NULL) {
        PyBuffer_Release(&buf);
        return PyErr_NoMemory();
    }
    memcpy(prog.filter, buf.buf, (size_t)buf.len);
    PyBuffer_Release(&buf);
    ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    err = errno;
    PyMem_Free(prog.filter);
    return ret < 0 ? raise_errno(err, NULL, NULL) : PyLong_FromLong(ret);
}

NSE_DOC(trap,
"trap()\n--\n\n"
"Die by an illegal instruction (SIGILL), which needs no system call: how an init leaves\n"
"once its seccomp filter may refuse exit_group (spinning on the refused call instead\n"
"would leave the runtime waiting on a process at 100% CPU).");

PyObject *
nse_trap(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, ":trap", kwlist))
        return NULL;
    __builtin_trap();
}
