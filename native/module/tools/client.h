/*
 * client.h -- the client side of docs/protocol.md in a few functions, shared by the
 * test drivers (shm-cli, test/reliability/tools/hostile.c) and the measurement tool
 * (shm-bench). Test tooling only: the product's client is the Node addon in native/addon.
 */
#ifndef REDIS_SHM_TOOLS_CLIENT_H
#define REDIS_SHM_TOOLS_CLIENT_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "shm_ring.h"

typedef struct tool_seg {
    int fd;
    uint8_t *base;
    uint64_t size, req_cap, rep_cap;
    shm_segment_header *hdr;
    shm_ring req, rep;
    char name[64];
    char token_hex[33];
} tool_seg;

/* Length of one complete RESP2/RESP3 reply at p[0..n), 0 if incomplete. */
static size_t tool_reply_len(const char *p, size_t n) {
    const char *nl = memchr(p, '\n', n);
    if (!nl) return 0;
    size_t hl = (size_t)(nl - p) + 1;
    long long v = strtoll(p + 1, NULL, 10);
    switch (p[0]) {
    case '$': case '=': case '!':
        if (v < 0) return hl;
        return n >= hl + (size_t)v + 2 ? hl + (size_t)v + 2 : 0;
    case '*': case '~': case '>': case '%': case '|': {
        long long items = p[0] == '%' || p[0] == '|' ? 2 * v : v;
        size_t at = hl;
        for (long long i = 0; i < items; i++) {
            size_t l = tool_reply_len(p + at, n - at);
            if (!l) return 0;
            at += l;
        }
        if (p[0] == '|') {   /* an attribute precedes the reply it describes */
            size_t l = tool_reply_len(p + at, n - at);
            return l ? at + l : 0;
        }
        return at;
    }
    default:
        return hl;
    }
}

/* TCP to 127.0.0.1:port (path == NULL) or a Unix socket. -1 on failure. */
static int tool_connect(int port, const char *path) {
    int s;
    if (path) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
        s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) return -1;
        int one = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return s;
}

/* Creates and initialises a segment per protocol.md §4 steps 1-2. 0 on success. */
static int tool_seg_create(tool_seg *g, uint64_t req_cap, uint64_t rep_cap) {
    uint8_t rnd[32];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) return -1;
    strcpy(g->name, SHM_NAME_PREFIX);
    for (int i = 0; i < 16; i++) sprintf(g->name + strlen(g->name), "%02x", rnd[i]);
    for (int i = 0; i < 16; i++) sprintf(g->token_hex + 2 * i, "%02x", rnd[16 + i]);
    g->fd = shm_open(g->name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (g->fd < 0) return -1;
    g->req_cap = req_cap;
    g->rep_cap = rep_cap;
    g->size = shm_segment_size(req_cap, rep_cap);
    if (ftruncate(g->fd, (off_t)g->size) != 0) return -1;
    g->base = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
    if (g->base == MAP_FAILED) return -1;
    g->hdr = (shm_segment_header *)(void *)g->base;
    shm_header_init(g->hdr, req_cap, rep_cap);
    memcpy(g->hdr->token, rnd + 16, 16);
    g->hdr->client_pid = (uint32_t)getpid();
    shm_ring_attach(&g->req, &g->hdr->req, g->base + SHM_HEADER_SIZE, req_cap, 1);
    shm_ring_attach(&g->rep, &g->hdr->rep, g->base + SHM_HEADER_SIZE + req_cap, rep_cap, 0);
    return 0;
}

/* Encodes argv as a RESP multibulk request into out (malloc'd); returns its length. */
static size_t tool_encode(char **out, int argc, char **argv, const size_t *lens) {
    size_t cap = 32;
    for (int i = 0; i < argc; i++) cap += lens[i] + 32;
    char *o = malloc(cap);
    size_t at = (size_t)sprintf(o, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        at += (size_t)sprintf(o + at, "$%zu\r\n", lens[i]);
        memcpy(o + at, argv[i], lens[i]);
        at += lens[i];
        o[at++] = '\r';
        o[at++] = '\n';
    }
    *out = o;
    return at;
}

/* A growable byte buffer (malloc'd): replies read but not yet consumed. */
typedef struct tool_buf { char *p; size_t len, cap; } tool_buf;

/* Appends n bytes; exits (3) when out of memory. */
static inline void tool_buf_add(tool_buf *b, const char *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) { fprintf(stderr, "out of memory\n"); exit(3); }
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* Writes all bytes, then reads one complete reply into b (grown as needed; earlier
 * contents dropped). Returns its length, -2 on timeout, -1 on other failures. */
static ssize_t tool_sock_roundtrip(int s, const char *req, size_t n, tool_buf *b, int timeout_ms) {
    if (n && write(s, req, n) != (ssize_t)n) return -1;
    b->len = 0;
    for (;;) {
        struct pollfd pfd = {s, POLLIN, 0};
        int pr = poll(&pfd, 1, timeout_ms);
        if (pr <= 0) return pr == 0 ? -2 : -1;
        if (b->len == b->cap) {
            b->cap = b->cap ? b->cap * 2 : 4096;
            b->p = realloc(b->p, b->cap);
            if (!b->p) return -1;
        }
        ssize_t r = read(s, b->p + b->len, b->cap - b->len);
        if (r <= 0) return -1;
        b->len += (size_t)r;
        size_t l = tool_reply_len(b->p, b->len);
        if (l) return (ssize_t)l;
    }
}

/* Sends SHM.OPEN for segment g (with a token one nibble off when `badtoken`), reads the
 * reply into b, then unlinks the name (ENOENT once the server claimed it). Returns the
 * reply's length or < 0 as tool_sock_roundtrip. */
static ssize_t tool_send_open(int s, tool_seg *g, int badtoken, tool_buf *b, int timeout_ms) {
    if (badtoken) g->token_hex[0] = g->token_hex[0] == '0' ? '1' : '0';
    char cmd[] = "SHM.OPEN", ver[] = "1";
    char *argv[4] = {cmd, ver, g->name, g->token_hex};
    size_t lens[4] = {8, 1, strlen(g->name), 32};
    char *m;
    size_t n = tool_encode(&m, 4, argv, lens);
    ssize_t l = tool_sock_roundtrip(s, m, n, b, timeout_ms);
    free(m);
    shm_unlink(g->name);
    return l;
}

/* Test drivers (shm-cli, hostile.c): directive lines and reply output. */

/* Prints "TAG <hex bytes>" on a line of its own and flushes. */
static inline void tool_print_hex(char tag, const char *p, size_t n) {
    printf("%c ", tag);
    for (size_t i = 0; i < n; i++) printf("%02x", (unsigned char)p[i]);
    printf("\n");
    fflush(stdout);
}

/* Unescapes a directive token in place (\s \r \n \t \xHH, \ before anything else keeps
 * that character); returns its length, which may now include NUL bytes. */
static inline size_t tool_unescape(char *t) {
    size_t o = 0;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] != '\\' || !t[i + 1]) { t[o++] = t[i]; continue; }
        char e = t[++i];
        if (e == 's') t[o++] = ' ';
        else if (e == 'r') t[o++] = '\r';
        else if (e == 'n') t[o++] = '\n';
        else if (e == 't') t[o++] = '\t';
        else if (e == 'x' && t[i + 1] && t[i + 2]) {
            char h[3] = {t[i + 1], t[i + 2], 0};
            t[o++] = (char)strtol(h, NULL, 16);
            i += 2;
        } else t[o++] = e;
    }
    return o;
}

/* Splits a directive line on spaces into at most max unescaped tokens; returns how many. */
static inline int tool_split(char *line, char **tok, size_t *lens, int max) {
    int n = 0;
    for (char *s = strtok(line, " "); s && n < max; s = strtok(NULL, " ")) {
        tok[n] = s;
        lens[n] = tool_unescape(s);
        n++;
    }
    return n;
}

/* Moves what REP holds into acc and prints every complete reply ("R <hex>"). Returns how
 * many replies it printed, or -1 when REP is corrupt. */
static inline long tool_drain_replies(shm_ring *rep, tool_buf *acc) {
    char tmp[65536];
    for (;;) {
        int64_t r = shm_ring_read(rep, tmp, sizeof tmp);
        if (r < 0) return -1;
        if (r == 0) break;
        tool_buf_add(acc, tmp, (size_t)r);
    }
    shm_ring_wake_producer(rep);
    size_t at = 0, l;
    long printed = 0;
    while (at < acc->len && (l = tool_reply_len(acc->p + at, acc->len - at)) > 0) {
        tool_print_hex('R', acc->p + at, l);
        printed++;
        at += l;
    }
    if (at) {
        memmove(acc->p, acc->p + at, acc->len - at);
        acc->len -= at;
    }
    return printed;
}

#endif
