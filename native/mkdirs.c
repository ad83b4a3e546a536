/*
 * mkdirs.c -- directories made by a thread of ours while the runtime goes on.
 *
 * A container's cgroup v1 directories (one a hierarchy, nine or ten) cost the kernel ~1 ms
 * to make here, and the runtime made them on its critical path, after the init's clone.
 * Nothing in between needs them: the plan's compilation and the clone are Python and
 * kernel work of the runtime's own. So the cgroupfs backend hands the paths to
 * mkdirs_begin(), whose thread makes them (mkdir -p, as the backend's _mkdirs: the leaf
 * first, then the missing parents top-down) on the other CPU, and collects the outcome
 * with join() where it needs the directories (apply) or must remove them (destroy).
 *
 * The thread runs system calls only, on buffers made before it starts: no Python, no
 * malloc, no lock of libc's. Still, it must not be running when the runtime forks: a fork
 * copies no other thread, and glibc's set*id calls in the copy (the Python init's
 * setresuid) wait for every thread glibc knows of -- forever, for one the copy lost. So
 * the runtime joins it before it clones the init (CgroupManager.begin_apply's contract),
 * and the object joins it before its memory goes.
 */

#include "nsenter.h"

#include <pthread.h>
#include <sys/stat.h>

#define MKDIRS_MAX 64   /* paths: one a cgroup hierarchy */
#define DEPTH_MAX 64    /* components of one path */

typedef struct {
    PyObject_HEAD
    pthread_t thread;
    int started, joined;
    int n;
    mode_t mode;
    char *paths[MKDIRS_MAX];                   /* copies, cut at a '/' while a parent is tried */
    int err[MKDIRS_MAX];                       /* 0, or the errno that stopped this path */
    int found[MKDIRS_MAX];                     /* the leaf was there already */
    int made[MKDIRS_MAX][DEPTH_MAX];           /* lengths of the prefixes made, in the order made */
    int nmade[MKDIRS_MAX];
} MkdirsObject;

static void
make_one(MkdirsObject *self, int i)
{
    char *p = self->paths[i];
    int len = (int)strlen(p), cut[DEPTH_MAX], ncut = 0, at = len;
    for (;;) { /* the leaf first, then up until a parent exists */
        char saved = p[at];
        int r;
        p[at] = 0;
        r = mkdir(p, self->mode) == 0 ? 0 : errno;
        p[at] = saved;
        if (r == 0) {
            self->made[i][self->nmade[i]++] = at;
            break;
        }
        if (r == EEXIST) {
            if (at == len)
                self->found[i] = 1;
            break;
        }
        if (r != ENOENT || ncut == DEPTH_MAX - 1) {
            self->err[i] = r;
            return;
        }
        cut[ncut++] = at;
        while (at > 0 && p[at - 1] != '/') /* the parent: up to the previous '/' */
            at--;
        while (at > 1 && p[at - 1] == '/')
            at--;
        if (at <= 1) {
            self->err[i] = ENOENT;
            return;
        }
    }
    while (ncut > 0) { /* the missing ones, parents first */
        int end = cut[--ncut];
        char saved = p[end];
        int r;
        p[end] = 0;
        r = mkdir(p, self->mode) == 0 ? 0 : errno;
        p[end] = saved;
        if (r == 0)
            self->made[i][self->nmade[i]++] = end;
        else if (r != EEXIST) {
            self->err[i] = r;
            return;
        }
    }
}

static void *
mkdirs_thread(void *arg)
{
    MkdirsObject *self = arg;
    for (int i = 0; i < self->n; i++)
        make_one(self, i);
    return NULL;
}

static PyObject *
mkdirs_join(MkdirsObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out;
    if (!self->started || self->joined) {
        PyErr_SetString(PyExc_RuntimeError, "mkdirs: joined already");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_join(self->thread, NULL);
    Py_END_ALLOW_THREADS
    self->joined = 1;
    out = PyList_New(self->n);
    if (out == NULL)
        return NULL;
    for (int i = 0; i < self->n; i++) {
        PyObject *made = PyList_New(self->nmade[i]), *item;
        if (made == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        for (int k = 0; k < self->nmade[i]; k++) {
            PyObject *s = PyUnicode_DecodeFSDefaultAndSize(self->paths[i], self->made[i][k]);
            if (s == NULL) {
                Py_DECREF(made);
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(made, k, s);
        }
        item = Py_BuildValue("(Nii)", made, self->found[i], self->err[i]);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, item);
    }
    return out;
}

static void
mkdirs_dealloc(MkdirsObject *self)
{
    if (self->started && !self->joined) {
        Py_BEGIN_ALLOW_THREADS
        pthread_join(self->thread, NULL);
        Py_END_ALLOW_THREADS
    }
    for (int i = 0; i < self->n; i++)
        PyMem_Free(self->paths[i]);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef mkdirs_methods[] = {
    {"join", (PyCFunction)mkdirs_join, METH_NOARGS,
     "join()\n--\n\nWait for the thread; [(made, found, errno)] a path: the directories it made,\n"
     "parents first, whether the leaf was there already, and 0 or the error that stopped it."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject nse_mkdirs_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "libcontainer._nsenter.Mkdirs",
    .tp_basicsize = sizeof(MkdirsObject),
    .tp_dealloc = (destructor)mkdirs_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A thread making directories: see mkdirs_begin().",
    .tp_methods = mkdirs_methods,
};

NSE_DOC(mkdirs_begin,
"mkdirs_begin(paths, mode=0o755)\n--\n\n"
"Start a thread that makes each absolute path and its missing parents\n"
"(the leaf tried first), and return its handle; ``join()`` waits for it\n"
"and tells, a path, what was made and how it ended.");

PyObject *
nse_mkdirs_begin(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"paths", "mode", NULL};
    PyObject *paths, *seq;
    int mode = 0755, rc;
    MkdirsObject *self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i:mkdirs_begin", kwlist, &paths, &mode))
        return NULL;
    seq = PySequence_Fast(paths, "mkdirs_begin(): paths must be a sequence");
    if (seq == NULL)
        return NULL;
    if (PySequence_Fast_GET_SIZE(seq) > MKDIRS_MAX) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "mkdirs_begin(): too many paths");
        return NULL;
    }
    self = PyObject_New(MkdirsObject, &nse_mkdirs_type);
    if (self == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    self->started = self->joined = 0;
    self->n = 0;
    self->mode = (mode_t)mode;
    memset(self->err, 0, sizeof(self->err));
    memset(self->found, 0, sizeof(self->found));
    memset(self->nmade, 0, sizeof(self->nmade));
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *bytes;
        const char *s;
        Py_ssize_t len;
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &bytes))
            goto fail;
        s = PyBytes_AS_STRING(bytes);
        len = PyBytes_GET_SIZE(bytes);
        if (s[0] != '/' || (Py_ssize_t)strlen(s) != len) {
            Py_DECREF(bytes);
            PyErr_SetString(PyExc_ValueError, "mkdirs_begin(): paths must be absolute");
            goto fail;
        }
        self->paths[self->n] = PyMem_Malloc((size_t)len + 1);
        if (self->paths[self->n] == NULL) {
            Py_DECREF(bytes);
            PyErr_NoMemory();
            goto fail;
        }
        memcpy(self->paths[self->n++], s, (size_t)len + 1);
        Py_DECREF(bytes);
    }
    Py_DECREF(seq);
    rc = pthread_create(&self->thread, NULL, mkdirs_thread, self);
    if (rc != 0) {
        Py_DECREF(self);
        return raise_errno(rc, NULL, NULL);
    }
    self->started = 1;
    return (PyObject *)self;
fail:
    Py_DECREF(seq);
    Py_DECREF(self);
    return NULL;
}
