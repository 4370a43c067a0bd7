/* A fork server for wasm-tools, loaded into it with LD_PRELOAD.

   Starting the wasm-tools executable costs more than the run it is started
   for: mapping a 17 MB executable, the dynamic loader's 37,000 relocations
   and the page faults that follow are about a third of a `wasm-tools smith`
   run (3.5 ms measured from a fuzzing process; 2.3 ms through this server).
   This constructor runs once the loader is done, before the program's own
   start: it then waits for requests and forks a child for each, which
   returns from here into wasm-tools' usual start with the request's
   arguments, standard input and outputs. The parent process stays loaded.

   Only when WASMFUZZ_FORK_SERVER is set ("REQUEST_FD,RESPONSE_FD"); without
   it wasm-tools starts as usual. The server is started with many
   placeholder arguments: a child overwrites them in place with the
   request's (argc sits right before argv on the initial stack, where the
   program's start reads it) and moves the environment down behind them.

   Request: u32 length, then NUL-separated: stdin path, stdout path, stderr
   path, the arguments after the program name. Response: i32 child pid
   (-1 if fork failed), then i32 wait status. Hello: the 4 bytes "WFS1".
   The server exits when the request pipe closes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_all(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int redirect(const char *path, int flags, int to) {
    int fd = open(path, flags, 0600);
    if (fd < 0 || dup2(fd, to) < 0) return -1;
    close(fd);
    return 0;
}

/* In the child: take the request's stdin, outputs and arguments, then return
   into the program's start. */
static void become(char *msg, uint32_t len, int argc, char **argv, char **envp) {
    char *p = msg, *end = msg + len;
    const char *paths[3];
    for (int i = 0; i < 3; i++) {
        if (p >= end) _exit(125);
        paths[i] = p;
        p += strlen(p) + 1;
    }
    if (redirect(paths[0], O_RDONLY, 0) || redirect(paths[1], O_WRONLY | O_CREAT | O_TRUNC, 1)
        || redirect(paths[2], O_WRONLY | O_CREAT | O_TRUNC, 2))
        _exit(125);
    int n = 1;
    while (p < end && n < argc) {
        argv[n++] = p;
        p += strlen(p) + 1;
    }
    if (p < end) _exit(124); /* more arguments than placeholders */
    int nenv = 0;
    while (envp[nenv]) nenv++;
    argv[n] = NULL;
    memmove(&argv[n + 1], envp, (size_t)(nenv + 1) * sizeof(char *));
    ((long *)argv)[-1] = n;
}

__attribute__((constructor)) static void serve(int argc, char **argv, char **envp) {
    const char *fds = getenv("WASMFUZZ_FORK_SERVER");
    if (!fds || !strchr(fds, ',')) return;
    int req = atoi(fds), resp = atoi(strchr(fds, ',') + 1);
    unsetenv("WASMFUZZ_FORK_SERVER");
    unsetenv("LD_PRELOAD");
    if (write_all(resp, "WFS1", 4)) _exit(1);
    for (;;) {
        uint32_t len;
        if (read_all(req, &len, sizeof len)) _exit(0);
        char *msg = malloc((size_t)len + 1);
        if (!msg || read_all(req, msg, len)) _exit(1);
        msg[len] = 0;
        pid_t pid = fork();
        if (pid == 0) {
            close(req);
            close(resp);
            become(msg, len, argc, argv, envp);
            return;
        }
        free(msg);
        int32_t reply[2] = {pid, -1};
        if (write_all(resp, &reply[0], sizeof reply[0])) _exit(1);
        int status;
        if (pid > 0 && waitpid(pid, &status, 0) == pid) reply[1] = status;
        if (write_all(resp, &reply[1], sizeof reply[1])) _exit(1);
    }
}
