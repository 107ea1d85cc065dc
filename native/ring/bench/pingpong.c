/*
 * pingpong.c -- round-trip latency through the two rings of one segment: the client writes
 * a small request on REQ, the server reads it and writes a reply of the same size on REP,
 * the client reads it. Timed by the client with CLOCK_MONOTONIC around each round trip.
 *   pingpong [procs] [pin] [n=N] [size=B] [cspin=NS] [sspin=NS] [interval_us=U]
 *     procs        server in a forked process (default: a thread)
 *     pin          client on CPU 0, server on CPU 1
 *     cspin/sspin  spin budgets of client / server before parking (default: spin forever)
 *     interval_us  silence between a reply and the next request (the client sleeps), to
 *                  measure wake-from-park
 * Prints one line: min / p50 / p99 / p99.9 / max in microseconds, and park/wake counts.
 */
#include "bench.h"

#include <sys/prctl.h>

#define SPIN_FOREVER (UINT64_MAX / 4)

typedef struct stats { uint64_t server_parks, server_wakes; } stats;

typedef struct cfg {
    int procs, pin;
    uint64_t n, size, cspin, sspin, interval_us;
    bench_seg seg;
    stats *st;                               /* in a shared page, so the child can report */
} cfg;

static void read_exact(shm_ring *r, uint8_t *buf, uint64_t len, uint64_t spin, uint64_t park) {
    uint64_t got = 0;
    while (got < len) {
        int64_t v = shm_ring_wait_data(r, spin, park);
        CHECK(v >= 0);
        if (v == 0) continue;
        int64_t n = shm_ring_read(r, buf + got, len - got);
        CHECK(n >= 0);
        got += (uint64_t)n;
    }
    shm_ring_wake_producer(r);
}

static void *server(void *a) {
    cfg *c = (cfg *)a;
    bench_pin(c->pin ? 1 : -1);
    shm_ring req, rep;
    shm_ring_attach(&req, &c->seg.h->req, c->seg.req_data, c->seg.req_cap, 0);
    shm_ring_attach(&rep, &c->seg.h->rep, c->seg.rep_data, c->seg.rep_cap, 1);
    uint8_t buf[4096];
    for (;;) {
        read_exact(&req, buf, c->size, c->sspin, 100ull * 1000 * 1000); /* parks time out like the module's */
        if (buf[0] == 0xff) break;
        buf[0] ^= 1;
        CHECK_EQ(shm_ring_write(&rep, buf, c->size), c->size);
        shm_ring_wake_consumer(&rep);
    }
    c->st->server_parks = req.parks;
    c->st->server_wakes = rep.wakes;
    return NULL;
}

int main(int argc, char **argv) {
    cfg c;
    memset(&c, 0, sizeof c);
    c.n = 200000; c.size = 16; c.cspin = c.sspin = SPIN_FOREVER;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "procs")) c.procs = 1;
        else if (!strcmp(a, "pin")) c.pin = 1;
        else if (!strncmp(a, "n=", 2)) c.n = strtoull(a + 2, NULL, 0);
        else if (!strncmp(a, "size=", 5)) c.size = strtoull(a + 5, NULL, 0);
        else if (!strncmp(a, "cspin=", 6)) c.cspin = strtoull(a + 6, NULL, 0);
        else if (!strncmp(a, "sspin=", 6)) c.sspin = strtoull(a + 6, NULL, 0);
        else if (!strncmp(a, "interval_us=", 12)) c.interval_us = strtoull(a + 12, NULL, 0);
        else { fprintf(stderr, "unknown argument %s\n", a); return 2; }
    }
    CHECK(c.size >= 1 && c.size <= 4096 && c.n >= 1);
    bench_seg_init(&c.seg, 1 << 16, 1 << 16);
    c.st = (stats *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(c.st != MAP_FAILED);

    bench_peer peer;
    bench_peer_start(&peer, c.procs, server, &c);
    bench_pin(c.pin ? 0 : -1);
    shm_ring req, rep;
    shm_ring_attach(&req, &c.seg.h->req, c.seg.req_data, c.seg.req_cap, 1);
    shm_ring_attach(&rep, &c.seg.h->rep, c.seg.rep_data, c.seg.rep_cap, 0);

    uint64_t warm = c.n / 10 < 1000 ? c.n / 10 : 1000;
    uint64_t *lat = (uint64_t *)malloc(c.n * sizeof *lat);
    CHECK(lat);
    uint8_t msg[4096], got[4096];
    memset(msg, 'x', sizeof msg);
    /* relative sleeps: every request follows at least interval_us of silence, even when the
     * host delays us (an absolute schedule would catch up with back-to-back requests) */
    struct timespec gap = { (time_t)(c.interval_us / 1000000), (long)(c.interval_us % 1000000) * 1000 };
    for (uint64_t i = 0; i < warm + c.n; i++) {
        if (c.interval_us) clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL);
        msg[0] = (uint8_t)(i & 0x7e);
        uint64_t t0 = shm_now_ns();
        CHECK_EQ(shm_ring_write(&req, msg, c.size), c.size);
        shm_ring_wake_consumer(&req);
        read_exact(&rep, got, c.size, c.cspin, 0);
        uint64_t t1 = shm_now_ns();
        CHECK(got[0] == (msg[0] ^ 1));
        if (i >= warm) lat[i - warm] = t1 - t0;
    }
    msg[0] = 0xff;                            /* stop */
    CHECK_EQ(shm_ring_write(&req, msg, c.size), c.size);
    shm_ring_wake_consumer(&req);
    bench_peer_join(&peer);

    qsort(lat, c.n, sizeof *lat, bench_cmp_u64);
    char cs[32], ss[32];
    if (c.cspin == SPIN_FOREVER) snprintf(cs, sizeof cs, "inf"); else snprintf(cs, sizeof cs, "%lluns", (unsigned long long)c.cspin);
    if (c.sspin == SPIN_FOREVER) snprintf(ss, sizeof ss, "inf"); else snprintf(ss, sizeof ss, "%lluns", (unsigned long long)c.sspin);
    printf("pingpong %-7s %-5s size=%llu cspin=%s sspin=%s interval=%lluus n=%llu | "
           "min %.2f p50 %.2f p99 %.2f p99.9 %.2f max %.1f us | server parks %llu, wakes to client %llu, client parks %llu\n",
           c.procs ? "procs" : "threads", c.pin ? "pin" : "nopin", (unsigned long long)c.size, cs, ss,
           (unsigned long long)c.interval_us, (unsigned long long)c.n,
           (double)lat[0] / 1e3, (double)bench_pct(lat, c.n, 0.5) / 1e3, (double)bench_pct(lat, c.n, 0.99) / 1e3,
           (double)bench_pct(lat, c.n, 0.999) / 1e3, (double)lat[c.n - 1] / 1e3,
           (unsigned long long)c.st->server_parks, (unsigned long long)c.st->server_wakes,
           (unsigned long long)rep.parks);
    free(lat);
    return 0;
}
