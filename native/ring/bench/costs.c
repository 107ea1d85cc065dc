/*
 * costs.c -- single-thread costs that explain the other figures: one pause instruction,
 * one clock read, a 16-byte write + wake check with nobody parked (the fast path), a
 * 16-byte read + wake check, the shortest spin a non-zero budget really gets (the clock is
 * read every 64 probes, so 64 pauses), and how
 * long a bounded park (1 us timeout) really sleeps, with the default timer slack and with
 * PR_SET_TIMERSLACK = 1 ns. Prints medians over a few repetitions.
 */
#include "bench.h"

#include <sys/prctl.h>

#define REPS 7

static double median(double *v, int n) {
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (v[j] < v[i]) { double t = v[i]; v[i] = v[j]; v[j] = t; }
    return v[n / 2];
}

int main(void) {
    static shm_ring_ctl ctl __attribute__((aligned(64)));
    static uint8_t data[1 << 16];
    shm_ring p, c;
    shm_ring_attach(&p, &ctl, data, sizeof data, 1);
    shm_ring_attach(&c, &ctl, data, sizeof data, 0);
    uint8_t msg[16] = {1}, out[16];
    double pause_ns[REPS], clock_ns[REPS], wr_ns[REPS], rd_ns[REPS], park_us[REPS], park1_us[REPS];
    const int N = 200000;
    unsigned long slack0 = (unsigned long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = shm_now_ns();
        for (int i = 0; i < N; i++) shm_cpu_relax();
        pause_ns[r] = (double)(shm_now_ns() - t0) / N;
        uint64_t x = 0;
        t0 = shm_now_ns();
        for (int i = 0; i < N; i++) x += shm_now_ns();
        clock_ns[r] = (double)(shm_now_ns() - t0) / N + (double)(x & 0);
        /* write+wake and read+wake, in batches that fit the ring */
        uint64_t tw = 0, tr = 0;
        for (int b = 0; b < N / 1000; b++) {
            t0 = shm_now_ns();
            for (int i = 0; i < 1000; i++) { CHECK(shm_ring_write(&p, msg, 16) == 16); shm_ring_wake_consumer(&p); }
            uint64_t t1 = shm_now_ns();
            for (int i = 0; i < 1000; i++) { CHECK(shm_ring_read(&c, out, 16) == 16); shm_ring_wake_producer(&c); }
            tr += shm_now_ns() - t1;
            tw += t1 - t0;
        }
        wr_ns[r] = (double)tw / N;
        rd_ns[r] = (double)tr / N;
        /* bounded park, no spin, 1 us timeout: with this thread's default timer slack and
         * with 1 ns, alternating so both see the same load */
        CHECK(prctl(PR_SET_TIMERSLACK, slack0, 0, 0, 0) == 0);
        t0 = shm_now_ns();
        shm_ring_wait_data(&c, 0, 1000);
        park_us[r] = (double)(shm_now_ns() - t0) / 1e3;
        CHECK(prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == 0);
        t0 = shm_now_ns();
        shm_ring_wait_data(&c, 0, 1000);
        park1_us[r] = (double)(shm_now_ns() - t0) / 1e3;
    }
    printf("costs | pause %.1f ns | clock_gettime %.1f ns | write16+wake check %.1f ns | read16+wake check %.1f ns | "
           "shortest spin 64 x pause = %.1f us | park with 1 us timeout %.1f us (timer slack %lu ns), %.1f us (slack 1 ns)\n",
           median(pause_ns, REPS), median(clock_ns, REPS), median(wr_ns, REPS), median(rd_ns, REPS),
           64 * median(pause_ns, REPS) / 1e3, median(park_us, REPS), slack0, median(park1_us, REPS));
    return 0;
}
