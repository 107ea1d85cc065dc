/*
 * stream.c -- one-way streaming throughput through one ring: the producer writes chunks
 * of a fixed size as fast as the ring takes them, the consumer copies them out. Rate =
 * bytes / wall time from the first write to the last byte read (ring bytes, not counting
 * the copies in and out separately).
 *   stream [procs] [pin] [chunk=B] [cap=B] [bytes=N] [park] [spin=NS]
 *     procs  consumer in a forked process (default: a thread)
 *     pin    producer on CPU 0, consumer on CPU 1
 *     park   use the spin-then-park waits (spin budget `spin`, default 2000 ns) instead
 *            of polling with pause
 */
#include "bench.h"

typedef struct cfg {
    int procs, pin, park;
    uint64_t chunk, cap, bytes, spin;
    bench_seg seg;
    uint64_t *result;                        /* shared page: consumer's parks, byte count, end time */
} cfg;

static void *consumer(void *a) {
    cfg *c = (cfg *)a;
    bench_pin(c->pin ? 1 : -1);
    shm_ring r;
    shm_ring_attach(&r, &c->seg.h->req, c->seg.req_data, c->seg.req_cap, 0);
    uint8_t *buf = (uint8_t *)malloc(c->chunk);
    CHECK(buf);
    uint64_t got = 0, sum = 0;
    while (got < c->bytes) {
        int64_t n = shm_ring_read(&r, buf, c->chunk);
        CHECK(n >= 0);
        if (n == 0) {
            if (c->park) CHECK(shm_ring_wait_data(&r, c->spin, 100ull * 1000 * 1000) >= 0);
            else shm_cpu_relax();
            continue;
        }
        sum += buf[0];                        /* touch the copy */
        got += (uint64_t)n;
        if (c->park) shm_ring_wake_producer(&r);
    }
    c->result[0] = r.parks;
    c->result[1] = got + (sum & 0);
    c->result[2] = shm_now_ns();
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    cfg c;
    memset(&c, 0, sizeof c);
    c.chunk = 4096; c.cap = 1 << 20; c.bytes = 2ull << 30; c.spin = 2000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "procs")) c.procs = 1;
        else if (!strcmp(a, "pin")) c.pin = 1;
        else if (!strcmp(a, "park")) c.park = 1;
        else if (!strncmp(a, "chunk=", 6)) c.chunk = strtoull(a + 6, NULL, 0);
        else if (!strncmp(a, "cap=", 4)) c.cap = strtoull(a + 4, NULL, 0);
        else if (!strncmp(a, "bytes=", 6)) c.bytes = strtoull(a + 6, NULL, 0);
        else if (!strncmp(a, "spin=", 5)) c.spin = strtoull(a + 5, NULL, 0);
        else { fprintf(stderr, "unknown argument %s\n", a); return 2; }
    }
    CHECK(c.chunk >= 1 && shm_is_pow2(c.cap));
    bench_seg_init(&c.seg, c.cap, SHM_RING_MIN_CAPACITY);
    c.result = (uint64_t *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(c.result != MAP_FAILED);
    uint8_t *src = (uint8_t *)malloc(c.chunk);
    CHECK(src);
    memset(src, 'y', c.chunk);

    bench_peer peer;
    bench_peer_start(&peer, c.procs, consumer, &c);
    bench_pin(c.pin ? 0 : -1);
    shm_ring w;
    shm_ring_attach(&w, &c.seg.h->req, c.seg.req_data, c.seg.req_cap, 1);
    usleep(20000);                            /* let the consumer reach its loop */
    uint64_t t0 = shm_now_ns(), sent = 0, full = 0;
    while (sent < c.bytes) {
        uint64_t want = c.bytes - sent < c.chunk ? c.bytes - sent : c.chunk;
        int64_t n = shm_ring_write(&w, src, want);
        CHECK(n >= 0);
        if (n == 0) {
            full++;
            if (c.park) CHECK(shm_ring_wait_space(&w, want, c.spin, 100ull * 1000 * 1000) >= 0);
            else shm_cpu_relax();
            continue;
        }
        sent += (uint64_t)n;
        if (c.park) shm_ring_wake_consumer(&w);
    }
    bench_peer_join(&peer);
    CHECK_EQ(c.result[1], c.bytes);
    double secs = (double)(c.result[2] - t0) / 1e9;
    printf("stream %-7s %-5s %-4s chunk=%-6llu cap=%-7llu %6.2f GB/s  (%llu MiB in %.3f s; producer parks %llu, consumer parks %llu)\n",
           c.procs ? "procs" : "threads", c.pin ? "pin" : "nopin", c.park ? "park" : "spin",
           (unsigned long long)c.chunk, (unsigned long long)c.cap, (double)c.bytes / secs / 1e9,
           (unsigned long long)(c.bytes >> 20), secs, (unsigned long long)w.parks,
           (unsigned long long)c.result[0]);
    free(src);
    return 0;
}
