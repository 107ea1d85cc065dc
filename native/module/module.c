/*
 * module.c -- the `shm` Redis module: commands, server events, configs, OnLoad.
 * Everything here runs on the main thread with the module lock held.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "exec.h"
#include "internal.h"
#include "redirect.h"
#include "state.h"
#include "rm_api.h"
#include "segment.h"
#include "sigbus.h"
#include "worker.h"


static int have_user_api;     /* SetContextUser and GetModuleUserFromUserName (7.0.6+) */

#define SHM_VERSION 1

/* ---------- helpers ---------- */

static char *current_user(RedisModuleCtx *ctx) {
    RedisModuleString *u = RedisModule_GetCurrentUserName(ctx);
    if (!u) return NULL;
    size_t len;
    const char *p = RedisModule_StringPtrLen(u, &len);
    char *out = malloc(len + 1);
    if (out) { memcpy(out, p, len); out[len] = 0; }
    RedisModule_FreeString(ctx, u);
    return out;
}

static int arg_is(RedisModuleString *s, const char *word) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

static long long config_number(RedisModuleCtx *ctx, const char *name, long long dflt) {
    RedisModuleCallReply *r = RedisModule_Call(ctx, "CONFIG", "cc", "GET", name);
    long long v = dflt;
    if (r && RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ARRAY && RedisModule_CallReplyLength(r) == 2) {
        size_t len;
        const char *p = RedisModule_CallReplyStringPtr(RedisModule_CallReplyArrayElement(r, 1), &len);
        if (p && len < 32) {
            char tmp[32];
            memcpy(tmp, p, len);
            tmp[len] = 0;
            char *end;
            long long x = strtoll(tmp, &end, 10);
            if (end != tmp) v = x;
            else if (!strcmp(tmp, "yes")) v = 1;
            else if (!strcmp(tmp, "no")) v = 0;
            else if (!strcmp(tmp, "always")) v = 2;
            else if (!strcmp(tmp, "local")) v = 1;
            else v = dflt;
        }
    }
    if (r) RedisModule_FreeCallReply(r);
    return v;
}

/* Re-reads the server settings the serving threads follow. */
static void refresh_server_config(RedisModuleCtx *ctx) {
    long long bulk = config_number(ctx, "proto-max-bulk-len", 512ll * 1024 * 1024);
    long long qbuf = config_number(ctx, "client-query-buffer-limit", 1024ll * 1024 * 1024);
    __atomic_store_n(&G.querybuf_limit, (uint64_t)qbuf, __ATOMIC_RELAXED);   /* relaxed: a knob */
    long long aof = config_number(ctx, "appendonly", 0);
    /* relaxed: independent knobs */
    __atomic_store_n(&G.proto_max_bulk, (uint64_t)bulk, __ATOMIC_RELAXED);
    /* any appendfsync: a socket client's reply leaves in the beforeSleep that wrote (and,
     * with always, fsynced) its command to the AOF; ring replies of writes wait for it too */
    __atomic_store_n(&G.aof_gate, (uint32_t)(aof == 1), __ATOMIC_RELAXED);   /* relaxed: a knob */
    __atomic_store_n(&G.allow_debug, (uint32_t)(config_number(ctx, "enable-debug-command", 0) == 1), __ATOMIC_RELAXED);   /* relaxed: a knob */
    __atomic_store_n(&G.allow_module, (uint32_t)(config_number(ctx, "enable-module-command", 0) == 1), __ATOMIC_RELAXED);   /* relaxed: a knob */
    __atomic_store_n(&G.serve_stale, (uint32_t)(config_number(ctx, "replica-serve-stale-data", 1) == 1), __ATOMIC_RELAXED);   /* relaxed: a knob */
}

/* ---------- commands ---------- */

/* One key and its integer value of a map reply. */
static void reply_kv(RedisModuleCtx *ctx, const char *k, long long v) {
    RedisModule_ReplyWithCString(ctx, k);
    RedisModule_ReplyWithLongLong(ctx, v);
}

/* SHM.OPEN <layout-version> <name> <token-hex-32> [option value ...]
 * -- claims the caller's segment and starts serving it; replies with a map of
 * version, session, req-capacity, rep-capacity, server-pid. */
static int cmd_open(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 4) return RedisModule_WrongArity(ctx);
    if (!have_user_api)
        return RedisModule_ReplyWithError(ctx, "ERR SHM needs redis-server 7.0.6 or newer (RedisModule_SetContextUser)");
    long long version;
    size_t vlen, nlen, tlen;
    const char *vs = RedisModule_StringPtrLen(argv[1], &vlen);
    if (!shm_strict_ll(vs, vlen, &version) || version != SHM_LAYOUT_VERSION)
        return RedisModule_ReplyWithError(ctx, "ERR SHM unsupported layout version (this server speaks 1)");
    /* options: WAKE SOCKET (served by the main thread; the client rings the socket, see
     * worker.c "serving on the main thread") */
    int wake_socket = 0;
    if ((argc - 4) % 2 != 0) return RedisModule_ReplyWithError(ctx, "ERR SHM unknown option");
    for (int i = 4; i < argc; i += 2) {
        size_t kl, vl;
        const char *k = RedisModule_StringPtrLen(argv[i], &kl);
        const char *v = RedisModule_StringPtrLen(argv[i + 1], &vl);
        if (kl != 4 || strncasecmp(k, "wake", 4)) return RedisModule_ReplyWithError(ctx, "ERR SHM unknown option");
        if (vl == 6 && !strncasecmp(v, "socket", 6)) wake_socket = 1;
        else if (vl == 5 && !strncasecmp(v, "futex", 5)) wake_socket = 0;
        else return RedisModule_ReplyWithError(ctx, "ERR SHM unknown option");
    }
    /* the main thread flushes each command's propagation itself (internal.h); without that
     * internal the session is served by a thread, and the reply says so */
    int on_main = wake_socket && shm_internal_have_evict();
    const char *name = RedisModule_StringPtrLen(argv[2], &nlen);
    const char *tok = RedisModule_StringPtrLen(argv[3], &tlen);
    uint8_t token[SHM_TOKEN_BYTES];
    if (!shm_name_valid(name, nlen)) return RedisModule_ReplyWithError(ctx, "ERR SHM invalid segment name");
    if (shm_token_parse(tok, tlen, token) != 0) return RedisModule_ReplyWithError(ctx, "ERR SHM invalid token");
    unsigned long long client = RedisModule_GetClientId(ctx);
    int flags = RedisModule_GetContextFlags(ctx);
    if (client == 0 || (flags & (REDISMODULE_CTX_FLAGS_MULTI | REDISMODULE_CTX_FLAGS_LUA)))
        return RedisModule_ReplyWithError(ctx, "ERR SHM.OPEN must be sent by a connected client, outside MULTI and scripts");
    if (shm_table_by_client(&G.table, client))
        return RedisModule_ReplyWithError(ctx, "ERR SHM a session is already open on this connection");
    if ((long long)G.table.count >= shm_cfg_get(&G.cfg.max_sessions))
        return RedisModule_ReplyWithError(ctx, "ERR SHM too many sessions (shm.max-sessions)");

    char err[200];
    shm_mapping m;
    if (shm_segment_map(name, (uint64_t)shm_cfg_get(&G.cfg.min_ring), (uint64_t)shm_cfg_get(&G.cfg.max_ring),
                        &m, err, sizeof err) != 0) {
        __atomic_fetch_add(&G.open_errors, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
        return RedisModule_ReplyWithError(ctx, err);
    }
    if (shm_table_by_inode(&G.table, m.dev, m.ino)) {
        shm_segment_unmap(&m);
        return RedisModule_ReplyWithError(ctx, "ERR SHM segment already claimed");
    }
    shm_session *s = calloc(1, sizeof *s);
    char *user = current_user(ctx);
    if (!s || !user) {
        free(s);
        free(user);
        shm_segment_unmap(&m);
        return RedisModule_ReplyWithError(ctx, "ERR SHM out of memory");
    }
    uint64_t id = ++G.next_session_id;
    if (shm_segment_claim(&m, token, (uint32_t)getpid(), id, err, sizeof err) != 0) {
        free(s);
        free(user);
        shm_segment_unmap(&m);
        __atomic_fetch_add(&G.open_errors, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
        return RedisModule_ReplyWithError(ctx, err);
    }
    shm_unlink(name);   /* nothing stays in /dev/shm once claimed */

    s->id = id;
    s->client_id = client;
    s->dev = m.dev;
    s->ino = m.ino;
    s->base = m.base;
    s->size = m.size;
    s->line0 = m.line0;
    s->reg_slot = m.reg_slot;
    s->hdr = (shm_segment_header *)(void *)m.base;
    shm_ring_attach(&s->req, &s->hdr->req, m.base + SHM_HEADER_SIZE, m.line0.req_capacity, 0);
    shm_ring_attach(&s->rep, &s->hdr->rep, m.base + SHM_HEADER_SIZE + m.line0.req_capacity, m.line0.rep_capacity, 1);
    s->user = user;
    s->db = RedisModule_GetSelectedDb(ctx);
    s->resp3 = (flags & REDISMODULE_CTX_FLAGS_RESP3) != 0;
    s->readonly = shm_redirect_client_readonly(ctx);
    shm_parser_init(&s->parser, __atomic_load_n(&G.proto_max_bulk, __ATOMIC_RELAXED));   /* relaxed: a knob */
    if (shm_table_add(&G.table, s) != 0) {
        shm_segment_mark_closed(s->hdr, SHM_CLOSE_SERVER);
        shm_segment_unmap(&m);
        free(user);
        free(s);
        return RedisModule_ReplyWithError(ctx, "ERR SHM out of memory");
    }
    __atomic_fetch_add(&G.live_sessions, 1, __ATOMIC_RELAXED);   /* relaxed: read under the lock */
    __atomic_fetch_add(&G.opened, 1, __ATOMIC_RELAXED);          /* relaxed: a statistic */
    shm_worker_adopt(s, on_main);

    RedisModule_ReplyWithMap(ctx, wake_socket ? 6 : 5);
    reply_kv(ctx, "version", SHM_LAYOUT_VERSION);
    reply_kv(ctx, "session", (long long)id);
    reply_kv(ctx, "req-capacity", (long long)m.line0.req_capacity);
    reply_kv(ctx, "rep-capacity", (long long)m.line0.rep_capacity);
    reply_kv(ctx, "server-pid", (long long)getpid());
    if (wake_socket) {
        RedisModule_ReplyWithCString(ctx, "wake");
        RedisModule_ReplyWithCString(ctx, on_main ? "socket" : "futex");
    }
    return REDISMODULE_OK;
}

/* SHM.CLOSE -- ends this connection's session (close reason CLIENT); :1 if one was open, :0 if not. */
static int cmd_close(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    if (argc != 1) return RedisModule_WrongArity(ctx);
    shm_session *s = shm_table_by_client(&G.table, RedisModule_GetClientId(ctx));
    if (s) shm_session_close_locked(s, SHM_CLOSE_CLIENT);
    return RedisModule_ReplyWithLongLong(ctx, s ? 1 : 0);
}

/* SHM.SYNC -- re-captures this connection's user, db and protocol into its session. */
static int cmd_sync(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    if (argc != 1) return RedisModule_WrongArity(ctx);
    shm_session *s = shm_table_by_client(&G.table, RedisModule_GetClientId(ctx));
    if (!s) return RedisModule_ReplyWithError(ctx, "ERR SHM no session on this connection");
    char *user = current_user(ctx);
    if (!user) return RedisModule_ReplyWithError(ctx, "ERR SHM out of memory");
    free(s->user);   /* serving threads read these only under the lock, which we hold */
    s->user = user;
    s->db = RedisModule_GetSelectedDb(ctx);
    s->resp3 = (RedisModule_GetContextFlags(ctx) & REDISMODULE_CTX_FLAGS_RESP3) != 0;
    s->readonly = shm_redirect_client_readonly(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* SHM.FENCE -- makes this connection's next WAIT cover the writes its shm session made:
 * those were propagated by a serving thread, so they never moved the connection's own
 * replication offset. Propagating a PING (replicas and AOF) sets that offset to the
 * current one. The client sends it on the socket right before WAIT. */
static int cmd_fence(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    if (argc != 1) return RedisModule_WrongArity(ctx);
    if (RedisModule_Replicate(ctx, "PING", "") != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, "ERR SHM could not propagate the fence");
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* SHM.INFO -- module totals and one map per live session. */
static int cmd_info(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModule_ReplyWithMap(ctx, 5);
    reply_kv(ctx, "sessions", (long long)G.table.count);
    reply_kv(ctx, "threads", shm_workers_count());
    reply_kv(ctx, "lock-hold-p50-ns", (long long)shm_lock_hold_percentile(50));
    reply_kv(ctx, "lock-hold-p99-ns", (long long)shm_lock_hold_percentile(99));
    RedisModule_ReplyWithCString(ctx, "list");
    RedisModule_ReplyWithArray(ctx, (long)G.table.count);
    for (size_t i = 0; i < G.table.count; i++) {
        shm_session *s = G.table.s[i];
        RedisModule_ReplyWithMap(ctx, 15);
        reply_kv(ctx, "id", (long long)s->id);
        reply_kv(ctx, "client-id", (long long)s->client_id);
        RedisModule_ReplyWithCString(ctx, "user");
        RedisModule_ReplyWithCString(ctx, s->user);
        reply_kv(ctx, "db", s->db);
        reply_kv(ctx, "proto", s->resp3 ? 3 : 2);
        reply_kv(ctx, "req-capacity", (long long)s->line0.req_capacity);
        reply_kv(ctx, "rep-capacity", (long long)s->line0.rep_capacity);
        reply_kv(ctx, "bytes-in", (long long)shm_read_count(&s->c.bytes_in));
        reply_kv(ctx, "bytes-out", (long long)shm_read_count(&s->c.bytes_out));
        reply_kv(ctx, "commands-in", (long long)shm_read_count(&s->c.cmds_in));
        reply_kv(ctx, "commands-out", (long long)shm_read_count(&s->c.cmds_out));
        reply_kv(ctx, "thread", s->owner ? s->owner->index : -1);
        reply_kv(ctx, "spins", s->owner ? (long long)shm_read_count(&s->owner->spins) : 0);
        reply_kv(ctx, "parks", (long long)shm_read_count(&s->c.parks));
        reply_kv(ctx, "wakes", (long long)shm_read_count(&s->c.wakes));
    }
    return REDISMODULE_OK;
}

/* ---------- INFO shm ---------- */

static void info_func(RedisModuleInfoCtx *ictx, int for_crash_report) {
    (void)for_crash_report;
    uint64_t spins = 0, parks = 0, timeouts = 0, missed = 0, holds = 0, cmds = 0, held = 0;
    for (int i = 0; i < shm_workers_count(); i++) {
        shm_worker *w = shm_worker_at(i);
        spins += shm_read_count(&w->spins);
        parks += shm_read_count(&w->parks);
        timeouts += shm_read_count(&w->park_timeouts);
        missed += shm_read_count(&w->missed_wakes);
        holds += shm_read_count(&w->lock_holds);
        cmds += shm_read_count(&w->commands);
        held += shm_read_count(&w->held);
    }
    shm_worker *mw = shm_main_worker();   /* WAKE SOCKET sessions, served by the main thread */
    cmds += shm_read_count(&mw->commands);
    held += shm_read_count(&mw->held);
    RedisModule_InfoAddSection(ictx, "");
    RedisModule_InfoAddFieldULongLong(ictx, "sessions", G.table.count);
    RedisModule_InfoAddFieldULongLong(ictx, "sessions_opened", shm_read_count(&G.opened));
    RedisModule_InfoAddFieldULongLong(ictx, "sessions_closed", shm_read_count(&G.closed));
    RedisModule_InfoAddFieldULongLong(ictx, "open_errors", shm_read_count(&G.open_errors));
    RedisModule_InfoAddFieldULongLong(ictx, "protocol_errors", shm_read_count(&G.protocol_errors));
    RedisModule_InfoAddFieldULongLong(ictx, "corrupt_closes", shm_read_count(&G.corrupt));
    RedisModule_InfoAddFieldULongLong(ictx, "fault_closes", shm_read_count(&G.faults));
    RedisModule_InfoAddFieldULongLong(ictx, "threads", (unsigned long long)shm_workers_count());
    RedisModule_InfoAddFieldULongLong(ictx, "main_thread_sessions", (unsigned long long)__atomic_load_n(&mw->nsessions, __ATOMIC_RELAXED)   /* relaxed: a statistic */);
    RedisModule_InfoAddFieldULongLong(ictx, "main_thread_passes", shm_read_count(&mw->lock_holds));
    RedisModule_InfoAddFieldULongLong(ictx, "commands", cmds);
    RedisModule_InfoAddFieldULongLong(ictx, "lock_holds", holds);
    RedisModule_InfoAddFieldULongLong(ictx, "lock_hold_p50_ns", shm_lock_hold_percentile(50));
    RedisModule_InfoAddFieldULongLong(ictx, "lock_hold_p99_ns", shm_lock_hold_percentile(99));
    RedisModule_InfoAddFieldULongLong(ictx, "held_while_paused", held);
    RedisModule_InfoAddFieldULongLong(ictx, "main_loop_nudges", shm_read_count(&G.nudges));
    RedisModule_InfoAddFieldULongLong(ictx, "loading_passes", shm_read_count(&G.loading_serves));
    RedisModule_InfoAddFieldULongLong(ictx, "spins", spins);
    RedisModule_InfoAddFieldULongLong(ictx, "parks", parks);
    RedisModule_InfoAddFieldULongLong(ictx, "park_timeouts", timeouts);
    RedisModule_InfoAddFieldULongLong(ictx, "park_timeouts_with_work", missed);
    RedisModule_InfoAddFieldULongLong(ictx, "command_cache", shm_exec_cache_size());
}

/* ---------- server events ---------- */

static void on_client_change(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)ctx; (void)eid;
    if (sub != RM_SUBEVENT_CLIENT_DISCONNECTED || !data) return;
    rm_client_info *ci = data;
    shm_session *s = shm_table_by_client(&G.table, ci->id);
    if (s) shm_session_close_locked(s, SHM_CLOSE_DISCONNECT);
}

static void on_shutdown(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)ctx; (void)eid; (void)sub; (void)data;
    /* Tell every client; the process exits next, so nothing is freed or joined. */
    for (size_t i = 0; i < G.table.count; i++)
        shm_segment_mark_closed(G.table.s[i]->hdr, SHM_CLOSE_SERVER);
}

static void on_event_loop(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)ctx; (void)eid; (void)data;
    if (sub == 1) { shm_main_after_sleep(); return; }   /* AFTER_SLEEP */
    if (sub != 0) return;   /* BEFORE_SLEEP: the AOF flush of this beforeSleep follows */
    /* relaxed: read by serving threads under the lock we hold until beforeSleep ends */
    __atomic_store_n(&G.sleep_epoch, G.sleep_epoch + 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&G.gated_sessions, __ATOMIC_RELAXED)) shm_workers_kick_all();   /* relaxed: a hint */
    shm_main_before_sleep();   /* WAKE SOCKET sessions: before blocked clients, AOF and replies */
}

/* A load (RDB, AOF, a replica's full sync) keeps the module lock on the main thread until
 * it ends; serving threads then lend their sessions to it (worker.c). */
static void on_loading(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)ctx; (void)eid; (void)data;
    int ended = sub == RM_SUBEVENT_LOADING_ENDED || sub == RM_SUBEVENT_LOADING_FAILED;
    /* relaxed: serving threads use it only to choose how to wait for the lock */
    __atomic_store_n(&G.loading, ended ? 0u : 1u, __ATOMIC_RELAXED);
    if (ended) shm_workers_loading_ended();
    else shm_workers_request_serve();   /* a thread already blocked in the lock gets its first pass */
    if (!ended) shm_main_serve_loading();
}

static void on_loading_progress(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)ctx; (void)eid; (void)sub; (void)data;
    shm_workers_serve_lent();   /* threads blocked in the lock since before the load cannot ask */
    shm_main_serve_loading();   /* BEFORE_SLEEP does not run during a load */
}

static void on_module_change(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)eid; (void)sub; (void)data;
    shm_exec_cache_clear();   /* commands came or went: reload the table */
    shm_exec_preload(ctx);
}

static void on_config_change(RedisModuleCtx *ctx, RedisModuleEvent eid, uint64_t sub, void *data) {
    (void)eid; (void)sub;
    rm_config_change *cc = data;
    for (uint32_t i = 0; cc && i < cc->num_changes; i++) {
        const char *n = cc->config_names[i];
        if (!strcmp(n, "proto-max-bulk-len") || !strcmp(n, "appendonly") || !strcmp(n, "appendfsync") ||
            !strcmp(n, "client-query-buffer-limit") ||
            !strcmp(n, "replica-serve-stale-data")) {
            refresh_server_config(ctx);
            return;
        }
    }
}

/* ---------- configs (shm.<name>) ---------- */

static long long cfg_get(const char *name, void *priv) { (void)name; return shm_cfg_get(priv); }

static int cfg_set(const char *name, long long val, void *priv, RedisModuleString **err) {
    (void)err;
    long long *field = priv;
    if (!strcmp(name, "min-ring") && val > shm_cfg_get(&G.cfg.max_ring)) {
        *err = RedisModule_CreateString(NULL, "min-ring must not exceed max-ring", 33);
        return REDISMODULE_ERR;
    }
    if (!strcmp(name, "max-ring") && val < shm_cfg_get(&G.cfg.min_ring)) {
        *err = RedisModule_CreateString(NULL, "max-ring must not be below min-ring", 35);
        return REDISMODULE_ERR;
    }
    __atomic_store_n(field, val, __ATOMIC_RELAXED);   /* relaxed: an independent knob */
    return REDISMODULE_OK;
}

static const struct {
    const char *name; long long *field; long long dflt, min, max; unsigned flags;
} CONFIGS[] = {
    {"min-ring", &G.cfg.min_ring, 4096, 4096, 1ll << 30, REDISMODULE_CONFIG_DEFAULT},
    {"max-ring", &G.cfg.max_ring, 64ll << 20, 4096, 1ll << 30, REDISMODULE_CONFIG_DEFAULT},
    {"max-sessions", &G.cfg.max_sessions, 256, 0, SHM_SIGBUS_SLOTS, REDISMODULE_CONFIG_DEFAULT},
    {"spin-us", &G.cfg.spin_us, 50, 0, 1000000, REDISMODULE_CONFIG_DEFAULT},   /* adaptive; see docs/module.md */
    {"max-batch", &G.cfg.max_batch, 64, 1, 65536, REDISMODULE_CONFIG_DEFAULT},
    {"threads", &G.cfg.threads, 1, 1, 16, REDISMODULE_CONFIG_IMMUTABLE},
};
#define NCONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

/* Module arguments: `<name> <value>` pairs with the config names, applied after any
 * shm.* lines of the config file. */
static int apply_module_args(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc % 2) {
        RedisModule_Log(ctx, "warning", "shm: module arguments must be <name> <value> pairs");
        return -1;
    }
    for (int i = 0; i < argc; i += 2) {
        size_t k = 0, vl;
        for (; k < NCONFIGS; k++) if (arg_is(argv[i], CONFIGS[k].name)) break;
        const char *vs = RedisModule_StringPtrLen(argv[i + 1], &vl);
        long long v;
        if (k == NCONFIGS || !shm_strict_ll(vs, vl, &v) || v < CONFIGS[k].min || v > CONFIGS[k].max) {
            RedisModule_Log(ctx, "warning", "shm: bad module argument %s %.*s",
                            RedisModule_StringPtrLen(argv[i], NULL), (int)vl, vs);
            return -1;
        }
        __atomic_store_n(CONFIGS[k].field, v, __ATOMIC_RELAXED);   /* relaxed: before the threads start */
    }
    if (G.cfg.min_ring > G.cfg.max_ring) {
        RedisModule_Log(ctx, "warning", "shm: min-ring exceeds max-ring");
        return -1;
    }
    return 0;
}

/* ---------- load / unload ---------- */

/* MODULE UNLOAD is refused while any session is open or still being torn down. */
int RedisModule_OnUnload(RedisModuleCtx *ctx) {
    /* relaxed: serving threads decrement it after freeing; a stale nonzero only refuses */
    if (G.table.count || __atomic_load_n(&G.live_sessions, __ATOMIC_RELAXED)) {
        RedisModule_Log(ctx, "warning", "shm: refusing to unload with %llu open shm session(s); close them first",
                        (unsigned long long)G.table.count);
        return REDISMODULE_ERR;
    }
    /* relaxed: set by serving threads, which have no sessions now; a queued one-shot
     * callback must not outlive the library */
    if (__atomic_load_n(&G.nudge_pending, __ATOMIC_RELAXED)) {
        RedisModule_Log(ctx, "warning", "shm: a main-loop callback is still queued; retry MODULE UNLOAD");
        return REDISMODULE_ERR;
    }
    if (shm_main_timer_pending()) {   /* a module timer must not outlive the library */
        RedisModule_Log(ctx, "warning", "shm: a re-check timer is still armed; retry MODULE UNLOAD");
        return REDISMODULE_ERR;
    }
    shm_workers_stop();
    shm_main_stop();
    shm_sigbus_uninstall();
    shm_table_free(&G.table);
    shm_exec_cache_clear();
    return REDISMODULE_OK;
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    const char *missing = NULL;
    if (rm_api_init(ctx, &missing) != 0) return REDISMODULE_ERR;
    if (RedisModule_IsModuleNameBusy("shm")) return REDISMODULE_ERR;
    RedisModule_SetModuleAttribs(ctx, "shm", SHM_VERSION, REDISMODULE_APIVER_1);
    have_user_api = RedisModule_SetContextUser && RedisModule_GetModuleUserFromUserName;
    shm_realloc = RedisModule_Realloc;   /* session buffers count in used_memory, like client buffers */
    shm_free = RedisModule_Free;
    if (!have_user_api)
        RedisModule_Log(ctx, "warning", "shm: this redis-server lacks RedisModule_SetContextUser (7.0.6+); SHM.OPEN will refuse");

    for (size_t i = 0; i < NCONFIGS; i++) {
        *CONFIGS[i].field = CONFIGS[i].dflt;
        if (RedisModule_RegisterNumericConfig(ctx, CONFIGS[i].name, CONFIGS[i].dflt, CONFIGS[i].flags,
                                              CONFIGS[i].min, CONFIGS[i].max, cfg_get, cfg_set, NULL,
                                              CONFIGS[i].field) != REDISMODULE_OK)
            return REDISMODULE_ERR;
    }
    if (RedisModule_LoadConfigs(ctx) != REDISMODULE_OK) return REDISMODULE_ERR;
    if (apply_module_args(ctx, argv, argc) != 0) return REDISMODULE_ERR;
    refresh_server_config(ctx);
    shm_exec_preload(ctx);
    int version = RedisModule_GetServerVersion ? RedisModule_GetServerVersion() : 0;
    if (!shm_internal_init(version))
        RedisModule_Log(ctx, "notice", "shm: performEvictions/propagatePendingCommands not used on this server "
                        "(7.0.x only); ring commands do not evict (docs/module.md, Eviction)");
    if (!RedisModule_RegisterCommandFilter(ctx, shm_exec_filter, 0)) return REDISMODULE_ERR;

    static const struct { const char *name; RedisModuleCmdFunc fn; const char *flags; } COMMANDS[] = {
        {"shm.open", cmd_open, "deny-script"},
        {"shm.close", cmd_close, "deny-script fast"},
        {"shm.sync", cmd_sync, "deny-script fast"},
        {"shm.info", cmd_info, "readonly allow-loading allow-stale"},
        {"shm.fence", cmd_fence, "write deny-script fast"},
    };
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (RedisModule_CreateCommand(ctx, COMMANDS[i].name, COMMANDS[i].fn, COMMANDS[i].flags, 0, 0, 0) != REDISMODULE_OK)
            return REDISMODULE_ERR;

    static const struct { RedisModuleEvent ev; RedisModuleEventCallback cb; int required; } EVENTS[] = {
        {RM_EVENT_CLIENT_CHANGE, on_client_change, 1},
        {RM_EVENT_SHUTDOWN, on_shutdown, 1},
        {RM_EVENT_EVENTLOOP, on_event_loop, 1},
        {RM_EVENT_CONFIG, on_config_change, 1},
        {RM_EVENT_MODULE_CHANGE, on_module_change, 1},
        {RM_EVENT_LOADING, on_loading, 1},
        {RM_EVENT_LOADING_PROGRESS, on_loading_progress, 1},
    };
    for (size_t i = 0; i < sizeof EVENTS / sizeof EVENTS[0]; i++)
        if (RedisModule_SubscribeToServerEvent(ctx, EVENTS[i].ev, EVENTS[i].cb) != REDISMODULE_OK && EVENTS[i].required)
            return REDISMODULE_ERR;
    if (RedisModule_RegisterInfoFunc(ctx, info_func) != REDISMODULE_OK) return REDISMODULE_ERR;

    if (shm_sigbus_install() != 0) return REDISMODULE_ERR;
    if (shm_workers_start(ctx, (int)G.cfg.threads) != 0) {
        shm_sigbus_uninstall();
        return REDISMODULE_ERR;
    }
    if (shm_main_start(ctx) != 0) {
        shm_workers_stop();
        shm_sigbus_uninstall();
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}
