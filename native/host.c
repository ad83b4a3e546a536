/*
 * host.c -- the UTS namespace's names: sethostname and setdomainname.
 * Cheap calls: the GIL is kept.
 */

#include "nsenter.h"

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

NSE_DOC(sethostname,
"sethostname(name)\n--\n\n"
"Set the hostname of the calling process's UTS namespace.");

PyObject *
nse_sethostname(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    return set_uts_name(args, kw, "O&:sethostname", SYS_sethostname);
}

NSE_DOC(setdomainname,
"setdomainname(name)\n--\n\n"
"Set the NIS domain name of the calling process's UTS namespace.");

PyObject *
nse_setdomainname(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    return set_uts_name(args, kw, "O&:setdomainname", SYS_setdomainname);
}
