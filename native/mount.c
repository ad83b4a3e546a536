/*
 * mount.c -- the classic mount API (mount, umount2, pivot_root) and the new
 * mount API (5.2+: open_tree, move_mount, fsopen, fsconfig, fsmount, and
 * mount_setattr from 5.12).  Every call may block on a filesystem, so the GIL
 * is released around it; returned fds are always close-on-exec.
 */

#include "nsenter.h"

NSE_DOC(mount,
"mount(source, target, fstype, flags=0, data=None)\n--\n\n"
"mount(2).  source, fstype and data may be None (e.g. for MS_REMOUNT,\n"
"MS_BIND or propagation changes).  Paths may be str, bytes or PathLike.");

PyObject *
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

NSE_DOC(umount2,
"umount2(target, flags=0)\n--\n\n"
"Unmount target; flags are MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW.");

PyObject *
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

NSE_DOC(pivot_root,
"pivot_root(new_root, put_old)\n--\n\n"
"Make new_root the root mount of the calling mount namespace and move the\n"
"old root to put_old.  pivot_root('.', '.') followed by umount2('.',\n"
"MNT_DETACH) is the runc idiom that needs no put_old directory.");

PyObject *
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
 * New mount API: fds instead of paths, so a mount can be prepared detached
 * and attached atomically.
 * ------------------------------------------------------------------------ */

NSE_DOC(open_tree,
"open_tree(dirfd, path, flags=0)\n--\n\n"
"Return an fd for a mount (OPEN_TREE_CLONE: a detached copy, AT_RECURSIVE: with\n"
"submounts) for use with move_mount().  The fd is close-on-exec.");

PyObject *
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

NSE_DOC(move_mount,
"move_mount(from_dirfd, from_path, to_dirfd, to_path, flags=0)\n--\n\n"
"Attach/move a mount.  Use from_path='' with MOVE_MOUNT_F_EMPTY_PATH to\n"
"attach the fd returned by open_tree()/fsmount().");

PyObject *
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

NSE_DOC(fsopen,
"fsopen(fsname, flags=0)\n--\n\n"
"Return a new filesystem context fd (e.g. fsopen('tmpfs')) to configure with\n"
"fsconfig() and mount with fsmount().  The fd is close-on-exec.");

PyObject *
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

NSE_DOC(fsconfig,
"fsconfig(fd, cmd, key=None, value=None, aux=0)\n--\n\n"
"Configure a filesystem context.  value may be None, str (FSCONFIG_SET_STRING\n"
"/ SET_PATH) or a bytes-like blob (FSCONFIG_SET_BINARY; aux defaults to its\n"
"length).  For FSCONFIG_SET_FD pass the fd as aux.  FSCONFIG_CMD_CREATE\n"
"creates the superblock (this is where mount errors are reported; details\n"
"can be read from the context fd).");

PyObject *
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

NSE_DOC(fsmount,
"fsmount(fd, flags=0, attr_flags=0)\n--\n\n"
"Turn a created filesystem context into an fd for a detached mount (attach it with\n"
"move_mount()).  attr_flags are MOUNT_ATTR_* values.  Close-on-exec.");

PyObject *
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

NSE_DOC(mount_setattr,
"mount_setattr(dirfd, path, flags, attr_set, attr_clr=0, propagation=0, userns_fd=0)\n--\n\n"
"Change mount properties (MOUNT_ATTR_* in attr_set/attr_clr; propagation is\n"
"MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE or 0).  flags: AT_RECURSIVE,\n"
"AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW...  userns_fd is for MOUNT_ATTR_IDMAP.");

PyObject *
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
