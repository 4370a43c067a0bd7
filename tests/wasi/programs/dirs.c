/* Directories and names below /data: create, list (with libc and raw
 * fd_readdir in small pieces), rename, hard and symbolic links, readlink,
 * stat with and without following links, timestamps by path, removal.
 * Run with /data holding a.txt, b.txt, sub/c.txt and link -> a.txt. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) {
        printf("opendir %s: errno %d\n", path, errno);
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 64) {
        names[n] = malloc(strlen(e->d_name) + 8);
        sprintf(names[n++], "%s:%d", e->d_name, e->d_type);
    }
    closedir(dir);
    qsort(names, n, sizeof names[0], compare);
    printf("%s:", path);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

static void show(const char *path, int follow) {
    struct stat st;
    int r = follow ? stat(path, &st) : lstat(path, &st);
    if (r)
        printf("%s %s: errno %d\n", follow ? "stat" : "lstat", path, errno);
    else
        printf("%s %s: type %o size %lld nlink %lld\n", follow ? "stat" : "lstat", path,
               st.st_mode & S_IFMT, (long long)st.st_size, (long long)st.st_nlink);
}

/* fd_readdir with a buffer too small for everything: entries come back
 * whole or cut short, and cookies continue from the last whole one. */
static void raw_readdir(int fd) {
    char buf[40];
    __wasi_dircookie_t cookie = 0;
    int entries = 0, calls = 0;
    for (;;) {
        __wasi_size_t used;
        int err = __wasi_fd_readdir(fd, (uint8_t *)buf, sizeof buf, cookie, &used);
        calls++;
        if (err || used == 0) {
            printf("fd_readdir: errno %d after %d calls, %d entries\n", err, calls, entries);
            return;
        }
        __wasi_size_t at = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + at, sizeof d);
            if (at + sizeof d + d.d_namlen > used)
                break;
            cookie = d.d_next;
            entries++;
            at += sizeof d + d.d_namlen;
        }
        if (used < sizeof buf)
            break;
    }
    printf("fd_readdir: %d entries in %d calls, last cookie %llu\n", entries, calls,
           (unsigned long long)cookie);
    __wasi_size_t used;
    RAW(__wasi_fd_readdir(fd, (uint8_t *)buf, sizeof buf, 1000, &used));
    printf("past the end: %u bytes\n", (unsigned)used);
    RAW(__wasi_fd_readdir(fd, (uint8_t *)buf, 0, 0, &used));
    printf("no room: %u bytes\n", (unsigned)used);
    RAW(__wasi_fd_readdir(fd, (uint8_t *)buf, 10, 0, &used));
    printf("part of an entry: %u bytes, d_next %llu\n", (unsigned)used,
           (unsigned long long)((__wasi_dirent_t *)buf)->d_next);
}

int main(void) {
    list("/data");
    list("/data/sub");
    LIBC(mkdir("/data/new", 0755));
    LIBC(mkdir("/data/new", 0755));
    LIBC(mkdir("/data/new/deeper/", 0755));
    LIBC(mkdir("/data/missing/x", 0755));
    LIBC(rmdir("/data/new"));
    LIBC(rmdir("/data/a.txt"));
    LIBC(unlink("/data/sub"));
    LIBC(rmdir("/data/new/deeper"));
    LIBC(rmdir("/data/new/"));
    LIBC(rmdir("/data/new"));

    LIBC(rename("/data/a.txt", "/data/sub/moved.txt"));
    LIBC(rename("/data/sub/moved.txt", "/data/a.txt"));
    LIBC(rename("/data/b.txt", "/data/a.txt"));
    LIBC(rename("/data/missing", "/data/x"));
    LIBC(rename("/data/sub", "/data/sub2"));
    LIBC(rename("/data/a.txt", "/data/sub2"));
    LIBC(rename("/data/sub2", "/data/sub"));

    LIBC(link("/data/a.txt", "/data/hard.txt"));
    LIBC(link("/data/a.txt", "/data/hard.txt"));
    LIBC(link("/data/sub", "/data/hardsub"));
    show("/data/a.txt", 1);
    LIBC(unlink("/data/hard.txt"));
    show("/data/a.txt", 1);

    LIBC(symlink("a.txt", "/data/sym"));
    LIBC(symlink("sub/c.txt", "/data/sym2"));
    LIBC(symlink("nowhere", "/data/dangling"));
    LIBC(symlink("a.txt", "/data/sym"));
    char target[64];
    ssize_t n = readlink("/data/sym2", target, sizeof target);
    printf("readlink sym2 = %zd [%.*s]\n", n, (int)(n < 0 ? 0 : n), target);
    n = readlink("/data/sym2", target, 3);
    printf("readlink sym2 into 3 bytes = %zd [%.*s]\n", n, (int)(n < 0 ? 0 : n), target);
    LIBC(readlink("/data/a.txt", target, sizeof target));
    show("/data/sym", 0);
    show("/data/sym", 1);
    show("/data/link", 1);
    show("/data/dangling", 1);
    show("/data/dangling", 0);
    show("/data/sym2", 1);
    show("/data/sub/", 1);
    show("/data/a.txt/", 1);
    LIBC(open("/data/sym", O_RDONLY | O_NOFOLLOW));
    int fd = open("/data/sym", O_RDONLY);
    printf("open through symlink: %s\n", fd >= 0 ? "ok" : "failed");
    close(fd);
    LIBC(unlink("/data/dangling"));
    LIBC(unlink("/data/sym"));

    struct timespec times[2] = {{1500000000, 0}, {1600000000, 0}};
    LIBC(utimensat(AT_FDCWD, "/data/a.txt", times, 0));
    LIBC(utimensat(AT_FDCWD, "/data/sym2", times, AT_SYMLINK_NOFOLLOW));
    struct stat st;
    stat("/data/a.txt", &st);
    printf("a.txt mtime %lld atime %lld\n", (long long)st.st_mtim.tv_sec, (long long)st.st_atim.tv_sec);
    lstat("/data/sym2", &st);
    printf("sym2 mtime %lld\n", (long long)st.st_mtim.tv_sec);

    /* a directory descriptor and paths relative to it */
    int dir = open("/data/sub", O_RDONLY | O_DIRECTORY);
    __wasi_fd_t opened;
    RAW(__wasi_path_open(dir, 0, "c.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &opened));
    RAW(__wasi_path_open(dir, 0, "../a.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &opened));
    RAW(__wasi_path_open(opened, 0, "x", 0, 0, 0, 0, &opened));
    __wasi_filestat_t fs;
    RAW(__wasi_path_filestat_get(dir, 0, "c.txt", &fs));
    printf("c.txt size %llu type %d\n", (unsigned long long)fs.size, fs.filetype);
    RAW(__wasi_path_filestat_get(dir, 0, ".", &fs));
    printf(". type %d\n", fs.filetype);
    RAW(__wasi_path_create_directory(dir, "made"));
    RAW(__wasi_path_rename(dir, "made", 3, "made"));
    RAW(__wasi_path_remove_directory(3, "made"));
    RAW(__wasi_path_symlink("c.txt", dir, "c.link"));
    RAW(__wasi_path_link(dir, 0, "c.txt", 3, "c.hard"));
    RAW(__wasi_path_unlink_file(3, "c.hard"));
    RAW(__wasi_path_filestat_set_times(dir, 0, "c.txt", 5, 6, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    RAW(__wasi_path_filestat_set_times(dir, 0, "c.txt", 5, 6, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    RAW(__wasi_path_filestat_get(dir, 0, "c.txt", &fs));
    printf("c.txt atim %llu mtim %llu\n", (unsigned long long)fs.atim, (unsigned long long)fs.mtim);
    __wasi_fdstat_t fdst;
    RAW(__wasi_fd_fdstat_get(dir, &fdst));
    printf("dir fdstat: type %d rights %llx\n", fdst.fs_filetype, (unsigned long long)fdst.fs_rights_base);
    RAW(__wasi_fd_filestat_set_times(dir, 7, 8, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    RAW(__wasi_fd_filestat_get(dir, &fs));
    printf("dir atim %llu mtim %llu type %d\n", (unsigned long long)fs.atim,
           (unsigned long long)fs.mtim, fs.filetype);
    RAW(__wasi_fd_seek(dir, 0, __WASI_WHENCE_SET, &fs.size));
    RAW(__wasi_fd_read(dir, 0, 0, (__wasi_size_t *)&fs.nlink));
    RAW(__wasi_fd_datasync(dir));
    raw_readdir(dir);
    int file = open("/data/a.txt", O_RDONLY);
    __wasi_size_t used;
    RAW(__wasi_fd_readdir(file, (uint8_t *)target, sizeof target, 0, &used));
    RAW(__wasi_path_create_directory(file, "x"));
    RAW(__wasi_path_open(file, 0, "x", 0, 0, 0, 0, &opened));
    close(dir);
    list("/data");
    list("/data/sub");
    return 0;
}
