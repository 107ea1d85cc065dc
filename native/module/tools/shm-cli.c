/*
 * shm-cli -- a test driver for the shm module: plays the client side of
 * docs/protocol.md with nothing but the ring header, so the module can be tested
 * without the Node addon. Reads directives from stdin, one per line; tokens are
 * separated by spaces and may use the escapes \s (space) \r \n \t \\ \xHH.
 *
 *   sock ARG...         send a command on the socket, print "S <hex reply>"
 *   open [badtoken] [noname]   create a segment, send SHM.OPEN, print "O <hex reply>"
 *   cmd ARG...          write a RESP multibulk request into REQ (expects one reply)
 *   raw TOKEN           write raw bytes into REQ (expects nothing)
 *   expect N            expect N more replies
 *   wait                wait until every expected reply arrived ("R <hex reply>" each)
 *   state               print "T <state> <close_reason>"
 *   waitclosed          wait until the server closed the session, then print the state
 *   truncate [SIZE]     ftruncate the segment (default 0) -- a hostile client
 *   scribble            write impossible ring indices -- a hostile client
 *   bumptail N          publish N REQ bytes without writing them (after a truncate)
 *   clientclose         end the session from the client side (reason CLIENT, state CLOSED)
 *   sleep MS            sleep
 *   disconnect          close the socket lifeline
 *   name                print "N <segment name>"
 * At EOF it waits for the expected replies. Exit 0 ok, 2 on timeout, 1 on other errors.
 * Usage: shm-cli (-p PORT | -s UNIXSOCKET) [-q REQ_CAP] [-r REP_CAP] [-t TIMEOUT_MS]
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
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
#include "client.h"

static int sock = -1, segfd = -1;
static uint8_t *seg;
static uint64_t seg_size, req_cap = 65536, rep_cap = 65536;
static shm_segment_header *hdr;
static shm_ring req, rep;
static char name[64];
static long long expected, timeout_ms = 5000;
static char *rbuf;
static size_t rlen, rcap;

static void die(const char *m) { fprintf(stderr, "shm-cli: %s (%s)\n", m, strerror(errno)); exit(1); }

static void print_hex(char tag, const char *p, size_t n) {
    printf("%c ", tag);
    for (size_t i = 0; i < n; i++) printf("%02x", (unsigned char)p[i]);
    printf("\n");
    fflush(stdout);
}

#define reply_len tool_reply_len

static void rbuf_add(const char *p, size_t n) {
    if (rlen + n > rcap) {
        rcap = (rlen + n) * 2;
        rbuf = realloc(rbuf, rcap);
        if (!rbuf) die("oom");
    }
    memcpy(rbuf + rlen, p, n);
    rlen += n;
}

/* Moves what REP holds into rbuf and prints every complete reply. Returns -1 on corruption. */
static int drain_rep(void) {
    char tmp[65536];
    for (;;) {
        int64_t r = shm_ring_read(&rep, tmp, sizeof tmp);
        if (r < 0) return -1;
        if (r == 0) break;
        rbuf_add(tmp, (size_t)r);
    }
    shm_ring_wake_producer(&rep);
    size_t at = 0, l;
    while (at < rlen && (l = reply_len(rbuf + at, rlen - at)) > 0) {
        print_hex('R', rbuf + at, l);
        expected--;
        at += l;
    }
    memmove(rbuf, rbuf + at, rlen - at);
    rlen -= at;
    return 0;
}

/* acquire: pairs with the server's release store of CLOSED, so close_reason is valid */
static int is_closed(void) { return __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE) == SHM_STATE_CLOSED; }

static void print_state(void) {
    printf("T %u %u\n", __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE), hdr->close_reason);   /* acquire: as above */
    fflush(stdout);
}

static int wait_replies(void) {
    uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (expected > 0) {
        if (drain_rep() < 0) { printf("E corrupt\n"); return -1; }
        if (expected <= 0) break;
        if (is_closed()) { drain_rep(); if (expected > 0) { print_state(); return -1; } break; }
        if (shm_now_ns() > deadline) { fprintf(stderr, "shm-cli: timeout, %lld replies missing\n", expected); exit(2); }
        shm_ring_wait_data(&rep, 20000, 10000000);
    }
    return 0;
}

static void req_write(const char *p, size_t n) {
    uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (n) {
        int64_t w = shm_ring_write(&req, p, n);
        if (w < 0) die("REQ corrupt");
        p += w;
        n -= (size_t)w;
        shm_ring_wake_consumer(&req);
        if (n) {
            if (drain_rep() < 0) die("REP corrupt");
            if (is_closed()) { print_state(); return; }
            if (shm_now_ns() > deadline) { fprintf(stderr, "shm-cli: timeout writing\n"); exit(2); }
            shm_ring_wait_space(&req, 1, 20000, 1000000);
        }
    }
}

/* Socket: send bytes, read one complete reply. */
static void sock_roundtrip(const char *req_bytes, size_t n) {
    if (write(sock, req_bytes, n) != (ssize_t)n) die("socket write");
    char *b = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) { cap = cap ? cap * 2 : 4096; b = realloc(b, cap); }
        struct pollfd pfd = {sock, POLLIN, 0};
        if (poll(&pfd, 1, (int)timeout_ms) <= 0) { fprintf(stderr, "shm-cli: socket timeout\n"); exit(2); }
        ssize_t r = read(sock, b + len, cap - len);
        if (r <= 0) die("socket read");
        len += (size_t)r;
        size_t l = reply_len(b, len);
        if (l) { print_hex('S', b, l); break; }
    }
    free(b);
}

static size_t unescape(char *t) {
    size_t o = 0;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] == '\\' && t[i + 1]) {
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
        } else t[o++] = t[i];
    }
    return o;
}

static char *encode(char **tok, size_t *lens, int n, size_t *outlen) {
    char *o;
    *outlen = tool_encode(&o, n, tok, lens);
    return o;
}

static tool_seg g;

static void do_open(int badtoken) {
    if (tool_seg_create(&g, req_cap, rep_cap) != 0) die("segment");
    segfd = g.fd;
    seg = g.base;
    seg_size = g.size;
    hdr = g.hdr;
    req = g.req;
    rep = g.rep;
    strcpy(name, g.name);
    if (badtoken) g.token_hex[0] = g.token_hex[0] == '0' ? '1' : '0';
    char ver[] = "1";
    char cmdname[] = "SHM.OPEN";
    char *t[4] = {cmdname, ver, name, g.token_hex};
    size_t l[4] = {8, 1, strlen(name), 32};
    char *m;
    size_t n = tool_encode(&m, 4, t, l);
    printf("N %s\n", name);
    fflush(stdout);
    char b[1024];
    ssize_t rl = tool_sock_roundtrip(sock, m, n, b, sizeof b, (int)timeout_ms);
    free(m);
    if (rl < 0) { fprintf(stderr, "shm-cli: open failed\n"); exit(2); }
    print_hex('O', b, (size_t)rl);
    shm_unlink(name);   /* ENOENT once the server claimed it: fine */
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int port = 0;
    int opt;
    while ((opt = getopt(argc, argv, "p:s:q:r:t:")) != -1) {
        if (opt == 'p') port = atoi(optarg);
        else if (opt == 's') path = optarg;
        else if (opt == 'q') req_cap = strtoull(optarg, NULL, 10);
        else if (opt == 'r') rep_cap = strtoull(optarg, NULL, 10);
        else if (opt == 't') timeout_ms = atoll(optarg);
        else { fprintf(stderr, "usage: shm-cli (-p PORT | -s PATH) [-q REQ] [-r REP] [-t MS]\n"); return 1; }
    }
    sock = tool_connect(port, path);
    if (sock < 0) die("connect");
    char *line = NULL;
    size_t lcap = 0;
    ssize_t ll;
    while ((ll = getline(&line, &lcap, stdin)) > 0) {
        if (line[ll - 1] == '\n') line[--ll] = 0;
        char *tok[4096];
        size_t lens[4096];
        int n = 0;
        for (char *s = strtok(line, " "); s && n < 4096; s = strtok(NULL, " ")) {
            tok[n] = s;
            lens[n] = unescape(s);
            n++;
        }
        if (n == 0) continue;
        const char *d = tok[0];
        if (!strcmp(d, "sock")) {
            size_t len;
            char *m = encode(tok + 1, lens + 1, n - 1, &len);
            sock_roundtrip(m, len);
            free(m);
        } else if (!strcmp(d, "open")) {
            do_open(n > 1 && !strcmp(tok[1], "badtoken"));
        } else if (!seg) {
            fprintf(stderr, "shm-cli: %s before open\n", d);
            return 1;
        } else if (!strcmp(d, "cmd")) {
            size_t len;
            char *m = encode(tok + 1, lens + 1, n - 1, &len);
            expected++;
            req_write(m, len);
            free(m);
        } else if (!strcmp(d, "raw")) {
            if (n > 1) req_write(tok[1], lens[1]);
        } else if (!strcmp(d, "expect")) {
            expected += n > 1 ? atoll(tok[1]) : 1;
        } else if (!strcmp(d, "wait")) {
            wait_replies();
        } else if (!strcmp(d, "state")) {
            print_state();
        } else if (!strcmp(d, "waitclosed")) {
            uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
            while (!is_closed() && shm_now_ns() < deadline) {
                drain_rep();
                shm_ring_wait_data(&rep, 0, 5000000);
            }
            drain_rep();
            print_state();
        } else if (!strcmp(d, "truncate")) {
            if (ftruncate(segfd, n > 1 ? atoll(tok[1]) : 0) != 0) die("truncate");
        } else if (!strcmp(d, "scribble")) {
            /* REP head past the server's tail: the server must see corruption, not overflow */
            __atomic_store_n(&hdr->rep.head, 0x7fffffffffffull, __ATOMIC_RELEASE);
            __atomic_store_n(&hdr->req.tail, 0x7fffffffffffull, __ATOMIC_RELEASE);   /* release: like a real publish */
            shm_ring_wake_consumer(&req);
        } else if (!strcmp(d, "clientclose")) {
            __atomic_store_n(&hdr->close_reason, SHM_CLOSE_CLIENT, __ATOMIC_RELAXED);   /* relaxed: published by the release below */
            __atomic_store_n(&hdr->state, SHM_STATE_CLOSED, __ATOMIC_RELEASE);            /* release: reason first */
            __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* full fence: state before the futex bump */
            __atomic_fetch_add(&hdr->req.data_futex, 1, __ATOMIC_RELAXED);   /* relaxed: ordered by the fence */
            shm_futex_wake(&hdr->req.data_futex, 1);
        } else if (!strcmp(d, "bumptail")) {
            /* release: like a real publish, though the bytes are gone with the truncation */
            __atomic_store_n(&hdr->req.tail, req.pos + (uint64_t)atoll(tok[1]), __ATOMIC_RELEASE);
            shm_ring_wake_consumer(&req);
        } else if (!strcmp(d, "sleep")) {
            usleep((useconds_t)(atoll(tok[1]) * 1000));
        } else if (!strcmp(d, "disconnect")) {
            close(sock);
            sock = -1;
        } else if (!strcmp(d, "name")) {
            printf("N %s\n", name);
        } else {
            fprintf(stderr, "shm-cli: unknown directive %s\n", d);
            return 1;
        }
        fflush(stdout);
    }
    if (seg && expected > 0 && wait_replies() != 0) return 1;
    return 0;
}
