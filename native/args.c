/*
 * args.c -- argument conversion and error reporting shared by every wrapper
 * of libcontainer._nsenter: paths behave like the os module's (str, bytes or
 * PathLike; OSError names the path the caller passed) and integer flags are
 * range-checked instead of silently masked.
 */

#include "nsenter.h"

int
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

void
path_cleanup(path_t *p)
{
    Py_CLEAR(p->bytes);
}

/* unsigned 64-bit with range checking (the "K" format silently masks). */
int
u64_converter(PyObject *o, void *p)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(o);
    if (v == (unsigned long long)-1 && PyErr_Occurred())
        return 0;
    *(uint64_t *)p = v;
    return 1;
}

/* unsigned 32-bit with range checking (the "I" format silently masks). */
int
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

PyObject *
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
