/*
 * exec.h -- run one parsed command of a session, under the module lock, with the
 * fidelity guards: routing, client pause, ACL texts, READONLY, MASTERDOWN, LOADING, then RM_Call
 * with the session's user, db and protocol.
 */
#ifndef REDIS_SHM_EXEC_H
#define REDIS_SHM_EXEC_H

#include "state.h"

/* DONE: replied. HOLD: clients are paused, nothing of this worker runs now. DEFER: this
 * session's command waits (on_main only) and the session's later commands behind it. */
enum { SHM_EXEC_DONE = 0, SHM_EXEC_HOLD = 1, SHM_EXEC_DEFER = 2 };

/* Under the lock; the context already carries the session's user and db. The command
 * is s->parser's, its bytes at s->in. Sets *effects when it may write or publish.
 * on_main: the main thread runs it during a load, between RDB chunks (worker.c). */
int shm_exec(RedisModuleCtx *ctx, RedisModuleUser *user, shm_session *s, int *effects, int on_main);
/* The command filter registered at load: hands a session command's arguments over to
 * RM_Call's argv (exec.c, "argv ownership"); returns at once for any other command. */
void shm_exec_filter(RedisModuleCommandFilterCtx *f);
/* Under the lock: forget the command table / load it from COMMAND (at load and after
 * MODULE LOAD/UNLOAD). */
void shm_exec_cache_clear(void);
void shm_exec_preload(RedisModuleCtx *ctx);
uint64_t shm_exec_cache_size(void);
int shm_exec_cache_full(void);

#endif
