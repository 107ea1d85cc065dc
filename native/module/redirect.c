/* redirect.c -- see redirect.h. Everything here runs with the module lock held. */
#include "redirect.h"
#include "cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static shm_cl_view view;   /* under the lock: one user at a time */

static int starts(const char *p, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

/* A bulk-string reply's bytes, or NULL. */
static const char *call_text(RedisModuleCallReply *r, size_t *len) {
    if (!r || RedisModule_CallReplyType(r) != REDISMODULE_REPLY_STRING) return NULL;
    return RedisModule_CallReplyStringPtr(r, len);
}

/* The value of "<field>:" in an INFO-style text (CLUSTER INFO), compared with want. */
static int info_field_is(const char *p, size_t n, const char *field, const char *want) {
    size_t fl = strlen(field), wl = strlen(want);
    for (size_t i = 0; i + fl + wl <= n; i++) {
        if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, field, fl) == 0)
            return memcmp(p + i + fl, want, wl) == 0 && (i + fl + wl == n || p[i + fl + wl] == '\r' || p[i + fl + wl] == '\n');
    }
    return 0;
}

typedef struct cfg { int endpoint, reads_down, pubsub_down; } cfg;

/* Reads the named cluster configs into c (exact names: CONFIG GET looks each up directly,
 * where a pattern would walk every config). */
static void read_configs(RedisModuleCtx *ctx, cfg *c, int down) {
    RedisModuleCallReply *r = down ? RedisModule_Call(ctx, "CONFIG", "ccc", "GET", "cluster-allow-reads-when-down",
                                                      "cluster-allow-pubsubshard-when-down")
                                   : RedisModule_Call(ctx, "CONFIG", "cc", "GET", "cluster-preferred-endpoint-type");
    size_t n = r && RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ARRAY ? RedisModule_CallReplyLength(r) : 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        size_t kl, vl;
        const char *k = call_text(RedisModule_CallReplyArrayElement(r, i), &kl);
        const char *v = call_text(RedisModule_CallReplyArrayElement(r, i + 1), &vl);
        if (!k || !v) continue;
        int yes = vl == 3 && !memcmp(v, "yes", 3);
        if (kl == 31 && !memcmp(k, "cluster-preferred-endpoint-type", 31))
            c->endpoint = starts(v, vl, "hostname") ? SHM_CL_ENDPOINT_HOSTNAME
                        : starts(v, vl, "unknown-endpoint") ? SHM_CL_ENDPOINT_UNKNOWN : SHM_CL_ENDPOINT_IP;
        else if (kl == 29 && !memcmp(k, "cluster-allow-reads-when-down", 29)) c->reads_down = yes;
        else if (kl == 36 && !memcmp(k, "cluster-allow-pubsubshard-when-down", 36)) c->pubsub_down = yes;
    }
    if (r) RedisModule_FreeCallReply(r);
}

static int load_view(RedisModuleCtx *ctx) {
    RedisModuleCallReply *r = RedisModule_Call(ctx, "CLUSTER", "c", "NODES");
    size_t len;
    const char *t = call_text(r, &len);
    int rc = t ? shm_cl_view_parse(&view, t, len) : -1;
    if (r) RedisModule_FreeCallReply(r);
    return rc;
}

/* Does the key exist, as getNodeByQuery's lookupKeyRead(NOTOUCH|NOSTATS|NONOTIFY|NOEXPIRE)
 * sees it? Asked (cluster.c) only on a slot this node owns and migrates away. RM_Call's
 * own cluster check makes exactly that lookup: a one-key MEMORY USAGE is refused (ASK) iff
 * the key is missing. When it exists MEMORY USAGE reads the dict with no keyspace side
 * effect (no hit/miss stat, no LRU touch, no expiry, no keymiss event); it shows in
 * INFO commandstats. */
static int key_exists(void *priv, const char *key, size_t len) {
    RedisModuleCtx *ctx = priv;
    errno = 0;
    RedisModuleCallReply *r = RedisModule_Call(ctx, "MEMORY", "cbcc", "USAGE", key, len, "SAMPLES", "1");
    int err = errno;
    if (r) RedisModule_FreeCallReply(r);
    return !(r == NULL && err == EPERM);
}

/* The decision for c; -1 when the inputs cannot be read. state: 1 ok, 0 down, -1 ask the server. */
static int decide(RedisModuleCtx *ctx, const shm_redirect_cmd *c, int state, int *slot, int *node, cfg *conf) {
    if (!RedisModule_GetCommandKeys) return -1;
    int pubsubshard = !strcmp(c->name, "spublish") || !strcmp(c->name, "ssubscribe") || !strcmp(c->name, "sunsubscribe");
    int nkeys = 0;
    errno = 0;
    /* RM_GetCommandKeys leaves out key specs flagged not-key (the shard channels of
     * SPUBLISH, the one such command the ring serves); getNodeByQuery counts them */
    int spublish_pos[1] = {1};
    int *pos = !strcmp(c->name, "spublish") ? (c->argc == 3 ? spublish_pos : NULL)
                                            : RedisModule_GetCommandKeys(ctx, c->argv, (int)c->argc, &nkeys);
    if (pos == spublish_pos) nkeys = 1;
    if (!pos) {
        if (errno != 0 && errno != ENOENT && errno != EINVAL) return -1;
        nkeys = 0;   /* no keys (or not a command / bad arity: checked before us) */
    }
    if (nkeys == 0) {
        if (pos && pos != spublish_pos) RedisModule_Free(pos);
        return SHM_CL_MYSELF;
    }
    shm_cl_key stack[16];
    shm_cl_key *keys = nkeys <= 16 ? stack : malloc((size_t)nkeys * sizeof *keys);
    int rc = -1;
    if (!keys) goto out;
    for (int i = 0; i < nkeys; i++) {
        if (pos[i] < 0 || (size_t)pos[i] >= c->argc) goto out;
        keys[i].p = RedisModule_StringPtrLen(c->argv[pos[i]], &keys[i].len);
    }
    if (load_view(ctx) != 0) goto out;
    conf->endpoint = SHM_CL_ENDPOINT_IP;
    conf->reads_down = conf->pubsub_down = 0;
    if (state < 0) {
        RedisModuleCallReply *r = RedisModule_Call(ctx, "CLUSTER", "c", "INFO");
        size_t len;
        const char *t = call_text(r, &len);
        state = t && info_field_is(t, len, "cluster_state:", "ok");
        if (r) RedisModule_FreeCallReply(r);
        if (!state) read_configs(ctx, conf, 1);
    }
    shm_cl_query q;
    memset(&q, 0, sizeof q);
    q.keys = keys;
    q.nkeys = (size_t)nkeys;
    q.is_write = c->is_write;
    q.cmd_asking = c->cmd_asking;
    q.is_pubsubshard = pubsubshard;
    q.is_migrate = !strcmp(c->name, "migrate");
    q.readonly = c->readonly;
    q.state_ok = state;
    q.allow_reads_down = conf->reads_down;
    q.allow_pubsubshard_down = conf->pubsub_down;
    q.exists = key_exists;
    q.priv = ctx;
    rc = shm_cl_decide(&view, &q, slot, node);
    if (rc == SHM_CL_MOVED || rc == SHM_CL_ASK) read_configs(ctx, conf, 0);
out:
    if (keys && keys != stack) free(keys);
    if (pos != spublish_pos) RedisModule_Free(pos);
    return rc;
}

/* Turns a decision into the caller's answer. */
static int answer(int d, int slot, int node, const cfg *conf, char *text, size_t cap) {
    if (d == SHM_CL_MYSELF_READONLY) {
        snprintf(text, cap, "READONLY connection on a replica");
        return SHM_REDIRECT_ROUTE;
    }
    if (d == SHM_CL_MYSELF_ASKING) {
        snprintf(text, cap, "ASKING");
        return SHM_REDIRECT_ROUTE;
    }
    const shm_cl_node *n = node >= 0 && (size_t)node < view.count ? &view.nodes[node] : NULL;
    return shm_cl_reply_text(text, cap, d, slot, n, conf->endpoint) > 0 ? SHM_REDIRECT_REPLY : SHM_REDIRECT_NONE;
}

static int cluster_node(RedisModuleCtx *ctx) {
    return (RedisModule_GetContextFlags(ctx) & REDISMODULE_CTX_FLAGS_CLUSTER) != 0;
}

int shm_redirect_after_call(RedisModuleCtx *ctx, const shm_redirect_cmd *c, RedisModuleCallReply *r, int err,
                            char *text, size_t cap) {
    if (!r || RedisModule_CallReplyType(r) != REDISMODULE_REPLY_ERROR) return SHM_REDIRECT_NONE;
    size_t len;
    const char *p = RedisModule_CallReplyProto(r, &len);
    if (!p) return SHM_REDIRECT_NONE;
    cfg conf;
    int slot, node, d;
    switch (err) {
    case EPERM:   /* MOVED, ASK, TRYAGAIN, CROSSSLOT or an unbound slot: the state check passed */
        if (!starts(p, len, "-ERR Attempted to access a non local key in a cluster node")) return SHM_REDIRECT_NONE;
        d = decide(ctx, c, 1, &slot, &node, &conf);
        if (d == SHM_CL_MYSELF || d < 0) {
            /* the server refused what our reading says it serves: say so, never a wrong redirect */
            snprintf(text, cap, "cluster redirection unavailable");
            return SHM_REDIRECT_ROUTE;
        }
        return answer(d, slot, node, &conf, text, cap);
    case ENETDOWN:
        if (!starts(p, len, "-ERR Can not execute a command '")) return SHM_REDIRECT_NONE;
        return shm_cl_reply_text(text, cap, SHM_CL_DOWN, 0, NULL, 0) > 0 ? SHM_REDIRECT_REPLY : SHM_REDIRECT_NONE;
    case EROFS:
        if (!starts(p, len, "-ERR Can not execute a write command '")) return SHM_REDIRECT_NONE;
        return shm_cl_reply_text(text, cap, SHM_CL_DOWN_RO, 0, NULL, 0) > 0 ? SHM_REDIRECT_REPLY : SHM_REDIRECT_NONE;
    case ENOSPC:   /* OOM (flag M) */
    case ESPIPE:   /* MISCONF, NOREPLICAS, READONLY, MASTERDOWN (flag S): all checked before RM_Call's cluster check */
        if (!(starts(p, len, "-OOM ") || starts(p, len, "-MISCONF ") || starts(p, len, "-NOREPLICAS ") ||
              starts(p, len, "-READONLY ") || starts(p, len, "-MASTERDOWN "))) return SHM_REDIRECT_NONE;
        return shm_redirect_before_guard(ctx, c, text, cap);
    default:
        return SHM_REDIRECT_NONE;
    }
}

int shm_redirect_before_guard(RedisModuleCtx *ctx, const shm_redirect_cmd *c, char *text, size_t cap) {
    if (!cluster_node(ctx)) return SHM_REDIRECT_NONE;
    cfg conf;
    int slot, node;
    int d = decide(ctx, c, -1, &slot, &node, &conf);
    /* served here (READONLY / ASKING included): the guard's refusal is the socket's answer */
    if (d < 0 || d == SHM_CL_MYSELF || d == SHM_CL_MYSELF_READONLY || d == SHM_CL_MYSELF_ASKING) return SHM_REDIRECT_NONE;
    return answer(d, slot, node, &conf, text, cap);
}

int shm_redirect_client_readonly(RedisModuleCtx *ctx) {
    if (!cluster_node(ctx)) return 0;
    RedisModuleCallReply *r = RedisModule_Call(ctx, "CLIENT", "ccl", "LIST", "ID", (long long)RedisModule_GetClientId(ctx));
    size_t len;
    const char *t = call_text(r, &len);
    int ro = 0;
    for (size_t i = 0; t && i + 7 <= len; i++) {
        if (memcmp(t + i, " flags=", 7) != 0) continue;
        for (size_t j = i + 7; j < len && t[j] != ' '; j++) if (t[j] == 'r') ro = 1;
        break;
    }
    if (r) RedisModule_FreeCallReply(r);
    return ro;
}
