/*
 * lost_wake.c -- hunts lost wake-ups in the spin-then-park protocol. Parks have no
 * timeout, so one lost wake-up is a permanent stall, and a watchdog thread fails the
 * test when neither side makes progress for 2 s (printing both rings' words).
 *   data phase:  ping-pong over two rings; every message is a wait for data
 *   space phase: a 4 KiB ring, the producer waits for room for messages of half to the
 *                whole ring (half of them the whole ring), the consumer drains it all at
 *                once or in random pieces and checks every byte;
 *                every message is a wait for space (and most reads a wait for data)
 * Spin budgets are 0, tiny (< 400 ns) or up to 20 us, and both sides add random delays,
 * so announcements, re-checks and publications interleave in every order.
 * usage: lost_wake [handoffs [seed]] [--mutant | --mutant=nofence | --mutant=space-nofence]
 *   --mutant publishes with the classic bug (look at the parked flag before publishing
 *   the index); the watchdog must then fire. It shows the test can fail.
 *   --mutant=nofence drops only the publisher's full fence (a StoreLoad race that needs
 *   the CPU's store buffer to bite), --mutant=space-nofence the same on the consumer's
 *   wake of a producer waiting for space. Each must end in a watchdog stall.
 */
#include "ring_test.h"

#include <pthread.h>
#include <sched.h>

#define STALL_NS (2ull * 1000 * 1000 * 1000)

static uint64_t progress;                   /* bumped by both sides on every handoff */
static int mutant;
static shm_ring_ctl *watched[2];           /* set by main, read by the watchdog: atomics */
static const char *phase = "";

/* A random delay: usually nothing or a few hundred ns, sometimes microseconds, rarely a
 * yield, so either side may be anywhere in its protocol when the other acts. */
static void jitter(uint64_t *rng) {
    uint64_t x = rt_rand(rng) % 1000;
    if (x < 400) return;
    if (x < 800) { rt_busy_ns(rt_rand(rng) % 500); return; }
    if (x < 995) { rt_busy_ns(rt_rand(rng) % 5000); return; }
    sched_yield();
}

/* A third of the waits park at once, a third spin a tiny budget (under 400 ns, which the
 * header rounds up to 64 pauses), a third spin up to 20 us. The long spinners answer within
 * ~100 ns, so their next publication lands while the other side is still announcing its
 * park: the tightest races (a dropped publisher fence is caught this way, and rarely with
 * short spins only). */
static uint64_t spin_budget(uint64_t *rng) {
    switch (rt_rand(rng) % 3) {
    case 0: return 0;
    case 1: return rt_rand(rng) % 400;
    default: return rt_rand(rng) % 20000;
    }
}

/* Publish and wake, the right way or (mutant) with the flag read too early. */
static int64_t write_and_wake(shm_ring *r, const void *buf, size_t len) {
    if (mutant == 0 || mutant == 3) {
        int64_t n = shm_ring_write(r, buf, len);
        if (n > 0) shm_ring_wake_consumer(r);
        return n;
    }
    if (mutant == 2) {                      /* no full fence between publish and flag load */
        int64_t n = shm_ring_write(r, buf, len);
        if (n > 0 && __atomic_load_n(&r->ctl->consumer_parked, __ATOMIC_RELAXED)) {
            __atomic_fetch_add(&r->ctl->data_futex, 1, __ATOMIC_RELEASE);
            shm_futex_wake(&r->ctl->data_futex, 1);
        }
        return n;
    }
    uint32_t parked = __atomic_load_n(&r->ctl->consumer_parked, __ATOMIC_SEQ_CST);
    int64_t n = shm_ring_write(r, buf, len);
    if (n > 0 && parked) {
        __atomic_fetch_add(&r->ctl->data_futex, 1, __ATOMIC_SEQ_CST);
        shm_futex_wake(&r->ctl->data_futex, 1);
    }
    return n;
}

/* Consume and wake; mutant 3 drops the full fence on this (space) side only. */
static int64_t read_and_wake(shm_ring *r, void *buf, size_t len) {
    int64_t n = shm_ring_read(r, buf, len);
    if (n <= 0) return n;
    if (mutant != 3) {
        shm_ring_wake_producer(r);
    } else if (__atomic_load_n(&r->ctl->producer_parked, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&r->ctl->space_futex, 1, __ATOMIC_RELEASE);
        shm_futex_wake(&r->ctl->space_futex, 1);
    }
    return n;
}

static void wait_data_forever(shm_ring *r, uint64_t *rng) {
    for (;;) {
        int64_t v = shm_ring_wait_data(r, spin_budget(rng), 0);
        CHECK(v >= 0);
        if (v > 0) return;                  /* 0: woken without data; park again */
    }
}

static void wait_space_forever(shm_ring *r, uint64_t want, uint64_t *rng) {
    for (;;) {
        int64_t v = shm_ring_wait_space(r, want, spin_budget(rng), 0);
        CHECK(v >= 0);
        if ((uint64_t)v >= want) return;
    }
}

/* ---- data phase: ping-pong ---- */

typedef struct pp { shm_ring out, in; uint64_t n, seed; int first; } pp;

static void *pingpong(void *a) {
    pp *x = (pp *)a;
    uint64_t rng = x->seed;
    for (uint64_t i = 0; i < x->n; i++) {
        uint64_t msg = i * 2 + (uint64_t)!x->first, got = 0;
        if (x->first) CHECK_EQ(write_and_wake(&x->out, &msg, 8), 8);
        wait_data_forever(&x->in, &rng);
        CHECK_EQ(read_and_wake(&x->in, &got, 8), 8);
        CHECK_EQ(got, i * 2 + (uint64_t)x->first);
        __atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
        jitter(&rng);
        if (!x->first) CHECK_EQ(write_and_wake(&x->out, &msg, 8), 8);
    }
    return NULL;
}

/* ---- space phase: producer needs most of the ring free ---- */

typedef struct sp { shm_ring r; uint64_t n, seed, bytes; const rt_stream *st; } sp;

static void *space_producer(void *a) {
    sp *x = (sp *)a;
    uint64_t rng = x->seed, sizes = x->seed;
    for (uint64_t i = 0; i < x->n; i++) {
        uint64_t len = rt_rand(&sizes) & 1 ? x->r.cap : rt_range(&sizes, x->r.cap / 2, x->r.cap);
        wait_space_forever(&x->r, len, &rng);
        CHECK_EQ(write_and_wake(&x->r, rt_stream_at(x->st, x->bytes), len), len);
        x->bytes += len;
        __atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
        jitter(&rng);
    }
    return NULL;
}

static void *space_consumer(void *a) {
    sp *x = (sp *)a;
    uint64_t rng = x->seed * 13 + 5;
    uint8_t buf[4096];
    while (x->bytes < x->n) {               /* here n is the byte total to receive */
        wait_data_forever(&x->r, &rng);
        /* half the time drain everything at once (one publication that lands right as the
         * producer announces its park), else a log-uniform piece */
        uint64_t want = rt_rand(&rng) & 1 ? sizeof buf : 1 + rt_rand(&rng) % (1ull << rt_range(&rng, 0, 12));
        int64_t got = read_and_wake(&x->r, buf, want);
        CHECK(got > 0);
        CHECK(memcmp(buf, rt_stream_at(x->st, x->bytes), (size_t)got) == 0); /* exact bytes, in order */
        x->bytes += (uint64_t)got;
        __atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
        jitter(&rng);
    }
    return NULL;
}

/* ---- watchdog ---- */

static void dump(const char *name, const shm_ring_ctl *c) {
    fprintf(stderr, "  %s: tail %llu head %llu consumer_parked %u data_futex %u producer_parked %u space_futex %u\n",
            name, (unsigned long long)c->tail, (unsigned long long)c->head, c->consumer_parked,
            c->data_futex, c->producer_parked, c->space_futex);
}

static void *watchdog(void *a) {
    (void)a;
    uint64_t last = __atomic_load_n(&progress, __ATOMIC_RELAXED), since = shm_now_ns();
    for (;;) {
        usleep(20000);
        uint64_t now = __atomic_load_n(&progress, __ATOMIC_RELAXED);
        if (now != last) { last = now; since = shm_now_ns(); continue; }
        if (shm_now_ns() - since > STALL_NS) {
            fprintf(stderr, "lost_wake: STALL in %s phase: no progress for 2 s after %llu handoffs%s\n",
                    __atomic_load_n(&phase, __ATOMIC_ACQUIRE), (unsigned long long)now,
                    mutant ? " (mutant: expected)" : "");
            for (int i = 0; i < 2; i++) {
                shm_ring_ctl *c = __atomic_load_n(&watched[i], __ATOMIC_ACQUIRE);
                if (c) dump(i ? "ring 1" : "ring 0", c);
            }
            _exit(3);
        }
    }
    return NULL;
}

/* Control blocks live for the whole run (the watchdog may read them until exit), so they
 * come from a static pool rather than the heap: nothing to free, nothing for LSan to flag. */
static shm_ring_ctl ctl_pool[3] __attribute__((aligned(64)));
static int ctl_used;

static shm_ring_ctl *new_ctl(void) {
    CHECK(ctl_used < 3);
    shm_ring_ctl *c = &ctl_pool[ctl_used++];
    memset(c, 0, sizeof *c);
    return c;
}

int main(int argc, char **argv) {
    uint64_t n = 1600000, seed = shm_now_ns();
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mutant") == 0) mutant = 1;
        else if (strcmp(argv[i], "--mutant=nofence") == 0) mutant = 2;
        else if (strcmp(argv[i], "--mutant=space-nofence") == 0) mutant = 3;
        else if (pos++ == 0) n = strtoull(argv[i], NULL, 0);
        else seed = strtoull(argv[i], NULL, 0);
    }
    printf("lost_wake: seed %llu, %llu handoffs per phase%s\n", (unsigned long long)seed,
           (unsigned long long)n, mutant ? ", MUTANT" : "");
    pthread_t wd;
    CHECK(pthread_create(&wd, NULL, watchdog, NULL) == 0);

    /* data phase: n handoffs = n/2 round trips */
    __atomic_store_n(&phase, "data", __ATOMIC_RELEASE);
    shm_ring_ctl *c0 = new_ctl(), *c1 = new_ctl();
    uint8_t *d0 = rt_guarded_alloc(4096), *d1 = rt_guarded_alloc(4096);
    __atomic_store_n(&watched[0], c0, __ATOMIC_RELEASE);
    __atomic_store_n(&watched[1], c1, __ATOMIC_RELEASE);
    pp a, b;
    memset(&a, 0, sizeof a); memset(&b, 0, sizeof b);
    shm_ring_attach(&a.out, c0, d0, 4096, 1); shm_ring_attach(&b.in, c0, d0, 4096, 0);
    shm_ring_attach(&b.out, c1, d1, 4096, 1); shm_ring_attach(&a.in, c1, d1, 4096, 0);
    a.n = b.n = n / 2; a.first = 1; a.seed = seed; b.seed = seed * 3 + 1;
    uint64_t t0 = shm_now_ns();
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, pingpong, &a) == 0);
    CHECK(pthread_create(&tb, NULL, pingpong, &b) == 0);
    CHECK(pthread_join(ta, NULL) == 0);
    CHECK(pthread_join(tb, NULL) == 0);
    double s1 = (double)(shm_now_ns() - t0) / 1e9;
    uint64_t parks1 = a.in.parks + b.in.parks, wakes1 = a.out.wakes + b.out.wakes;

    /* space phase: n/4 messages of 2..4 KiB (half of them exactly 4 KiB) through a 4 KiB ring */
    __atomic_store_n(&phase, "space", __ATOMIC_RELEASE);
    shm_ring_ctl *c2 = new_ctl();
    uint8_t *d2 = rt_guarded_alloc(4096);
    __atomic_store_n(&watched[0], c2, __ATOMIC_RELEASE);
    __atomic_store_n(&watched[1], (shm_ring_ctl *)NULL, __ATOMIC_RELEASE);
    sp p, c;
    memset(&p, 0, sizeof p); memset(&c, 0, sizeof c);
    shm_ring_attach(&p.r, c2, d2, 4096, 1);
    shm_ring_attach(&c.r, c2, d2, 4096, 0);
    rt_stream st;
    rt_stream_init(&st, seed);
    p.st = c.st = &st;
    p.n = n / 4; p.seed = seed * 5 + 2; c.seed = seed * 7 + 3;
    /* the consumer needs the byte total: replay the producer's message sizes */
    uint64_t sizes = p.seed, total = 0;
    for (uint64_t i = 0; i < p.n; i++) total += rt_rand(&sizes) & 1 ? 4096 : rt_range(&sizes, 2048, 4096);
    c.n = total;
    t0 = shm_now_ns();
    CHECK(pthread_create(&ta, NULL, space_producer, &p) == 0);
    CHECK(pthread_create(&tb, NULL, space_consumer, &c) == 0);
    CHECK(pthread_join(ta, NULL) == 0);
    CHECK(pthread_join(tb, NULL) == 0);
    double s2 = (double)(shm_now_ns() - t0) / 1e9;
    CHECK_EQ(p.bytes, total);
    CHECK_EQ(c.bytes, total);
    rt_stream_free(&st);

    printf("lost_wake: data %llu handoffs in %.2f s (%llu parks, %llu wakes); "
           "space %llu messages in %.2f s (%llu space parks, %llu data parks, %llu wakes)\n",
           (unsigned long long)n, s1, (unsigned long long)parks1, (unsigned long long)wakes1,
           (unsigned long long)p.n, s2, (unsigned long long)p.r.parks, (unsigned long long)c.r.parks,
           (unsigned long long)(p.r.wakes + c.r.wakes));
    printf("lost_wake: ok\n");
    return 0;
}
