/* worker.c -- serving threads; see worker.h. */
#include "worker.h"
#include "exec.h"
#include "reply.h"
#include "segment.h"
#include "sigbus.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 16
#define PARK_NS (100ull * 1000 * 1000)    /* park timeout: hostile or lost wakes cost at most this */
#define HOLD_NS (1000ull * 1000)          /* recheck interval while clients are paused */
#define READ_CHUNK (16u * 1024)           /* bytes copied out of REQ per pass: the server's PROTO_IOBUF_LEN */
#define BIG_ARG (32u * 1024)              /* the server's PROTO_MBULK_BIG_ARG: such a bulk is read whole */
#define BATCH_MAX_NS (50ull * 1000)       /* a lock hold stops taking commands after this */
#define NUDGE_MAX_DELAY_NS (100ull * 1000) /* longest a burst defers the main-loop nudge */
#define LEND_RECHECK_NS (1000ull * 1000)  /* a thread waiting for a main-thread pass re-checks */

static shm_worker workers[MAX_WORKERS];
static int nworkers;
static shm_worker main_w;   /* sessions the main thread serves (WAKE SOCKET, see "main thread" below) */
static int waitv_missing;   /* ENOSYS seen: fall back to timed sleeps */

int shm_workers_count(void) { return nworkers; }
shm_worker *shm_worker_at(int i) { return &workers[i]; }

/* ---------- requests ---------- */

/* Copies what REQ holds into the private buffer, unless a command is already waiting. */
static size_t pump_in(shm_session *s) {
    if (s->cmd_ready || s->close_reason) return 0;
    int64_t avail = shm_ring_readable(&s->req);
    if (avail < 0) { s->close_reason = SHM_CLOSE_CORRUPT; return 0; }
    if (avail == 0) return 0;
    /* Like a socket client's query buffer (which counts in used_memory, and so in
     * eviction): 16 KiB at a time, or the rest of a big bulk at once. */
    size_t chunk = READ_CHUNK;
    if (s->parser.bulk >= (long long)BIG_ARG) chunk = (size_t)s->parser.bulk + 2;
    size_t want = (size_t)avail < chunk ? (size_t)avail : chunk;
    /* relaxed: a knob; like the server, a client whose pending request outgrows
     * client-query-buffer-limit is closed */
    size_t limit = (size_t)__atomic_load_n(&G.querybuf_limit, __ATOMIC_RELAXED);
    size_t room = want;
    if (s->parser.bulk >= (long long)BIG_ARG) {
        /* room for the whole big bulk at once, as the server makes for a socket client's
         * (sdsMakeRoomForNonGreedy): growing by REQ-sized reads would realloc-copy the partial
         * value again and again (fresh pages each time); parser.pos is where its data starts */
        size_t whole = s->parser.pos + (size_t)s->parser.bulk + 2, live = shm_buf_len(&s->in);
        if (whole > live && whole - live > room) room = whole - live;
    }
    char *dst = shm_buf_reserve(&s->in, room, limit);
    if (!dst) { s->close_reason = SHM_CLOSE_PROTOCOL; return 0; }
    int64_t r = shm_ring_read(&s->req, dst, want);
    if (r < 0) { s->close_reason = SHM_CLOSE_CORRUPT; return 0; }
    shm_buf_commit(&s->in, (size_t)r);
    shm_count(&s->c.bytes_in, (uint64_t)r);
    shm_ring_wake_producer(&s->req);   /* a client waiting for REQ space may go on */
    return (size_t)r;
}

/* Parses the next request; empty ones are skipped, a malformed one gets Redis's error
 * and closes the session after the reply. Sets cmd_ready for a complete command. */
static void parse_next(shm_session *s) {
    while (!s->cmd_ready && !s->close_reason && shm_buf_len(&s->in) > 0) {
        s->parser.max_bulk = __atomic_load_n(&G.proto_max_bulk, __ATOMIC_RELAXED);   /* relaxed: a config knob */
        int r = shm_parse(&s->parser, s->in.p + s->in.start, shm_buf_len(&s->in));
        if (r == SHM_PARSE_MORE) return;
        if (r == SHM_PARSE_CMD) { s->cmd_ready = 1; return; }
        if (r == SHM_PARSE_EMPTY) {
            shm_buf_consume(&s->in, s->parser.pos);
            shm_parser_next(&s->parser);
            continue;
        }
        char line[200];
        int n = snprintf(line, sizeof line, "-%s\r\n", s->parser.err);
        shm_emit(s, line, (size_t)n, 0);
        s->close_reason = SHM_CLOSE_PROTOCOL;
        __atomic_fetch_add(&G.protocol_errors, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
    }
}

static void finish_command(shm_session *s) {
    shm_buf_consume(&s->in, s->parser.pos);
    shm_parser_next(&s->parser);
    s->cmd_ready = 0;
    shm_count(&s->c.cmds_in, 1);
}

/* ---------- closing ---------- */

static const char *reason_name(uint32_t r) {
    switch (r) {
    case SHM_CLOSE_CLIENT: return "client";
    case SHM_CLOSE_DISCONNECT: return "disconnect";
    case SHM_CLOSE_PROTOCOL: return "protocol error";
    case SHM_CLOSE_CORRUPT: return "ring corruption";
    case SHM_CLOSE_SERVER: return "server";
    case SHM_CLOSE_FAULT: return "segment fault (truncated)";
    default: return "unknown";
    }
}

/* Under the lock, from any thread: take the session out of the table and mark the segment. */
void shm_session_close_locked(shm_session *s, uint32_t reason) {
    if (!s->in_table) return;
    shm_table_remove(&G.table, s);
    shm_segment_mark_closed(s->hdr, reason);   /* safe after a fault: the guard maps zeros */
    /* release: the owner sees the session left the table before it frees it */
    __atomic_store_n(&s->closing, reason, __ATOMIC_RELEASE);
    __atomic_fetch_add(&G.closed, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
    if (reason == SHM_CLOSE_PROTOCOL || reason == SHM_CLOSE_CORRUPT || reason == SHM_CLOSE_FAULT)
        RedisModule_Log(NULL, "warning", "shm: session %llu (client %llu) closed: %s",
                        (unsigned long long)s->id, (unsigned long long)s->client_id, reason_name(reason));
    if (s->owner) shm_worker_kick(s->owner);
    if (reason == SHM_CLOSE_CORRUPT) __atomic_fetch_add(&G.corrupt, 1, __ATOMIC_RELAXED);   /* relaxed: stat */
    if (reason == SHM_CLOSE_FAULT) __atomic_fetch_add(&G.faults, 1, __ATOMIC_RELAXED);       /* relaxed: stat */
}

/* Outside the lock, by the owner, once the session left the table. */
static void free_session(shm_session *s) {
    if (s->gated) __atomic_fetch_sub(&G.gated_sessions, 1, __ATOMIC_RELAXED);   /* relaxed: a hint */
    shm_sigbus_unregister(s->reg_slot);
    munmap(s->base, s->size);
    shm_parser_free(&s->parser);
    shm_buf_free(&s->in);
    shm_buf_free(&s->out);
    free(s->user);
    free(s);
    __atomic_fetch_sub(&G.live_sessions, 1, __ATOMIC_RELAXED);   /* relaxed: read by unload under the lock */
}

/* ---------- one pass ---------- */

static int wants_close(shm_session *s) {
    if (shm_sigbus_faulted(s->reg_slot)) s->close_reason = SHM_CLOSE_FAULT;
    /* acquire: the client ended the session itself (protocol.md §5); its reason stays */
    else if (!s->close_reason && __atomic_load_n(&s->hdr->state, __ATOMIC_ACQUIRE) == SHM_STATE_CLOSED)
        s->close_reason = SHM_CLOSE_CLIENT;
    /* acquire: pairs with the release store in shm_session_close_locked */
    return s->close_reason || __atomic_load_n(&s->closing, __ATOMIC_ACQUIRE);
}

static void adopt_inbox(shm_worker *w) {
    /* relaxed: a peek to skip the mutex; the mutex orders the real hand-over */
    if (!__atomic_load_n(&w->inbox, __ATOMIC_RELAXED)) return;
    pthread_mutex_lock(&w->inbox_lock);
    shm_session *in = w->inbox;
    __atomic_store_n(&w->inbox, NULL, __ATOMIC_RELAXED);   /* relaxed: under the mutex */
    pthread_mutex_unlock(&w->inbox_lock);
    while (in) {
        shm_session *n = in->next;
        in->next = w->list;
        w->list = in;
        in = n;
    }
}

static void record_hold(shm_worker *w, uint64_t ns) {
    int b = 0;
    while (b < SHM_HIST_BUCKETS - 1 && (ns >> (b + 1))) b++;
    shm_count(&w->hist[b], 1);
    shm_count(&w->lock_holds, 1);
}

static RedisModuleUser *resolve_user(const char *name) {
    RedisModuleString *n = RedisModule_CreateString(NULL, name, strlen(name));
    RedisModuleUser *u = RedisModule_GetModuleUserFromUserName(n);
    RedisModule_FreeString(NULL, n);
    return u;
}

/* Under the lock: closes, gate releases and a bounded batch of commands (at most
 * shm.max-batch commands, and no new command after BATCH_MAX_NS). Returns 1 if clients
 * are paused (commands held). on_main: the main thread runs it during a load; a session
 * whose command must wait for the end of the load sets *deferred and runs no further. */
static int run_batch(shm_worker *w, int *effects, uint64_t locked_at, int on_main, int *deferred) {
    long long budget = shm_cfg_get(&G.cfg.max_batch);
    uint64_t epoch = __atomic_load_n(&G.sleep_epoch, __ATOMIC_RELAXED);   /* relaxed: bumped under the lock we hold */
    int held = 0;
    for (shm_session *s = w->list; s; s = s->next) {
        if (s->dead) continue;
        if (wants_close(s)) {
            uint32_t reason = s->close_reason ? (uint32_t)s->close_reason : __atomic_load_n(&s->closing, __ATOMIC_ACQUIRE);   /* acquire: as in wants_close */
            shm_session_close_locked(s, reason);
            s->dead = 1;
            continue;
        }
        shm_reply_release_gate(s, epoch);
        if (!s->cmd_ready || held || budget <= 0 || !shm_reply_can_run(s)) continue;
        RedisModuleUser *user = resolve_user(s->user);
        if (!user) {   /* ACL DELUSER: the socket client is being killed too */
            shm_session_close_locked(s, SHM_CLOSE_DISCONNECT);
            s->dead = 1;
            continue;
        }
        RedisModule_SetContextUser(w->ctx, user);
        RedisModule_SelectDb(w->ctx, s->db);
        while (s->cmd_ready && budget > 0 && shm_reply_can_run(s) && !s->close_reason) {
            int r = shm_exec(w->ctx, user, s, effects, on_main);
            if (r == SHM_EXEC_HOLD) { held = 1; break; }
            if (r == SHM_EXEC_DEFER) { *deferred = 1; break; }
            finish_command(s);
            budget--;
            if (shm_now_ns() - locked_at > BATCH_MAX_NS) budget = 0;   /* keep lock holds short */
            shm_count(&w->commands, 1);
            parse_next(s);
        }
        RedisModule_SetContextUser(w->ctx, NULL);
        RedisModule_FreeModuleUser(user);
        if (s->close_reason) { shm_session_close_locked(s, (uint32_t)s->close_reason); s->dead = 1; }
    }
    return held;
}

/* The batch budget is spent from the head of the list: rotate so that a session with a
 * long pipeline cannot starve the others of their turn. */
static void rotate(shm_worker *w) {
    shm_session *head = w->list;
    if (!head || !head->next) return;
    shm_session *tail = head;
    while (tail->next) tail = tail->next;
    w->list = head->next;
    head->next = NULL;
    tail->next = head;
}

/* Replies out: overflow bytes into REP as space allows, then the client woken if it parked. */
static void deliver(shm_session *s) {
    shm_reply_flush(s);
    if (shm_ring_wake_consumer(&s->rep)) shm_count(&s->c.wakes, 1);
}

/* Outside the lock: free dead sessions, deliver replies to the others. */
static void after_batch(shm_worker *w) {
    shm_session **pp = &w->list;
    while (*pp) {
        shm_session *s = *pp;
        if (s->dead) {
            *pp = s->next;
            __atomic_fetch_sub(&w->nsessions, 1, __ATOMIC_RELAXED);   /* relaxed: placement hint */
            free_session(s);
            continue;
        }
        deliver(s);
        pp = &s->next;
    }
}

/* Another batch can start right away: a parsed command that may run, or request bytes. */
static int more_ready(shm_worker *w) {
    for (shm_session *s = w->list; s; s = s->next) {
        if (s->dead) continue;
        if (s->cmd_ready ? shm_reply_can_run(s) : shm_ring_readable(&s->req) > 0) return 1;
    }
    return 0;
}

static void nudge_cb(void *unused) {
    (void)unused;
    /* relaxed: only dedups nudges; the main loop iteration itself is what we wanted */
    __atomic_store_n(&G.nudge_pending, 0, __ATOMIC_RELAXED);
}

/* Wakes the main event loop so that side effects on other clients (blocked clients,
 * subscribers, replicas, AOF) are flushed now rather than at the next timer tick. */
static int nudge_main(void) {
    uint32_t expect = 0;
    /* relaxed: dedup flag only, see nudge_cb */
    if (__atomic_compare_exchange_n(&G.nudge_pending, &expect, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        RedisModule_EventLoopAddOneShot(nudge_cb, NULL);
        __atomic_fetch_add(&G.nudges, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
        return 1;
    }
    return 0;
}

/* Sends the deferred nudge when `now_please`, or when the burst has deferred it too long. */
static void maybe_nudge(shm_worker *w, int now_please) {
    if (!w->effects_since) return;
    if (!now_please && shm_now_ns() - w->effects_since <= NUDGE_MAX_DELAY_NS) return;
    nudge_main();
    w->effects_since = 0;
}

/* One lock-free pass over the sessions: copy requests in, flush overflow, parse.
 * Returns 1 when a lock hold is needed, and sets *progress when bytes moved. */
static int scan(shm_worker *w, int *progress) {
    int need_lock = 0;
    uint64_t epoch = __atomic_load_n(&G.sleep_epoch, __ATOMIC_RELAXED);   /* relaxed: a hint; rechecked under the lock */
    for (shm_session *s = w->list; s; s = s->next) {
        if (wants_close(s)) { need_lock = 1; continue; }
        if (shm_reply_flush(s)) {
            *progress = 1;
            if (shm_ring_wake_consumer(&s->rep)) shm_count(&s->c.wakes, 1);
        }
        if (pump_in(s)) *progress = 1;
        parse_next(s);
        if (s->close_reason) need_lock = 1;
        if (s->cmd_ready && shm_reply_can_run(s)) need_lock = 1;
        if (s->gated && epoch > s->gate) need_lock = 1;
    }
    return need_lock;
}

/* ---------- loading: lending sessions to the main thread ----------
 *
 * While the server loads a dataset (DEBUG RELOAD, a replica's full sync, the RDB or AOF
 * at start) the main thread keeps the module lock for the whole load: between chunks it
 * serves socket clients in processEventsWhileBlocked, whose beforeSleep returns before
 * moduleReleaseGIL. A serving thread would sit in ThreadSafeContextLock until the end,
 * and its ring clients with it, while socket clients get -LOADING or their INFO reply.
 *
 * So before it waits for the lock a thread lends its sessions (lent = SHM_LENT); a
 * main-thread holder of the lock may then claim them (SHM_SERVED_BY_MAIN), run one pass
 * (requests in, a batch through the same guard chain, replies out, clients woken) and
 * hand them back (SHM_LENT, served++). During a load the thread does not block in the
 * lock: it asks for a pass through serve_fd, an eventfd in the main event loop, which
 * processEventsWhileBlocked polls between chunks exactly like the socket clients'
 * connections (once per event-loop iteration, so ring clients cannot hold the load up
 * more than socket clients can). A thread already blocked in the lock when the load
 * began is served from the load's start and progress events. */

/* relaxed: only picks how to wait; lending makes every interleaving correct */
static int loading_now(void) { return (int)__atomic_load_n(&G.loading, __ATOMIC_RELAXED); }

void shm_workers_request_serve(void) {
    uint32_t expect = 0;
    /* relaxed: dedups requests only; the callback clears it before it serves */
    if (!__atomic_compare_exchange_n(&G.serve_pending, &expect, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return;
    uint64_t one = 1;
    if (write(G.serve_fd, &one, sizeof one) < 0) { /* EAGAIN: the counter is readable anyway */ }
}

/* Main thread, lock held, sessions claimed: what a serving thread does around a batch. */
static void serve_pass(shm_worker *w) {
    int progress = 0, effects = 0, deferred = 0;
    scan(w, &progress);
    int held = run_batch(w, &effects, shm_now_ns(), 1, &deferred);
    w->serve_held = held || deferred;
    for (shm_session *s = w->list; s; s = s->next)
        if (!s->dead) deliver(s);   /* the thread may stay blocked in the lock until the load ends */
    __atomic_fetch_add(&G.loading_serves, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
}

void shm_workers_serve_lent(void) {
    if (!loading_now()) return;   /* outside a load every thread takes the lock itself */
    for (int i = 0; i < nworkers; i++) {
        shm_worker *w = &workers[i];
        uint32_t expect = SHM_LENT;
        /* acquire: pairs with the thread's release store of SHM_LENT, so its unlocked writes
         * to the sessions (scan) are visible; fails if it kept or took them back */
        if (!__atomic_compare_exchange_n(&w->lent, &expect, SHM_SERVED_BY_MAIN, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            continue;
        serve_pass(w);
        int again = !w->serve_held && more_ready(w);
        /* release: our writes to the sessions happen before the thread's reclaiming CAS */
        __atomic_store_n(&w->lent, SHM_LENT, __ATOMIC_RELEASE);
        /* seq_cst: the bump is ordered after the hand-back; the thread waits on this word */
        __atomic_fetch_add(&w->served, 1, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, &w->served, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        if (again) shm_workers_request_serve();   /* a thread blocked in the lock cannot ask */
    }
}

static void serve_fd_readable(int fd, void *unused, int mask) {
    (void)unused; (void)mask;
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0) { /* EAGAIN: already drained */ }
    /* relaxed: dedup flag only; a request after this store gets its own event */
    __atomic_store_n(&G.serve_pending, 0, __ATOMIC_RELAXED);
    shm_workers_serve_lent();
}

void shm_workers_loading_ended(void) {
    for (int i = 0; i < nworkers; i++)
        syscall(SYS_futex, &workers[i].served, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);   /* re-check: take the lock now */
}

/* Takes the module lock (1), or returns 0 when the main thread ran a pass instead. */
static int lock_or_lend(shm_worker *w) {
    /* acquire: a pass completed after this read shows as a different value below */
    uint32_t lent_at = __atomic_load_n(&w->served, __ATOMIC_ACQUIRE);
    /* release: our unlocked writes to the sessions happen before a main-thread pass claims them */
    __atomic_store_n(&w->lent, SHM_LENT, __ATOMIC_RELEASE);
    for (;;) {
        if (!loading_now()) {
            RedisModule_ThreadSafeContextLock(w->ctx);
            break;
        }
        if (RedisModule_ThreadSafeContextTryLock(w->ctx) == REDISMODULE_OK) break;
        /* acquire: as above */
        uint32_t now = __atomic_load_n(&w->served, __ATOMIC_ACQUIRE);
        if (now != lent_at) {
            uint32_t expect = SHM_LENT;
            /* acquire: pairs with the release store that ended the main thread's pass */
            if (__atomic_compare_exchange_n(&w->lent, &expect, SHM_OWNED, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return 0;
        }
        shm_workers_request_serve();
        struct timespec ts = {0, (long)LEND_RECHECK_NS};
        syscall(SYS_futex, &w->served, FUTEX_WAIT_PRIVATE, now, &ts, NULL, 0);
    }
    /* relaxed: we hold the lock; a main-thread pass runs only under it and ended with
     * SHM_LENT before the unlock that our lock synchronizes with */
    __atomic_store_n(&w->lent, SHM_OWNED, __ATOMIC_RELAXED);
    return 1;
}

/* ---------- idle: spin, then park ---------- */

static int any_ready(shm_worker *w) {
    for (shm_session *s = w->list; s; s = s->next) {
        if (wants_close(s)) return 1;
        int64_t r = shm_ring_readable(&s->req);
        if (r != 0 && !s->cmd_ready) return 1;
        if (s->out_free && shm_ring_writable(&s->rep) != 0) return 1;
    }
    /* relaxed: a peek; the inbox itself is read under its mutex */
    return __atomic_load_n(&w->inbox, __ATOMIC_RELAXED) != NULL;
}

static void park(shm_worker *w, uint64_t timeout_ns) {
    shm_waitv wv[SHM_WAITV_MAX];
    int n = 0;
    /* acquire: read the wake word before re-checking, so a later bump makes the wait return */
    shm_waitv_set(&wv[n++], &w->wake_word, __atomic_load_n(&w->wake_word, __ATOMIC_ACQUIRE), SHM_FUTEX2_PRIVATE);
    int overflow = 0;
    for (shm_session *s = w->list; s; s = s->next) {
        if (n + 2 > SHM_WAITV_MAX) { overflow = 1; break; }
        /* sequence first, then announce; the fence below, then the re-check (protocol.md §3) */
        shm_waitv_arm(&wv[n++], &s->req.ctl->consumer_parked, &s->req.ctl->data_futex);
        /* the same for REP space while replies wait in the overflow */
        if (s->out_free) shm_waitv_arm(&wv[n++], &s->rep.ctl->producer_parked, &s->rep.ctl->space_futex);
        shm_count(&s->c.parks, 1);
    }
    /* full fence: parked=1 stores are ordered before the re-check loads (Dekker pair with the client) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!any_ready(w) && !__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {   /* relaxed: stop is re-read each pass */
        shm_count(&w->parks, 1);
        if (overflow && timeout_ns > HOLD_NS) timeout_ns = HOLD_NS;   /* more sessions than waitv slots: poll */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t abs_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + timeout_ns;
        ts.tv_sec = (time_t)(abs_ns / 1000000000ull);
        ts.tv_nsec = (long)(abs_ns % 1000000000ull);
        long r = waitv_missing ? -1 : shm_futex_waitv(wv, (unsigned)n, &ts);
        if (r < 0 && !waitv_missing && errno == ETIMEDOUT) {
            shm_count(&w->park_timeouts, 1);
            if (any_ready(w)) shm_count(&w->missed_wakes, 1);   /* work was there: a wake went missing */
        }
        if (r < 0 && (waitv_missing || errno == ENOSYS)) {
            waitv_missing = 1;
            struct timespec short_sleep = {0, 200 * 1000};   /* 200 us polling without futex_waitv */
            nanosleep(&short_sleep, NULL);
        }
    }
    for (shm_session *s = w->list; s; s = s->next) {
        __atomic_store_n(&s->req.ctl->consumer_parked, 0, __ATOMIC_RELAXED);   /* relaxed: only ever a hint to the client */
        __atomic_store_n(&s->rep.ctl->producer_parked, 0, __ATOMIC_RELAXED);   /* relaxed: same */
    }
}

/* Adaptive spinning. Spinning only pays when the client can run meanwhile: when it shares
 * our CPU (2 vCPUs, Node, the main loop, other load), our spin just delays its next
 * request by the whole budget. So every spin that ends without work halves the budget;
 * work arriving during a spin restores shm.spin-us, and so does work that arrives soon
 * after a park began (within WAKE_RESTORE x shm.spin-us of going idle, the wake-up of a
 * parked thread included: traffic is back, and the fast mode returns at once, see
 * woke_with_work); every 256th idle
 * period probes with the full budget so that a freed-up machine is noticed. */
static uint64_t next_spin_budget(shm_worker *w) {
    uint64_t cfg = (uint64_t)shm_cfg_get(&G.cfg.spin_us) * 1000ull;
    if (w->spin_ns > cfg) w->spin_ns = cfg;
    if ((++w->idle_periods & 255) == 0) return cfg;
    return w->spin_ns;
}

static void spin_failed(shm_worker *w) {
    w->spin_ns /= 2;
    if (w->spin_ns < 1000) w->spin_ns = 0;
}

/* Work came `gap_ns` after the thread went idle, and it had parked: restore the full budget
 * when the gap says requests follow each other closely. The gap includes the futex wake-up
 * of this thread (tens of µs on a VM), hence the factor. A restored spin that then fails
 * (the client shares our core, so our spin only delays it) disables the restore until a
 * spin catches work again, or until a long pause (RESTORE_RESET_NS) starts a new pattern:
 * *restore_ok carries that between calls. Returns 1 if it restored. */
#define WAKE_RESTORE 4
#define RESTORE_RESET_NS (10ull * 1000 * 1000)
static int woke_with_work(shm_worker *w, uint64_t gap_ns, int *restore_ok) {
    uint64_t cfg = (uint64_t)shm_cfg_get(&G.cfg.spin_us) * 1000ull;
    if (gap_ns > RESTORE_RESET_NS) *restore_ok = 1;
    if (!*restore_ok || gap_ns > WAKE_RESTORE * cfg) return 0;
    w->spin_ns = cfg;
    return 1;
}

/* A session's client asked the thread to keep spinning while the session is open
 * (SHM_CLIENT_SPIN_ALWAYS in client_flags, protocol.md "Client hints"); shm.spin-us 0
 * turns every spin off. The word is only a hint: a hostile value costs this thread's CPU,
 * as a client sending commands in a loop would. Read like state (the sigbus guard maps
 * zeros over a truncated segment). */
static int spin_always(shm_worker *w) {
    if (shm_cfg_get(&G.cfg.spin_us) == 0) return 0;
    for (shm_session *s = w->list; s; s = s->next)
        /* relaxed: a hint, re-read on every idle pass */
        if (!s->dead && (__atomic_load_n(&s->hdr->client_flags, __ATOMIC_RELAXED) & SHM_CLIENT_SPIN_ALWAYS)) return 1;
    return 0;
}

#define ALWAYS_YIELD_NS (100ull * 1000)   /* an always-spinning thread yields its core this often */

static void *worker_main(void *arg) {
    shm_worker *w = arg;
    char name[16];
    snprintf(name, sizeof name, "shm-serve-%d", w->index);
    pthread_setname_np(pthread_self(), name);
    uint64_t idle_since = 0, spin_budget = 0, parked_idle_since = 0, last_yield = 0;
    int spinning = 0, restore_ok = 1, restored = 0;
    w->spin_ns = (uint64_t)shm_cfg_get(&G.cfg.spin_us) * 1000ull;
    /* relaxed: stop is a plain request flag; the join orders everything after it */
    while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
        adopt_inbox(w);
        int progress = 0, effects = 0, held = 0, unused = 0;
        int need = scan(w, &progress);
        int locked = need && lock_or_lend(w);
        if (need && !locked) {
            /* a load is on and the main thread ran the pass (replies written, clients woken) */
            held = w->serve_held;
            after_batch(w);
            rotate(w);
            progress = !held;
        } else if (locked) {
            uint64_t t1 = shm_now_ns();
            held = run_batch(w, &effects, t1, 0, &unused);
            RedisModule_ThreadSafeContextUnlock(w->ctx);
            uint64_t t2 = shm_now_ns();
            record_hold(w, t2 - t1);
            if (effects && !w->effects_since) w->effects_since = t2;
            /* Nudge the main loop once a burst is over (or has run NUDGE_MAX_DELAY_NS):
             * a nudge per batch would make it contend for the lock after every batch of a
             * long pipeline. First, because the main loop's wake-up is the longer path. */
            int more = more_ready(w);
            maybe_nudge(w, held || !more);
            after_batch(w);
            rotate(w);
            /* Fairness: the module lock is a plain mutex, so re-locking at once wins it back
             * before a woken main thread can run, and its socket clients wait for the whole
             * pipeline (p99 3.4 ms measured). Yield the CPU between back-to-back batches: on 2
             * vCPUs the main thread usually waits for this very core. */
            if (more) sched_yield();
            if (held) shm_count(&w->held, 1);
            progress = !held;
        }
        if (progress) {
            maybe_nudge(w, 0);   /* bytes moved but maybe no command yet: keep the bound */
            if (spinning) {   /* work came while spinning */
                w->spin_ns = (uint64_t)shm_cfg_get(&G.cfg.spin_us) * 1000ull;
                restore_ok = 1;
                restored = 0;
            } else if (parked_idle_since) restored = woke_with_work(w, shm_now_ns() - parked_idle_since, &restore_ok);
            spinning = 0;
            idle_since = 0;
            parked_idle_since = 0;
            continue;
        }
        maybe_nudge(w, 1);   /* going idle: nothing may wait for a later batch */
        if (held) { park(w, HOLD_NS); continue; }
        uint64_t now = shm_now_ns();
        if (!idle_since) {
            idle_since = now;
            spin_budget = next_spin_budget(w);
        }
        int always = 0;
        if (w->list && (now - idle_since < spin_budget || (always = spin_always(w)))) {
            for (int i = 0; i < 64; i++) shm_cpu_relax();
            shm_count(&w->spins, 1);
            spinning = 1;
            /* an endless spin leaves its core to the server's main thread now and then */
            if (always && now - last_yield > ALWAYS_YIELD_NS) { sched_yield(); last_yield = now; }
            continue;
        }
        if (spinning) {   /* the budget ran out without work */
            spin_failed(w);
            if (restored) restore_ok = 0;   /* the restore did not pay: park mode until a spin catches work */
            restored = 0;
        }
        spinning = 0;
        /* gated replies wait for the main loop; its beforeSleep kicks us */
        park(w, PARK_NS);
        if (!parked_idle_since) parked_idle_since = idle_since;   /* from the first park of this idle stretch */
        idle_since = 0;
    }
    return NULL;
}

/* ---------- serving on the main thread ----------
 *
 * A session opened with WAKE SOCKET (protocol.md §4) is served by the main thread itself,
 * in the event loop's BEFORE_SLEEP event, instead of by a serving thread: no lock hand-off
 * and no extra runnable thread on a small host; its writes reach the AOF, the replicas and
 * the clients blocked on its keys in the same loop iteration (they run later in the same
 * beforeSleep). Its client wakes the loop the way any socket client does: after writing
 * REQ it takes REQ's consumer_parked flag, which this side sets before the loop may sleep,
 * and when it got it, it writes an empty inline line ("\n", which the server reads and
 * ignores: no reply, no command) to the session's socket.
 *
 * Budget per loop iteration: at most MAIN_PASSES passes over the sessions (each takes at
 * most READ_CHUNK request bytes per session and at most shm.max-batch commands in all), and
 * no new pass after MAIN_BUDGET_NS; what is left runs in the next iteration, which starts at
 * once (serve_fd). Replies waiting for REP space set REP's producer_parked the same way:
 * the client rings when it frees space. Waiting states (clients paused; REP space, as a
 * backstop) are re-checked by a MAIN_RECHECK_MS timer; replies held for the AOF go out in
 * the next iteration. During a load BEFORE_SLEEP does not run: the load's progress events serve these
 * sessions (reads only, as for lent sessions). */
#define MAIN_PASSES 4
#define MAIN_BUDGET_NS (250ull * 1000)
#define MAIN_RECHECK_MS 1

static int main_timer_armed;   /* main thread only */
static int main_announced;     /* main thread only: the loop set the sessions' parked flags */

/* Clears the flags a sleep announced (relaxed: they are hints to the clients; a store only
 * when they were set, so an awake loop does not dirty the clients' cache lines each turn). */
static void main_unannounce(void) {
    if (!main_announced) return;
    main_announced = 0;
    for (shm_session *s = main_w.list; s; s = s->next) {
        __atomic_store_n(&s->req.ctl->consumer_parked, 0, __ATOMIC_RELAXED);   /* relaxed: see above */
        __atomic_store_n(&s->rep.ctl->producer_parked, 0, __ATOMIC_RELAXED);   /* relaxed: see above */
    }
}

static void main_timer_cb(RedisModuleCtx *ctx, void *unused) {
    (void)ctx; (void)unused;
    main_timer_armed = 0;   /* the loop iteration this timer ends runs BEFORE_SLEEP: the re-check */
}

static void main_recheck_later(void) {
    if (main_timer_armed || !main_w.ctx) return;
    RedisModule_CreateTimer(main_w.ctx, MAIN_RECHECK_MS, main_timer_cb, NULL);
    main_timer_armed = 1;
}

/* A session has work this side can do now (not counting waits: pause, REP full, AOF gate). */
static int main_has_work(void) {
    if (any_ready(&main_w)) return 1;
    for (shm_session *s = main_w.list; s; s = s->next)
        if (s->cmd_ready && shm_reply_can_run(s)) return 1;
    return 0;
}

int shm_main_timer_pending(void) { return main_timer_armed; }

void shm_main_before_sleep(void) {
    if (!main_w.list) return;
    uint64_t t0 = shm_now_ns();
    int more = 0, waiting = 0;
    for (int pass = 0; pass < MAIN_PASSES; pass++) {
        int progress = 0, effects = 0, deferred = 0;
        int need = scan(&main_w, &progress);
        int held = need ? run_batch(&main_w, &effects, shm_now_ns(), 0, &deferred) : 0;
        if (need) shm_count(&main_w.lock_holds, 1);
        after_batch(&main_w);   /* frees the dead, delivers replies, wakes parked clients */
        rotate(&main_w);
        if (held) { shm_count(&main_w.held, 1); waiting = 1; break; }
        if (!need && !progress) break;
        if (shm_now_ns() - t0 > MAIN_BUDGET_NS) { more = 1; break; }
    }
    for (shm_session *s = main_w.list; s && !more; s = s->next)
        if (s->gated) more = 1;   /* the gate lifts in the next BEFORE_SLEEP */
    if (more) { shm_workers_request_serve(); return; }   /* the loop must not sleep: serve_fd is readable */
    for (shm_session *s = main_w.list; s; s = s->next) {
        if (s->out_free || s->cmd_ready) waiting = 1;   /* REP full, or paused */
        /* relaxed: published by the fence below */
        __atomic_store_n(&s->req.ctl->consumer_parked, 1, __ATOMIC_RELAXED);
        /* replies wait for REP space: the client rings when it frees some (relaxed: same fence) */
        if (s->out_free) __atomic_store_n(&s->rep.ctl->producer_parked, 1, __ATOMIC_RELAXED);
    }
    main_announced = 1;
    /* full fence: parked=1 stores are ordered before the re-check loads (Dekker pair with the client) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (main_has_work()) {
        main_unannounce();
        shm_workers_request_serve();   /* as above */
    } else if (waiting) {
        main_recheck_later();
    }
}

/* The loop is awake: clients need not ring it. */
void shm_main_after_sleep(void) { main_unannounce(); }

void shm_main_serve_loading(void) {
    if (!main_w.list || !loading_now()) return;
    serve_pass(&main_w);   /* reads only (run_batch's on_main deferral), replies out */
}

int shm_main_start(RedisModuleCtx *ctx) {
    memset(&main_w, 0, sizeof main_w);
    main_w.index = -1;
    pthread_mutex_init(&main_w.inbox_lock, NULL);
    main_w.ctx = RedisModule_GetDetachedThreadSafeContext(ctx);
    return main_w.ctx ? 0 : -1;
}

/* Only with no live sessions (unload). */
void shm_main_stop(void) {
    if (main_w.ctx) RedisModule_FreeThreadSafeContext(main_w.ctx);
    main_w.ctx = NULL;
    pthread_mutex_destroy(&main_w.inbox_lock);
}

shm_worker *shm_main_worker(void) { return &main_w; }

/* ---------- placement and control ---------- */

void shm_worker_kick(shm_worker *w) {
    if (w == &main_w) { shm_workers_request_serve(); return; }   /* the loop's next BEFORE_SLEEP looks */
    /* seq_cst: the caller's preceding stores (inbox, closing) are visible before the bump */
    __atomic_fetch_add(&w->wake_word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &w->wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void shm_workers_kick_all(void) {
    for (int i = 0; i < nworkers; i++) shm_worker_kick(&workers[i]);
}

void shm_worker_adopt(shm_session *s, int on_main) {
    if (on_main) {   /* main thread (SHM.OPEN): the main list needs no inbox */
        s->owner = &main_w;
        s->next = main_w.list;
        main_w.list = s;
        __atomic_fetch_add(&main_w.nsessions, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
        return;
    }
    shm_worker *best = &workers[0];
    for (int i = 1; i < nworkers; i++)
        if (__atomic_load_n(&workers[i].nsessions, __ATOMIC_RELAXED) < __atomic_load_n(&best->nsessions, __ATOMIC_RELAXED))   /* relaxed: placement hint */
            best = &workers[i];
    s->owner = best;
    __atomic_fetch_add(&best->nsessions, 1, __ATOMIC_RELAXED);   /* relaxed: placement hint */
    pthread_mutex_lock(&best->inbox_lock);
    s->next = best->inbox;
    __atomic_store_n(&best->inbox, s, __ATOMIC_RELAXED);   /* relaxed: under the mutex; peeked without it */
    pthread_mutex_unlock(&best->inbox_lock);
    shm_worker_kick(best);
}

int shm_workers_start(RedisModuleCtx *ctx, int n) {
    if (n < 1) n = 1;
    if (n > MAX_WORKERS) n = MAX_WORKERS;
    G.serve_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (G.serve_fd < 0) return -1;
    if (RedisModule_EventLoopAdd(G.serve_fd, REDISMODULE_EVENTLOOP_READABLE, serve_fd_readable, NULL) != REDISMODULE_OK) {
        close(G.serve_fd);
        G.serve_fd = -1;
        return -1;
    }
    for (int i = 0; i < n; i++) {
        shm_worker *w = &workers[i];
        memset(w, 0, sizeof *w);
        w->index = i;
        pthread_mutex_init(&w->inbox_lock, NULL);
        w->ctx = RedisModule_GetDetachedThreadSafeContext(ctx);
        if (!w->ctx || pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            nworkers = i;
            shm_workers_stop();
            return -1;
        }
        nworkers = i + 1;
    }
    return 0;
}

/* Only with no live sessions: the threads then never wait for the lock, so joining
 * while the main thread holds it cannot deadlock. */
void shm_workers_stop(void) {
    for (int i = 0; i < nworkers; i++) {
        __atomic_store_n(&workers[i].stop, 1, __ATOMIC_RELAXED);   /* relaxed: the kick's seq_cst bump orders it */
        shm_worker_kick(&workers[i]);
    }
    for (int i = 0; i < nworkers; i++) {
        pthread_join(workers[i].tid, NULL);
        RedisModule_FreeThreadSafeContext(workers[i].ctx);
        pthread_mutex_destroy(&workers[i].inbox_lock);
    }
    nworkers = 0;
    if (G.serve_fd >= 0) {
        RedisModule_EventLoopDel(G.serve_fd, REDISMODULE_EVENTLOOP_READABLE);
        close(G.serve_fd);
        G.serve_fd = -1;
    }
}

uint64_t shm_lock_hold_percentile(double p) {
    uint64_t hist[SHM_HIST_BUCKETS] = {0}, total = 0;
    for (int i = 0; i < nworkers; i++)
        for (int b = 0; b < SHM_HIST_BUCKETS; b++) {
            uint64_t v = shm_read_count(&workers[i].hist[b]);
            hist[b] += v;
            total += v;
        }
    if (!total) return 0;
    uint64_t want = (uint64_t)((double)total * p / 100.0);
    if (want >= total) want = total - 1;
    uint64_t seen = 0;
    for (int b = 0; b < SHM_HIST_BUCKETS; b++) {
        seen += hist[b];
        if (seen > want) return 2ull << b;
    }
    return 0;
}
