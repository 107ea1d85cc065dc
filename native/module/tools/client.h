/*
 * client.h -- the client side of docs/protocol.md in a few functions, shared by the
 * test driver (shm-cli) and the measurement tool (shm-bench). Test tooling only: the
 * product's client is the Node addon in native/addon.
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
    g->hdr->magic = SHM_MAGIC;
    g->hdr->layout_version = SHM_LAYOUT_VERSION;
    g->hdr->header_size = SHM_HEADER_SIZE;
    g->hdr->req_capacity = req_cap;
    g->hdr->rep_capacity = rep_cap;
    g->hdr->total_size = g->size;
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

/* Writes all bytes, then reads one complete reply into buf (cap bytes). Returns its length or -1. */
static ssize_t tool_sock_roundtrip(int s, const char *req, size_t n, char *buf, size_t cap, int timeout_ms) {
    if (n && write(s, req, n) != (ssize_t)n) return -1;
    size_t len = 0;
    for (;;) {
        struct pollfd pfd = {s, POLLIN, 0};
        if (poll(&pfd, 1, timeout_ms) <= 0) return -1;
        ssize_t r = read(s, buf + len, cap - len);
        if (r <= 0) return -1;
        len += (size_t)r;
        size_t l = tool_reply_len(buf, len);
        if (l) return (ssize_t)l;
        if (len == cap) return -1;
    }
}

#endif
