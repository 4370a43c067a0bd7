/* The sandbox: nothing outside the preopened directories can be reached,
 * by "..", absolute paths or symlinks; preopens describe themselves.
 * Run with /data holding file.txt, sub/, and links out -> ../.., abs -> /etc,
 * loop -> loop, inner -> sub/../file.txt, escape -> sub/../../x. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void try_open(__wasi_fd_t dir, __wasi_lookupflags_t follow, const char *path) {
    __wasi_fd_t fd = 0;
    int err = __wasi_path_open(dir, follow, path, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    __wasi_filestat_t st;
    int serr = __wasi_path_filestat_get(dir, follow, path, &st);
    printf("path %-24s follow=%d: open errno %d, stat errno %d type %d\n", path, follow, err, serr,
           serr ? -1 : st.filetype);
    if (!err)
        __wasi_fd_close(fd);
}

int main(void) {
    const char *paths[] = {"file.txt", "../file.txt", "..", ".", "sub/..", "sub/../..", "/etc/passwd",
                           "/", "out", "out/etc", "abs", "abs/passwd", "loop", "inner", "escape",
                           "sub/../sub/./../file.txt", "", "file.txt/", "sub//", "missing/..", 0};
    for (int i = 0; paths[i]; i++) {
        try_open(3, 0, paths[i]);
        try_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, paths[i]);
    }
    /* paths through libc: absolute guest paths resolve against the preopens */
    LIBC(open("/data/../data/file.txt", O_RDONLY));
    LIBC(open("/data/../../etc/passwd", O_RDONLY));
    LIBC(open("/etc/passwd", O_RDONLY));
    LIBC(open("/data/abs/passwd", O_RDONLY));
    LIBC(open("/data/out/etc/passwd", O_RDONLY));
    LIBC(mkdir("/data/../made", 0755));
    LIBC(symlink("/etc/passwd", "/data/newabs"));
    LIBC(symlink("../../etc", "/data/newup"));
    LIBC(open("/data/newup/passwd", O_RDONLY));
    LIBC(rename("/data/file.txt", "/data/../file.txt"));
    LIBC(link("/data/abs", "/data/abs2"));
    LIBC(unlink("/data/../data/file.txt"));
    LIBC(access("/data/sub", F_OK));

    /* bad names */
    char bad[] = {'f', (char)0xff, 'x', 0};
    try_open(3, 0, bad);
    RAW(__wasi_path_create_directory(3, bad));

    /* descriptors below a directory are confined to it too */
    __wasi_fd_t sub;
    RAW(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &sub));
    try_open(sub, 0, "../file.txt");
    try_open(sub, 0, ".");

    /* what the preopens say about themselves */
    for (__wasi_fd_t fd = 0; fd < 7; fd++) {
        __wasi_prestat_t pre;
        char name[16] = {0};
        int err = __wasi_fd_prestat_get(fd, &pre);
        int nerr = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, sizeof name - 1);
        printf("fd %u: prestat errno %d tag %d len %u, name errno %d [%s]\n", fd, err, pre.tag,
               err ? 0 : (unsigned)pre.u.dir.pr_name_len, nerr, name);
    }
    char tiny[2];
    RAW(__wasi_fd_prestat_dir_name(3, (uint8_t *)tiny, sizeof tiny));
    RAW(__wasi_fd_close(4));
    RAW(__wasi_fd_close(4));
    RAW(__wasi_path_open(4, 0, "file.txt", 0, 0, 0, 0, &sub));
    return 0;
}
