/*
 * stress_loop.h -- the producer and consumer loops shared by the thread and process stress
 * tests. Chunk sizes are log-uniform random (mostly small, sometimes larger than the
 * ring), the producer sends the deterministic rt_stream, the consumer compares every byte
 * with it, and both keep an order-sensitive running checksum that the test compares at
 * the end.
 */
#ifndef STRESS_LOOP_H
#define STRESS_LOOP_H

#include "ring_test.h"

#include <sched.h>

typedef struct rt_side {
    shm_ring *r;
    const rt_stream *st;
    uint64_t total;             /* bytes to move */
    uint64_t seed;
    uint64_t max_chunk;
    int blocking;               /* 1: shm_ring_wait_* (spin then park); 0: poll with pause,
                                   yielding the CPU after 64 empty polls in a row (on 2 busy
                                   vCPUs the peer may be waiting for this core) */
    uint64_t spin_ns, park_ns;
    /* results */
    uint64_t checksum;
    uint64_t bytes;
    uint64_t calls, empty_calls, yields;
    int failed;
    char why[160];
} rt_side;

static inline uint64_t rt_chunk(uint64_t *s, uint64_t max) {
    unsigned bits = 0;
    while ((1ull << bits) < max) bits++;
    uint64_t n = 1 + rt_rand(s) % (1ull << (rt_rand(s) % (bits + 1)));
    return n < max ? n : max;
}

/* A polling (non-blocking) side moved nothing: pause, and yield the CPU after 64 empty
 * polls in a row. */
static inline void rt_poll_pause(rt_side *x, uint64_t *idle) {
    if (++*idle % 64 == 0) {
        x->yields++;
        sched_yield();
    } else {
        shm_cpu_relax();
    }
}

static inline void *rt_producer(void *arg) {
    rt_side *x = (rt_side *)arg;
    uint64_t rng = x->seed, h = RT_FNV_INIT, pos = 0, idle = 0;
    while (pos < x->total) {
        uint64_t n = rt_chunk(&rng, x->max_chunk);
        if (n > x->total - pos) n = x->total - pos;
        int64_t w = shm_ring_write(x->r, rt_stream_at(x->st, pos), n);
        x->calls++;
        if (w < 0) {
            x->failed = 1;
            snprintf(x->why, sizeof x->why, "producer: write returned %lld at %llu",
                     (long long)w, (unsigned long long)pos);
            break;
        }
        if (w == 0) {
            x->empty_calls++;
            if (!x->blocking) {
                rt_poll_pause(x, &idle);
            } else if (shm_ring_wait_space(x->r, rt_range(&rng, 1, n), x->spin_ns, x->park_ns) < 0) {
                x->failed = 1;
                snprintf(x->why, sizeof x->why, "producer: wait_space corrupt");
                break;
            }
            continue;
        }
        idle = 0;
        h = rt_fnv(h, rt_stream_at(x->st, pos), (size_t)w);
        pos += (uint64_t)w;
        shm_ring_wake_consumer(x->r);
    }
    x->checksum = h;
    x->bytes = pos;
    return NULL;
}

static inline void *rt_consumer(void *arg) {
    rt_side *x = (rt_side *)arg;
    uint64_t rng = x->seed, h = RT_FNV_INIT, pos = 0, idle = 0;
    uint8_t *buf = (uint8_t *)malloc(x->max_chunk);
    CHECK(buf);
    while (pos < x->total) {
        uint64_t n = rt_chunk(&rng, x->max_chunk);
        int64_t got = shm_ring_read(x->r, buf, n);
        x->calls++;
        if (got < 0) {
            x->failed = 1;
            snprintf(x->why, sizeof x->why, "consumer: read returned %lld at %llu",
                     (long long)got, (unsigned long long)pos);
            break;
        }
        if (got == 0) {
            x->empty_calls++;
            if (!x->blocking) {
                rt_poll_pause(x, &idle);
            } else if (shm_ring_wait_data(x->r, x->spin_ns, x->park_ns) < 0) {
                x->failed = 1;
                snprintf(x->why, sizeof x->why, "consumer: wait_data corrupt");
                break;
            }
            continue;
        }
        idle = 0;
        if (pos + (uint64_t)got > x->total ||
            memcmp(buf, rt_stream_at(x->st, pos), (size_t)got) != 0) {
            x->failed = 1;
            snprintf(x->why, sizeof x->why, "consumer: wrong bytes in [%llu, %llu)",
                     (unsigned long long)pos, (unsigned long long)(pos + (uint64_t)got));
            break;
        }
        h = rt_fnv(h, buf, (size_t)got);
        pos += (uint64_t)got;
        shm_ring_wake_producer(x->r);
    }
    free(buf);
    x->checksum = h;
    x->bytes = pos;
    return NULL;
}

/* 0 when both sides moved `total` bytes with equal checksums; prints why otherwise. */
static inline int rt_compare(const char *what, const rt_side *p, const rt_side *c) {
    if (p->failed || c->failed) {
        fprintf(stderr, "%s: %s\n", what, p->failed ? p->why : c->why);
        return 1;
    }
    if (p->bytes != p->total || c->bytes != c->total || p->checksum != c->checksum) {
        fprintf(stderr, "%s: bytes %llu/%llu checksum %016llx/%016llx\n", what,
                (unsigned long long)p->bytes, (unsigned long long)c->bytes,
                (unsigned long long)p->checksum, (unsigned long long)c->checksum);
        return 1;
    }
    return 0;
}

#endif /* STRESS_LOOP_H */
