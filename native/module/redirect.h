/*
 * redirect.h -- on a cluster node, the reply a socket client would get for a keyed command
 * this node does not serve: MOVED, ASK, TRYAGAIN, CROSSSLOT or CLUSTERDOWN.
 *
 * RM_Call runs the server's own cluster check but answers every redirection with "ERR
 * Attempted to access a non local key in a cluster node", without a target. So the reply is
 * rebuilt (cluster.c) only when something refused the command: RM_Call's cluster check, or
 * a check processCommand makes *after* its cluster check (READONLY, MASTERDOWN, LOADING,
 * OOM, MISCONF, NOREPLICAS), which must not hide a redirection. A command that runs pays
 * nothing. Inputs come from the server: keys from RM_GetCommandKeys, the slot map from
 * CLUSTER NODES, the state from CLUSTER INFO, the cluster-* configs. Under the module lock.
 */
#ifndef REDIS_SHM_REDIRECT_H
#define REDIS_SHM_REDIRECT_H

#include <stddef.h>
#include "rm_api.h"

typedef struct shm_redirect_cmd {
    RedisModuleString **argv;     /* argv[0] is the command name */
    size_t argc;
    const char *name;             /* lowercase "name" or "container|sub" */
    int is_write, cmd_asking;     /* CMD_WRITE / CMD_ASKING */
    int readonly;                 /* the session's connection sent READONLY */
} shm_redirect_cmd;

/* NONE: keep the refusal (or reply) as it is. REPLY: *text is the socket's error (no '-',
 * no CRLF). ROUTE: the socket would serve it thanks to connection state the ring cannot
 * carry (READONLY); *text is the SHM-ROUTE reason. */
enum { SHM_REDIRECT_NONE = 0, SHM_REDIRECT_REPLY = 1, SHM_REDIRECT_ROUTE = 2 };

/* After RM_Call returned r (errno err). */
int shm_redirect_after_call(RedisModuleCtx *ctx, const shm_redirect_cmd *c, RedisModuleCallReply *r, int err,
                            char *text, size_t cap);
/* Before a guard (READONLY, MASTERDOWN, LOADING) refuses the command. */
int shm_redirect_before_guard(RedisModuleCtx *ctx, const shm_redirect_cmd *c, char *text, size_t cap);

/* Main thread, in a command of the connection: has it sent READONLY (CLIENT LIST flag r)?
 * 0 when the server is not a cluster node. */
int shm_redirect_client_readonly(RedisModuleCtx *ctx);

#endif
