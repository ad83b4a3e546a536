/*
 * front_exec.c -- a plain `pyrunc exec ID PROGRAM [ARG...]` without Python, in pyrunc-exec
 * (the front built with libc and the plan's steps, initplan*.c).
 *
 * Why: an exec is a few system calls (join the namespaces and the cgroups, set up the
 * process, execve), yet in Python it costs an interpreter's start and ~8 ms of imports:
 * more than runc's whole exec. Create compiled every step a plain exec takes
 * (libcontainer/native_exec.py writes them to exec.native), and recorded what they were
 * built from; this file checks that all of it still holds -- the init create recorded, not
 * paused, the bundle's config.json and the container's user files byte for byte -- then
 * does what exec_process.py does on its one-fork way: enter the init's PID namespace for
 * its child, fork, and let the child walk the plan (the namespaces' descriptors, the
 * cgroups' tasks files, "go", setsid, the steps, the execve); then forward signals and
 * exit with the process's status, as cli/exec_cmd.py does.
 *
 * Anything that does not hold hands the exec to the Python CLI before a process exists;
 * so does a failure the child reports before its execve (then it has left nothing but
 * what the Python exec does again, a missing working directory made): the Python CLI runs
 * it again and reports the error in its own words.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "front.h"
#include "initplan.h"

#include <sys/wait.h>

static char facts[EXEC_FACTS_MAX + 1];

/* A section of exec.native: "NAME LEN[ ARG]\n" + LEN bytes + "\n" (native_exec.py). */
struct section {
	const char *name, *arg, *data;
	size_t nlen, alen;
	long len; /* -1: no bytes */
};

/* The section at *p: 1, 0 at the end, -1 when malformed. */
static int next_section(const char **p, const char *end, struct section *s)
{
	const char *q = *p, *nl, *sp, *e;

	if (q >= end)
		return 0;
	nl = memchr(q, '\n', (size_t)(end - q));
	sp = nl ? memchr(q, ' ', (size_t)(nl - q)) : NULL;
	if (!sp)
		return -1;
	s->name = q;
	s->nlen = (size_t)(sp - q);
	e = sp + 1;
	if (e[0] == '-' && e[1] == '1') {
		s->len = -1;
		e += 2;
	} else if ((s->len = number(&e)) < 0) {
		return -1;
	}
	if (*e == ' ') {
		s->arg = e + 1;
		s->alen = (size_t)(nl - s->arg);
	} else if (e == nl) {
		s->arg = NULL;
		s->alen = 0;
	} else {
		return -1;
	}
	s->data = nl + 1;
	if (s->len < 0) {
		*p = s->data;
		return 1;
	}
	if (end - s->data < s->len + 1 || s->data[s->len] != '\n')
		return -1;
	*p = s->data + s->len + 1;
	return 1;
}

static int named(const struct section *s, const char *name)
{
	return s->nlen == strlen(name) && memcmp(s->name, name, s->nlen) == 0;
}

/* a section's argument (or bytes), NUL-terminated in buf; 0 when it does not fit */
static int copy(char *buf, size_t size, const char *text, size_t len)
{
	if (len >= size || memchr(text, 0, len))
		return 0;
	memcpy(buf, text, len);
	buf[len] = 0;
	return 1;
}

/* Whether the file open at fd holds exactly these bytes. */
static int holds(int fd, const char *want, long len)
{
	char buf[65536];
	long at = 0, n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (at + n > len || memcmp(buf, want + at, (size_t)n) != 0)
			return 0;
		at += n;
	}
	return n == 0 && at == len;
}

/* A "file" (a host path) or "root" (a path in the container, as plan.user_files opens it)
 * section: still the bytes create saw, or still missing. */
static int unchanged(const struct section *s, int root)
{
	char path[MAX_PATH];
	const char *rel;
	int fd, ok;

	if (!copy(path, sizeof(path), s->arg ? s->arg : "", s->alen) || path[0] != '/')
		return 0;
	if (root < 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} else {
		struct nse_open_how how = {O_RDONLY | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
		for (rel = path; *rel == '/'; rel++)
			;
		fd = k_openat2(root, *rel ? rel : ".", &how, sizeof(how));
		if (fd < 0)
			errno = perr;
	}
	if (fd < 0)
		return s->len < 0 && errno == ENOENT;
	ok = s->len >= 0 && holds(fd, s->data, s->len);
	close(fd);
	return ok;
}

/* userns.running_in_user_ns() is False: the initial user namespace's identity map */
static int initial_userns(void)
{
	char buf[128];
	long a, b, c;
	const char *p = buf;

	if (read_file("/proc/self/uid_map", buf, sizeof(buf)) <= 0)
		return 0;
	while (*p == ' ')
		p++;
	a = number(&p);
	while (*p == ' ')
		p++;
	b = number(&p);
	while (*p == ' ')
		p++;
	c = number(&p);
	return a == 0 && b == 0 && c == 4294967295L;
}

/* ---- the plan ----------------------------------------------------------------------- */

struct plan {
	unsigned char *buf;
	size_t len, cap;
};

static int put(struct plan *p, const void *data, size_t n)
{
	if (p->len + n > p->cap)
		return 0;
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	return 1;
}

static int put_head(struct plan *p, uint32_t code, uint16_t nints, uint16_t nstrs)
{
	return put(p, &code, 4) && put(p, &nints, 2) && put(p, &nstrs, 2);
}

static int put_int(struct plan *p, int64_t v)
{
	return put(p, &v, 8);
}

static int put_str(struct plan *p, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	return put(p, &n, 4) && put(p, s, n + 1);
}

/* plan.py's Plan.add with ints and one string, the error prefix */
static int put_op(struct plan *p, uint32_t code, const int64_t *ints, int nints, const char *prefix)
{
	int ok = put_head(p, code, (uint16_t)nints, 1);
	for (int i = 0; ok && i < nints; i++)
		ok = put_int(p, ints[i]);
	return ok && put_str(p, prefix);
}

/* The number of encoded strings (u32 length, bytes, NUL) in [d, d + len); -1 if malformed. */
static long count_strings(const char *d, long len)
{
	long n = 0, at = 0;
	uint32_t l;

	while (at < len) {
		if (len - at < 4)
			return -1;
		memcpy(&l, d + at, 4);
		if ((uint64_t)len - (uint64_t)at - 4 < (uint64_t)l + 1 || d[at + 4 + l] != 0)
			return -1;
		at += 4 + (long)l + 1;
		n++;
	}
	return n;
}

/* ---- the exec ----------------------------------------------------------------------- */

#define MAX_JOIN 64

struct exec {
	long pid, start, pdeathsig;
	int pidfd, root, own_pidns, target_pidns;
	int ns_fds[16], ns_flags[16], nns;
	char ns_names[16][16];
	int join_fds[MAX_JOIN], njoin;
	const struct section *steps, *env;
};

static void close_all(struct exec *x)
{
	int i;
	for (i = 0; i < x->nns; i++)
		close(x->ns_fds[i]);
	for (i = 0; i < x->njoin; i++)
		close(x->join_fds[i]);
	x->nns = x->njoin = 0;
	if (x->root >= 0)
		close(x->root);
	if (x->target_pidns >= 0)
		close(x->target_pidns);
	if (x->own_pidns >= 0)
		close(x->own_pidns);
	x->root = x->target_pidns = x->own_pidns = -1;
}

/* The "ns" section: a descriptor of each namespace of the init that is not already ours
 * (compile_exec's, in the same order); the PID namespace is the front's own to enter. */
static int open_namespaces(struct exec *x, const struct section *s)
{
	const char *p = s->data, *end = s->data + s->len;

	while (p < end) {
		char name[16], path[64], mine[64], a[128], b[128];
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp, *q;
		long flag, la, lb;
		if (!nl || !(sp = memchr(p, ' ', (size_t)(nl - p))) || !copy(name, sizeof(name), p, (size_t)(sp - p)))
			return -1;
		q = sp + 1;
		flag = number(&q);
		if (flag <= 0 || q != nl)
			return -1;
		p = nl + 1;
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", x->pid, name);
		if (strcmp(name, "pid") == 0) {
			if (geteuid() != 0 || !initial_userns())
				return -1; /* exec_process.py's two-step way: the Python CLI's */
			x->target_pidns = open(path, O_RDONLY | O_CLOEXEC);
			x->own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
			if (x->target_pidns < 0 || x->own_pidns < 0)
				return -1;
			continue;
		}
		snprintf(mine, sizeof(mine), "/proc/self/ns/%s", name);
		la = readlink(path, a, sizeof(a));
		lb = readlink(mine, b, sizeof(b));
		if (la <= 0 || lb <= 0 || la >= (long)sizeof(a))
			return -1;
		if (la == lb && memcmp(a, b, (size_t)la) == 0)
			continue; /* the container shares ours: nothing to join */
		if (x->nns == 16)
			return -1;
		x->ns_fds[x->nns] = open(path, O_RDONLY | O_CLOEXEC);
		if (x->ns_fds[x->nns] < 0)
			return -1;
		x->ns_flags[x->nns] = (int)flag;
		memcpy(x->ns_names[x->nns], name, sizeof(name));
		x->nns++;
	}
	return 0;
}

/* The "join" section: the tasks files the process writes "0" to (init/cgroupjoin.py). */
static int open_cgroups(struct exec *x, const struct section *s)
{
	const char *p = s->data, *end = s->data + s->len;

	while (p < end) {
		char path[MAX_PATH];
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || x->njoin == MAX_JOIN || !copy(path, sizeof(path), p, (size_t)(nl - p)) || path[0] != '/')
			return -1;
		p = nl + 1;
		x->join_fds[x->njoin] = open(path, O_WRONLY | O_CLOEXEC);
		if (x->join_fds[x->njoin] < 0)
			return -1;
		x->njoin++;
	}
	return 0;
}

/* compile_exec's plan: its prologue, the steps create compiled, the EXEC step with these args */
static int build_plan(struct plan *p, const struct exec *x, char **program, int nargs)
{
	long nenv = count_strings(x->env->data, x->env->len);
	int64_t ints[MAX_JOIN];
	char prefix[96];
	int i;

	if (nenv < 0 || 1 + nargs + nenv > MAX_STRS)
		return -1;
	p->cap = 4096 + (size_t)x->steps->len + (size_t)x->env->len;
	for (i = 0; i < nargs; i++)
		p->cap += strlen(program[i]) + 5;
	p->len = 0;
	p->buf = malloc(p->cap);
	if (!p->buf)
		return -1;
	ints[0] = PR_SET_DUMPABLE;
	ints[1] = 0;
	if (!put_op(p, P_PRCTL, ints, 2, "prctl: "))
		return -1;
	for (i = 0; i < x->nns; i++) {
		ints[0] = x->ns_fds[i];
		ints[1] = x->ns_flags[i];
		snprintf(prefix, sizeof(prefix), "joining the container's %s namespace: ", x->ns_names[i]);
		if (!put_op(p, P_SETNS, ints, 2, prefix))
			return -1;
	}
	for (i = 0; i < x->njoin; i++)
		ints[i] = x->join_fds[i];
	if (x->njoin && !put_op(p, P_JOIN_FDS, ints, x->njoin, "joining the container's cgroups: "))
		return -1;
	if (!put_head(p, P_EXPECT, 0, 2) || !put_str(p, "") || !put_str(p, "go"))
		return -1;
	if (!put_op(p, P_SETSID, NULL, 0, "") || !put(p, x->steps->data, (size_t)x->steps->len))
		return -1;
	/* the EXEC step: no FIFO, no finisher, the parent-death signal, getppid() 0, no "ready" */
	if (!put_head(p, P_EXEC, 6, (uint16_t)(1 + nargs + nenv)))
		return -1;
	ints[0] = ints[1] = -1;
	ints[2] = x->pdeathsig;
	ints[3] = 0;
	ints[4] = nargs;
	ints[5] = 0;
	for (i = 0; i < 6; i++)
		if (!put_int(p, ints[i]))
			return -1;
	if (!put_str(p, ""))
		return -1;
	for (i = 0; i < nargs; i++)
		if (!put_str(p, program[i]))
			return -1;
	return put(p, x->env->data, (size_t)x->env->len) ? 0 : -1;
}

/* cli/common.forward_signals's set: the signals Python names, but SIGCHLD, SIGURG,
 * SIGWINCH, SIGKILL and SIGSTOP */
static void forwarded(sigset_t *set)
{
	sigemptyset(set);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGCHLD && sig != SIGURG && sig != SIGWINCH && sig != SIGKILL && sig != SIGSTOP)
			sigaddset(set, sig);
	sigaddset(set, 34); /* SIGRTMIN and SIGRTMAX as glibc numbers them */
	sigaddset(set, 64);
}

/* The child's report before its execve, if any: 0 when it exec'd (end-of-file, which its
 * death before execve gives too, as the Python exec sees it), -1 on a message. */
static int started(int fd)
{
	char buf[512];
	ssize_t n;
	int said = 0;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		said = 1;
	}
	return said ? -1 : 0;
}

static int wait_for(pid_t child, const sigset_t *forward)
{
	sigset_t waiting = *forward;
	int status;

	sigaddset(&waiting, SIGCHLD);
	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);
		int sig;
		if (r == child)
			break;
		if (r < 0 && errno != EINTR)
			return 255;
		sig = sigwaitinfo(&waiting, NULL);
		if (sig > 0 && sig != SIGCHLD)
			kill(child, sig); /* gone already: nothing to tell */
	}
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int run(struct exec *x, char **program, int nargs)
{
	struct plan plan = {0};
	sigset_t all, saved, forward, parent_mask;
	int sv[2];
	pid_t child;
	static const char go[] = "{\"type\": \"go\"}\n";

	if (build_plan(&plan, x, program, nargs) != 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(plan.buf);
		return -1;
	}
	forwarded(&forward);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	if (x->target_pidns >= 0 && setns(x->target_pidns, CLONE_NEWPID) != 0) {
		child = -1;
	} else {
		child = fork();
		if (child == 0) { /* nothing of the host's it does not need, while it joins */
			close(sv[0]);
			close(x->pidfd);
			close(x->root);
			close(x->own_pidns);
			close(x->target_pidns);
			sync_fd = sv[1];
			plan_saved_mask = saved; /* the program's signal mask: ours before */
			run_plan(plan.buf, plan.buf + plan.len);
		}
		/* our next child (a Python CLI's, if it takes over) is born in our own again */
		if (x->target_pidns >= 0 && setns(x->own_pidns, CLONE_NEWPID) != 0 && child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			child = -1;
		}
	}
	close(sv[1]);
	close_all(x);
	free(plan.buf);
	if (child > 0 && send(sv[0], go, sizeof(go) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(go) - 1 && started(sv[0]) == 0) {
		close(sv[0]);
		parent_mask = saved;
		for (int sig = 1; sig < 65; sig++)
			if (sigismember(&forward, sig) || sig == SIGCHLD)
				sigaddset(&parent_mask, sig);
		sigprocmask(SIG_SETMASK, &parent_mask, NULL); /* the others do what they did */
		leave(wait_for(child, &forward));
	}
	close(sv[0]);
	if (child > 0) { /* it said why it failed: the Python CLI runs it again, and says so */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return -1;
}

int native_exec(long rootfd, const char *id, char **program, int nargs)
{
	struct section s[16];
	struct exec x = {.pidfd = -1, .root = -1, .own_pidns = -1, .target_pidns = -1};
	static const char *const order[] = {"init", "freezer", "ns", "join", "file"};
	const char *p = facts, *end, *q;
	char path[MAX_PATH], value[64], now[64];
	int dir, n = 0, i, done = -1;
	long got;

	dir = openat((int)rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -1;
	got = read_locked(dir, NATIVE_EXEC, facts, sizeof(facts));
	close(dir);
	if (got < 0)
		return -1;
	end = facts + got;
	while (n < 16 && next_section(&p, end, &s[n]) == 1)
		n++;
	/* init, freezer, ns, join, file, root..., steps, env, end: all of it or nothing */
	if (p != end || n < 9 || !named(&s[n - 1], "end") || !named(&s[n - 2], "env") || !named(&s[n - 3], "steps"))
		return -1;
	for (i = 0; i < 5; i++)
		if (!named(&s[i], order[i]) || s[i].len < 0)
			return -1;
	for (i = 5; i < n - 3; i++)
		if (!named(&s[i], "root"))
			return -1;
	x.steps = &s[n - 3];
	x.env = &s[n - 2];
	q = x.env->arg;
	if (!q || s[n - 3].len < 0 || x.env->len < 0 || (x.pdeathsig = number(&q)) < 0 || q != x.env->arg + x.env->alen)
		return -1;
	q = s[0].data;
	if (!copy(value, sizeof(value), s[0].data, (size_t)s[0].len) || (q = value, x.pid = number(&q)) <= 0 ||
	    *q++ != ' ' || (x.start = number(&q)) < 0 || *q)
		return -1;

	/* runc's status, as the Python exec asks it: the init alive (held by a pidfd first, so
	 * that the PID cannot be recycled under us), and not paused */
	x.pidfd = (int)syscall(NR_pidfd_open, x.pid, 0);
	if (x.pidfd < 0)
		return -1;
	q = memchr(s[1].data, '\t', (size_t)s[1].len);
	if (q && same_init(x.pid, x.start) && copy(path, sizeof(path), s[1].data, (size_t)(q - s[1].data)) &&
	    copy(value, sizeof(value), q + 1, (size_t)(s[1].data + s[1].len - q - 1)) &&
	    read_file(path, now, sizeof(now)) > 0) {
		size_t l = strlen(now);
		while (l && (now[l - 1] == '\n' || now[l - 1] == ' '))
			now[--l] = 0;
		snprintf(path, sizeof(path), "/proc/%ld/root", x.pid);
		x.root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		done = strcmp(now, value) == 0 && x.root >= 0 && unchanged(&s[4], -1) ? 0 : -1;
		for (i = 5; done == 0 && i < n - 3; i++)
			done = unchanged(&s[i], x.root) ? 0 : -1;
	}
	if (done == 0 && open_namespaces(&x, &s[2]) == 0 && open_cgroups(&x, &s[3]) == 0)
		done = run(&x, program, nargs);
	else
		done = -1;
	close_all(&x);
	close(x.pidfd);
	return done;
}
