/*
 * `pyrunc state ID` without an interpreter. Engines ask for a container's state far more
 * often than for anything else (CRI-O at every status update), and the answer is runc's
 * containerState JSON, fixed at create but for the pid and the status. Create renders it
 * around those two into state.native (native_state.py, the format there); this prints it
 * with them filled in, each found as the Python CLI finds it (Container.status):
 *     stopped   the init is gone, a zombie, or its PID was recycled (then the pid is 0)
 *     created   the exec FIFO is there
 *     paused    the freezer file reads what it reads when frozen
 *     running   otherwise
 * Everything else goes to the Python CLI before anything is printed: no facts or a
 * half-written file, a state.json that is not the one they were made from (an update
 * rewrote it), a form this does not parse, stdout refusing the first write.
 */
#include "front.h"

#ifdef FREESTANDING
#define SIGPIPE 13
#else
#include <signal.h>
#endif
#define STATE_FACTS_MAX (256 * 1024)

struct kernel_statx { /* struct statx (256 bytes): the kernel's layout on every architecture */
	unsigned int mask, blksize;
	unsigned long long attributes;
	unsigned int nlink, uid, gid;
	unsigned short mode, spare0;
	unsigned long long ino, size, blocks, attributes_mask;
	struct { long long sec; unsigned int nsec; int reserved; } atime, btime, ctime, mtime;
	unsigned long long rest[16]; /* to its 256 bytes */
};
_Static_assert(sizeof(struct kernel_statx) == 256, "the kernel writes all of struct statx");
#define STATX_MTIME 0x40U
#define STATX_SIZE 0x200U

static char facts[STATE_FACTS_MAX], out[STATE_FACTS_MAX + 64];

/* the text up to stop at *s (NUL-terminated in place), moving *s past stop; NULL if none */
static char *field(char **s, char stop)
{
	char *start = *s, *c = *s;

	while (*c && *c != stop && *c != '\n')
		c++;
	if (*c != stop)
		return NULL;
	*c = 0;
	*s = c + 1;
	return start;
}

/* state.json as the facts were written from it: the same mtime and size */
static int same_state_file(long dir, long mtime_ns, long size)
{
	struct kernel_statx st;

	if (sys6(NR_statx, dir, (long)STATE_FILE, 0, STATX_MTIME | STATX_SIZE, (long)&st, 0) != 0)
		return 0;
	return (long)st.size == size && st.mtime.sec * 1000000000L + st.mtime.nsec == mtime_ns;
}

static int exists(long dir, const char *name)
{
	long fd = sys6(NR_openat, dir, (long)name, O_PATH | O_CLOEXEC, 0, 0, 0);

	if (fd < 0)
		return 0;
	sys(NR_close, fd, 0, 0);
	return 1;
}

/* the freezer's word (SavedCgroupView.get_freezer_state): the file's text, stripped, is the frozen one */
static int frozen(const char *file, const char *frozen_text)
{
	char buf[64];
	long n;

	if (!file[0] || (n = read_file(file, buf, sizeof(buf))) <= 0)
		return 0; /* no freezer, or unreadable: not paused */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = 0;
	return same(buf, frozen_text);
}

static void ignore_sigpipe(void)
{
#ifdef FREESTANDING
	/* the kernel's struct sigaction on x86_64 and aarch64; SIG_IGN needs no restorer */
	struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } ignore = {(void *)1, 0, 0, 0};
	sys6(NR_rt_sigaction, SIGPIPE, (long)&ignore, 0, 8, 0, 0);
#else
	signal(SIGPIPE, SIG_IGN);
#endif
}

static unsigned long put(char *dst, unsigned long at, const char *src, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		dst[at + i] = src[i];
	return at + len;
}

int native_state(long rootfd, const char *id)
{
	const char *status, *mid = ",\n  \"status\": \"";
	char digits[24], *p = facts, *file, *frozen_text;
	long dir, pid, start, got, n, i = 0;
	long mtime_ns, size, head, tail;
	unsigned long len;

	dir = sys6(NR_openat, rootfd, (long)id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return -1;
	got = read_locked((int)dir, NATIVE_STATE, facts, sizeof(facts));
	if (got < 0 || parse_init((const char **)&p, &pid, &start) != 0 ||
	    (mtime_ns = number((const char **)&p)) < 0 || *p++ != ' ' || (size = number((const char **)&p)) < 0 ||
	    *p++ != '\n' || !(file = field(&p, '\t')) || !(frozen_text = field(&p, '\n')) ||
	    (head = number((const char **)&p)) < 0 || *p++ != ' ' || (tail = number((const char **)&p)) < 0 ||
	    *p++ != '\n' || head + tail != got - (p - facts) || !same_state_file(dir, mtime_ns, size)) {
		sys(NR_close, dir, 0, 0);
		return -1;
	}
	if (!same_init(pid, start)) {
		status = "stopped";
		pid = 0;
	} else if (exists(dir, EXEC_FIFO)) {
		status = "created";
	} else if (frozen(file, frozen_text)) {
		status = "paused";
	} else {
		status = "running";
	}
	sys(NR_close, dir, 0, 0);
	do
		digits[i++] = (char)('0' + pid % 10);
	while ((pid /= 10) && i < 20);
	len = put(out, 0, p, (unsigned long)head);
	while (i)
		out[len++] = digits[--i];
	len = put(out, len, mid, slen(mid));
	len = put(out, len, status, slen(status));
	out[len++] = '"';
	len = put(out, len, p + head, (unsigned long)tail);
	ignore_sigpipe(); /* a closed pipe is an error to report, as the Python CLI reports it */
	n = sys(NR_write, 1, out, len);
	if (n <= 0)
		return -1; /* nothing written: the Python CLI meets the same and says so */
	for (unsigned long done = (unsigned long)n; done < len; done += (unsigned long)n)
		if ((n = sys(NR_write, 1, out + done, len - done)) <= 0)
			leave(1);
	return 0;
}
