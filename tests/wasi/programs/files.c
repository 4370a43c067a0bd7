/* Regular files below a preopened directory: open flags, reads and writes,
 * positions, append, truncation, sync, advice, flags, rights, renumbering,
 * timestamps, and a read-only preopen. Run with /data (mutable, holding
 * input.txt) and /ro (read-only, holding ro.txt). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

static void fdstat(const char *what, int fd) {
    __wasi_fdstat_t st;
    int err = __wasi_fd_fdstat_get(fd, &st);
    printf("fdstat %s: errno %d filetype %d flags %d rights %llx inheriting %llx\n", what, err,
           st.fs_filetype, st.fs_flags, (unsigned long long)st.fs_rights_base,
           (unsigned long long)st.fs_rights_inheriting);
}

static void show_stat(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("stat %s: errno %d\n", path, errno);
        return;
    }
    printf("stat %s: size %lld nlink %lld mode %o\n", path, (long long)st.st_size,
           (long long)st.st_nlink, st.st_mode & S_IFMT);
}

static void dump(const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("%s (fd %d, %zd bytes): [%s]\n", path, fd, n, buf);
    close(fd);
}

int main(void) {
    char buf[64];
    /* create, write in pieces, close */
    int fd = open("/data/out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("created fd %d\n", fd);
    LIBC(write(fd, "hello ", 6));
    struct iovec iov[3] = {{"", 0}, {"wor", 3}, {"ld\n", 3}};
    LIBC(writev(fd, iov, 3));
    LIBC(write(fd, "ld\n", 3));
    LIBC(lseek(fd, 0, SEEK_CUR));
    LIBC(read(fd, buf, 4));
    fdstat("write-only file", fd);
    LIBC(close(fd));
    LIBC(close(fd));
    dump("/data/out.txt");

    /* positions */
    fd = open("/data/input.txt", O_RDONLY);
    LIBC(read(fd, buf, 5));
    LIBC(lseek(fd, 0, SEEK_CUR));
    LIBC(lseek(fd, -3, SEEK_END));
    LIBC(read(fd, buf, 10));
    LIBC(lseek(fd, 2, SEEK_SET));
    LIBC(lseek(fd, 4, SEEK_CUR));
    LIBC(lseek(fd, -100, SEEK_CUR));
    LIBC(lseek(fd, 100, SEEK_END));
    LIBC(read(fd, buf, 10));
    LIBC(pread(fd, buf, 6, 1));
    printf("pread got [%.6s]\n", buf);
    LIBC(pread(fd, buf, 6, 1000));
    LIBC(write(fd, "x", 1));
    struct iovec two[2] = {{buf, 3}, {buf + 3, 3}};
    LIBC(lseek(fd, 0, SEEK_SET));
    LIBC(readv(fd, two, 2));
    fdstat("read-only file", fd);
    __wasi_filesize_t tell;
    RAW(__wasi_fd_tell(fd, &tell));
    printf("tell %llu\n", (unsigned long long)tell);
    LIBC(close(fd));

    /* read-write, pwrite, truncation */
    fd = open("/data/out.txt", O_RDWR);
    LIBC(pwrite(fd, "HE", 2, 0));
    LIBC(lseek(fd, 0, SEEK_CUR));
    LIBC(pwrite(fd, "!", 1, 20));
    LIBC(ftruncate(fd, 5));
    LIBC(ftruncate(fd, 8));
    fdstat("read-write file", fd);
    LIBC(fsync(fd));
    LIBC(fdatasync(fd));
    printf("posix_fadvise = %d\n", posix_fadvise(fd, 0, 4, POSIX_FADV_SEQUENTIAL));
    printf("posix_fallocate = %d\n", posix_fallocate(fd, 0, 100));
    RAW(__wasi_fd_fdstat_set_rights(fd, 0, 0));
    LIBC(close(fd));
    dump("/data/out.txt");
    show_stat("/data/out.txt");

    /* append, flags */
    fd = open("/data/out.txt", O_WRONLY | O_APPEND);
    LIBC(write(fd, "tail\n", 5));
    LIBC(lseek(fd, 0, SEEK_CUR));
    LIBC(pwrite(fd, "P", 1, 0));
    fdstat("append file", fd);
    LIBC(fcntl(fd, F_GETFL));
    LIBC(fcntl(fd, F_SETFL, 0));
    LIBC(write(fd, "@", 1));
    LIBC(fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND));
    LIBC(fcntl(fd, F_GETFL));
    RAW(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
    LIBC(close(fd));
    dump("/data/out.txt");

    /* open errors */
    LIBC(open("/data/out.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    LIBC(open("/data/missing.txt", O_RDONLY));
    LIBC(open("/data", O_WRONLY));
    LIBC(open("/data/input.txt", O_RDONLY | O_DIRECTORY));
    LIBC(open("/data/input.txt/", O_RDONLY));
    LIBC(open("/nowhere/x", O_RDONLY));
    LIBC(open("/data/input.txt", O_RDONLY | O_SYNC));
    LIBC(open("/data/input.txt", O_RDONLY | O_DSYNC));

    /* descriptor numbers: the highest freed number is reused first */
    int a = open("/data/input.txt", O_RDONLY), b = open("/data/input.txt", O_RDONLY);
    int c = open("/data/input.txt", O_RDONLY);
    printf("fds %d %d %d\n", a, b, c);
    close(a);
    close(b);
    printf("reopened %d", open("/data/input.txt", O_RDONLY));
    printf(" then %d\n", open("/data/input.txt", O_RDONLY));
    fd = open("/data/out.txt", O_RDONLY);
    RAW(__wasi_fd_renumber(fd, c));
    LIBC(read(c, buf, 3));
    printf("renumbered read [%.3s]\n", buf);
    LIBC(read(fd, buf, 3));
    RAW(__wasi_fd_renumber(fd, c));
    RAW(__wasi_fd_renumber(c, 40));
    LIBC(read(40, buf, 3));
    RAW(__wasi_fd_renumber(40, 40));
    printf("next open %d\n", open("/data/input.txt", O_RDONLY));

    /* timestamps */
    fd = open("/data/out.txt", O_RDWR);
    struct timespec times[2] = {{1000000, 5}, {2000000, 7}};
    LIBC(futimens(fd, times));
    struct stat st;
    fstat(fd, &st);
    printf("times %lld.%09ld %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {3000000, 0}};
    LIBC(futimens(fd, omit));
    fstat(fd, &st);
    printf("times %lld %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    RAW(__wasi_fd_filestat_set_times(fd, 1, 2, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    RAW(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    RAW(__wasi_fd_allocate(fd, 0, 10));
    RAW(__wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED));
    close(fd);

    /* the read-only preopen */
    dump("/ro/ro.txt");
    LIBC(open("/ro/ro.txt", O_WRONLY));
    LIBC(open("/ro/ro.txt", O_RDONLY | O_TRUNC));
    LIBC(open("/ro/new.txt", O_CREAT | O_RDONLY, 0644));
    LIBC(mkdir("/ro/dir", 0755));
    LIBC(unlink("/ro/ro.txt"));
    LIBC(unlink("/ro/missing.txt"));
    fd = open("/ro/ro.txt", O_RDONLY);
    LIBC(ftruncate(fd, 0));
    LIBC(futimens(fd, times));
    fdstat("read-only preopen file", fd);
    fdstat("preopen /data", 3);
    fdstat("preopen /ro", 4);
    show_stat("/ro/ro.txt");
    return 0;
}
