/*
 * header_check.c -- shm_header_check accepts a good line 0 and rejects each bad field,
 * including sizes whose sum overflows 64 bits and capacities outside the absolute bounds
 * (4 KiB .. 1 GiB) even when the caller passes looser limits.
 */
#include "ring_test.h"

#define MIN SHM_RING_MIN_CAPACITY
#define MAX SHM_RING_MAX_CAPACITY

static shm_segment_header good(uint64_t req, uint64_t rep) {
    shm_segment_header h;
    memset(&h, 0, sizeof h);
    shm_header_init(&h, req, rep);
    for (unsigned i = 0; i < SHM_TOKEN_BYTES; i++) h.token[i] = (uint8_t)(i * 13 + 5);
    h.client_pid = 1234;
    return h;
}

static int check(const shm_segment_header *h, uint64_t min, uint64_t max) {
    return shm_header_check(h, h->total_size, min, max);
}

int main(void) {
    shm_segment_header h;

    /* accepted: the usual sizes and the edges */
    h = good(1 << 20, 1 << 20);  CHECK_EQ(check(&h, MIN, MAX), 0);
    h = good(MIN, MIN);          CHECK_EQ(check(&h, MIN, MAX), 0);
    h = good(MAX, MAX);          CHECK_EQ(check(&h, MIN, MAX), 0);
    h = good(MIN, MAX);          CHECK_EQ(check(&h, MIN, MAX), 0);
    h = good(1 << 16, 1 << 12);  CHECK_EQ(check(&h, 1 << 12, 1 << 16), 0); /* caller's limits inclusive */
    /* the magic spells REDISSHM in memory */
    h = good(MIN, MIN);
    CHECK(memcmp(&h.magic, "REDISSHM", 8) == 0);

    /* each identity field */
    h = good(MIN, MIN); h.magic ^= 1;                 CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.magic = 0;                  CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.layout_version = 0;         CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.layout_version = 2;         CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.header_size = 0;            CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.header_size = 8192;         CHECK_EQ(check(&h, MIN, MAX), -1);

    /* capacities: zero, not a power of two, outside the caller's limits */
    static const uint64_t bad_caps[] = {0, 4097, 3 * MIN, MIN / 2, 2 * MAX, UINT64_MAX, 1ull << 63};
    for (size_t i = 0; i < sizeof bad_caps / sizeof bad_caps[0]; i++) {
        uint64_t c = bad_caps[i];
        h = good(c, MIN); CHECK_EQ(check(&h, MIN, MAX), -1);
        h = good(MIN, c); CHECK_EQ(check(&h, MIN, MAX), -1);
    }
    h = good(1 << 17, 1 << 12); CHECK_EQ(check(&h, 1 << 12, 1 << 16), -1); /* req above caller max */
    h = good(1 << 12, 1 << 17); CHECK_EQ(check(&h, 1 << 12, 1 << 16), -1); /* rep above caller max */
    h = good(1 << 13, 1 << 12); CHECK_EQ(check(&h, 1 << 13, 1 << 16), -1); /* rep below caller min */

    /* total_size: must be exactly header + both rings, and equal the mapping */
    h = good(MIN, MIN); h.total_size += 1;            CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.total_size -= 4096;         CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN); h.total_size = 0;             CHECK_EQ(check(&h, MIN, MAX), -1);
    h = good(MIN, MIN);
    CHECK_EQ(shm_header_check(&h, h.total_size - 1, MIN, MAX), -1);  /* mapping too small */
    CHECK_EQ(shm_header_check(&h, h.total_size + 4096, MIN, MAX), -1);
    CHECK_EQ(shm_header_check(&h, 0, MIN, MAX), -1);

    /* a caller that passes loose limits still gets the absolute bounds: 2^63 + 2^63 wraps
     * to 0, which would make a 4096-byte mapping look like it holds two 2^63-byte rings */
    h = good(1ull << 63, 1ull << 63);
    CHECK_EQ(h.total_size, SHM_HEADER_SIZE);          /* the wrap the check must not trust */
    CHECK_EQ(shm_header_check(&h, SHM_HEADER_SIZE, 1, UINT64_MAX), -1);
    h = good(2 * MAX, MIN); CHECK_EQ(check(&h, 1, UINT64_MAX), -1);  /* above 1 GiB */
    h = good(MIN / 2, MIN); CHECK_EQ(check(&h, 1, UINT64_MAX), -1);  /* below 4 KiB */
    h = good(1, 1);         CHECK_EQ(check(&h, 0, UINT64_MAX), -1);

    /* fields the check does not judge (token, pid, line 1) do not matter to it */
    h = good(MIN, MIN); memset(h.token, 0, sizeof h.token); h.client_pid = 0;
    h.state = SHM_STATE_CLAIMED; h.session_id = 99;   CHECK_EQ(check(&h, MIN, MAX), 0);

    printf("header_check: ok\n");
    return 0;
}
