/*
 * stress_threads.c -- one producer thread and one consumer thread move >= 1e8 bytes
 * through one ring with random chunk sizes; the consumer checks every byte, both keep a
 * running checksum. Runs once polling (pure spin) and once through the spin-then-park
 * waits with tiny budgets so both paths race. Built plain, under ASan+UBSan and under
 * TSan by the Makefile.
 * usage: stress_threads [total_bytes [seed]]
 */
#include "stress_loop.h"

#include <pthread.h>

static int run(const char *what, uint64_t total, uint64_t cap, uint64_t seed, int blocking,
               const rt_stream *st) {
    shm_ring_ctl *ctl = (shm_ring_ctl *)aligned_alloc(SHM_LINE, sizeof(shm_ring_ctl));
    CHECK(ctl);
    memset(ctl, 0, sizeof *ctl);
    uint8_t *data = rt_guarded_alloc(cap);
    shm_ring pr, cr;
    shm_ring_attach(&pr, ctl, data, cap, 1);
    shm_ring_attach(&cr, ctl, data, cap, 0);
    rt_side p = {0}, c = {0};
    p.r = &pr; c.r = &cr;
    p.st = c.st = st;
    p.total = c.total = total;
    p.seed = seed; c.seed = seed * 31 + 7;
    p.max_chunk = c.max_chunk = 2 * cap;
    p.blocking = c.blocking = blocking;
    p.spin_ns = 300; c.spin_ns = 150;            /* tiny: parks are frequent */
    p.park_ns = c.park_ns = 200 * 1000 * 1000;  /* bounded: a stall shows as slowness, the
                                                   lost-wake test hunts those */
    pthread_t tp, tc;
    uint64_t t0 = shm_now_ns();
    CHECK(pthread_create(&tp, NULL, rt_producer, &p) == 0);
    CHECK(pthread_create(&tc, NULL, rt_consumer, &c) == 0);
    CHECK(pthread_join(tp, NULL) == 0);
    CHECK(pthread_join(tc, NULL) == 0);
    double secs = (double)(shm_now_ns() - t0) / 1e9;
    int bad = rt_compare(what, &p, &c);
    printf("%s: cap %llu, %llu bytes in %.2f s, %llu+%llu calls, parks %llu+%llu, wakes %llu+%llu\n",
           what, (unsigned long long)cap, (unsigned long long)c.bytes, secs,
           (unsigned long long)p.calls, (unsigned long long)c.calls,
           (unsigned long long)pr.parks, (unsigned long long)cr.parks,
           (unsigned long long)pr.wakes, (unsigned long long)cr.wakes);
    rt_guarded_free(data, cap);
    free(ctl);
    return bad;
}

int main(int argc, char **argv) {
    uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000000ull;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)shm_now_ns();
    printf("stress_threads: seed %llu\n", (unsigned long long)seed);
    rt_stream st;
    rt_stream_init(&st, seed);
    int bad = 0;
    bad |= run("spin", total, 4096, seed, 0, &st);
    bad |= run("spin+park", total, 65536, seed + 1, 1, &st);
    rt_stream_free(&st);
    if (bad) return 1;
    printf("stress_threads: ok\n");
    return 0;
}
