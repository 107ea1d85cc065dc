/*
 * reply.h -- a session's reply bytes: into REP, or into its private overflow when REP is
 * full, held back while an AOF gate is up (appendonly yes). Used by exec.c (each command's
 * reply) and worker.c (flushing the overflow); reads only state.h and the session.
 */
#ifndef REDIS_SHM_REPLY_H
#define REDIS_SHM_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include "state.h"

/* Replies may pile up privately (a client that writes a long pipeline before reading)
 * up to this much; then the session runs no more commands until the client reads. */
#define SHM_OUT_LIMIT (16u << 20)

/* Under the lock: reply bytes of session s, in order. `gate` holds them (and all later
 * ones) until the AOF write (and fsync, if always) of the next beforeSleep (appendonly yes). */
void shm_emit(shm_session *s, const char *p, size_t n, int gate);
/* Under the lock: lifts the gate once a beforeSleep ran after the gated replies. */
void shm_reply_release_gate(shm_session *s, uint64_t epoch);
/* Moves releasable overflow bytes into REP as space allows. Returns bytes moved. */
size_t shm_reply_flush(shm_session *s);
/* The session may run another command: its overflow is below SHM_OUT_LIMIT. */
int shm_reply_can_run(const shm_session *s);

#endif
