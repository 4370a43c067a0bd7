/* Ways a guest ends other than returning from main, chosen by argv[1]:
 * exit N, abort (a trap), oob (a wild store, a trap), recurse N (deep but
 * finite recursion, or unbounded), badptr (a WASI call handed a pointer
 * outside memory, which fails the call), exit200 (proc_exit outside the
 * range WASI allows). Output before the end must still arrive. */
#include <stdlib.h>
#include <string.h>
#include "check.h"

static int depth(int n) {
    volatile char pad[64];
    pad[0] = (char)n;
    return n == 0 ? pad[0] : depth(n - 1) + 1;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    printf("mode %s\n", mode);
    fflush(stdout);
    fprintf(stderr, "about to end\n");
    if (!strcmp(mode, "exit"))
        exit(atoi(argv[2]));
    if (!strcmp(mode, "abort"))
        abort();
    if (!strcmp(mode, "oob")) {
        volatile int *p = (int *)0xfffffff0;
        *p = 1;
    }
    if (!strcmp(mode, "recurse")) {
        printf("depth %d\n", depth(atoi(argv[2])));
        return 0;
    }
    if (!strcmp(mode, "badptr")) {
        __wasi_size_t n;
        __wasi_ciovec_t iov = {(const uint8_t *)0xffff0000, 100};
        RAW(__wasi_fd_write(1, &iov, 1, &n));
    }
    if (!strcmp(mode, "exit200"))
        __wasi_proc_exit(200);
    printf("still running\n");
    return 3;
}
