/* Arguments, environment, stdout/stderr and the exit status. */
#include <stdlib.h>
#include "check.h"

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    __wasi_size_t count, size;
    RAW(__wasi_args_sizes_get(&count, &size));
    printf("args: %u strings, %u bytes\n", (unsigned)count, (unsigned)size);
    RAW(__wasi_environ_sizes_get(&count, &size));
    printf("environ: %u strings, %u bytes\n", (unsigned)count, (unsigned)size);
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    fprintf(stderr, "a line on stderr\n");
    fflush(stdout);
    for (int i = 0; i < 3; i++)
        fprintf(stderr, "stderr %d\n", i);
    return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
