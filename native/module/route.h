/*
 * route.h -- which commands the ring does not serve (the ROUTING RULE).
 *
 * Commands bound to the connection itself are served on the socket. Over the ring the
 * module answers them with "-ERR SHM-ROUTE '<cmd>' is served on the socket only
 * (<reason>)"; the client library routes them itself. docs/module.md lists the set.
 * Pure: no Redis API, unit-tested in test/test_route.c.
 */
#ifndef REDIS_SHM_ROUTE_H
#define REDIS_SHM_ROUTE_H

#include <stddef.h>
#include "parse.h"

/* NULL when the command (args as offsets into buf) may run over the ring, else the reason. */
const char *shm_route_reason(const char *buf, const shm_arg *argv, size_t argc);

/* Writes the full error text (no leading '-', no CRLF) for a routed command into out. */
void shm_route_error(char *out, size_t outlen, const char *buf, const shm_arg *argv, const char *reason);

/* 1 when XREAD / XREADGROUP arguments carry a BLOCK option before STREAMS. */
int shm_xread_blocks(const char *buf, const shm_arg *argv, size_t argc, int group);

#endif
