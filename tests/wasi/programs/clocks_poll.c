/* Clocks, sleeping, poll_oneoff over clocks and descriptors, randomness,
 * sched_yield, and the calls Wasmtime answers with an error (signals,
 * sockets). Times are printed only as comparisons, never as values.
 * Run with /data holding file.txt (5 bytes) and an empty stdin. */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

/* Dropped from wasi-libc's header, still part of preview1. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t raw_proc_raise(int32_t signal);

static __wasi_timestamp_t now(__wasi_clockid_t clock) {
    __wasi_timestamp_t t = 0;
    __wasi_clock_time_get(clock, 1, &t);
    return t;
}

static void clock_sub(__wasi_subscription_t *s, __wasi_userdata_t id, __wasi_clockid_t clock,
                      __wasi_timestamp_t timeout, __wasi_subclockflags_t flags) {
    memset(s, 0, sizeof *s);
    s->userdata = id;
    s->u.tag = __WASI_EVENTTYPE_CLOCK;
    s->u.u.clock.id = clock;
    s->u.u.clock.timeout = timeout;
    s->u.u.clock.flags = flags;
}

static void fd_sub(__wasi_subscription_t *s, __wasi_userdata_t id, __wasi_eventtype_t type, __wasi_fd_t fd) {
    memset(s, 0, sizeof *s);
    s->userdata = id;
    s->u.tag = type;
    s->u.u.fd_read.file_descriptor = fd;
}

static void poll(const char *what, __wasi_subscription_t *subs, int n) {
    __wasi_event_t events[8];
    __wasi_size_t count = 0;
    memset(events, 0xaa, sizeof events);
    int err = __wasi_poll_oneoff(subs, events, n, &count);
    printf("poll %s: errno %d, %u events:", what, err, (unsigned)count);
    for (__wasi_size_t i = 0; i < count && !err; i++)
        printf(" [id %llu type %d error %d nbytes %llu flags %d]", (unsigned long long)events[i].userdata,
               events[i].type, events[i].error, (unsigned long long)events[i].fd_readwrite.nbytes,
               events[i].fd_readwrite.flags);
    printf("\n");
}

int main(void) {
    __wasi_timestamp_t res;
    for (__wasi_clockid_t c = 0; c < 4; c++) {
        int err = __wasi_clock_res_get(c, &res);
        __wasi_timestamp_t t;
        int terr = __wasi_clock_time_get(c, 0, &t);
        printf("clock %u: res errno %d res %llu, time errno %d\n", c, err, err ? 0ULL : (unsigned long long)res, terr);
    }
    __wasi_timestamp_t wall = now(__WASI_CLOCKID_REALTIME);
    printf("realtime after 2020: %d\n", wall > 1577836800000000000ULL);
    __wasi_timestamp_t t0 = now(__WASI_CLOCKID_MONOTONIC);
    struct timespec ts = {0, 20 * 1000 * 1000};
    LIBC(nanosleep(&ts, NULL));
    __wasi_timestamp_t t1 = now(__WASI_CLOCKID_MONOTONIC);
    printf("slept at least 20ms: %d\n", t1 - t0 >= 20000000ULL);
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    printf("clock_gettime monotonic nonzero: %d\n", mono.tv_sec > 0 || mono.tv_nsec > 0);
    printf("time() plausible: %d\n", time(NULL) > 1577836800);

    __wasi_subscription_t subs[4];
    clock_sub(&subs[0], 11, __WASI_CLOCKID_MONOTONIC, 1000000, 0);
    poll("one relative clock", subs, 1);
    clock_sub(&subs[0], 21, __WASI_CLOCKID_MONOTONIC, 5000000000ULL, 0);
    clock_sub(&subs[1], 22, __WASI_CLOCKID_MONOTONIC, 2000000, 0);
    poll("two clocks", subs, 2);
    clock_sub(&subs[0], 31, __WASI_CLOCKID_MONOTONIC, now(__WASI_CLOCKID_MONOTONIC) + 2000000,
              __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    poll("absolute monotonic", subs, 1);
    clock_sub(&subs[0], 32, __WASI_CLOCKID_REALTIME, 1000000, 0);
    clock_sub(&subs[1], 33, __WASI_CLOCKID_MONOTONIC, 5000000000ULL, 0);
    poll("relative realtime", subs, 2);
    clock_sub(&subs[0], 34, __WASI_CLOCKID_REALTIME, now(__WASI_CLOCKID_REALTIME) - 1000, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    clock_sub(&subs[1], 35, __WASI_CLOCKID_MONOTONIC, 5000000000ULL, 0);
    poll("absolute realtime in the past", subs, 2);
    clock_sub(&subs[0], 36, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1000, 0);
    clock_sub(&subs[1], 37, __WASI_CLOCKID_MONOTONIC, 1000, 0);
    poll("cpu-time clock", subs, 2);

    /* A file being read is ready only after a background read in Wasmtime,
     * so it is polled alone: with others, whether it makes it is a race. */
    int file = open("/data/file.txt", O_RDWR);
    fd_sub(&subs[0], 41, __WASI_EVENTTYPE_FD_READ, 0);
    fd_sub(&subs[1], 42, __WASI_EVENTTYPE_FD_WRITE, 1);
    clock_sub(&subs[2], 44, __WASI_CLOCKID_MONOTONIC, 5000000000ULL, 0);
    poll("descriptors", subs, 3);
    fd_sub(&subs[0], 43, __WASI_EVENTTYPE_FD_READ, file);
    poll("file to read", subs, 1);
    char buf[16];
    read(file, buf, sizeof buf);
    poll("file read to its end", subs, 1);
    fd_sub(&subs[0], 52, __WASI_EVENTTYPE_FD_WRITE, file);
    fd_sub(&subs[1], 53, __WASI_EVENTTYPE_FD_WRITE, 2);
    poll("file to write", subs, 2);
    fd_sub(&subs[0], 61, __WASI_EVENTTYPE_FD_READ, 99);
    poll("bad descriptor", subs, 1);
    fd_sub(&subs[0], 62, __WASI_EVENTTYPE_FD_READ, 1);
    poll("reading stdout", subs, 1);
    fd_sub(&subs[0], 63, __WASI_EVENTTYPE_FD_WRITE, 3);
    poll("writing a directory", subs, 1);
    fd_sub(&subs[0], 64, __WASI_EVENTTYPE_FD_READ, 3);
    clock_sub(&subs[1], 65, __WASI_CLOCKID_MONOTONIC, 0, 0);
    poll("reading a directory", subs, 2);
    poll("nothing", subs, 0);
    subs[0].u.tag = 9;
    poll("bad tag", subs, 1);

    RAW(__wasi_sched_yield());
    unsigned char a[32] = {0}, b[32] = {0};
    RAW(__wasi_random_get(a, sizeof a));
    RAW(__wasi_random_get(b, sizeof b));
    RAW(__wasi_random_get(b, 0));
    printf("random buffers differ: %d\n", memcmp(a, b, sizeof a) != 0);
    LIBC(getentropy(a, sizeof a));
    printf("arc4random gives something: %d\n", arc4random() != arc4random() || arc4random() != arc4random());

    RAW(raw_proc_raise(15));
    __wasi_fd_t fd;
    __wasi_size_t size;
    __wasi_roflags_t roflags;
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)buf, 1};
    RAW(__wasi_sock_accept(1, 0, &fd));
    RAW(__wasi_sock_accept(99, 0, &fd));
    RAW(__wasi_sock_recv(3, &iov, 1, 0, &size, &roflags));
    RAW(__wasi_sock_recv(99, &iov, 1, 0, &size, &roflags));
    RAW(__wasi_sock_send(1, &ciov, 1, 0, &size));
    RAW(__wasi_sock_send(99, &ciov, 1, 0, &size));
    RAW(__wasi_sock_shutdown(0, __WASI_SDFLAGS_RD));
    RAW(__wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));
    return 0;
}
