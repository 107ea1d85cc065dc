/* route.c -- see route.h. */
#include "route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define R_PUBSUB "pub/sub"
#define R_CONN "connection command"
#define R_TX "transaction"
#define R_BLOCK "blocking command"
#define R_SHM "shm session command"

static const struct { const char *name; const char *reason; size_t len; } ROUTED[] = {
    {"subscribe", R_PUBSUB, 9}, {"psubscribe", R_PUBSUB, 10}, {"ssubscribe", R_PUBSUB, 10},
    {"unsubscribe", R_PUBSUB, 11}, {"punsubscribe", R_PUBSUB, 12}, {"sunsubscribe", R_PUBSUB, 12},
    {"monitor", R_CONN, 7}, {"reset", R_CONN, 5}, {"quit", R_CONN, 4}, {"shutdown", R_CONN, 8},
    {"sync", R_CONN, 4}, {"psync", R_CONN, 5}, {"replconf", R_CONN, 8},
    {"select", R_CONN, 6}, {"auth", R_CONN, 4}, {"hello", R_CONN, 5}, {"client", R_CONN, 6},
    /* cluster connection state: RM_Call takes ASKING / READONLY from its own context, never
     * from a command it ran (redirect.h) */
    {"asking", R_CONN, 6}, {"readonly", R_CONN, 8}, {"readwrite", R_CONN, 9},
    {"multi", R_TX, 5}, {"exec", R_TX, 4}, {"discard", R_TX, 7}, {"watch", R_TX, 5}, {"unwatch", R_TX, 7},
    {"blpop", R_BLOCK, 5}, {"brpop", R_BLOCK, 5}, {"blmove", R_BLOCK, 6}, {"brpoplpush", R_BLOCK, 10},
    {"blmpop", R_BLOCK, 6}, {"bzpopmin", R_BLOCK, 8}, {"bzpopmax", R_BLOCK, 8}, {"bzmpop", R_BLOCK, 6},
    {"wait", R_BLOCK, 4}, {"waitaof", R_BLOCK, 7},
};

static int arg_is(const char *buf, const shm_arg *a, const char *word) {
    size_t n = strlen(word);
    return a->len == n && strncasecmp(buf + a->off, word, n) == 0;
}

int shm_xread_blocks(const char *buf, const shm_arg *argv, size_t argc, int group) {
    size_t i = 1;
    if (group) {
        if (argc < 4 || !arg_is(buf, &argv[1], "GROUP")) return 0;
        i = 4;   /* GROUP <group> <consumer> */
    }
    /* Walk the options the way xreadCommand does; stop at STREAMS or anything unknown. */
    while (i < argc) {
        int more = i + 1 < argc;
        if (arg_is(buf, &argv[i], "BLOCK") && more) return 1;
        if (arg_is(buf, &argv[i], "COUNT") && more) { i += 2; continue; }
        if (group && arg_is(buf, &argv[i], "NOACK")) { i += 1; continue; }
        return 0;
    }
    return 0;
}

const char *shm_route_reason(const char *buf, const shm_arg *argv, size_t argc) {
    if (argc == 0) return NULL;
    const shm_arg *name = &argv[0];
    if (name->len > 4 && strncasecmp(buf + name->off, "shm.", 4) == 0) return R_SHM;
    /* lengths of the routed names (4..12): most commands leave here */
    if (name->len > 12 || !((1u << name->len) & 0x1ff0u)) return NULL;
    for (size_t i = 0; i < sizeof ROUTED / sizeof ROUTED[0]; i++)
        if (name->len == ROUTED[i].len && strncasecmp(buf + name->off, ROUTED[i].name, name->len) == 0)
            return ROUTED[i].reason;
    if (arg_is(buf, name, "xread") && shm_xread_blocks(buf, argv, argc, 0)) return R_BLOCK;
    if (arg_is(buf, name, "xreadgroup") && shm_xread_blocks(buf, argv, argc, 1)) return R_BLOCK;
    return NULL;
}

void shm_route_error(char *out, size_t outlen, const char *buf, const shm_arg *argv, const char *reason) {
    char name[129];
    size_t n = argv[0].len < 128 ? argv[0].len : 128;
    for (size_t i = 0; i < n; i++) {
        char c = buf[argv[0].off + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c == '\r' || c == '\n' || c == '\0') c = ' ';
        name[i] = c;
    }
    name[n] = 0;
    snprintf(out, outlen, "ERR SHM-ROUTE '%s' is served on the socket only (%s)", name, reason);
}
