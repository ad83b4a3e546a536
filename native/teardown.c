/*
 * teardown.c -- leaving without waiting for our own memory to be freed.
 *
 * A process frees its address space on the way out before its parent is told it exited
 * (exit_mm comes before exit_notify): for the Python CLI, ~10 MB mapped and ~1,500 pages
 * touched, that is ~1 ms on this kind of VM (more where page tables are costly), spent
 * after the command's work is done and its output flushed, while the caller waits.  The
 * address space is freed by its last user, though.  So hand_off_teardown() clones a child
 * that shares it (CLONE_VM: no copy of anything), holds no descriptor of ours and no signal
 * handler of ours, and waits on a pidfd for our exit; our exit then only drops a
 * reference, the caller learns of it at once, and the child frees the memory as it exits
 * in turn (reparented, and reaped, as any orphan).
 *
 * The child runs on a stack of its own in our memory and makes raw system calls only: it
 * shares our thread-local storage, so errno and anything else of libc's are not its to
 * touch.  Every signal is blocked in it from the clone on.  When it cannot be made --
 * no pidfd (Linux < 5.3), no close_range (< 5.9), an architecture without raw system
 * calls, a process limit -- the caller exits as usual.
 */

#include "nsenter.h"
#include "rawsyscall.h"

#include <poll.h>
#include <sys/mman.h>

#define TEARDOWN_STACK (64 * 1024)

#if RAW_SYSCALL
static int
teardown_child(void *arg)
{
    long pidfd = (long)arg;
    struct pollfd exited = {.fd = (int)pidfd, .events = POLLIN};
    long r = 0;
    /* none of the caller's descriptors stays open here: a pipe of its would not reach
     * end-of-file until we exit */
    if (pidfd > 0)
        r = raw_syscall6(__NR_close_range, 0, pidfd - 1, 0, 0, 0, 0);
    if (r == 0)
        r = raw_syscall6(__NR_close_range, pidfd + 1, ~0U, 0, 0, 0, 0);
    if (r == 0) {
        do
            r = raw_syscall6(__NR_ppoll, (long)&exited, 1, 0, 0, 0, 0);
        while (r == -EINTR);
    }
    raw_syscall6(__NR_exit_group, 0, 0, 0, 0, 0, 0);
    return 0;
}
#endif

NSE_DOC(hand_off_teardown,
"hand_off_teardown()\n--\n\n"
"Leave the freeing of this process's memory to a child: it shares the\n"
"memory, holds none of our descriptors, and exits once we have exited, so\n"
"that our exit is reported without waiting for the memory to be freed.\n"
"Only for a process about to exit (the CLI, after its output is flushed).\n"
"Returns the child's pid, or None when nothing was done.");

PyObject *
nse_hand_off_teardown(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(noargs))
{
#if RAW_SYSCALL
    sigset_t all, old_mask;
    char *stack;
    pid_t pid;
    int pidfd = (int)syscall(__NR_pidfd_open, getpid(), 0);
    if (pidfd < 0)
        Py_RETURN_NONE;
    stack = mmap(NULL, TEARDOWN_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                 -1, 0);
    if (stack == MAP_FAILED) {
        close(pidfd);
        Py_RETURN_NONE;
    }
    /* blocked from the clone on: a handler of ours must never run in the child */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old_mask);
    pid = clone(teardown_child, stack + TEARDOWN_STACK, CLONE_VM | SIGCHLD, (void *)(long)pidfd);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    close(pidfd);
    if (pid < 0) {
        munmap(stack, TEARDOWN_STACK);
        Py_RETURN_NONE;
    }
    return PyLong_FromPid(pid); /* the stack stays: the child runs on it until it exits */
#else
    Py_RETURN_NONE;
#endif
}
