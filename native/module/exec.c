/* exec.c -- see exec.h. Everything here runs with the module lock held. */
#include "exec.h"
#include "internal.h"
#include "redirect.h"
#include "reply.h"
#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Command flags we act on, from COMMAND INFO. */
#define F_WRITE (1u << 0)
#define F_DENYOOM (1u << 1)
#define F_NOSCRIPT (1u << 2)
#define F_LOADING (1u << 3)
#define F_PUBSUB (1u << 4)
#define F_MAYREPL (1u << 5)
#define F_CONTAINER (1u << 6)
#define F_STALE (1u << 7)
#define F_ASKING (1u << 8)

#define CACHE_SLOTS 1024           /* open addressing; full = stop caching, still correct */
#define KEY_MAX 96

typedef struct cmdinfo {
    char key[KEY_MAX];             /* lowercase "name" or "container|sub"; "" = empty slot */
    unsigned flags;
    long long arity;
} cmdinfo;

static cmdinfo cache[CACHE_SLOTS];
static uint64_t cache_used;

void shm_exec_cache_clear(void) {
    memset(cache, 0, sizeof cache);
    cache_used = 0;
}

uint64_t shm_exec_cache_size(void) { return cache_used; }

/* A lookup miss proves "not a command" only while inserts still succeed. */
int shm_exec_cache_full(void) { return cache_used >= CACHE_SLOTS * 3 / 4; }

static uint32_t hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static const char *arg_ptr(const shm_session *s, size_t i, size_t *len) {
    *len = s->parser.argv[i].len;
    return s->in.p + s->in.start + s->parser.argv[i].off;
}

/* Lowercase copy of an argument into out (KEY_MAX); 0 when it does not fit or holds NUL. */
static int lower_copy(char *out, size_t cap, const char *p, size_t n) {
    if (n + 1 > cap) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == 0) return 0;
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[n] = 0;
    return 1;
}

static int preload_entry(RedisModuleCallReply *e);

/* Fills *out from one COMMAND / COMMAND INFO entry; 0 on success. */
static int parse_entry(RedisModuleCallReply *e, cmdinfo *out) {
    if (!e || RedisModule_CallReplyType(e) != REDISMODULE_REPLY_ARRAY || RedisModule_CallReplyLength(e) < 3) return -1;
    size_t nlen;
    const char *name = RedisModule_CallReplyStringPtr(RedisModule_CallReplyArrayElement(e, 0), &nlen);
    memset(out, 0, sizeof *out);
    if (!name || !lower_copy(out->key, sizeof out->key, name, nlen)) return -1;
    out->arity = RedisModule_CallReplyInteger(RedisModule_CallReplyArrayElement(e, 1));
    RedisModuleCallReply *fl = RedisModule_CallReplyArrayElement(e, 2);
    size_t nf = RedisModule_CallReplyLength(fl);
    for (size_t i = 0; i < nf; i++) {
        size_t len;
        const char *f = RedisModule_CallReplyStringPtr(RedisModule_CallReplyArrayElement(fl, i), &len);
        if (!f) continue;
#define FLAG(name, bit) if (len == sizeof(name) - 1 && memcmp(f, name, len) == 0) out->flags |= bit;
        FLAG("write", F_WRITE)
        FLAG("denyoom", F_DENYOOM)
        FLAG("noscript", F_NOSCRIPT)
        FLAG("loading", F_LOADING)
        FLAG("pubsub", F_PUBSUB)
        FLAG("may_replicate", F_MAYREPL)
        FLAG("stale", F_STALE)
        FLAG("asking", F_ASKING)
#undef FLAG
    }
    if (RedisModule_CallReplyLength(e) >= 10) {
        RedisModuleCallReply *subs = RedisModule_CallReplyArrayElement(e, 9);
        size_t ns = RedisModule_CallReplyType(subs) == REDISMODULE_REPLY_ARRAY ? RedisModule_CallReplyLength(subs) : 0;
        if (ns > 0) out->flags |= F_CONTAINER;
        for (size_t i = 0; i < ns; i++) preload_entry(RedisModule_CallReplyArrayElement(subs, i));
    }
    return 0;
}

static cmdinfo *cache_insert(const cmdinfo *c) {
    uint32_t h = hash(c->key) & (CACHE_SLOTS - 1);
    for (uint32_t i = 0; i < CACHE_SLOTS; i++) {
        cmdinfo *slot = &cache[(h + i) & (CACHE_SLOTS - 1)];
        if (slot->key[0] == 0) {
            if (cache_used >= CACHE_SLOTS * 3 / 4) return NULL;   /* full: stay correct, stop caching */
            *slot = *c;
            cache_used++;
            return slot;
        }
        if (strcmp(slot->key, c->key) == 0) { *slot = *c; return slot; }
    }
    return NULL;
}

static int preload_entry(RedisModuleCallReply *e) {
    cmdinfo c;
    if (parse_entry(e, &c) != 0) return -1;
    cache_insert(&c);
    return 0;
}

void shm_exec_preload(RedisModuleCtx *ctx) {
    RedisModuleCallReply *r = RedisModule_Call(ctx, "COMMAND", "");
    if (!r) return;
    size_t n = RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ARRAY ? RedisModule_CallReplyLength(r) : 0;
    for (size_t i = 0; i < n; i++) preload_entry(RedisModule_CallReplyArrayElement(r, i));
    RedisModule_FreeCallReply(r);
}

/* Flags of a command name (or container|sub) from the table loaded from COMMAND at
 * load time and after every MODULE LOAD/UNLOAD (asking the server per command would show
 * up in MONITOR). NULL = not a command; RM_Call then words the error. */
static const cmdinfo *lookup(const char *key) {
    uint32_t h = hash(key) & (CACHE_SLOTS - 1);
    for (uint32_t i = 0; i < CACHE_SLOTS; i++) {
        cmdinfo *c = &cache[(h + i) & (CACHE_SLOTS - 1)];
        if (c->key[0] == 0) return NULL;
        if (strcmp(c->key, key) == 0) return c;
    }
    return NULL;
}

/* An error reply; `counted` as the server counts a socket client's errors (INFO
 * errorstats, total_error_replies): every error the socket would have answered too. */
static void emit_error_ex(shm_session *s, const char *text, int counted) {
    char line[600];
    int n = snprintf(line, sizeof line, "-%s\r\n", text);
    if (n >= (int)sizeof line) n = (int)sizeof line - 1;
    shm_emit(s, line, (size_t)n, 0);
    if (counted) shm_internal_count_error(s->client_id, line, (size_t)n);
}

static void emit_error(shm_session *s, const char *text) { emit_error_ex(s, text, 1); }

/* A guard refused command `fullname` before it ran, as processCommand's rejectCommand:
 * the error counts, and so does the command's rejected_calls. */
static void reject(shm_session *s, const char *fullname, const char *text) {
    emit_error(s, text);
    shm_internal_count_rejected(fullname);
}

/* Redis's text for an unknown command whose name carries a NUL byte (RM_Call would cut the name). */
static void emit_unknown(shm_session *s) {
    char args[200] = "", text[400];
    size_t used = 0;
    for (size_t i = 1; i < s->parser.argc && used < 128; i++) {
        size_t len;
        const char *p = arg_ptr(s, i, &len);
        /* Redis prints each argument with "%.*s" from a NUL-terminated sds: it ends at its
         * length, at a NUL in it, or at the precision; ours are not NUL-terminated */
        size_t n = strnlen(p, len < 128 - used ? len : 128 - used);
        int w = snprintf(args + used, sizeof args - used, "'%.*s' ", (int)n, p);
        if (w < 0) break;
        used = strlen(args);
    }
    size_t len;
    const char *name = arg_ptr(s, 0, &len);
    size_t nn = strnlen(name, len < 128 ? len : 128);
    snprintf(text, sizeof text, "ERR unknown command '%.*s', with args beginning with: %s", (int)nn, name, args);
    for (char *c = text; *c; c++) if (*c == '\r' || *c == '\n') *c = ' ';
    emit_error(s, text);
}

/* A denied command: asks ACL DRYRUN which rule failed (command, key or channel, and
 * the object), logs it in ACL LOG under the session's user as processCommand would
 * (context "module"), and replies processCommand's NOPERM text. RM_Call's own check
 * would log the context's user instead and word the error differently. */
static void deny(RedisModuleCtx *ctx, RedisModuleUser *user, shm_session *s, RedisModuleString **argv,
                 size_t argc, const char *fullname) {
    RedisModuleString *stack[18];
    RedisModuleString **dry = argc + 2 <= 18 ? stack : malloc((argc + 2) * sizeof *dry);
    const char *text = "ERR no permission";
    char buf[300];
    if (dry) {
        dry[0] = RedisModule_CreateString(NULL, "DRYRUN", 6);
        dry[1] = RedisModule_CreateString(NULL, s->user, strlen(s->user));
        for (size_t i = 0; i < argc; i++) dry[i + 2] = argv[i];
        RedisModuleCallReply *r = RedisModule_Call(ctx, "ACL", "v", dry, argc + 2);
        size_t len = 0;
        const char *msg = r && RedisModule_CallReplyType(r) == REDISMODULE_REPLY_STRING
                              ? RedisModule_CallReplyStringPtr(r, &len) : NULL;
        static const char run[] = "This user has no permissions to run the '";
        static const char acc[] = "This user has no permissions to access the '";
        int reason = 0;
        const char *obj = NULL;
        size_t olen = 0;
        if (msg && len > sizeof run && !memcmp(msg, run, sizeof run - 1)) {
            reason = REDISMODULE_ACL_LOG_CMD;
            obj = fullname;
            olen = strlen(fullname);
            snprintf(buf, sizeof buf, "NOPERM this user has no permissions to run the '%s' command", fullname);
            text = buf;
        } else if (msg && len > sizeof acc && !memcmp(msg, acc, sizeof acc - 1)) {
            int chan = len >= 9 && !memcmp(msg + len - 9, "' channel", 9);
            size_t tail = chan ? 9 : 5;   /* "' channel" or "' key" */
            obj = msg + sizeof acc - 1;
            olen = len - (sizeof acc - 1) - tail;
            reason = chan ? REDISMODULE_ACL_LOG_CHANNEL : REDISMODULE_ACL_LOG_KEY;
            text = chan ? "NOPERM this user has no permissions to access one of the channels used as arguments"
                        : "NOPERM this user has no permissions to access one of the keys used as arguments";
        }
        if (reason && RedisModule_ACLAddLogEntry) {
            RedisModuleString *o = RedisModule_CreateString(NULL, obj, olen);
            RedisModule_ACLAddLogEntry(ctx, user, o, reason);
            RedisModule_FreeString(NULL, o);
        }
        if (r) RedisModule_FreeCallReply(r);
        RedisModule_FreeString(NULL, dry[0]);
        RedisModule_FreeString(NULL, dry[1]);
        if (dry != stack) free(dry);
    }
    reject(s, fullname, text);
}

static void free_args(RedisModuleString **argv, size_t n) {
    for (size_t i = 0; i < n; i++) RedisModule_FreeString(NULL, argv[i]);
}

/* ---------- argv ownership ----------
 *
 * RM_Call's `v` format takes a reference of each argument, so during the call our
 * strings have a refcount of 2, and tryObjectEncoding leaves any object with more than
 * one reference as it is: `SET k 1` would store an embstr where the socket stores an int
 * (and MEMORY USAGE would differ). RM_Call runs the command filters right after it built
 * its argv; ours hands our reference over to that argv (CommandFilterArgReplace of an
 * argument by itself drops one reference and keeps the pointer), so the command owns the
 * only one, as a socket client's command does, with no copy. Arguments another filter
 * replaced first stay ours and are freed after the call. */
typedef struct handoff { RedisModuleString **argv; size_t argc; unsigned char *moved; } handoff;

/* Under the module lock, like every command filter run: the main thread runs socket
 * clients' commands (and so their filters) only while it holds it, and every RM_Call of
 * ours runs under it, so one plain pointer serves all threads. */
static handoff *pending_handoff;

void shm_exec_filter(RedisModuleCommandFilterCtx *f) {
    handoff *h = pending_handoff;
    if (!h) return;               /* a socket client's command, or a nested one */
    pending_handoff = NULL;       /* only the first filter run of our RM_Call is ours */
    for (size_t i = 0; i < h->argc; i++) {
        if (RedisModule_CommandFilterArgGet(f, (int)i + 1) != h->argv[i]) continue;
        RedisModule_CommandFilterArgReplace(f, (int)i + 1, h->argv[i]);
        h->moved[i] = 1;
    }
}

/* RM_Call of the session's command with its arguments handed over (above). */
static RedisModuleCallReply *call_owned(RedisModuleCtx *ctx, const char *cmd, const char *fmt,
                                        RedisModuleString **args, size_t n) {
    unsigned char moved_stack[32];
    unsigned char *moved = n <= sizeof moved_stack ? moved_stack : calloc(n, 1);
    if (moved == moved_stack) memset(moved, 0, sizeof moved_stack);
    handoff h = {args, n, moved};
    pending_handoff = moved ? &h : NULL;   /* out of memory: keep our references */
    RedisModuleCallReply *r = RedisModule_Call(ctx, cmd, fmt, args, n);
    int call_errno = errno;
    pending_handoff = NULL;
    for (size_t i = 0; i < n; i++)
        if (!moved || !moved[i]) RedisModule_FreeString(NULL, args[i]);
    if (moved && moved != moved_stack) free(moved);
    errno = call_errno;   /* for the caller's "could not call" text */
    return r;
}

/* On a cluster node, the socket's redirection in place of a refusal (redirect.h): r is
 * RM_Call's reply (errno err), or NULL for a guard about to refuse. 1 if it replied. */
static int redirected(RedisModuleCtx *ctx, shm_session *s, RedisModuleString **argv, size_t argc,
                      const char *key, unsigned flags, RedisModuleCallReply *r, int err) {
    shm_redirect_cmd c = {argv, argc, key, (flags & F_WRITE) != 0, (flags & F_ASKING) != 0, s->readonly};
    char text[400];
    int how = r ? shm_redirect_after_call(ctx, &c, r, err, text, sizeof text)
                : shm_redirect_before_guard(ctx, &c, text, sizeof text);
    if (how == SHM_REDIRECT_NONE) return 0;
    if (how == SHM_REDIRECT_ROUTE) {
        char reason[sizeof text];
        memcpy(reason, text, sizeof text);
        shm_route_error(text, sizeof text, s->in.p + s->in.start, s->parser.argv, reason);
    }
    if (how == SHM_REDIRECT_ROUTE) emit_error_ex(s, text, 0);   /* the client resends it on the socket */
    else reject(s, key, text);   /* processCommand counts a redirection in rejected_calls and errorstats */
    return 1;
}

/* The same after call_owned, whose arguments are gone (handed over or freed): only on a
 * refusal that can be a cluster one, a fresh argv is read from the request for the keys. */
static int redirected_after_call(RedisModuleCtx *ctx, shm_session *s, const char *key, unsigned flags,
                                 RedisModuleCallReply *r, int err) {
    if (err != EPERM && err != ENETDOWN && err != EROFS && err != ENOSPC && err != ESPIPE) return 0;
    if (RedisModule_CallReplyType(r) != REDISMODULE_REPLY_ERROR) return 0;
    size_t argc = s->parser.argc;
    RedisModuleString *stack_argv[16];
    RedisModuleString **argv = argc <= 16 ? stack_argv : malloc(argc * sizeof *argv);
    if (!argv) return 0;
    for (size_t i = 0; i < argc; i++) {
        size_t len;
        const char *p = arg_ptr(s, i, &len);
        argv[i] = RedisModule_CreateString(NULL, p, len);
    }
    int done = redirected(ctx, s, argv, argc, key, flags, r, err);
    free_args(argv, argc);
    if (argv != stack_argv) free(argv);
    return done;
}

int shm_exec(RedisModuleCtx *ctx, RedisModuleUser *user, shm_session *s, int *effects, int on_main) {
    size_t argc = s->parser.argc;
    const char *buf = s->in.p + s->in.start;
    /* 1. the routing rule */
    const char *why = shm_route_reason(buf, s->parser.argv, argc);
    if (why) {
        char text[300];
        shm_route_error(text, sizeof text, buf, s->parser.argv, why);
        emit_error_ex(s, text, 0);   /* the client library sends these on the socket */
        return SHM_EXEC_DONE;
    }
    /* 2. clients paused (CLIENT PAUSE, failover): hold; a propagated write would crash 7.0 */
    if (RedisModule_AvoidReplicaTraffic()) return SHM_EXEC_HOLD;

    /* 3. command flags, cached per name */
    size_t nlen;
    const char *name = arg_ptr(s, 0, &nlen);
    char key[KEY_MAX];   /* lowercase "name", then "container|sub" for a subcommand; "" if too long */
    if (memchr(name, 0, nlen)) { emit_unknown(s); return SHM_EXEC_DONE; }
    if ((nlen == 5 && !strncasecmp(name, "host:", 5)) || (nlen == 4 && !strncasecmp(name, "post", 4))) {
        /* processCommand drops such a connection without a reply (cross-protocol attack) */
        s->close_reason = SHM_CLOSE_PROTOCOL;
        return SHM_EXEC_DONE;
    }
    if (!lower_copy(key, sizeof key, name, nlen)) key[0] = 0;
    const cmdinfo *ci = key[0] ? lookup(key) : NULL;
    if (ci && (ci->flags & F_CONTAINER) && argc >= 2) {
        size_t sl;
        const char *sub = arg_ptr(s, 1, &sl);
        /* written after the name's NUL; joined with '|' only if it fits whole */
        if (lower_copy(key + nlen + 1, sizeof key - nlen - 1, sub, sl)) {
            key[nlen] = '|';
            ci = lookup(key);
        } else {
            ci = NULL;
        }
    }
    unsigned flags = ci ? ci->flags : 0;
    int arity_ok = ci && (ci->arity > 0 ? (long long)argc == ci->arity : (long long)argc >= -ci->arity);

    /* argv as module strings: [0] is the name, passed to RM_Call as a C string */
    RedisModuleString *stack_argv[16];
    RedisModuleString **argv = argc <= 16 ? stack_argv : malloc(argc * sizeof *argv);
    if (!argv) { emit_error_ex(s, "ERR SHM out of memory", 0); return SHM_EXEC_DONE; }
    for (size_t i = 0; i < argc; i++) {
        size_t len;
        const char *p = arg_ptr(s, i, &len);
        argv[i] = RedisModule_CreateString(NULL, p, len);
    }
    char cmd_stack[64];
    char *cmd = nlen < sizeof cmd_stack ? cmd_stack : malloc(nlen + 1);
    if (!cmd) { free_args(argv, argc); if (argv != stack_argv) free(argv); emit_error_ex(s, "ERR SHM out of memory", 0); return SHM_EXEC_DONE; }
    memcpy(cmd, name, nlen);
    cmd[nlen] = 0;

    /* 3b. protected commands (enable-debug-command / enable-module-command), as
     * processCommand refuses them; an shm client is always a local one */
    int done = 0;
    if (ci && arity_ok && (!strcmp(key, "debug") || !strcmp(key, "module|load") || !strcmp(key, "module|loadex") ||
                           !strcmp(key, "module|unload"))) {
        int is_debug = key[0] == 'd';
        if (!__atomic_load_n(is_debug ? &G.allow_debug : &G.allow_module, __ATOMIC_RELAXED)) {   /* relaxed: a knob */
            char text[400];
            snprintf(text, sizeof text, "ERR %s command not allowed. If the %s option is set to \"local\", "
                     "you can run it from a local connection, otherwise you need to set this option in the "
                     "configuration file, and then restart the server.",
                     is_debug ? "DEBUG" : "MODULE", is_debug ? "enable-debug-command" : "enable-module-command");
            reject(s, key, text);
            done = 1;
        }
    }

    /* 4. ACL, before the other guards as in processCommand (RM_Call's own check would run
     * after its OOM/replica checks). */
    if (!done && ci && arity_ok && RedisModule_ACLCheckCommandPermissions(user, argv, (int)argc) != REDISMODULE_OK &&
        errno == EACCES) {
        deny(ctx, user, s, argv, argc, key);
        done = 1;
    }
    int ctxflags = done ? 0 : RedisModule_GetContextFlags(ctx);
    /* 4b. maxmemory, as processCommand: evict first (every command), then refuse a
     * deny-oom command only if nothing could be evicted. Without the internals RM_Call's
     * M flag refuses over maxmemory and nothing is evicted (internal.h). */
    int evicts = shm_internal_have_evict();
    if (!done && ci && arity_ok && evicts && (ctxflags & REDISMODULE_CTX_FLAGS_MAXMEMORY)) {
        int out_of_memory = shm_internal_evict() == SHM_EVICT_FAIL;
        /* over the limit before: keys may have gone (DELs propagated, clients to wake) */
        if (ctxflags & REDISMODULE_CTX_FLAGS_OOM) *effects |= 1;
        if (out_of_memory && (flags & F_DENYOOM)) {
            /* processCommand redirects before it evicts: a cluster redirection wins */
            if (!redirected(ctx, s, argv, argc, key, flags, NULL, 0))
                reject(s, key, "OOM command not allowed when used memory > 'maxmemory'.");
            done = 1;
        }
    }
    /* 5. writes on a read-only replica (before LOADING, as in processCommand) */
    if (!done && ci && arity_ok && (flags & F_WRITE) && (ctxflags & REDISMODULE_CTX_FLAGS_SLAVE) &&
        (ctxflags & REDISMODULE_CTX_FLAGS_READONLY)) {
        if (!redirected(ctx, s, argv, argc, key, flags, NULL, 0)) reject(s, key, "READONLY You can't write against a read only replica.");
        done = 1;
    }
    /* 6. a replica without its master link and replica-serve-stale-data no (RM_Call's S
     * flag checks it too, but only after LOADING would have answered) */
    if (!done && ci && arity_ok && !(flags & F_STALE) && (ctxflags & REDISMODULE_CTX_FLAGS_SLAVE) &&
        (ctxflags & REDISMODULE_CTX_FLAGS_REPLICA_IS_STALE) &&
        !__atomic_load_n(&G.serve_stale, __ATOMIC_RELAXED)) {   /* relaxed: a config knob */
        if (!redirected(ctx, s, argv, argc, key, flags, NULL, 0)) reject(s, key, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
        done = 1;
    }
    /* 7. LOADING, as processCommand words it */
    if (!done && ci && arity_ok && (ctxflags & REDISMODULE_CTX_FLAGS_LOADING) && !(flags & F_LOADING)) {
        if (!redirected(ctx, s, argv, argc, key, flags, NULL, 0)) reject(s, key, "LOADING Redis is loading the dataset in memory");
        done = 1;
    }
    /* 8. run by the main thread during a load (worker.c): a command that may write, publish
     * or is not in the table would leave its propagation pending outside any context that
     * flushes it, and a nested DEBUG (RELOAD) has no business inside a load: these wait for
     * the end of the load, with the session's later commands behind them */
    int deferred = 0;
    if (!done && on_main &&
        (ci ? arity_ok && ((flags & (F_WRITE | F_MAYREPL | F_PUBSUB)) || !strcmp(key, "debug")) : shm_exec_cache_full())) {
        deferred = 1;
        done = 1;
    }
    /* 9. run it: ! propagate, E errors as replies, C as the session's user, M deny-oom
     * (only when 4b could not evict),
     * S (unless the command is no-script) for MISCONF / NOREPLICAS / MASTERDOWN, 3 for RESP3 */
    if (!done) {
        char fmt[12];
        int k = 0;
        fmt[k++] = '!'; fmt[k++] = 'E'; fmt[k++] = 'C';
        if (!evicts) fmt[k++] = 'M';
        if (ci && !(flags & F_NOSCRIPT)) fmt[k++] = 'S';
        if (s->resp3) fmt[k++] = '3';
        fmt[k++] = 'v';
        fmt[k] = 0;
        int may_effect = !ci || (flags & (F_WRITE | F_MAYREPL | F_PUBSUB));
        *effects |= may_effect;
        errno = 0;
        RedisModuleCallReply *r = call_owned(ctx, cmd, fmt, argv + 1, argc - 1);
        int err = errno;
        /* RM_Call refused it before running it: a wrong arity, or the S checks (ESPIPE:
         * MISCONF, NOREPLICAS, ...), which processCommand counts as rejected */
        int rejected = ci && (!arity_ok || err == ESPIPE);
        RedisModule_FreeString(NULL, argv[0]);
        argc = 0;   /* every argument was handed over or freed */
        shm_internal_propagate();   /* this command's writes reach the AOF and replicas on their own, as from a socket */
        int gate = may_effect && __atomic_load_n(&G.aof_gate, __ATOMIC_RELAXED);   /* relaxed: a config knob */
        if (r && (ctxflags & REDISMODULE_CTX_FLAGS_CLUSTER) && redirected_after_call(ctx, s, key, flags, r, err)) {
            RedisModule_FreeCallReply(r);
        } else if (r) {
            size_t len = 0;
            const char *proto = RedisModule_CallReplyProto(r, &len);
            shm_emit(s, proto, len, gate);
            shm_internal_count_error(s->client_id, proto, len);   /* RM_Call does not count its errors */
            if (rejected && len && proto[0] == '-') shm_internal_count_rejected(key);
            RedisModule_FreeCallReply(r);
        } else {
            char text[200];
            snprintf(text, sizeof text, "ERR SHM could not call '%.64s' (errno %d)", key, err);
            emit_error_ex(s, text, 0);
        }
    }
    if (cmd != cmd_stack) free(cmd);
    free_args(argv, argc);
    if (argv != stack_argv) free(argv);
    return deferred ? SHM_EXEC_DEFER : SHM_EXEC_DONE;
}
