/*
 * sockmsg.c -- the sync channel's socketpair and its messages with descriptors
 * attached (SCM_RIGHTS), on plain descriptors.
 *
 * init/sync.py needs nothing else from sockets, and Python's _socket module
 * costs every `run`, `create` and `exec` ~0.3-0.5 ms to set up (its types and
 * several hundred constants) for these three calls.
 */


#include "nsenter.h"

#define NSE_MAX_FDS 253 /* SCM_MAX_FD: the kernel's limit on one message */

NSE_DOC(socketpair,
"socketpair()\n--\n\n"
"A connected pair of AF_UNIX stream sockets, both close-on-exec: (fd, fd).");

PyObject *
nse_socketpair(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {NULL};
    int sv[2];
    if (!PyArg_ParseTupleAndKeywords(args, kw, ":socketpair", kwlist))
        return NULL;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return raise_errno(errno, NULL, NULL);
    return Py_BuildValue("(ii)", sv[0], sv[1]);
}

NSE_DOC(send_fds,
"send_fds(fd, data, fds=())\n--\n\n"
"Send all of data on the stream socket fd, with the descriptors fds attached\n"
"to its first byte (SCM_RIGHTS); like socket.sendall, retrying on EINTR and\n"
"after a partial send.  Never raises SIGPIPE: a closed peer is EPIPE.");

PyObject *
nse_send_fds(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fd", "data", "fds", NULL};
    int fd, n = 0, err = 0;
    Py_buffer data;
    PyObject *seq = NULL, *fast = NULL;
    int fdv[NSE_MAX_FDS];
    union { char buf[CMSG_SPACE(sizeof(fdv))]; struct cmsghdr align; } ctl;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iy*|O:send_fds", kwlist, &fd, &data, &seq))
        return NULL;
    if (seq != NULL) {
        fast = PySequence_Fast(seq, "send_fds: fds must be a sequence of descriptors");
        if (fast == NULL)
            goto fail;
        if (PySequence_Fast_GET_SIZE(fast) > NSE_MAX_FDS) {
            PyErr_SetString(PyExc_ValueError, "send_fds: more than 253 descriptors");
            goto fail;
        }
        n = (int)PySequence_Fast_GET_SIZE(fast);
        for (int i = 0; i < n; i++) {
            long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
            if (v == -1 && PyErr_Occurred())
                goto fail;
            if (v < 0 || v > INT_MAX) {
                PyErr_Format(PyExc_ValueError, "send_fds: %ld is not a descriptor", v);
                goto fail;
            }
            fdv[i] = (int)v;
        }
        if (n > 0 && data.len == 0) { /* a stream socket drops ancillary data without a byte */
            PyErr_SetString(PyExc_ValueError, "send_fds: descriptors need at least one byte of data");
            goto fail;
        }
    }
    const char *p = data.buf;
    Py_ssize_t left = data.len;
    do {
        struct iovec iov = {(void *)p, (size_t)left};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (n > 0) { /* only with the first chunk */
            msg.msg_control = ctl.buf;
            msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(n * sizeof(int));
            memcpy(CMSG_DATA(c), fdv, n * sizeof(int));
        }
        ssize_t sent;
        BLOCKING_CALL(sent, err, sendmsg(fd, &msg, MSG_NOSIGNAL));
        if (sent < 0) {
            if (err == EINTR && PyErr_CheckSignals() == 0)
                continue;
            if (err != EINTR)
                raise_errno(err, NULL, NULL);
            goto fail;
        }
        n = 0;
        p += sent;
        left -= sent;
    } while (left > 0);
    PyBuffer_Release(&data);
    Py_XDECREF(fast);
    Py_RETURN_NONE;
fail:
    PyBuffer_Release(&data);
    Py_XDECREF(fast);
    return NULL;
}

NSE_DOC(recv_fds,
"recv_fds(fd, bufsize, maxfds, flags=0)\n--\n\n"
"One recvmsg(2) of at most bufsize bytes and maxfds descriptors on fd:\n"
"(data, [fds]).  Empty data is end-of-file.  flags reach recvmsg (e.g.\n"
"MSG_CMSG_CLOEXEC); retries on EINTR.  Descriptors that did not fit are an\n"
"error (EMSGSIZE), and those that did are closed then: none may leak.");

PyObject *
nse_recv_fds(PyObject *Py_UNUSED(m), PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fd", "bufsize", "maxfds", "flags", NULL};
    int fd, maxfds, flags = 0, err = 0;
    Py_ssize_t bufsize;
    union { char buf[CMSG_SPACE(NSE_MAX_FDS * sizeof(int))]; struct cmsghdr align; } ctl;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ini|i:recv_fds", kwlist, &fd, &bufsize, &maxfds, &flags))
        return NULL;
    if (bufsize < 0 || maxfds < 0 || maxfds > NSE_MAX_FDS) {
        PyErr_SetString(PyExc_ValueError, "recv_fds: bufsize must be >= 0 and maxfds 0..253");
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, bufsize);
    if (out == NULL)
        return NULL;
    ssize_t got;
    struct msghdr msg;
    for (;;) {
        struct iovec iov = {PyBytes_AS_STRING(out), (size_t)bufsize};
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = maxfds ? ctl.buf : NULL;
        msg.msg_controllen = maxfds ? CMSG_SPACE(maxfds * sizeof(int)) : 0;
        BLOCKING_CALL(got, err, recvmsg(fd, &msg, flags));
        if (got >= 0)
            break;
        if (err != EINTR || PyErr_CheckSignals() != 0) {
            Py_DECREF(out);
            return err == EINTR ? NULL : raise_errno(err, NULL, NULL);
        }
    }
    PyObject *fds = PyList_New(0);
    int failed = fds == NULL;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; i++) {
            int one;
            memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            PyObject *num = failed ? NULL : PyLong_FromLong(one);
            if (num == NULL || PyList_Append(fds, num) < 0) {
                failed = 1;
                close(one); /* ours now: never leave it open behind an error */
            }
            Py_XDECREF(num);
        }
    }
    if (!failed && (msg.msg_flags & MSG_CTRUNC)) {
        failed = 1;
        errno = EMSGSIZE;
        PyErr_SetFromErrno(PyExc_OSError);
    }
    if (failed) {
        for (Py_ssize_t i = 0; fds != NULL && i < PyList_GET_SIZE(fds); i++)
            close((int)PyLong_AsLong(PyList_GET_ITEM(fds, i)));
        Py_XDECREF(fds);
        Py_DECREF(out);
        return NULL;
    }
    if (_PyBytes_Resize(&out, got) < 0) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(fds); i++)
            close((int)PyLong_AsLong(PyList_GET_ITEM(fds, i)));
        Py_DECREF(fds);
        return NULL;
    }
    PyObject *res = PyTuple_New(2);
    if (res == NULL) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(fds); i++)
            close((int)PyLong_AsLong(PyList_GET_ITEM(fds, i)));
        Py_DECREF(fds);
        Py_DECREF(out);
        return NULL;
    }
    PyTuple_SET_ITEM(res, 0, out);
    PyTuple_SET_ITEM(res, 1, fds);
    return res;
}
