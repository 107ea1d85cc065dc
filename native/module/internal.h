/*
 * internal.h -- the few redis-server internals the module calls, because the module API
 * of 7.0 offers no way to do what the server does around a socket client's command:
 * evict keys before it, and count its error reply in INFO errorstats (and a rejection in
 * the command's rejected_calls).
 *
 *   int  performEvictions(void)          evict.c; 0 EVICT_OK, 1 EVICT_RUNNING, 2 EVICT_FAIL
 *   void propagatePendingCommands(void)  server.c; flushes server.also_propagate
 *   client *lookupClientByID(uint64_t)   networking.c; NULL when no such client
 *   void afterErrorReply(client *, const char *s, size_t len, int flags)
 *                                        networking.c; total_error_replies, errorstat_<CODE>
 *   struct redisCommand *lookupCommandByCString(const char *s)   server.c; "name" or "container|sub"
 *   int incrCommandStatsOnError(struct redisCommand *, int flags)  server.c; flags 1 = REJECTED
 *
 * They are resolved with dlsym at load, only on a 7.0.x server (RedisModule_GetServerVersion),
 * whose sources declare them with exactly these signatures in every 7.0 release (7.2 made
 * propagatePendingCommands static). Where a pair is missing, that pair is not used and the
 * module keeps its older behaviour (docs/module.md, "Server internals"). The client pointer
 * is only passed back to the server, never dereferenced: no server struct is read or
 * written here. Everything here runs with the module lock held.
 */
#ifndef REDIS_SHM_INTERNAL_H
#define REDIS_SHM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

enum { SHM_EVICT_OK = 0, SHM_EVICT_RUNNING = 1, SHM_EVICT_FAIL = 2 };

/* At load: resolves the internals for server version `version` (0x00MMmmpp). Returns 1
 * when eviction is available. */
int shm_internal_init(int version);
/* Counts an error reply (bytes "-CODE text\r\n") for the socket client `client_id` as the
 * server counts a socket client's error replies; a no-op without the internals. */
void shm_internal_count_error(uint64_t client_id, const char *p, size_t n);
/* After shm_internal_count_error of a rejection (the command did not run): the command's
 * rejected_calls in commandstats, as processCommand's rejectCommand counts it. `fullname`
 * is lowercase "name" or "container|sub". */
void shm_internal_count_rejected(const char *fullname);
int shm_internal_have_evict(void);
/* processCommand's eviction step: flushes the propagation still pending from earlier
 * commands of this lock hold (performEvictions asserts there is none), then evicts.
 * Returns an SHM_EVICT_*; only when shm_internal_have_evict(). */
int shm_internal_evict(void);
/* Propagates (AOF, replicas) what the last command queued, as call() does after a socket
 * client's command; a no-op without the internals (the unlock then flushes it). */
void shm_internal_propagate(void);

#endif
