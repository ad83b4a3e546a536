/*
 * nsenter.c -- the module definition of libcontainer._nsenter: its method
 * table, the constants it exports to Python and the module init.  The
 * wrappers themselves live in one file per concern; see nsenter.h for the
 * design rules they all follow.
 */

#include "nsenter.h"

#define KW(name) {#name, (PyCFunction)(void (*)(void))nse_##name, METH_VARARGS | METH_KEYWORDS, nse_##name##_doc}

static PyMethodDef nse_methods[] = {
    KW(setns), KW(unshare), KW(clone), KW(clone_init),
    KW(mount), KW(umount2), KW(pivot_root),
    KW(open_tree), KW(move_mount), KW(fsopen), KW(fsconfig), KW(fsmount), KW(mount_setattr),
    KW(openat2), KW(pidfd_open), KW(pidfd_send_signal), KW(close_range), KW(fstatfs_type),
    KW(socketpair), KW(send_fds), KW(recv_fds), KW(mkdirs_begin),
    KW(capget), KW(capset), KW(prctl), KW(sethostname), KW(setdomainname), KW(seccomp_filter), KW(trap),
    {"cap_last_cap", nse_cap_last_cap, METH_NOARGS, nse_cap_last_cap_doc},
    {"hand_off_teardown", nse_hand_off_teardown, METH_NOARGS, nse_hand_off_teardown_doc},
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
    /* recvmsg(2), for recv_fds */
    C(MSG_CMSG_CLOEXEC),
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
    if (PyType_Ready(&nse_mkdirs_type) < 0)
        return -1;
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
