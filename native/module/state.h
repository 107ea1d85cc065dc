/*
 * state.h -- the module's shared state: configuration, server knobs, the session table
 * and statistics. Defined in state.c; below every file that uses it (reply, exec,
 * worker, module), so that no layer reads state from a layer above it.
 *
 * Config values are written by the main thread and read by serving threads with
 * relaxed atomic loads (each is an independent knob; no ordering with other data).
 * The session table and the session fields user/db/resp3 are only touched with the
 * module lock (the GIL) held.
 */
#ifndef REDIS_SHM_STATE_H
#define REDIS_SHM_STATE_H

#include <stdint.h>
#include "rm_api.h"
#include "session.h"

typedef struct shm_config {
    long long min_ring, max_ring, max_sessions, spin_us, max_batch, threads;
} shm_config;

typedef struct shm_globals {
    shm_config cfg;
    uint64_t proto_max_bulk;      /* proto-max-bulk-len */
    uint64_t querybuf_limit;      /* client-query-buffer-limit */
    uint32_t aof_gate;            /* appendonly yes: write replies wait for the AOF write of the next beforeSleep */
    uint32_t allow_debug, allow_module;   /* enable-debug-command / enable-module-command not "no" */
    uint32_t serve_stale;         /* replica-serve-stale-data */
    uint32_t loading;             /* between the LOADING start and end events (main thread writes) */
    uint32_t serve_pending;       /* a main-thread pass (worker.c) was requested on serve_fd */
    int serve_fd;                 /* eventfd in the main event loop: serving threads ask for a pass */
    uint64_t sleep_epoch;         /* count of beforeSleep runs (EventLoop BEFORE_SLEEP) */
    uint32_t gated_sessions;      /* sessions whose replies wait for an AOF fsync */
    uint32_t nudge_pending;
    uint64_t live_sessions;       /* opened and not yet freed (incl. closing ones) */
    shm_table table;              /* under the GIL */
    uint64_t next_session_id;     /* under the GIL */
    /* statistics (relaxed) */
    uint64_t opened, closed, open_errors, protocol_errors, corrupt, faults, nudges, loading_serves;
} shm_globals;

extern shm_globals G;

/* relaxed: each config value is an independent knob, read without ordering */
static inline long long shm_cfg_get(const long long *v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }


#endif
