/*
 * langs.c -- the header compiles as ISO C11 and as C++17 (both -pedantic, gcc and clang
 * when present): this one file is built both ways and runs the same checks: the layout
 * offsets other code relies on, a round trip, a park that times out, and wakes that
 * find no sleeper.
 */
#include "../shm_ring.h"

#include <stdio.h>
#include <stdlib.h>

#define EXPECT(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); return 1; } } while (0)

#ifdef __cplusplus
#define LANG "C++17"
#else
#define LANG "C11"
#endif

/* docs/protocol.md section 1 and 2, spelled out once more from the using side */
SHM_STATIC_ASSERT(offsetof(shm_segment_header, magic) == 0, "magic");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, layout_version) == 8, "layout_version");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, header_size) == 12, "header_size");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, req_capacity) == 16, "req_capacity");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, rep_capacity) == 24, "rep_capacity");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, total_size) == 32, "total_size");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, close_reason) == 68, "close_reason");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, server_pid) == 72, "server_pid");
SHM_STATIC_ASSERT(offsetof(shm_ring_ctl, tail) == 0, "tail");
SHM_STATIC_ASSERT(offsetof(shm_ring_ctl, data_futex) == 132, "data_futex");
SHM_STATIC_ASSERT(offsetof(shm_ring_ctl, producer_parked) == 136, "producer_parked");

int main(void) {
    static uint8_t seg[SHM_HEADER_SIZE + 2 * 4096];
    shm_segment_header *h = (shm_segment_header *)(void *)seg;
    shm_header_init(h, 4096, 4096);
    EXPECT(shm_header_check(h, sizeof seg, SHM_RING_MIN_CAPACITY, SHM_RING_MAX_CAPACITY) == 0);

    shm_ring p, c;
    shm_ring_attach(&p, &h->req, seg + SHM_HEADER_SIZE, h->req_capacity, 1);
    shm_ring_attach(&c, &h->req, seg + SHM_HEADER_SIZE, h->req_capacity, 0);
    const char msg[] = "*1\r\n$4\r\nPING\r\n";
    char got[sizeof msg] = {0};
    EXPECT(shm_ring_wake_consumer(&p) == 0);                 /* nobody parked: no syscall */
    EXPECT(shm_ring_write(&p, msg, sizeof msg) == (int64_t)sizeof msg);
    EXPECT(shm_ring_wait_data(&c, 0, 0) == (int64_t)sizeof msg); /* ready: returns at once */
    EXPECT(shm_ring_read(&c, got, sizeof got) == (int64_t)sizeof msg);
    EXPECT(memcmp(got, msg, sizeof msg) == 0);
    EXPECT(shm_ring_wake_producer(&c) == 0);
    EXPECT(p.wakes == 0 && c.wakes == 0);

    /* empty ring: spin 20 us, then park 2 ms, then report a timeout (0) */
    uint64_t t0 = shm_now_ns();
    EXPECT(shm_ring_wait_data(&c, 20000, 2000000) == 0);
    uint64_t took = shm_now_ns() - t0;
    EXPECT(took >= 2000000);
    EXPECT(c.parks == 1);
    EXPECT(h->req.consumer_parked == 0);                     /* flag cleared after the park */

    /* full ring: wait_space for the whole capacity times out the same way */
    static uint8_t fill[4096];
    EXPECT(shm_ring_write(&p, fill, sizeof fill) == 4096);
    EXPECT(shm_ring_wait_space(&p, 1, 0, 1000000) == 0);
    EXPECT(p.parks == 1);
    EXPECT(h->req.producer_parked == 0);
    /* want larger than the ring is clamped to the ring */
    EXPECT(shm_ring_read(&c, fill, sizeof fill) == 4096);
    EXPECT(shm_ring_wait_space(&p, 1u << 20, 0, 1000000) == 4096);

    printf("langs: ok as %s (park timeout took %.2f ms)\n", LANG, (double)took / 1e6);
    return 0;
}
