/*
 * initplan_fs.c -- the native init's root filesystem steps (the rootfs package's work): every
 * destination resolved inside the root with openat2 and mounted on through its descriptor.
 */
#include "initplan.h"

#include <linux/magic.h>

/* ---- paths inside the root (rootfs/safepath.py) ------------------------------------ */

static int
openat2_in(int dirfd, const char *path, int flags, uint64_t resolve)
{
    struct nse_open_how how;
    const char *rel = path;
    while (*rel == '/')
        rel++;
    if (*rel == 0)
        rel = ".";
    memset(&how, 0, sizeof(how));
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve;
    return (int)k_openat2(dirfd, rel, &how, sizeof(how));
}

/* Create the missing directories of path, never crossing a symlink (the plan compiler
 * gave the Python init every config whose destinations cross one); O_PATH fd or -1. */
static int
mkdir_all(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    char *p, *name;
    int fd, nfd;
    if (strlen(path) >= sizeof(buf)) {
        perr = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    fd = openat2_in(root_fd, ".", O_PATH | O_DIRECTORY, 0);
    if (fd < 0)
        return -1;
    p = buf;
    while (1) {
        while (*p == '/')
            p++;
        if (*p == 0)
            return fd;
        name = p;
        while (*p && *p != '/')
            p++;
        if (*p)
            *p++ = 0;
        if (strcmp(name, ".") == 0)
            continue;
        nfd = openat2_in(fd, name, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
        if (nfd < 0 && perr == ENOENT) {
            if (k_mkdirat(fd, name, mode) < 0 && perr != EEXIST) {
                int e = perr;
                k_close(fd);
                perr = e;
                return -1;
            }
            nfd = openat2_in(fd, name, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
        }
        k_close(fd);
        if (nfd < 0)
            return -1;
        fd = nfd;
    }
}

/* The directory ``name`` (one component) in ``dirfd``, made if missing, never through a
 * symlink; O_PATH fd or -1. For a directory the plan has just made or mounted. */
static int
subdir(int dirfd, const char *name, mode_t mode)
{
    if (k_mkdirat(dirfd, name, mode) < 0 && perr != EEXIST)
        return -1;
    return openat2_in(dirfd, name, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
}

/* The parent directory of consecutive MKNOD and SYMLINK steps (/dev's nodes and links),
 * resolved once for the run of them: nothing mounts in between, and those steps make no
 * directory a symlink (run_plan drops it at any other step). */
static char dir_cache_path[PATH_MAX];
static int dir_cache_fd = -1;

/* A CLONE_VM init shares these statics with the inits before it: one that failed midway left
 * its descriptor's number here, which means nothing (or another file) in the next one. */
void
dir_cache_forget(void)
{
    dir_cache_fd = -1;
}

void
dir_cache_drop(void)
{
    if (dir_cache_fd >= 0)
        k_close(dir_cache_fd);
    dir_cache_fd = -1;
}

/* mkdir_all(path) for those steps: a descriptor the cache owns (not to be closed). */
static int
cached_dir(const char *path)
{
    if (dir_cache_fd >= 0 && strcmp(path, dir_cache_path) == 0)
        return dir_cache_fd;
    dir_cache_drop();
    if (strlen(path) >= sizeof(dir_cache_path)) {
        perr = ENAMETOOLONG;
        return -1;
    }
    dir_cache_fd = mkdir_all(path, 0755);
    if (dir_cache_fd >= 0)
        strcpy(dir_cache_path, path);
    return dir_cache_fd;
}

static void
split(const char *path, char *dir, char *base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, "/");
        strcpy(base, path);
    } else {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = 0;
        if (dir[0] == 0)
            strcpy(dir, "/");
        strcpy(base, slash + 1);
    }
}

/* A non-directory at path (a bind target): make it if missing; O_PATH fd or -1. */
static int
create_file(const char *path)
{
    char dir[PATH_MAX], base[PATH_MAX];
    int fd = openat2_in(root_fd, path, O_PATH, RESOLVE_NO_SYMLINKS);
    int parent, e;
    if (fd >= 0 || perr != ENOENT)
        return fd;
    if (strlen(path) >= sizeof(dir)) {
        perr = ENAMETOOLONG;
        return -1;
    }
    split(path, dir, base);
    parent = mkdir_all(dir, 0755);
    if (parent < 0)
        return -1;
    fd = k_openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    e = perr;
    k_close(parent);
    if (fd < 0 && e != EEXIST) {
        perr = e;
        return -1;
    }
    if (fd >= 0)
        k_close(fd);
    return openat2_in(root_fd, path, O_PATH, RESOLVE_NO_SYMLINKS);
}

const char *
fdpath(int fd, char *buf)
{
    sprintf(buf, "/proc/self/fd/%d", fd);
    return buf;
}

static long
magic_of(int fd)
{
    struct statfs sf;
    if (k_fstatfs(fd, &sf) < 0)
        return -1;
    return (long)sf.f_type;
}

/* procguard.verify_target: the target must be on the procfs/sysfs it should be on. */
static void
verify_target(const struct op *op, int fd, long want, const char *dest)
{
    long got;
    if (want == 0)
        return;
    got = magic_of(fd);
    if (got != want) {
        perr = EPERM;
        plan_die(EPERM, op->strs[0], "'%s' is not on the container's %s (f_type %#lx): refusing to mount over it",
            dest, want == 0x9fa0 ? "procfs" : "sysfs", (unsigned long)got);
    }
}

/* statfs's flags as MS_* (mounts.statfs_flags). */
static unsigned long
statfs_flags(const char *path)
{
    static const unsigned long map[][2] = {
        {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
        {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK}, {ST_NOATIME, MS_NOATIME},
        {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}, {0x2000, MS_NOSYMFOLLOW},
    };
    struct statfs sf; /* f_flags: statvfs's ST_* bits */
    unsigned long flags = 0;
    size_t i;
    if (k_statfs(path, &sf) < 0)
        return 0;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if ((unsigned long)sf.f_flags & map[i][0])
            flags |= map[i][1];
    if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)))
        flags |= MS_STRICTATIME;
    return flags;
}

#define LOCKED (MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)
#define ATIME (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)

/* Propagation flags act on the new mount: reopen it (mounts.after_mount). */
static void
after_mount(const struct op *op, const char *dest, int first_prop)
{
    char b[64];
    int i, fd;
    if (first_prop >= op->nints)
        return;
    fd = openat2_in(root_fd, dest, O_PATH, 0);
    if (fd < 0)
        FAIL(op);
    for (i = first_prop; i < op->nints; i++)
        if (k_mount(NULL, fdpath(fd, b), NULL, (unsigned long)arg_int(op, i), NULL) < 0)
            FAIL(op);
    k_close(fd);
}

/* ---- the steps --------------------------------------------------------------------- */

void
do_mount(const struct op *op)
{
    int kind = (int)arg_int(op, 0);
    unsigned long flags = (unsigned long)arg_int(op, 1);
    long target_magic = (long)arg_int(op, 2), after_magic = (long)arg_int(op, 3);
    int remount = (int)arg_int(op, 4);
    unsigned long cleared = (unsigned long)arg_int(op, 5);
    const char *dest = op->strs[1], *source = op->strs[2], *fstype = op->strs[3], *data = op->strs[4];
    char b1[64], b2[64], opts[4096];
    int fd, src = -1;
    struct stat st;

    if (kind == K_SPECIAL) {
        fd = mkdir_all(dest, 0755);
        if (fd < 0) {
            if (perr == ELOOP || perr == ENOTDIR)
                plan_die(perr, op->strs[0], "filesystem '%s' must be mounted on ordinary directory", fstype);
            FAIL(op);
        }
        verify_target(op, fd, target_magic, dest);
        if (k_mount(source, fdpath(fd, b1), fstype, flags, *data ? data : NULL) < 0)
            FAIL(op);
        k_close(fd);
        fd = openat2_in(root_fd, dest, O_PATH, RESOLVE_NO_SYMLINKS);
        if (fd < 0)
            FAIL(op);
        if (magic_of(fd) != after_magic) {
            perr = EPERM;
            plan_die(EPERM, op->strs[0], "'%s' is not a %s mount after mounting it", dest, fstype);
        }
        k_close(fd);
    } else if (kind == K_TMPFS) {
        fd = openat2_in(root_fd, dest, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
        if (fd >= 0) {
            if (k_fstat(fd, &st) < 0)
                FAIL(op);
            snprintf(opts, sizeof(opts), "mode=%04o%s%s", st.st_mode & 07777, *data ? "," : "", data);
        } else if (perr == ENOENT) {
            snprintf(opts, sizeof(opts), "%s", data);
            fd = mkdir_all(dest, 0755);
            if (fd < 0)
                FAIL(op);
        } else {
            FAIL(op);
        }
        verify_target(op, fd, target_magic, dest);
        if (k_mount(source, fdpath(fd, b1), "tmpfs", flags & ~MS_RDONLY, *opts ? opts : NULL) < 0)
            FAIL(op);
        k_close(fd);
    } else if (kind == K_BIND) {
        src = k_open(source, O_PATH | O_CLOEXEC);
        if (src < 0 || k_fstat(src, &st) < 0)
            FAIL(op);
        fd = S_ISDIR(st.st_mode) ? mkdir_all(dest, 0755) : create_file(dest);
        if (fd < 0)
            FAIL(op);
        verify_target(op, fd, target_magic, dest);
        if (k_mount(fdpath(src, b1), fdpath(fd, b2), NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
            FAIL(op);
        k_close(fd);
        if (remount) {
            unsigned long want = flags | MS_BIND | MS_REMOUNT;
            fd = openat2_in(root_fd, dest, O_PATH, 0);
            if (fd < 0)
                FAIL(op);
            if (k_mount(NULL, fdpath(fd, b2), NULL, want, NULL) < 0) {
                int first = perr;
                unsigned long sf = statfs_flags(fdpath(src, b1));
                if ((sf & cleared & LOCKED) || ((flags & ATIME) && (flags & ATIME) != (sf & ATIME))) {
                    perr = first;
                    FAIL(op);
                }
                if (k_mount(NULL, fdpath(fd, b2), NULL, want | (sf & LOCKED), NULL) < 0)
                    FAIL(op);
            }
            k_close(fd);
        }
        k_close(src);
    } else {
        fd = mkdir_all(dest, 0755);
        if (fd < 0)
            FAIL(op);
        verify_target(op, fd, target_magic, dest);
        if (k_mount(source, fdpath(fd, b1), fstype, flags, *data ? data : NULL) < 0)
            FAIL(op);
        k_close(fd);
    }
    after_mount(op, dest, 6);
}

/* rootfs/cgroupmount.mount_v1 after its tmpfs: one entry per v1 hierarchy. */
void
do_cgroup_v1(const struct op *op)
{
    unsigned long flags = (unsigned long)arg_int(op, 0);
    int cgroupns = (int)arg_int(op, 1);
    const char *dest = op->strs[1];
    char own[8192], path[PATH_MAX * 2], src[PATH_MAX * 2], b1[64], b2[64];
    ssize_t n = 0;
    int i, cfd;

    if (!cgroupns) {
        int fd = k_open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (n = k_read(fd, own, sizeof(own) - 1)) < 0)
            FAIL(op);
        own[n] = 0;
        k_close(fd);
    }
    /* the tmpfs the step before mounted there: each hierarchy's directory is made in it */
    cfd = openat2_in(root_fd, dest, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    if (cfd < 0)
        FAIL(op);
    for (i = 2; i + 3 < op->nstrs; i += 4) {
        const char *name = op->strs[i], *mountpoint = op->strs[i + 1], *root = op->strs[i + 2];
        const char *subs = op->strs[i + 3];
        int fd, one = strchr(name, '/') == NULL && strcmp(name, "..") != 0 && strcmp(name, ".") != 0;
        snprintf(path, sizeof(path), "%s/%s", dest, name);
        fd = one ? subdir(cfd, name, 0755) : mkdir_all(path, 0755);
        if (fd < 0)
            FAIL(op);
        if (cgroupns) {
            const char *source = strcmp(subs, "name=systemd") == 0 ? "systemd" : "cgroup";
            if (k_mount(source, fdpath(fd, b1), "cgroup",
                      MS_NOEXEC | MS_NOSUID | MS_NODEV | (flags & MS_RDONLY), subs) < 0)
                FAIL(op);
        } else {
            /* the first controller's line of /proc/self/cgroup names our cgroup in it */
            char first[256], *line, *save = NULL, *mine = NULL;
            const char *comma = strchr(subs, ',');
            size_t fl = comma ? (size_t)(comma - subs) : strlen(subs);
            int sfd;
            size_t rl = strlen(root);
            if (fl >= sizeof(first))
                fl = sizeof(first) - 1;
            memcpy(first, subs, fl);
            first[fl] = 0;
            char copy[8192];
            strcpy(copy, own);
            for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2, *tok, *s2 = NULL;
                if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
                    continue;
                *c2 = 0;
                for (tok = strtok_r(c1 + 1, ",", &s2); tok != NULL; tok = strtok_r(NULL, ",", &s2))
                    if (strcmp(tok, first) == 0)
                        mine = c2 + 1;
                if (mine != NULL)
                    break;
            }
            if (mine == NULL) {
                perr = ENOENT;
                FAILF(op, "no cgroup of ours in %s: ", mountpoint);
            }
            /* os.path.relpath(mine, root) joined to the mountpoint */
            if (strcmp(root, "/") != 0 && strncmp(mine, root, rl) == 0 && (mine[rl] == '/' || mine[rl] == 0))
                mine += rl;
            snprintf(src, sizeof(src), "%s/%s", mountpoint, mine);
            sfd = k_open(src, O_PATH | O_CLOEXEC | O_DIRECTORY);
            if (sfd < 0)
                FAIL(op);
            if (k_mount(fdpath(sfd, b1), fdpath(fd, b2), NULL, MS_BIND | MS_REC, NULL) < 0)
                FAIL(op);
            k_close(fd);
            fd = one ? openat2_in(cfd, name, O_PATH, 0) : openat2_in(root_fd, path, O_PATH, 0);
            if (fd < 0)
                FAIL(op);
            {
                unsigned long want = flags | MS_BIND | MS_REC | MS_REMOUNT;
                if ((flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) &&
                    k_mount(NULL, fdpath(fd, b2), NULL, want, NULL) < 0) {
                    unsigned long sf = statfs_flags(fdpath(sfd, b1));
                    if (k_mount(NULL, fdpath(fd, b2), NULL, want | (sf & LOCKED), NULL) < 0)
                        FAIL(op);
                }
            }
            k_close(sfd);
            {
                int k;
                for (k = 2; k < op->nints; k++)
                    if (k_mount(NULL, fdpath(fd, b2), NULL, (unsigned long)arg_int(op, k), NULL) < 0)
                        FAIL(op);
            }
        }
        k_close(fd);
    }
    /* co-mounted controllers: cpu -> cpu,cpuacct */
    {
        int dfd = cfd;
        for (i = 2; i + 3 < op->nstrs; i += 4) {
            const char *name = op->strs[i];
            char names[PATH_MAX], *tok, *save = NULL;
            if (strchr(name, ',') == NULL)
                continue;
            snprintf(names, sizeof(names), "%s", name);
            for (tok = strtok_r(names, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
                if (k_symlinkat(name, dfd, tok) < 0 && perr != EEXIST)
                    FAIL(op);
        }
        k_close(dfd);
    }
}

void
do_mknod(const struct op *op)
{
    mode_t mode = (mode_t)arg_int(op, 0);
    dev_t dev = makedev((unsigned)arg_int(op, 1), (unsigned)arg_int(op, 2));
    uid_t uid = (uid_t)arg_int(op, 3);
    gid_t gid = (gid_t)arg_int(op, 4);
    int bind = (int)arg_int(op, 5);
    const char *path = op->strs[1];
    char dir[PATH_MAX], base[PATH_MAX], b1[64];
    int parent, fd;
    if (strlen(path) >= sizeof(dir)) {
        perr = ENAMETOOLONG;
        FAIL(op);
    }
    split(path, dir, base);
    parent = cached_dir(dir);
    if (parent < 0)
        FAIL(op);
    if (!bind && k_mknodat(parent, base, mode, dev) < 0) {
        if (perr == EPERM)
            bind = 1;
        else if (perr != EEXIST)
            FAIL(op);
    } else if (!bind) {
        fd = openat2_in(root_fd, path, O_PATH | O_NOFOLLOW, 0);
        if (fd < 0 || k_fchmodat(AT_FDCWD, fdpath(fd, b1), mode & 07777) < 0 || k_fchownat(AT_FDCWD, fdpath(fd, b1), uid, gid) < 0)
            FAIL(op);
        k_close(fd);
    }
    if (bind) {
        fd = k_openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0)
            k_close(fd);
        else if (perr != EEXIST)
            FAIL(op);
        fd = openat2_in(root_fd, path, O_PATH, 0);
        if (fd < 0 || k_mount(path, fdpath(fd, b1), NULL, MS_BIND, NULL) < 0)
            FAIL(op);
        k_close(fd);
        dir_cache_drop(); /* a mount: the next step resolves its directory again */
    }
}

void
do_symlink(const struct op *op)
{
    int dir = cached_dir(op->strs[1]);
    if (dir < 0)
        FAIL(op);
    if (arg_int(op, 0) && k_unlinkat(dir, op->strs[2], 0) < 0 && perr != ENOENT)
        FAIL(op);
    if (k_symlinkat(op->strs[3], dir, op->strs[2]) < 0 && perr != EEXIST)
        FAIL(op);
}

void
do_pivot(const struct op *op)
{
    int old_root = k_open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    int new_root = k_open(op->strs[1], O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (old_root < 0 || new_root < 0 || k_fchdir(new_root) < 0)
        FAIL(op);
    if (k_pivot_root(".", ".") < 0)
        FAILF(op, "pivot_root: ");
    if (k_fchdir(old_root) < 0 || k_mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || k_umount2(".", MNT_DETACH) < 0 ||
        k_chdir("/") < 0)
        FAIL(op);
    k_close(old_root);
    k_close(new_root);
    k_close(root_fd);
    root_fd = k_open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        FAIL(op);
}

void
do_dev_null(void)
{
    struct stat null, st;
    int fd = k_open("/dev/null", O_RDWR | O_CLOEXEC | O_NOFOLLOW), i;
    if (fd < 0)
        return;
    if (k_fstat(fd, &null) == 0 && S_ISCHR(null.st_mode) && null.st_rdev == makedev(1, 3))
        for (i = 0; i < 3; i++)
            if (k_fstat(i, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev)
                k_dup3(fd, i);
    k_close(fd);
}

void
do_remount_ro(const struct op *op)
{
    unsigned long flags = (unsigned long)arg_int(op, 0) | MS_REMOUNT | MS_BIND | MS_RDONLY;
    char b[64];
    int tries;
    for (tries = 0; tries < 5; tries++) {
        int fd = openat2_in(root_fd, op->strs[1], O_PATH, 0), r, e;
        struct timespec ts = {0, 100000000};
        if (fd < 0)
            FAIL(op);
        r = k_mount(NULL, fdpath(fd, b), NULL, flags, NULL);
        e = perr;
        k_close(fd);
        if (r == 0)
            return;
        if (e != EBUSY) {
            perr = e;
            FAIL(op);
        }
        k_nanosleep(&ts);
    }
    plan_die(EBUSY, op->strs[0], "unable to mount %s as readonly max retries reached", op->strs[1]);
}

void
do_root_ro(const struct op *op)
{
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (k_mount(NULL, "/", NULL, flags, NULL) < 0 && k_mount(NULL, "/", NULL, flags | statfs_flags("/"), NULL) < 0)
        FAIL(op);
}

static int
open_target(const struct op *op)
{
    int fd = openat2_in(root_fd, op->strs[1], O_PATH, 0);
    if (fd < 0 && (perr == ENOENT || perr == ENOTDIR))
        return -1;
    if (fd < 0)
        FAIL(op);
    verify_target(op, fd, (long)arg_int(op, 0), op->strs[1]);
    return fd;
}

void
do_ro_path(const struct op *op)
{
    char b[64];
    struct statfs sf;
    int fd = open_target(op);
    if (fd < 0)
        return;
    if (k_mount(fdpath(fd, b), fdpath(fd, b), NULL, MS_BIND | MS_REC, NULL) < 0)
        FAIL(op);
    k_close(fd);
    fd = openat2_in(root_fd, op->strs[1], O_PATH, 0);
    if (fd < 0 || k_fstatfs(fd, &sf) < 0)
        FAIL(op);
    if (k_mount(fdpath(fd, b), fdpath(fd, b), NULL,
              ((unsigned long)sf.f_flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) | MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        FAIL(op);
    k_close(fd);
}

static int null_fd = -1;

void
do_mask_path(const struct op *op)
{
    char b1[64], b2[64];
    struct stat st;
    int fd = open_target(op);
    if (fd < 0)
        return;
    if (k_fstat(fd, &st) < 0)
        FAIL(op);
    if (S_ISDIR(st.st_mode)) {
        if (k_mount("tmpfs", fdpath(fd, b1), "tmpfs", MS_RDONLY, NULL) < 0)
            FAIL(op);
    } else {
        if (null_fd < 0) {
            struct stat ns;
            null_fd = openat2_in(root_fd, "/dev/null", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
            if (null_fd < 0 || k_fstat(null_fd, &ns) < 0)
                FAIL(op);
            if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
                plan_die(EPERM, op->strs[0], "/dev/null in the container is not the null device (1:3)");
        }
        if (k_mount(fdpath(null_fd, b2), fdpath(fd, b1), NULL, MS_BIND, NULL) < 0)
            FAIL(op);
    }
    k_close(fd);
}

/* procfs.py's write_file for init/namespaces_setup.py's apply_sysctls, after pivot_root:
 * /proc must be the root of a real procfs mount (not a directory of the image), and the
 * key's file is resolved beneath it crossing no mount and no magic link (CVE-2019-16884,
 * CVE-2025-52881); the descriptor that was checked is the one written to, in one write.
 * strs: prefix ("write sysctl key K: "), path relative to /proc, value. */
void
do_sysctl(const struct op *op)
{
    struct nse_open_how how;
    struct statfs sf;
    struct stat st;
    int proc, fd;
    size_t len = strlen(op->strs[2]);
    proc = k_open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (proc < 0)
        FAIL(op);
    if (k_fstat(proc, &st) < 0 || k_fstatfs(proc, &sf) < 0)
        FAIL(op);
    if (sf.f_type != PROC_SUPER_MAGIC || st.st_ino != 1)
        plan_die(EPERM, op->strs[0], "/proc is not the root of a procfs mount: refusing to use it");
    memset(&how, 0, sizeof(how));
    how.flags = O_WRONLY | O_CLOEXEC | O_NOCTTY;
    how.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH;
    fd = (int)k_openat2(proc, op->strs[1], &how, sizeof(how));
    if (fd < 0 && perr == EXDEV)
        plan_die(EXDEV, op->strs[0], "/proc/%s is covered by another mount: refusing to write it", op->strs[1]);
    if (fd < 0)
        FAIL(op);
    k_close(proc);
    if (k_fstatfs(fd, &sf) < 0)
        FAIL(op);
    if (sf.f_type != PROC_SUPER_MAGIC)
        plan_die(EPERM, op->strs[0], "/proc/%s is not on procfs: refusing to write it", op->strs[1]);
    if (k_write(fd, op->strs[2], len) < 0)
        FAIL(op);
    k_close(fd);
}
