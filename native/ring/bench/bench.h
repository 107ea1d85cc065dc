/*
 * bench.h -- helpers for the ring benchmarks: a segment laid out as docs/protocol.md says
 * (shared anonymous mapping, so it works for threads and for fork), CPU pinning, and
 * percentiles. Benchmarks are scripts: they print figures, they do not pass or fail.
 */
#ifndef RING_BENCH_H
#define RING_BENCH_H

#include "../test/ring_test.h"

#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>

typedef struct bench_seg {
    uint8_t *base;
    uint64_t size;
    shm_segment_header *h;
    uint8_t *req_data, *rep_data;
    uint64_t req_cap, rep_cap;
} bench_seg;

static inline void bench_seg_init(bench_seg *s, uint64_t req_cap, uint64_t rep_cap) {
    s->size = shm_segment_size(req_cap, rep_cap);
    s->base = (uint8_t *)mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(s->base != MAP_FAILED);
    memset(s->base, 0, s->size);             /* fault every page in before timing */
    s->h = (shm_segment_header *)(void *)s->base;
    shm_header_init(s->h, req_cap, rep_cap);
    s->req_cap = req_cap;
    s->rep_cap = rep_cap;
    CHECK(shm_header_check(s->h, s->size, SHM_RING_MIN_CAPACITY, SHM_RING_MAX_CAPACITY) == 0);
    s->req_data = s->base + SHM_HEADER_SIZE;
    s->rep_data = s->req_data + req_cap;
}

/* Pin the calling thread to one CPU (-1: leave it alone). */
static inline void bench_pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    CHECK(sched_setaffinity(0, sizeof set, &set) == 0);
}

static inline int bench_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* q in [0, 1] of a sorted array */
static inline uint64_t bench_pct(const uint64_t *sorted, size_t n, double q) {
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* Run fn(arg) as the peer: in a thread, or in a forked child. */
typedef struct bench_peer { int procs; pthread_t t; pid_t pid; } bench_peer;

static inline void bench_peer_start(bench_peer *p, int procs, void *(*fn)(void *), void *arg) {
    p->procs = procs;
    if (procs) {
        p->pid = fork();
        CHECK(p->pid >= 0);
        if (p->pid == 0) { fn(arg); _exit(0); }
    } else {
        CHECK(pthread_create(&p->t, NULL, fn, arg) == 0);
    }
}

static inline void bench_peer_join(bench_peer *p) {
    if (p->procs) {
        int st;
        CHECK(waitpid(p->pid, &st, 0) == p->pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    } else {
        CHECK(pthread_join(p->t, NULL) == 0);
    }
}

#endif /* RING_BENCH_H */
