/*
 * ring_test.h -- helpers shared by the ring tests and benchmarks: fatal checks, a
 * guarded data area (PROT_NONE pages on both sides, so any out-of-bounds access faults
 * even without ASan), a deterministic byte stream that consumers verify exactly, and
 * an order-sensitive running checksum.
 */
#ifndef RING_TEST_H
#define RING_TEST_H

#include "../shm_ring.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            exit(1);                                                              \
        }                                                                         \
    } while (0)

#define CHECK_EQ(a, b)                                                                 \
    do {                                                                               \
        long long a_ = (long long)(a), b_ = (long long)(b);                            \
        if (a_ != b_) {                                                                \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n",        \
                    __FILE__, __LINE__, #a, a_, #b, b_);                               \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

/* xorshift64*: deterministic per seed, good enough for sizes and delays. */
static inline uint64_t rt_rand(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [lo, hi]. */
static inline uint64_t rt_range(uint64_t *s, uint64_t lo, uint64_t hi) {
    return lo + rt_rand(s) % (hi - lo + 1);
}

/* A data area of `len` bytes with an inaccessible page right before and right after it. */
static inline uint8_t *rt_guarded_alloc(size_t len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + page - 1) / page * page;
    uint8_t *base = (uint8_t *)mmap(NULL, body + 2 * page, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(base != MAP_FAILED);
    CHECK(mprotect(base, page, PROT_NONE) == 0);
    CHECK(mprotect(base + page + body, page, PROT_NONE) == 0);
    /* end the area exactly at the trailing guard page, so one byte past len faults */
    return base + page + (body - len);
}

static inline void rt_guarded_free(uint8_t *data, size_t len) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + page - 1) / page * page;
    CHECK(munmap(data - (body - len) - page, body + 2 * page) == 0);
}

/* The stream every producer sends: byte p is pattern[p % RT_PERIOD]. The period is prime
 * so it never lines up with a power-of-two ring; the pattern is stored twice so any chunk
 * of up to RT_PERIOD bytes is contiguous. */
#define RT_PERIOD 1048573u
typedef struct rt_stream { uint8_t *pat; } rt_stream;

static inline void rt_stream_init(rt_stream *st, uint64_t seed) {
    st->pat = (uint8_t *)malloc(2 * (size_t)RT_PERIOD);
    CHECK(st->pat != NULL);
    uint64_t s = seed | 1;
    for (size_t i = 0; i < RT_PERIOD; i++) st->pat[i] = (uint8_t)(rt_rand(&s) >> 56);
    memcpy(st->pat + RT_PERIOD, st->pat, RT_PERIOD);
}

static inline void rt_stream_free(rt_stream *st) { free(st->pat); st->pat = NULL; }

static inline const uint8_t *rt_stream_at(const rt_stream *st, uint64_t pos) {
    return st->pat + pos % RT_PERIOD;
}

/* Order-sensitive running checksum (FNV-1a 64). */
#define RT_FNV_INIT 0xcbf29ce484222325ull
static inline uint64_t rt_fnv(uint64_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
    return h;
}

/* Busy-wait for ns nanoseconds (no syscall; used for random delays). */
static inline void rt_busy_ns(uint64_t ns) {
    if (ns == 0) return;
    uint64_t t0 = shm_now_ns();
    while (shm_now_ns() - t0 < ns) shm_cpu_relax();
}

#endif /* RING_TEST_H */
