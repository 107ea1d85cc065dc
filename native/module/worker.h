/*
 * worker.h -- serving threads. Each owns a list of sessions; it copies request bytes
 * out of their REQ rings, parses, and runs bounded batches under the module lock,
 * writing reply bytes into REP (or a private overflow when REP is full). Idle, it
 * spins for shm.spin-us and then parks on futex_waitv over its sessions' REQ futexes
 * plus a private wake word.
 */
#ifndef REDIS_SHM_WORKER_H
#define REDIS_SHM_WORKER_H

#include <pthread.h>
#include <stdint.h>
#include "state.h"

#define SHM_HIST_BUCKETS 40       /* lock-hold histogram, bucket i = [2^i, 2^(i+1)) ns */

typedef struct shm_worker {
    pthread_t tid;
    int index;
    RedisModuleCtx *ctx;          /* detached thread-safe context */
    pthread_mutex_t inbox_lock;
    shm_session *inbox;           /* handed over by the main thread */
    shm_session *list;            /* owned */
    uint32_t nsessions;           /* atomic: owned + inbox, for placement */
    uint32_t wake_word;           /* private futex the main thread bumps */
    uint32_t stop;
    /* Lending (worker.c, "loading"): SHM_OWNED while the thread itself may touch its sessions;
     * SHM_LENT while it waits for the module lock or for the main thread, when a main-thread
     * holder of the lock may claim them (SHM_SERVED_BY_MAIN) and serve one pass. */
    uint32_t lent;
    uint32_t served;              /* futex word: bumped after each main-thread pass */
    int serve_held;               /* that pass held or deferred a command (published by lent) */
    uint64_t effects_since;       /* first batch with effects not yet followed by a nudge */
    uint64_t spin_ns;             /* current adaptive spin budget (<= shm.spin-us) */
    uint64_t idle_periods;
    /* statistics (relaxed; single writer) */
    uint64_t lock_holds, commands, spins, parks, park_timeouts, missed_wakes, held, hist[SHM_HIST_BUCKETS];
} shm_worker;

int shm_workers_start(RedisModuleCtx *ctx, int n);
void shm_workers_stop(void);
int shm_workers_count(void);
shm_worker *shm_worker_at(int i);
enum { SHM_OWNED = 0, SHM_LENT = 1, SHM_SERVED_BY_MAIN = 2 };

/* Main thread, lock held, during a load: one pass (requests in, a batch, replies out)
 * for every serving thread that lent its sessions. */
void shm_workers_serve_lent(void);
/* Any thread: queue shm_workers_serve_lent on the main loop (deduplicated). */
void shm_workers_request_serve(void);
/* Main thread, at the end of a load: threads waiting for a main-thread pass re-check. */
void shm_workers_loading_ended(void);
/* Main thread: give a claimed session to the least loaded serving thread, or (on_main) to
 * the main thread's own list (WAKE SOCKET sessions, served in BEFORE_SLEEP). */
void shm_worker_adopt(shm_session *s, int on_main);
/* Main thread, module load / unload: the main thread's serving state (its context). */
int shm_main_start(RedisModuleCtx *ctx);
void shm_main_stop(void);
/* Main thread, BEFORE_SLEEP (lock held): serve the main thread's sessions within the
 * iteration's budget, then announce the sleep to their clients (REQ consumer_parked). */
void shm_main_before_sleep(void);
/* Main thread, AFTER_SLEEP: the loop is awake, clients need not ring. */
void shm_main_after_sleep(void);
/* Main thread, lock held, during a load: one pass over the main thread's sessions. */
void shm_main_serve_loading(void);
/* The main thread serves at least one session. */
int shm_main_serving(void);
/* The main thread's pseudo-worker (statistics, SHM.INFO). */
shm_worker *shm_main_worker(void);
/* Any thread: make the owner look at its sessions now (closing flag, inbox). */
void shm_worker_kick(shm_worker *w);
void shm_workers_kick_all(void);
/* The p-th percentile of lock-hold time over all threads, in ns (bucket upper bound). */
uint64_t shm_lock_hold_percentile(double p);
/* Main thread: close a session that is in the table (reason written to the segment). */
void shm_session_close_locked(shm_session *s, uint32_t reason);

#endif
