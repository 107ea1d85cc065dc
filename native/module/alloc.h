/*
 * alloc.h -- the allocator of the private per-session buffers (request bytes, reply
 * overflow, parsed argument vectors). Plain realloc/free by default (unit tests); the
 * module switches it to RedisModule_Realloc/Free at load, so these buffers count in
 * INFO memory / maxmemory like a socket client's query and output buffers do.
 */
#ifndef REDIS_SHM_ALLOC_H
#define REDIS_SHM_ALLOC_H

#include <stddef.h>

extern void *(*shm_realloc)(void *p, size_t n);
extern void (*shm_free)(void *p);

#endif
