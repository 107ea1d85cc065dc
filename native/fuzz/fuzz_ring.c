/*
 * fuzz_ring.c -- libFuzzer target for the ring (native/ring/shm_ring.h) with hostile indices.
 *
 * One producer and one consumer endpoint share a control block and a data area of exactly
 * `cap` bytes (its own heap block, so ASan sees every byte past the ring). The input is a
 * program: writes, reads, and pokes of arbitrary or nearly right values into the shared
 * tail and head (a hostile peer), re-attaches on whatever the indices hold, and probes.
 * Checks: calls return -1 or a count within bounds, never more than asked; while nobody
 * has poked, every byte read is the byte written at that stream position (so the ring is
 * also checked for plain correctness, wrap-around included).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shm_ring.h"

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "fuzz_ring: %s failed at line %d\n", #c, __LINE__); abort(); } } while (0)

static uint8_t pattern(uint64_t pos) { return (uint8_t)(pos * 31u + (pos >> 8)); }

typedef struct { const uint8_t *p; size_t n; } input;
static uint64_t take(input *in, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes && in->n; i++, in->p++, in->n--) v |= (uint64_t)in->p[0] << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    input in = {data, size};
    uint64_t cap = 1ull << (take(&in, 1) % 8);   /* 1..128 bytes: wrap-around all the time */
    shm_ring_ctl *ctl = calloc(1, sizeof *ctl);
    uint8_t *ring = malloc(cap);
    REQUIRE(ctl && ring);
    memset(ring, 0xEE, cap);
    shm_ring prod, cons;
    shm_ring_attach(&prod, ctl, ring, cap, 1);
    shm_ring_attach(&cons, ctl, ring, cap, 0);
    int poked = 0;
    uint64_t wrote = 0, got = 0;   /* stream positions, valid while nothing was poked */
    while (in.n) {
        unsigned op = (unsigned)take(&in, 1) % 12;
        if (op <= 2) {                                   /* write */
            size_t len = (size_t)take(&in, 1) % (2 * cap + 2);
            uint8_t *buf = malloc(len ? len : 1);
            for (size_t i = 0; i < len; i++) buf[i] = pattern(wrote + i);
            int64_t w = shm_ring_write(&prod, buf, len);
            REQUIRE(w >= -1 && w <= (int64_t)len);
            if (w > 0) wrote += (uint64_t)w;
            if (!poked) REQUIRE(w >= 0 && wrote - got <= cap);
            free(buf);
        } else if (op <= 5) {                            /* read into a buffer of exactly len bytes */
            size_t len = (size_t)take(&in, 1) % (2 * cap + 2);
            uint8_t *buf = malloc(len ? len : 1);
            int64_t r = shm_ring_read(&cons, buf, len);
            REQUIRE(r >= -1 && r <= (int64_t)len);
            if (!poked) {
                REQUIRE(r >= 0);
                for (int64_t i = 0; i < r; i++) REQUIRE(buf[i] == pattern(got + (uint64_t)i));
                got += (uint64_t)r;
                REQUIRE(got <= wrote);
            }
            free(buf);
        } else if (op == 6) {                            /* hostile producer: any tail */
            __atomic_store_n(&ctl->tail, take(&in, 8), __ATOMIC_RELEASE);   /* release: as a peer would publish */
            poked = 1;
        } else if (op == 7) {                            /* hostile consumer: any head */
            __atomic_store_n(&ctl->head, take(&in, 8), __ATOMIC_RELEASE);   /* release: as a peer would publish */
            poked = 1;
        } else if (op == 8) {                            /* nearly right: small delta either way */
            int64_t d = (int8_t)take(&in, 1);
            uint64_t *idx = d & 1 ? &ctl->tail : &ctl->head;
            __atomic_store_n(idx, __atomic_load_n(idx, __ATOMIC_RELAXED) + (uint64_t)d, __ATOMIC_RELEASE);   /* relaxed load / release store: single-threaded fuzz, peer-style publish */
            poked = 1;
        } else if (op == 9) {                            /* a side restarts and attaches to what is there */
            if (take(&in, 1) & 1) shm_ring_attach(&prod, ctl, ring, cap, 1);
            else shm_ring_attach(&cons, ctl, ring, cap, 0);
            poked = 1;   /* a re-attached side restarts from the shared index: stop checking content */
        } else if (op == 10) {
            int64_t a = shm_ring_readable(&cons), b = shm_ring_writable(&prod);
            REQUIRE(a >= -1 && a <= (int64_t)cap && b >= -1 && b <= (int64_t)cap);
        } else {                                         /* waits that must not block: spin only, 1 us park */
            int64_t a = shm_ring_wait_data(&cons, 0, 1000), b = shm_ring_wait_space(&prod, take(&in, 1), 0, 1000);
            REQUIRE(a >= -1 && a <= (int64_t)cap && b >= -1 && b <= (int64_t)cap);
        }
    }
    free(ring);
    free(ctl);
    return 0;
}
