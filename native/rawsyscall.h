/*
 * rawsyscall.h -- a system call without libc: no errno, no thread-local state touched.
 *
 * Shared by the native finisher (finish.c, built without any libc) and the native init
 * (initplan_sys.h, which may run in the runtime's own memory). Defines RAW_SYSCALL to 1
 * and raw_syscall6() on the architectures it knows (x86_64, aarch64), else RAW_SYSCALL 0.
 * Returns the kernel's value: a negative errno on failure.
 */
#ifndef LIBCONTAINER_RAWSYSCALL_H
#define LIBCONTAINER_RAWSYSCALL_H

#if defined(__x86_64__)
#define RAW_SYSCALL 1
static inline long
raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
#define RAW_SYSCALL 1
static inline long
raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#else
#define RAW_SYSCALL 0
#endif

#endif /* LIBCONTAINER_RAWSYSCALL_H */
