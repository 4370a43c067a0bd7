/* stdin to stdout, and what the stdio descriptors say about themselves. */
#include <ctype.h>
#include <unistd.h>
#include "check.h"

static void describe(int fd) {
    __wasi_fdstat_t st;
    __wasi_filestat_t fs;
    RAW(__wasi_fd_fdstat_get(fd, &st));
    printf("fd %d: filetype %d flags %d rights %llx/%llx\n", fd, st.fs_filetype, st.fs_flags,
           (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
    RAW(__wasi_fd_filestat_get(fd, &fs));
    printf("fd %d: filestat type %d size %llu nlink %llu\n", fd, fs.filetype,
           (unsigned long long)fs.size, (unsigned long long)fs.nlink);
}

int main(void) {
    char buf[100];
    long total = 0, lines = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            lines += buf[i] == '\n';
            buf[i] = toupper((unsigned char)buf[i]);
        }
        total += n;
        write(1, buf, n);
    }
    printf("\nread %ld bytes, %ld lines, last read %zd\n", total, lines, n);
    for (int fd = 0; fd < 3; fd++)
        describe(fd);
    __wasi_filesize_t pos;
    __wasi_size_t done;
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    RAW(__wasi_fd_seek(0, 0, __WASI_WHENCE_SET, &pos));
    RAW(__wasi_fd_tell(1, &pos));
    RAW(__wasi_fd_pread(0, &iov, 1, 0, &done));
    RAW(__wasi_fd_pwrite(1, &ciov, 1, 0, &done));
    RAW(__wasi_fd_read(1, &iov, 1, &done));
    RAW(__wasi_fd_write(0, &ciov, 1, &done));
    RAW(__wasi_fd_sync(1));
    RAW(__wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_APPEND));
    RAW(__wasi_fd_fdstat_set_rights(1, 0, 0));
    RAW(__wasi_fd_write(1, &ciov, 0, &done));
    printf("empty write wrote %u\n", (unsigned)done);
    return 0;
}
