/*
 * functional.c -- single-thread behaviour of one ring: empty, full, wrap (the two-memcpy
 * path), every write and read size from 1 byte to three capacities, writable/readable
 * accounting after every call, and free-running indices that cross 2^64.
 */
#include "ring_test.h"

typedef struct pair {
    shm_ring_ctl *ctl;
    uint8_t *data;
    shm_ring p, c;
    uint64_t cap;
} pair;

/* A ring in a guarded area whose indices both start at `start`. */
static void pair_init(pair *x, uint64_t cap, uint64_t start) {
    x->ctl = (shm_ring_ctl *)calloc(1, sizeof(shm_ring_ctl));
    CHECK(x->ctl != NULL);
    x->ctl->tail = x->ctl->head = start;
    x->data = rt_guarded_alloc(cap);
    x->cap = cap;
    shm_ring_attach(&x->p, x->ctl, x->data, cap, 1);
    shm_ring_attach(&x->c, x->ctl, x->data, cap, 0);
}

static void pair_free(pair *x) {
    rt_guarded_free(x->data, x->cap);
    free(x->ctl);
}

/* Both views agree with the model: `in` bytes are in the ring. */
static void check_accounting(pair *x, uint64_t in) {
    CHECK_EQ(shm_ring_readable(&x->c), in);
    CHECK_EQ(shm_ring_writable(&x->p), x->cap - in);
    CHECK_EQ(x->ctl->tail - x->ctl->head, in);
}

static void test_empty_and_full(uint64_t cap) {
    pair x;
    pair_init(&x, cap, 0);
    uint8_t *buf = (uint8_t *)malloc(cap + 1);
    CHECK(buf);
    check_accounting(&x, 0);
    CHECK_EQ(shm_ring_read(&x.c, buf, 1), 0);          /* empty: nothing to read */
    CHECK_EQ(shm_ring_read(&x.c, buf, 0), 0);
    CHECK_EQ(shm_ring_write(&x.p, buf, 0), 0);         /* zero-length write is a no-op */
    check_accounting(&x, 0);
    for (uint64_t i = 0; i <= cap; i++) buf[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(shm_ring_write(&x.p, buf, cap + 1), cap); /* whole capacity usable, no more */
    check_accounting(&x, cap);
    CHECK_EQ(shm_ring_write(&x.p, buf, 1), 0);         /* full */
    uint8_t *out = (uint8_t *)malloc(cap + 1);
    CHECK(out);
    CHECK_EQ(shm_ring_read(&x.c, out, cap + 1), cap);
    CHECK(memcmp(out, buf, cap) == 0);
    check_accounting(&x, 0);
    CHECK_EQ(shm_ring_read(&x.c, out, 1), 0);
    free(buf);
    free(out);
    pair_free(&x);
}

/* Writes that straddle the end land in the last and first bytes of the data area. */
static void test_wrap_two_memcpys(uint64_t cap) {
    for (uint64_t before = 1; before <= 9 && before < cap; before++) {
        pair x;
        pair_init(&x, cap, 0);
        uint8_t junk[16] = {0};
        /* move both indices to cap - before */
        uint64_t moved = 0;
        while (moved < cap - before) {
            uint64_t n = cap - before - moved < 16 ? cap - before - moved : 16;
            CHECK_EQ(shm_ring_write(&x.p, junk, n), n);
            CHECK_EQ(shm_ring_read(&x.c, junk, n), n);
            moved += n;
        }
        uint8_t msg[10], got[10];
        uint64_t len = cap < 10 ? cap : 10;
        for (int i = 0; i < 10; i++) msg[i] = (uint8_t)(0xA0 + i);
        CHECK_EQ(shm_ring_write(&x.p, msg, len), len);
        uint64_t first = before < len ? before : len;
        CHECK(memcmp(x.data + (cap - before), msg, first) == 0); /* first memcpy: the end */
        CHECK(memcmp(x.data, msg + first, len - first) == 0);    /* second memcpy: the start */
        check_accounting(&x, len);
        CHECK_EQ(shm_ring_read(&x.c, got, 10), len);
        CHECK(memcmp(got, msg, len) == 0);
        check_accounting(&x, 0);
        pair_free(&x);
    }
}

/* Stream 2*cap + s bytes with writes of s bytes and reads of a different size r, for every
 * s in 1..3*cap. Positions carry over from size to size, so every offset gets hit. */
static void test_all_sizes(uint64_t cap, uint64_t start, const rt_stream *st) {
    pair x;
    pair_init(&x, cap, start);
    uint8_t *out = (uint8_t *)malloc(3 * cap + 1);
    CHECK(out);
    uint64_t w = 0, r = 0; /* stream positions (bytes written / read) */
    for (uint64_t s = 1; s <= 3 * cap; s++) {
        uint64_t rs = (s * 7919) % (3 * cap) + 1;     /* read size, unrelated to s */
        uint64_t goal = w + 2 * cap + s;
        while (r < goal) {
            if (w < goal) {
                uint64_t want = goal - w < s ? goal - w : s;
                uint64_t space = cap - (w - r);
                int64_t n = shm_ring_write(&x.p, rt_stream_at(st, w), want);
                CHECK_EQ(n, want < space ? want : space);
                w += (uint64_t)n;
                check_accounting(&x, w - r);
            }
            int64_t n = shm_ring_read(&x.c, out, rs);
            CHECK_EQ(n, rs < w - r ? rs : w - r);
            if (memcmp(out, rt_stream_at(st, r), (size_t)n) != 0) {
                fprintf(stderr, "cap %" PRIu64 " s %" PRIu64 ": bad bytes at %" PRIu64 "\n", cap, s, r);
                exit(1);
            }
            r += (uint64_t)n;
            check_accounting(&x, w - r);
        }
    }
    CHECK_EQ(x.ctl->tail, start + w);   /* free-running: the index is start + bytes */
    if (getenv("RT_VERBOSE")) fprintf(stderr, "cap %" PRIu64 ": %" PRIu64 " bytes\n", cap, w);
    free(out);
    pair_free(&x);
}

int main(void) {
    rt_stream st;
    rt_stream_init(&st, 42);
    static const uint64_t caps[] = {1, 2, 64, 4096};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        test_empty_and_full(caps[i]);
        test_wrap_two_memcpys(caps[i]);
        test_all_sizes(caps[i], 0, &st);
    }
    /* indices that start just below 2^64 and wrap around mid-stream */
    test_all_sizes(64, UINT64_MAX - 1000, &st);
    test_all_sizes(4096, UINT64_MAX - 5, &st);
    rt_stream_free(&st);
    printf("functional: ok\n");
    return 0;
}
