/* Shared by the WASI test programs: print what a call returned, so that the
 * output of one program under wasmfuzz and under Wasmtime can be compared
 * line by line. errno values in wasi-libc are WASI's own numbers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* A libc call returning -1 and setting errno on failure. */
#define LIBC(expr) do { errno = 0; long r_ = (long)(expr); \
    printf("%-40s = %ld errno=%d\n", #expr, r_, r_ < 0 ? errno : 0); } while (0)

/* A raw WASI call returning an errno. */
#define RAW(expr) printf("%-40s -> errno %d\n", #expr, (int)(expr))
