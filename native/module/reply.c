/* reply.c -- see reply.h. */
#include "reply.h"

void shm_emit(shm_session *s, const char *p, size_t n, int gate) {
    if (n == 0) return;
    shm_count(&s->c.cmds_out, 1);
    if (gate) {
        /* appendonly yes: this reply (and all after it) waits for the AOF write (and fsync,
         * if always) that the next beforeSleep does; relaxed: the epoch is bumped under the
         * lock we hold */
        s->gate = __atomic_load_n(&G.sleep_epoch, __ATOMIC_RELAXED);
        if (!s->gated) __atomic_fetch_add(&G.gated_sessions, 1, __ATOMIC_RELAXED);   /* relaxed: a hint */
        s->gated = 1;
    }
    if (!s->gated && shm_buf_len(&s->out) == 0 && !s->close_reason) {
        int64_t w = shm_ring_write(&s->rep, p, n);
        if (w < 0) { s->close_reason = SHM_CLOSE_CORRUPT; return; }
        shm_count(&s->c.bytes_out, (uint64_t)w);
        p += w;
        n -= (size_t)w;
    }
    if (n == 0) return;
    if (shm_buf_append(&s->out, p, n) != 0) { s->close_reason = SHM_CLOSE_SERVER; return; }   /* out of memory */
    if (!s->gated) s->out_free += n;
}

/* Under the lock: a beforeSleep ran since the gated replies, so the AOF holding their
 * writes was written (fsynced, if always) before it released the lock we now hold. */
void shm_reply_release_gate(shm_session *s, uint64_t epoch) {
    if (!s->gated || epoch <= s->gate) return;
    s->gated = 0;
    s->out_free = shm_buf_len(&s->out);
    __atomic_fetch_sub(&G.gated_sessions, 1, __ATOMIC_RELAXED);   /* relaxed: a hint */
}

/* Moves releasable overflow bytes into REP as space allows. Returns bytes moved. */
size_t shm_reply_flush(shm_session *s) {
    size_t len = s->out_free;
    if (len == 0) return 0;
    int64_t w = shm_ring_write(&s->rep, s->out.p + s->out.start, len);
    if (w < 0) { s->close_reason = SHM_CLOSE_CORRUPT; return 0; }
    shm_buf_consume(&s->out, (size_t)w);
    s->out_free -= (size_t)w;
    shm_count(&s->c.bytes_out, (uint64_t)w);
    return (size_t)w;
}

int shm_reply_can_run(const shm_session *s) { return shm_buf_len(&s->out) < SHM_OUT_LIMIT; }
