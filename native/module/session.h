/*
 * session.h -- one shm session (a claimed segment serving one socket client), the
 * session table and the private byte buffers. Pure bookkeeping: no Redis API.
 *
 * Ownership: the main thread creates a session at SHM.OPEN and hands it to one serving
 * thread, which from then on owns the mapping and frees it. The table (which sessions
 * are live, by client id / inode / id) is only touched with the module lock held, by
 * the main thread or by a serving thread. A session is in the table exactly while its
 * mapping may be touched by the main thread; a serving thread unmaps only after the
 * session left the table.
 */
#ifndef REDIS_SHM_SESSION_H
#define REDIS_SHM_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include "shm_ring.h"
#include "parse.h"

/* A growable private byte buffer: live bytes are p[start..end). */
typedef struct shm_buf { char *p; size_t start, end, cap; } shm_buf;

void shm_buf_free(shm_buf *b);
static inline size_t shm_buf_len(const shm_buf *b) { return b->end - b->start; }
/* Makes room for `want` more bytes at the end (compacting first). Returns the write
 * pointer, or NULL when the buffer would exceed `limit` bytes or memory is short. */
char *shm_buf_reserve(shm_buf *b, size_t want, size_t limit);
static inline void shm_buf_commit(shm_buf *b, size_t n) { b->end += n; }
void shm_buf_consume(shm_buf *b, size_t n);
int shm_buf_append(shm_buf *b, const void *p, size_t n);

/* Per-session counters; written by the serving thread, read (relaxed) by SHM.INFO. */
typedef struct shm_counters {
    uint64_t bytes_in, bytes_out, cmds_in, cmds_out, parks, wakes, held;
} shm_counters;

typedef struct shm_session {
    uint64_t id;
    uint64_t client_id;
    uint64_t dev, ino;
    /* mapping, geometry from the validated private copy of line 0 */
    uint8_t *base;
    uint64_t size;
    shm_segment_header line0;
    int reg_slot;                 /* SIGBUS registry slot */
    shm_segment_header *hdr;      /* == base */
    shm_ring req;                 /* we consume */
    shm_ring rep;                 /* we produce */
    /* captured client state; read/written only under the module lock */
    char *user;
    int db;
    int resp3;
    int readonly;                 /* the connection sent READONLY (cluster replicas; redirect.h) */
    /* serving-thread private state */
    shm_buf in;                   /* request bytes copied out of REQ */
    shm_buf out;                  /* reply bytes that did not fit into REP */
    shm_parser parser;
    int cmd_ready;                /* parser holds a complete command */
    int close_reason;             /* set by the serving thread when it must close */
    /* set by the main thread (closing) and observed by the serving thread */
    uint32_t closing;             /* atomic: a shm_close_reason, 0 = open */
    int in_table;
    int gated;                    /* bytes of `out` past out_free wait for a beforeSleep > gate */
    uint64_t gate;
    size_t out_free;              /* leading bytes of `out` that may go to REP now */
    int dead;                     /* left the table; the serving thread unmaps and frees it */
    struct shm_worker *owner;     /* the serving thread */
    struct shm_session *next;     /* serving thread's list */
    shm_counters c;
} shm_session;

/* The table of live sessions. */
typedef struct shm_table { shm_session **s; size_t count, cap; } shm_table;

int shm_table_add(shm_table *t, shm_session *s);
int shm_table_remove(shm_table *t, shm_session *s);   /* 1 if it was there */
shm_session *shm_table_by_client(const shm_table *t, uint64_t client_id);
shm_session *shm_table_by_inode(const shm_table *t, uint64_t dev, uint64_t ino);
void shm_table_free(shm_table *t);

/* Relaxed counter updates: single writer, racy readers want a recent value, no ordering. */
static inline void shm_count(uint64_t *c, uint64_t n) {
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);   /* relaxed: see above */
}
static inline uint64_t shm_read_count(const uint64_t *c) { return __atomic_load_n(c, __ATOMIC_RELAXED); }   /* relaxed: a statistic */

#endif
