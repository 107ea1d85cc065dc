/*
 * cluster.h -- Redis Cluster's answer to a keyed command, decided as processCommand decides
 * it for a socket client (redis 7.0 src/cluster.c: keyHashSlot, getNodeByQuery,
 * clusterRedirectClient), over a slot map parsed from CLUSTER NODES.
 * Pure: no Redis API; unit-tested in test/test_cluster.c. redirect.c feeds it.
 */
#ifndef REDIS_SHM_CLUSTER_H
#define REDIS_SHM_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#define SHM_CL_SLOTS 16384

/* CRC16/XMODEM (poly 0x1021, init 0), and the key's slot: the CRC of its first non-empty
 * {hash tag}, else of the whole key, & 16383. */
unsigned shm_cl_crc16(const char *p, size_t n);
unsigned shm_cl_keyslot(const char *key, size_t n);

typedef struct shm_cl_node {
    char id[41];
    char ip[64];
    char host[256];               /* announced hostname, "" if none */
    int port;
} shm_cl_node;

/* The slot map as one node sees it (CLUSTER NODES of that node). */
typedef struct shm_cl_view {
    shm_cl_node *nodes;
    size_t count, cap;
    int myself;                   /* index of the "myself" line */
    int my_master;                /* index of myself's master, -1 if myself is a master */
    int16_t owner[SHM_CL_SLOTS];  /* node index, -1 unbound */
    int16_t migrating_to[SHM_CL_SLOTS];    /* myself's [slot->-id], -1 none */
    int16_t importing_from[SHM_CL_SLOTS];  /* myself's [slot-<-id], -1 none */
} shm_cl_view;

/* Parses CLUSTER NODES text into v (v->nodes is reused/grown). 0, or -1 when malformed
 * (no myself line, bad slot, unknown node id, too long a field). Never reads past len. */
int shm_cl_view_parse(shm_cl_view *v, const char *text, size_t len);
void shm_cl_view_free(shm_cl_view *v);

typedef struct shm_cl_key { const char *p; size_t len; } shm_cl_key;

/* One command, as getNodeByQuery sees it. */
typedef struct shm_cl_query {
    const shm_cl_key *keys;       /* getKeysFromCommand's keys, in order */
    size_t nkeys;
    int is_write;                 /* CMD_WRITE */
    int cmd_asking;               /* CMD_ASKING (RESTORE-ASKING) */
    int is_pubsubshard;           /* SPUBLISH / SSUBSCRIBE / SUNSUBSCRIBE */
    int is_migrate;               /* MIGRATE */
    int asking, readonly;         /* the connection's CLIENT_ASKING / CLIENT_READONLY */
    int state_ok;                 /* cluster_state:ok (or: the state check is known to pass) */
    int allow_reads_down, allow_pubsubshard_down;
    /* Does the key exist in db 0, as lookupKeyRead(NOTOUCH|NOSTATS|NONOTIFY|NOEXPIRE)
     * says? Asked only where the answer matters (an open slot). */
    int (*exists)(void *priv, const char *key, size_t len);
    void *priv;
} shm_cl_query;

enum {
    SHM_CL_MYSELF = 0,            /* served here, as for any client */
    SHM_CL_MYSELF_READONLY,       /* served here only because the connection sent READONLY */
    SHM_CL_MYSELF_ASKING,         /* served here only because of ASKING */
    SHM_CL_MOVED, SHM_CL_ASK, SHM_CL_TRYAGAIN, SHM_CL_CROSSSLOT,
    SHM_CL_DOWN, SHM_CL_DOWN_RO, SHM_CL_UNBOUND,
};

/* The decision; *slot and *node (index, or -1) name the MOVED / ASK target. */
int shm_cl_decide(const shm_cl_view *v, const shm_cl_query *q, int *slot, int *node);

enum { SHM_CL_ENDPOINT_IP = 0, SHM_CL_ENDPOINT_HOSTNAME = 1, SHM_CL_ENDPOINT_UNKNOWN = 2 };

/* The socket's error text for a decision from MOVED to UNBOUND, without the leading '-'
 * and CRLF (e.g. "MOVED 12182 127.0.0.1:3002"); n is the target for MOVED / ASK, the
 * endpoint printed as cluster-preferred-endpoint-type says. Returns the length, or -1
 * for a MYSELF decision or a text that does not fit. */
int shm_cl_reply_text(char *out, size_t cap, int decision, int slot, const shm_cl_node *n, int endpoint_type);

#endif
