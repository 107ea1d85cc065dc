/*
 * internal.h -- the two redis-server internals the module calls, because the module API
 * of 7.0 offers no way to do what processCommand does before a command: evict keys.
 *
 *   int  performEvictions(void)          evict.c; 0 EVICT_OK, 1 EVICT_RUNNING, 2 EVICT_FAIL
 *   void propagatePendingCommands(void)  server.c; flushes server.also_propagate
 *
 * Both are resolved with dlsym at load, only on a 7.0.x server (RedisModule_GetServerVersion),
 * whose sources declare them with exactly these signatures in every 7.0 release; 7.2 made
 * propagatePendingCommands static, so there (and whenever either is missing) nothing is
 * used and the module keeps its older behaviour: RM_Call's `M` refuses deny-oom commands
 * over maxmemory and nothing is evicted (docs/module.md, "Eviction"). No server struct is
 * read or written. Everything here runs with the module lock held.
 */
#ifndef REDIS_SHM_INTERNAL_H
#define REDIS_SHM_INTERNAL_H

enum { SHM_EVICT_OK = 0, SHM_EVICT_RUNNING = 1, SHM_EVICT_FAIL = 2 };

/* At load: resolves the internals for server version `version` (0x00MMmmpp). Returns 1
 * when eviction is available. */
int shm_internal_init(int version);
int shm_internal_have_evict(void);
/* processCommand's eviction step: flushes the propagation still pending from earlier
 * commands of this lock hold (performEvictions asserts there is none), then evicts.
 * Returns an SHM_EVICT_*; only when shm_internal_have_evict(). */
int shm_internal_evict(void);
/* Propagates (AOF, replicas) what the last command queued, as call() does after a socket
 * client's command; a no-op without the internals (the unlock then flushes it). */
void shm_internal_propagate(void);

#endif
