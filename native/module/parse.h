/*
 * parse.h -- incremental RESP request parser (multibulk and inline), no I/O.
 *
 * Requests are parsed from PRIVATE memory (bytes already copied out of the REQ ring),
 * never in place in the segment. The caller keeps the bytes of the current request
 * at buf[0..len) and calls shm_parse() each time more arrive; progress is kept in the
 * parser, so a large bulk that arrives in pieces is not rescanned. Arguments are
 * returned as offsets into buf (inline arguments are unescaped in place, which only
 * ever shrinks them). The rules and the error texts are Redis 7.0's
 * (processMultibulkBuffer / processInlineBuffer), so a malformed request gets the
 * same error a socket client would, and the session then closes as Redis would close
 * the connection.
 */
#ifndef REDIS_SHM_PARSE_H
#define REDIS_SHM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define SHM_PROTO_INLINE_MAX (64 * 1024)   /* Redis PROTO_INLINE_MAX_SIZE */
#define SHM_PROTO_MAX_ARGC 2147483647LL     /* Redis: multibulk count <= INT_MAX */

typedef struct shm_arg { size_t off, len; } shm_arg;

typedef struct shm_parser {
    uint64_t max_bulk;      /* proto-max-bulk-len */
    size_t pos;             /* bytes of the current request consumed so far */
    long long left;         /* multibulk: bulks still to read; 0 = header not read */
    long long bulk;         /* multibulk: length of the bulk being read; -1 = need its header */
    shm_arg *argv;
    size_t argc, cap;
    char err[160];          /* on SHM_PARSE_ERR: the error reply text without '-' and CRLF */
} shm_parser;

enum {
    SHM_PARSE_ERR = -1,     /* protocol error: reply p->err, then close the session */
    SHM_PARSE_MORE = 0,     /* incomplete: call again with more bytes */
    SHM_PARSE_CMD = 1,      /* one command: p->argv[0..argc), request is p->pos bytes */
    SHM_PARSE_EMPTY = 2     /* an empty request (blank line, *0, *-1): skip p->pos bytes */
};

void shm_parser_init(shm_parser *p, uint64_t max_bulk);
void shm_parser_free(shm_parser *p);
/* Parse the request starting at buf[0]. buf may be modified (inline unescaping). */
int shm_parse(shm_parser *p, char *buf, size_t len);
/* Forget the finished request (after SHM_PARSE_CMD / SHM_PARSE_EMPTY). */
void shm_parser_next(shm_parser *p);
/* Redis's string2ll rules: no sign but '-', no leading zeros, no spaces, no overflow. */
int shm_strict_ll(const char *s, size_t len, long long *out);

#endif
