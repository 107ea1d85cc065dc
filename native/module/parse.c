/* parse.c -- see parse.h. */
#include "parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include "alloc.h"
#include <string.h>

void shm_parser_init(shm_parser *p, uint64_t max_bulk) {
    memset(p, 0, sizeof *p);
    p->max_bulk = max_bulk;
    p->bulk = -1;
}

void shm_parser_free(shm_parser *p) {
    shm_free(p->argv);
    p->argv = NULL;
    p->cap = p->argc = 0;
}

void shm_parser_next(shm_parser *p) {
    p->pos = 0;
    p->left = 0;
    p->bulk = -1;
    p->argc = 0;
    p->err[0] = 0;
}

int shm_strict_ll(const char *s, size_t len, long long *out) {
    if (len == 0 || len > 20) return 0;
    if (len == 1 && s[0] == '0') { *out = 0; return 1; }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') { neg = 1; i = 1; if (len == 1) return 0; }
    if (s[i] < '1' || s[i] > '9') return 0;
    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (18446744073709551615ull - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > 9223372036854775808ull) return 0;
        *out = (long long)(0 - v);
    } else {
        if (v > 9223372036854775807ull) return 0;
        *out = (long long)v;
    }
    return 1;
}

static int fail(shm_parser *p, const char *msg) {
    snprintf(p->err, sizeof p->err, "ERR Protocol error: %s", msg);
    return SHM_PARSE_ERR;
}

static int push_arg(shm_parser *p, size_t off, size_t len) {
    if (p->argc == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 8;
        shm_arg *n = shm_realloc(p->argv, ncap * sizeof *n);
        if (!n) return -1;
        p->argv = n;
        p->cap = ncap;
    }
    p->argv[p->argc].off = off;
    p->argv[p->argc].len = len;
    p->argc++;
    return 0;
}

/* Finds the '\r' that ends a header line starting at `from`. Returns its offset, or -1
 * (need more; *too_big set when the line already exceeds the inline limit). */
static long long header_end(const char *buf, size_t len, size_t from, int *too_big) {
    const char *cr = memchr(buf + from, '\r', len - from);
    *too_big = 0;
    /* Redis looks for the CR with strchr, which stops at a NUL byte: a NUL before the
     * CR means "no line yet", exactly as for the socket */
    if (cr && memchr(buf + from, 0, (size_t)(cr - (buf + from)))) cr = NULL;
    if (!cr) {
        if (len - from > SHM_PROTO_INLINE_MAX) *too_big = 1;
        return -1;
    }
    size_t at = (size_t)(cr - buf);
    if (at + 2 > len) return -1;   /* the '\n' has not arrived yet */
    return (long long)at;
}

static int parse_multibulk(shm_parser *p, char *buf, size_t len) {
    int too_big;
    if (p->left == 0) {
        long long nl = header_end(buf, len, 0, &too_big);
        if (nl < 0) return too_big ? fail(p, "too big mbulk count string") : SHM_PARSE_MORE;
        long long n;
        if (!shm_strict_ll(buf + 1, (size_t)nl - 1, &n) || n > SHM_PROTO_MAX_ARGC)
            return fail(p, "invalid multibulk length");
        p->pos = (size_t)nl + 2;
        if (n <= 0) return SHM_PARSE_EMPTY;
        p->left = n;
        p->bulk = -1;
    }
    while (p->left > 0) {
        if (p->bulk < 0) {
            if (p->pos >= len) return SHM_PARSE_MORE;
            long long nl = header_end(buf, len, p->pos, &too_big);
            if (nl < 0) return too_big ? fail(p, "too big bulk count string") : SHM_PARSE_MORE;
            if (buf[p->pos] != '$') {
                char c = buf[p->pos];
                char msg[40];
                snprintf(msg, sizeof msg, "expected '$', got '%c'", (c == '\r' || c == '\n') ? ' ' : c);
                return fail(p, msg);
            }
            long long n;
            if (!shm_strict_ll(buf + p->pos + 1, (size_t)nl - p->pos - 1, &n) || n < 0 ||
                (uint64_t)n > p->max_bulk)
                return fail(p, "invalid bulk length");
            p->bulk = n;
            p->pos = (size_t)nl + 2;
        }
        if (len - p->pos < (uint64_t)p->bulk + 2) return SHM_PARSE_MORE;
        if (push_arg(p, p->pos, (size_t)p->bulk) != 0) return fail(p, "out of memory");
        p->pos += (size_t)p->bulk + 2;   /* Redis does not look at the CRLF after a bulk */
        p->bulk = -1;
        p->left--;
    }
    return SHM_PARSE_CMD;
}

static int is_hex(char c) { return isxdigit((unsigned char)c) != 0; }
static int hex_val(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Splits line[0..n) into arguments the way sdssplitargs does (quotes, escapes),
 * writing each unescaped argument over the line in place. Returns -1 on unbalanced
 * quotes. The line holds no NUL byte (see parse_inline). */
static int split_inline(shm_parser *p, char *line, size_t n) {
    size_t i = 0, out = 0;
    for (;;) {
        while (i < n && isspace((unsigned char)line[i])) i++;
        if (i >= n) return 0;
        size_t start = out;
        int inq = 0, insq = 0, done = 0;
        while (!done) {
            char c = i < n ? line[i] : 0;
            char next = i + 1 < n ? line[i + 1] : 0;
            if (inq) {
                if (c == '\\' && next == 'x' && i + 3 < n && is_hex(line[i + 2]) && is_hex(line[i + 3])) {
                    line[out++] = (char)(hex_val(line[i + 2]) * 16 + hex_val(line[i + 3]));
                    i += 3;
                } else if (c == '\\' && next) {
                    char e = next;
                    switch (e) {
                    case 'n': e = '\n'; break;
                    case 'r': e = '\r'; break;
                    case 't': e = '\t'; break;
                    case 'b': e = '\b'; break;
                    case 'a': e = '\a'; break;
                    default: break;
                    }
                    line[out++] = e;
                    i++;
                } else if (c == '"') {
                    if (next && !isspace((unsigned char)next)) return -1;
                    done = 1;
                } else if (!c) {
                    return -1;
                } else {
                    line[out++] = c;
                }
            } else if (insq) {
                if (c == '\\' && next == '\'') {
                    line[out++] = '\'';
                    i++;
                } else if (c == '\'') {
                    if (next && !isspace((unsigned char)next)) return -1;
                    done = 1;
                } else if (!c) {
                    return -1;
                } else {
                    line[out++] = c;
                }
            } else {
                switch (c) {
                case ' ': case '\n': case '\r': case '\t': case '\0': done = 1; break;
                case '"': inq = 1; break;
                case '\'': insq = 1; break;
                default: line[out++] = c; break;
                }
            }
            if (i < n) i++;
        }
        if (push_arg(p, start, out - start) != 0) return -1;
    }
}

static int parse_inline(shm_parser *p, char *buf, size_t len) {
    char *nl = memchr(buf, '\n', len);
    if (nl && memchr(buf, 0, (size_t)(nl - buf))) nl = NULL;   /* strchr semantics, as above */
    if (!nl) {
        if (len > SHM_PROTO_INLINE_MAX) return fail(p, "too big inline request");
        return SHM_PARSE_MORE;
    }
    size_t linelen = (size_t)(nl - buf);
    size_t eol = 1;
    if (linelen > 0 && buf[linelen - 1] == '\r') { linelen--; eol++; }
    if (split_inline(p, buf, linelen) != 0) {
        p->argc = 0;
        return fail(p, "unbalanced quotes in request");
    }
    p->pos = linelen + eol;
    return p->argc == 0 ? SHM_PARSE_EMPTY : SHM_PARSE_CMD;
}

int shm_parse(shm_parser *p, char *buf, size_t len) {
    if (len == 0) return SHM_PARSE_MORE;
    if (buf[0] == '*') return parse_multibulk(p, buf, len);
    return parse_inline(p, buf, len);
}
