/*
 * caps.c -- credentials and process attributes: capget, capset,
 * cap_last_cap and prctl.  Cheap calls: the GIL is kept.
 */

#include "nsenter.h"

NSE_DOC(capget,
"capget(pid=0)\n--\n\n"
"Return (effective, permitted, inheritable): the capability sets of pid\n"
"(0 = calling thread) as 64-bit ints (_LINUX_CAPABILITY_VERSION_3).");

PyObject *
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

NSE_DOC(capset,
"capset(effective, permitted, inheritable)\n--\n\n"
"Set the calling thread's capability sets (64-bit ints, bit n = cap n).\n"
"The bounding and ambient sets are changed with prctl().");

PyObject *
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

NSE_DOC(cap_last_cap,
"cap_last_cap()\n--\n\n"
"Highest capability number the running kernel knows (may exceed the\n"
"compile-time CAP_LAST_CAP).  Reads /proc/sys/kernel/cap_last_cap and falls\n"
"back to probing PR_CAPBSET_READ when /proc is unavailable.");

PyObject *
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

NSE_DOC(prctl,
"prctl(option, arg2=0, arg3=0, arg4=0, arg5=0)\n--\n\n"
"prctl(2); returns the syscall's result (e.g. PR_GET_DUMPABLE's value).\n"
"Each argN may be an int, a str (passed as a NUL-terminated string, e.g.\n"
"prctl(PR_SET_NAME, 'init')) or a bytes-like object (passed as a pointer to\n"
"its buffer; a bytearray receives output, e.g. PR_GET_NAME).");

PyObject *
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
