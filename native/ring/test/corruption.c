/*
 * corruption.c -- a hostile peer scribbles the shared indices. Every bad value must come
 * back as SHM_RING_ECORRUPT from the victim's next reload, and nothing may be read or
 * written outside the data area (guard pages fault without ASan; ASan catches the rest).
 * Covered, on both rings of a real segment layout (REQ and REP), for both victims:
 *   tail backwards / past capacity (consumer is the victim),
 *   head backwards / past tail (producer is the victim),
 *   scribbles of the victim's OWN index (ignored: each side trusts only private memory),
 *   corrupt indices present at attach time, corruption seen from inside a park,
 *   and a random scribble fuzz checked against a model.
 */
#include "ring_test.h"

#include <pthread.h>

#define CAP 4096u

typedef struct seg {
    shm_segment_header *h;
    uint8_t *req_data, *rep_data;
} seg;

static void seg_init(seg *s) {
    s->h = (shm_segment_header *)calloc(1, SHM_HEADER_SIZE);
    CHECK(s->h);
    s->req_data = rt_guarded_alloc(CAP);
    s->rep_data = rt_guarded_alloc(CAP);
}

static void seg_free(seg *s) {
    rt_guarded_free(s->req_data, CAP);
    rt_guarded_free(s->rep_data, CAP);
    free(s->h);
}

static shm_ring_ctl *ring_ctl(seg *s, int which) { return which ? &s->h->rep : &s->h->req; }
static uint8_t *ring_data(seg *s, int which) { return which ? s->rep_data : s->req_data; }

/* Fresh ring `which` with `fill` bytes in it, the consumer having read `drained` first. */
static void setup(seg *s, int which, shm_ring *p, shm_ring *c, uint64_t drained, uint64_t fill) {
    shm_ring_ctl *ctl = ring_ctl(s, which);
    memset(ctl, 0, sizeof *ctl);
    shm_ring_attach(p, ctl, ring_data(s, which), CAP, 1);
    shm_ring_attach(c, ctl, ring_data(s, which), CAP, 0);
    static uint8_t buf[CAP];
    for (uint64_t done = 0; done < drained;) {
        uint64_t n = drained - done < CAP ? drained - done : CAP;
        CHECK_EQ(shm_ring_write(p, buf, n), n);
        CHECK_EQ(shm_ring_read(c, buf, n), n);
        done += n;
    }
    memset(buf, 0x5a, sizeof buf);
    CHECK_EQ(shm_ring_write(p, buf, fill), fill);
    CHECK_EQ(shm_ring_readable(c), fill);
    CHECK_EQ(shm_ring_writable(p), CAP - fill);
}

/* The consumer is the victim: the producer's tail is scribbled to t. */
static void bad_tail(seg *s, int which, uint64_t t) {
    shm_ring p, c;
    setup(s, which, &p, &c, 5 * CAP + 100, 300);          /* head = 5*CAP+100, tail = head+300 */
    uint64_t pos = c.pos, peer = c.peer;
    __atomic_store_n(&ring_ctl(s, which)->tail, t, __ATOMIC_RELAXED);
    CHECK_EQ(shm_ring_readable(&c), SHM_RING_ECORRUPT);
    static uint8_t buf[4 * CAP];
    CHECK_EQ(shm_ring_read(&c, buf, sizeof buf), SHM_RING_ECORRUPT); /* cache (300) < len: reload */
    CHECK_EQ(shm_ring_wait_data(&c, 0, 1000), SHM_RING_ECORRUPT);
    CHECK_EQ(shm_ring_wait_data(&c, 2000, 1000), SHM_RING_ECORRUPT);
    CHECK_EQ(c.pos, pos);                                 /* nothing consumed */
    CHECK_EQ(c.peer, peer);                               /* bad value not cached */
}

/* The producer is the victim: the consumer's head is scribbled to h. */
static void bad_head(seg *s, int which, uint64_t h) {
    shm_ring p, c;
    setup(s, which, &p, &c, 5 * CAP + 100, 300);
    uint64_t pos = p.pos, peer = p.peer;
    __atomic_store_n(&ring_ctl(s, which)->head, h, __ATOMIC_RELAXED);
    CHECK_EQ(shm_ring_writable(&p), SHM_RING_ECORRUPT);
    static uint8_t buf[4 * CAP];
    CHECK_EQ(shm_ring_write(&p, buf, sizeof buf), SHM_RING_ECORRUPT); /* cache < len: reload */
    CHECK_EQ(shm_ring_wait_space(&p, CAP, 0, 1000), SHM_RING_ECORRUPT);
    CHECK_EQ(shm_ring_wait_space(&p, CAP, 2000, 1000), SHM_RING_ECORRUPT);
    CHECK_EQ(p.pos, pos);
    CHECK_EQ(p.peer, peer);
}

static void test_scribbled_peer_index(seg *s, int which) {
    uint64_t head = 5 * CAP + 100, tail = head + 300;
    /* tail backwards: by one, to the consumer's own position, to zero, far */
    bad_tail(s, which, tail - 1);
    bad_tail(s, which, head - 1);
    bad_tail(s, which, 0);
    bad_tail(s, which, UINT64_MAX);
    /* tail forwards past capacity */
    bad_tail(s, which, head + CAP + 1);
    bad_tail(s, which, head + 2 * CAP);
    bad_tail(s, which, head + (1ull << 63));
    /* head backwards */
    bad_head(s, which, head - 1);
    bad_head(s, which, 0);
    bad_head(s, which, head - CAP);
    bad_head(s, which, head + (1ull << 63));
    /* head past tail */
    bad_head(s, which, tail + 1);
    bad_head(s, which, tail + CAP);
    bad_head(s, which, UINT64_MAX);
}

/* Edge values that are legal must NOT be reported. */
static void test_legal_edges(seg *s, int which) {
    shm_ring p, c;
    setup(s, which, &p, &c, 5 * CAP + 100, 300);
    shm_ring_ctl *ctl = ring_ctl(s, which);
    uint64_t head = c.pos;
    __atomic_store_n(&ctl->tail, head + CAP, __ATOMIC_RELAXED); /* exactly full */
    CHECK_EQ(shm_ring_readable(&c), CAP);
    setup(s, which, &p, &c, 5 * CAP + 100, 300);
    __atomic_store_n(&ctl->head, p.pos, __ATOMIC_RELAXED);      /* exactly empty */
    CHECK_EQ(shm_ring_writable(&p), CAP);
}

/* A peer that overwrites MY index in the segment changes nothing for me. */
static void test_own_index_ignored(seg *s, int which) {
    shm_ring p, c;
    setup(s, which, &p, &c, 3 * CAP, 0);
    shm_ring_ctl *ctl = ring_ctl(s, which);
    uint8_t msg[100], got[100];
    for (int i = 0; i < 100; i++) msg[i] = (uint8_t)i;
    __atomic_store_n(&ctl->tail, 12345, __ATOMIC_RELAXED);      /* consumer scribbles tail */
    CHECK_EQ(shm_ring_write(&p, msg, 100), 100);               /* producer uses its own tail */
    CHECK_EQ(ctl->tail, 3 * CAP + 100);
    __atomic_store_n(&ctl->head, 777, __ATOMIC_RELAXED);        /* producer scribbles head */
    CHECK_EQ(shm_ring_read(&c, got, 100), 100);                /* consumer uses its own head */
    CHECK(memcmp(got, msg, 100) == 0);
    CHECK_EQ(ctl->head, 3 * CAP + 100);
}

/* Indices that are already inconsistent when a side attaches must not widen its view:
 * the first call, whatever its length, reports corruption instead of copying. */
static void test_corrupt_at_attach(seg *s, int which) {
    shm_ring_ctl *ctl = ring_ctl(s, which);
    static uint8_t buf[4 * CAP];
    /* (tail, head) pairs with tail - head > capacity (mod 2^64) */
    static const uint64_t bad[][2] = {{CAP + 1, 0}, {3 * CAP, 0}, {UINT64_MAX, 0}, {1ull << 63, 0},
                                      {0, 1}, {5 * CAP, 6 * CAP}, {CAP, UINT64_MAX - 1}};
    static const size_t lens[] = {1, CAP, CAP + 1, 2 * CAP, 4 * CAP};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
            shm_ring c, p;
            memset(ctl, 0, sizeof *ctl);
            ctl->tail = bad[i][0];
            ctl->head = bad[i][1];
            shm_ring_attach(&c, ctl, ring_data(s, which), CAP, 0);
            CHECK_EQ(shm_ring_read(&c, buf, lens[j]), SHM_RING_ECORRUPT);
            CHECK_EQ(shm_ring_readable(&c), SHM_RING_ECORRUPT);
            CHECK_EQ(shm_ring_wait_data(&c, 0, 1000), SHM_RING_ECORRUPT);
            shm_ring_attach(&p, ctl, ring_data(s, which), CAP, 1);
            CHECK_EQ(shm_ring_write(&p, buf, lens[j]), SHM_RING_ECORRUPT);
            CHECK_EQ(shm_ring_writable(&p), SHM_RING_ECORRUPT);
            CHECK_EQ(shm_ring_wait_space(&p, 1, 0, 1000), SHM_RING_ECORRUPT);
        }
    }
    /* consistent but non-zero indices at attach are fine (e.g. a full ring) */
    shm_ring c, p;
    memset(ctl, 0, sizeof *ctl);
    ctl->tail = CAP - 1;
    ctl->head = UINT64_MAX;                         /* CAP bytes across the 2^64 wrap */
    shm_ring_attach(&c, ctl, ring_data(s, which), CAP, 0);
    shm_ring_attach(&p, ctl, ring_data(s, which), CAP, 1);
    CHECK_EQ(shm_ring_write(&p, buf, 1), 0);
    CHECK_EQ(shm_ring_read(&c, buf, 4 * CAP), CAP);
    CHECK_EQ(shm_ring_write(&p, buf, 4 * CAP), CAP);
}

/* Corruption that appears while the victim is parked is reported when it wakes. */
typedef struct parked_arg { shm_ring *r; int64_t got; int producer; } parked_arg;

static void *parked_thread(void *a) {
    parked_arg *pa = (parked_arg *)a;
    pa->got = pa->producer ? shm_ring_wait_space(pa->r, CAP, 0, 0)
                           : shm_ring_wait_data(pa->r, 0, 0);
    return NULL;
}

static void test_corrupt_while_parked(seg *s, int which, int producer) {
    shm_ring p, c;
    setup(s, which, &p, &c, 2 * CAP, producer ? 10 : 0);   /* producer: wants CAP, has CAP-10 */
    shm_ring_ctl *ctl = ring_ctl(s, which);
    parked_arg pa = { producer ? &p : &c, 99, producer };
    pthread_t t;
    CHECK(pthread_create(&t, NULL, parked_thread, &pa) == 0);
    uint32_t *flag = producer ? &ctl->producer_parked : &ctl->consumer_parked;
    uint32_t *futex = producer ? &ctl->space_futex : &ctl->data_futex;
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) shm_cpu_relax();
    usleep(2000);                                           /* let it enter futex_wait */
    if (producer) __atomic_store_n(&ctl->head, p.pos + 1, __ATOMIC_RELAXED);  /* past tail */
    else __atomic_store_n(&ctl->tail, c.pos - 1, __ATOMIC_RELAXED);           /* backwards */
    __atomic_fetch_add(futex, 1, __ATOMIC_SEQ_CST);
    shm_futex_wake(futex, 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(pa.got, SHM_RING_ECORRUPT);
}

/* Random legal operations interleaved with random scribbles; the model says which
 * scribbled values are legal. */
static void test_fuzz(seg *s, int which, uint64_t seed) {
    shm_ring p, c;
    setup(s, which, &p, &c, 0, 0);
    shm_ring_ctl *ctl = ring_ctl(s, which);
    static uint8_t buf[3 * CAP];
    uint64_t rng = seed;
    for (int it = 0; it < 200000; it++) {
        uint64_t w = p.pos, r = c.pos;                      /* the truth */
        switch (rt_rand(&rng) % 4) {
        case 0: {                                           /* legal write */
            uint64_t n = rt_range(&rng, 0, 2 * CAP);
            int64_t got = shm_ring_write(&p, buf, n);
            CHECK(got >= 0 && (uint64_t)got <= n && (uint64_t)got <= CAP - (w - r));
            break;
        }
        case 1: {                                           /* legal read */
            uint64_t n = rt_range(&rng, 0, 2 * CAP);
            int64_t got = shm_ring_read(&c, buf, n);
            CHECK(got >= 0 && (uint64_t)got <= n && (uint64_t)got <= w - r);
            break;
        }
        case 2: {                                           /* scribble tail, consumer reloads */
            uint64_t t = rt_rand(&rng) & 1 ? rt_rand(&rng) : r + rt_range(&rng, 0, 2 * CAP) - CAP;
            uint64_t last = c.peer;
            __atomic_store_n(&ctl->tail, t, __ATOMIC_RELAXED);
            int legal = t - last <= CAP && t - r <= CAP;
            int64_t got = shm_ring_read(&c, buf, 3 * CAP);  /* forces a reload */
            if (legal) CHECK_EQ(got, t - r);
            else CHECK_EQ(got, SHM_RING_ECORRUPT);
            /* back to a consistent, empty ring at the producer's true position */
            __atomic_store_n(&ctl->tail, w, __ATOMIC_RELAXED);
            __atomic_store_n(&ctl->head, w, __ATOMIC_RELAXED);
            c.pos = c.peer = w;
            p.peer = w;
            break;
        }
        default: {                                          /* scribble head, producer reloads */
            uint64_t h = rt_rand(&rng) & 1 ? rt_rand(&rng) : w + rt_range(&rng, 0, 2 * CAP) - CAP;
            uint64_t last = p.peer;
            __atomic_store_n(&ctl->head, h, __ATOMIC_RELAXED);
            int legal = h - last <= CAP && w - h <= CAP;
            int64_t got = shm_ring_write(&p, buf, 2 * CAP); /* forces a reload */
            if (legal) CHECK_EQ(got, CAP - (w - h));
            else CHECK_EQ(got, SHM_RING_ECORRUPT);
            /* back to a consistent, empty ring at the producer's (possibly advanced) position */
            w = p.pos;
            __atomic_store_n(&ctl->head, w, __ATOMIC_RELAXED);
            p.peer = w;
            c.pos = c.peer = w;
            break;
        }
        }
    }
}

int main(void) {
    seg s;
    seg_init(&s);
    for (int which = 0; which < 2; which++) {               /* REQ, then REP */
        test_scribbled_peer_index(&s, which);
        test_legal_edges(&s, which);
        test_own_index_ignored(&s, which);
        test_corrupt_while_parked(&s, which, 0);
        test_corrupt_while_parked(&s, which, 1);
        test_fuzz(&s, which, 0x1234567 + (uint64_t)which);
        test_corrupt_at_attach(&s, which);
    }
    seg_free(&s);
    printf("corruption: ok\n");
    return 0;
}
