/*
 * segment.h -- open, validate and claim a client's segment (docs/protocol.md §4).
 * Plain POSIX, no Redis API; unit-tested in test/test_segment.c.
 */
#ifndef REDIS_SHM_SEGMENT_H
#define REDIS_SHM_SEGMENT_H

#include <stddef.h>
#include <stdint.h>
#include "shm_ring.h"

typedef struct shm_mapping {
    uint8_t *base;
    uint64_t size;
    uint64_t dev, ino;
    int reg_slot;                 /* SIGBUS registry slot */
    shm_segment_header line0;     /* private, validated copy of line 0 (rest zero) */
} shm_mapping;

/* "/redis-shm." followed by exactly 32 lowercase hex characters. */
int shm_name_valid(const char *name, size_t len);
/* 32 hex characters (either case) to 16 bytes; 0 on success. */
int shm_token_parse(const char *hex, size_t len, uint8_t out[SHM_TOKEN_BYTES]);
/* Constant-time comparison; 1 when equal. */
int shm_token_equal(const uint8_t *a, const uint8_t *b);

/* Opens (O_NOFOLLOW), checks (regular file, size within limits), maps and closes the
 * fd, registers the mapping for SIGBUS, copies and validates line 0. On failure
 * writes an error reply text into err and returns -1 with nothing left mapped. */
int shm_segment_map(const char *name, uint64_t min_cap, uint64_t max_cap, shm_mapping *m,
                    char *err, size_t errlen);
/* Token check, empty rings, state NEW -> CLAIMED with server_pid and session_id. */
int shm_segment_claim(shm_mapping *m, const uint8_t token[SHM_TOKEN_BYTES], uint32_t pid,
                      uint64_t session_id, char *err, size_t errlen);
void shm_segment_unmap(shm_mapping *m);
/* Writes close_reason then state = CLOSED (first reason wins) and wakes both parked
 * client sides. Returns 1 if this call closed it. */
int shm_segment_mark_closed(shm_segment_header *h, uint32_t reason);

#endif
