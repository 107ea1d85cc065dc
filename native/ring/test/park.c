/*
 * park.c -- what the spin-then-park waits return, with a second thread playing the peer:
 *   - a real publication wakes a parked consumer / producer (returns > 0, one wake);
 *   - a wake with nothing new (how a closing peer rouses a sleeper) returns 0 even when the
 *     park has no timeout, and clears the parked flag;
 *   - a producer waiting for `want` bytes that is woken by a smaller free returns 0;
 *   - a park with a timeout returns 0 after at least that long;
 *   - nobody parked: the publisher makes no wake call.
 */
#include "ring_test.h"

#include <pthread.h>

#define CAP 4096u

static shm_ring_ctl ctl __attribute__((aligned(64)));
static uint8_t *data;

typedef struct waiter { shm_ring *r; int producer; uint64_t want; int64_t got; } waiter;

static void *wait_thread(void *a) {
    waiter *w = (waiter *)a;
    w->got = w->producer ? shm_ring_wait_space(w->r, w->want, 0, 0) : shm_ring_wait_data(w->r, 0, 0);
    return NULL;
}

/* Start a waiter and return once it has announced itself and had time to enter futex_wait. */
static void start(pthread_t *t, waiter *w) {
    uint32_t *flag = w->producer ? &ctl.producer_parked : &ctl.consumer_parked;
    CHECK(pthread_create(t, NULL, wait_thread, w) == 0);
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) shm_cpu_relax();
    usleep(3000);
}

static void bare_wake(uint32_t *futex) {
    __atomic_fetch_add(futex, 1, __ATOMIC_SEQ_CST);
    shm_futex_wake(futex, 1);
}

int main(void) {
    data = rt_guarded_alloc(CAP);
    shm_ring p, c;
    shm_ring_attach(&p, &ctl, data, CAP, 1);
    shm_ring_attach(&c, &ctl, data, CAP, 0);
    uint8_t buf[CAP] = {0};
    pthread_t t;

    /* nobody parked: no wake */
    CHECK_EQ(shm_ring_write(&p, buf, 10), 10);
    CHECK_EQ(shm_ring_wake_consumer(&p), 0);
    CHECK_EQ(shm_ring_read(&c, buf, 10), 10);
    CHECK_EQ(shm_ring_wake_producer(&c), 0);

    /* publication wakes a parked consumer */
    waiter w = { &c, 0, 0, 99 };
    start(&t, &w);
    CHECK_EQ(shm_ring_write(&p, buf, 5), 5);
    CHECK_EQ(shm_ring_wake_consumer(&p), 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(w.got, 5);
    CHECK_EQ(ctl.consumer_parked, 0);
    CHECK_EQ(shm_ring_read(&c, buf, 5), 5);

    /* a wake with no data (a close) returns 0 although the park had no limit */
    w.got = 99;
    start(&t, &w);
    bare_wake(&ctl.data_futex);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(w.got, 0);
    CHECK_EQ(ctl.consumer_parked, 0);

    /* producer wants the whole ring; a 1-byte free wakes it with too little: 0 */
    CHECK_EQ(shm_ring_write(&p, buf, CAP), CAP);
    waiter pw = { &p, 1, CAP, 99 };
    start(&t, &pw);
    CHECK_EQ(shm_ring_read(&c, buf, 1), 1);
    CHECK_EQ(shm_ring_wake_producer(&c), 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(pw.got, 0);
    CHECK_EQ(ctl.producer_parked, 0);

    /* ... and when the rest is freed, it returns the free space */
    pw.got = 99;
    start(&t, &pw);
    CHECK_EQ(shm_ring_read(&c, buf, CAP), CAP - 1);
    CHECK_EQ(shm_ring_wake_producer(&c), 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(pw.got, CAP);

    /* a bounded park times out no earlier than asked */
    uint64_t t0 = shm_now_ns();
    CHECK_EQ(shm_ring_wait_data(&c, 0, 5 * 1000 * 1000), 0);
    CHECK(shm_now_ns() - t0 >= 5 * 1000 * 1000);

    rt_guarded_free(data, CAP);
    printf("park: ok\n");
    return 0;
}
