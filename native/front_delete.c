/*
 * `pyrunc delete [-f]` without an interpreter, for the containers whose removal is all
 * runc's delete does: the init killed if it runs, the cgroups removed, the state directory
 * removed. Why: with `start` native, a container's delete was the second of only two
 * interpreter starts an engine pays per container (~12-14 ms here, where runc's whole
 * delete takes ~8 and crun's ~6).
 *
 * Create decides which containers qualify (container.py's _native_delete_facts: no hooks,
 * a cgroup backend whose removal is this (CgroupManager.native_removal: cgroupfs and fs2,
 * for cgroups of their own), a PID namespace of its own, so that the init's death ends
 * every process in it) and writes delete.native:
 *     PID STARTTIME\n        the init, as in start.native
 *     FILE\tVALUE\n          the freezer file, and what it reads when not paused
 *     PATH\n ...             the cgroup directories to remove
 * Everything else goes to the Python CLI before anything is done: no facts, a state
 * directory holding anything but plain files, a paused container, a running one without
 * --force (runc's refusal is the Python CLI's to word). Once it has acted (killed, removed
 * some), a failure still hands over: the Python CLI's delete redoes what is left, or reports
 * the error (a cgroup that stays busy), exactly as its own first attempt would have.
 *
 * The steps and their order are the Python CLI's (cli/kill_delete.py, Container.destroy,
 * the cgroupfs manager's destroy, cgroups/fs.py's rmdir_tree): SIGKILL through a pidfd, a
 * wait of up to 10 s for the init to exit, each cgroup removed children first with EBUSY
 * retried for up to 5 s (10 ms, doubling, at most 200 ms), state.json removed last.
 */
#include "front.h"

#define SIGKILL 9
#define DT_FIFO 1
#define DT_DIR 4
#define DT_REG 8
#define KILL_TIMEOUT_MS 10000
#define RMDIR_TIMEOUT_NS 5000000000L
#define MAX_CGROUPS 32
#define MAX_DEPTH 16

struct dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static long now_ns(void)
{
	struct { long sec, nsec; } t;
	sys(NR_clock_gettime, CLOCK_MONOTONIC, &t, 0);
	return t.sec * 1000000000L + t.nsec;
}

static void pause_ns(long ns)
{
	struct { long sec, nsec; } t = {ns / 1000000000L, ns % 1000000000L};
	sys(NR_nanosleep, &t, 0, 0);
}

static int is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* Calls fn on each entry of dir but "." and ".." (from the start) until it returns 0:
 * 1 when it never did and the whole directory was read. */
static int each_entry(long dir, int (*fn)(long dir, struct dirent64 *d, void *ctx), void *ctx)
{
	char buf[2048];
	long n, off;

	sys6(NR_lseek, dir, 0, 0, 0, 0, 0);
	while ((n = sys(NR_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->d_reclen;
			if (!is_dot(d->d_name) && !fn(dir, d, ctx))
				return 0;
		}
	}
	return n == 0;
}

struct tree {
	char *path; /* MAX_PATH bytes, holding len of them: extended and cut back for children */
	unsigned long len;
	long deadline;
	int depth;
};

static int rmdir_tree(struct tree *t);

static int rmdir_child(long dir, struct dirent64 *d, void *ctx)
{
	struct tree *t = ctx, child = *t;
	int ok;

	(void)dir;
	if (d->d_type != DT_DIR)
		return 1;
	child.len = t->len + 1 + slen(d->d_name);
	child.depth = t->depth + 1;
	ok = join(t->path + t->len, MAX_PATH - t->len, "", 0, "/", d->d_name) && rmdir_tree(&child) == 0;
	t->path[t->len] = 0;
	return ok;
}

/* cgroups/fs.py's rmdir_tree: the path and the cgroups nested in it, children first. */
static int rmdir_tree(struct tree *t)
{
	long r, fd, delay = 10000000L;
	int ok;

	r = sys(NR_unlinkat, AT_FDCWD, t->path, AT_REMOVEDIR);
	if (r == 0 || r == -ENOENT)
		return 0;
	if ((r != -EBUSY && r != -ENOTEMPTY) || t->depth >= MAX_DEPTH)
		return -1;
	fd = sys6(NR_openat, AT_FDCWD, (long)t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return -1;
	ok = each_entry(fd, rmdir_child, t);
	sys(NR_close, fd, 0, 0);
	if (!ok)
		return -1;
	for (;;) {
		r = sys(NR_unlinkat, AT_FDCWD, t->path, AT_REMOVEDIR);
		if (r == 0 || r == -ENOENT)
			return 0;
		if (r != -EBUSY || now_ns() > t->deadline)
			return -1;
		pause_ns(delay);
		delay = delay * 2 > 200000000L ? 200000000L : delay * 2;
	}
}

/* Only plain files (state.json, the lock, the facts, the FIFO): what _remove_state_dir
 * unlinks without shutil. */
static int plain_file(long dir, struct dirent64 *d, void *ctx)
{
	(void)dir, (void)ctx;
	return d->d_type == DT_REG || d->d_type == DT_FIFO;
}

static int unlink_but_state(long dir, struct dirent64 *d, void *ctx)
{
	(void)ctx;
	if (!same(d->d_name, STATE_FILE))
		sys(NR_unlinkat, dir, d->d_name, 0);
	return 1;
}

/* Container._remove_state_dir: every file, state.json last (until then `pyrunc state`
 * still finds the container), then the directory. Best effort, as there. */
static void remove_state_dir(long rootfd, const char *id, long dir)
{
	each_entry(dir, unlink_but_state, NULL);
	sys(NR_unlinkat, dir, STATE_FILE, 0);
	sys(NR_unlinkat, rootfd, id, AT_REMOVEDIR);
}

/* The backend's freezer file reads what it reads when the container is not paused (v1's
 * freezer.state THAWED, v2's cgroup.freeze 0: CgroupManager.native_removal). */
static int thawed(const char *file, const char *value)
{
	char buf[32], want[32];

	return join(want, sizeof(want), "", 0, value, "\n") && read_file(file, buf, sizeof(buf)) > 0 &&
	       same(buf, want);
}

/* The next line of the facts, NUL-terminated in place: an absolute path, with a tab and a
 * value after it when value is not NULL (then pointed at); NULL at the end or on a bad line. */
static char *next_line(char **p, char **value)
{
	char *line = *p, *end = line, *tab = NULL;

	while (*end && *end != '\n') {
		if (*end == '\t') {
			if (tab || !value)
				return NULL;
			tab = end;
		}
		end++;
	}
	if (*end != '\n' || line[0] != '/' || (value && (!tab || tab + 1 == end)))
		return NULL;
	*end = 0;
	if (value) {
		*tab = 0;
		*value = tab + 1;
	}
	*p = end + 1;
	return line;
}

int native_delete(long rootfd, const char *id, int force)
{
	char facts[8192], path[MAX_PATH], *p, *freezer, *unpaused = NULL, *cgroups[MAX_CGROUPS];
	const char *q = facts;
	long dir, fd, pidfd, pid, start, deadline;
	int ncg = 0, alive = 0, done = -1, i;
	short ev, unused;

	dir = sys6(NR_openat, rootfd, (long)id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return -1;
	if (read_locked((int)dir, NATIVE_DELETE, facts, sizeof(facts)) < 0 || parse_init(&q, &pid, &start) != 0)
		goto out;
	p = facts + (q - facts);
	freezer = next_line(&p, &unpaused);
	while (freezer && *p && ncg < MAX_CGROUPS && (cgroups[ncg] = next_line(&p, NULL)))
		ncg++;
	if (!freezer || !ncg || *p || !each_entry(dir, plain_file, NULL))
		goto out; /* facts this program does not know to the end, or a directory to remove */
	fd = sys6(NR_openat, dir, (long)STATE_FILE, O_PATH | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		goto out; /* a create that failed half-way: the Python CLI's words for it */
	sys(NR_close, fd, 0, 0);

	pidfd = sys(NR_pidfd_open, pid, 0, 0);
	if (pidfd < 0 && pidfd != -ESRCH)
		goto out;
	/* checked once the pidfd is held: the process it names cannot be replaced any more */
	alive = pidfd >= 0 && same_init(pid, start);
	if (alive) {
		long fifo = sys6(NR_openat, dir, (long)EXEC_FIFO, O_PATH | O_CLOEXEC, 0, 0, 0);
		int created = fifo >= 0;

		if (created)
			sys(NR_close, fifo, 0, 0);
		/* running (not created) and not --force: runc refuses; paused: the Python CLI thaws */
		if (!created && (!force || !thawed(freezer, unpaused))) {
			sys(NR_close, pidfd, 0, 0);
			goto out;
		}
		if (sys6(NR_pidfd_send_signal, pidfd, SIGKILL, 0, 0, 0, 0) != 0 ||
		    wait_input(pidfd, -1, KILL_TIMEOUT_MS, &ev, &unused) <= 0) {
			sys(NR_close, pidfd, 0, 0);
			goto out; /* it did not die: the Python CLI's wait says so */
		}
	}
	if (pidfd >= 0)
		sys(NR_close, pidfd, 0, 0);
	deadline = now_ns() + RMDIR_TIMEOUT_NS;
	for (i = 0; i < ncg; i++) {
		struct tree t = {path, slen(cgroups[i]), deadline, 0};

		if (!join(path, sizeof(path), "", 0, cgroups[i], "") || rmdir_tree(&t) != 0)
			goto out; /* the Python CLI tries again and reports what stays */
	}
	remove_state_dir(rootfd, id, dir);
	done = 0;
out:
	sys(NR_close, dir, 0, 0);
	return done;
}
