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
#include "client.h"

static int sock = -1;
static uint64_t req_cap = 65536, rep_cap = 65536;
static tool_seg g;   /* g.base == NULL until open */
static long long expected, timeout_ms = 5000;
static tool_buf rbuf;   /* reply bytes not yet printed */
static tool_buf sbuf;   /* the last socket reply */

static void die(const char *m) { fprintf(stderr, "shm-cli: %s (%s)\n", m, strerror(errno)); exit(1); }

/* Prints every complete reply REP holds. Returns -1 on corruption. */
static int drain_rep(void) {
    long n = tool_drain_replies(&g.rep, &rbuf);
    if (n < 0) return -1;
    expected -= n;
    return 0;
}

/* acquire: pairs with the server's release store of CLOSED, so close_reason is valid */
static int is_closed(void) { return __atomic_load_n(&g.hdr->state, __ATOMIC_ACQUIRE) == SHM_STATE_CLOSED; }

static void print_state(void) {
    printf("T %u %u\n", __atomic_load_n(&g.hdr->state, __ATOMIC_ACQUIRE), g.hdr->close_reason);   /* acquire: as above */
    fflush(stdout);
}

static int wait_replies(void) {
    uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (expected > 0) {
        if (drain_rep() < 0) { printf("E corrupt\n"); return -1; }
        if (expected <= 0) break;
        if (is_closed()) { drain_rep(); if (expected > 0) { print_state(); return -1; } break; }
        if (shm_now_ns() > deadline) { fprintf(stderr, "shm-cli: timeout, %lld replies missing\n", expected); exit(2); }
        shm_ring_wait_data(&g.rep, 20000, 10000000);
    }
    return 0;
}

static void req_write(const char *p, size_t n) {
    uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (n) {
        int64_t w = shm_ring_write(&g.req, p, n);
        if (w < 0) die("REQ corrupt");
        p += w;
        n -= (size_t)w;
        shm_ring_wake_consumer(&g.req);
        if (n) {
            if (drain_rep() < 0) die("REP corrupt");
            if (is_closed()) { print_state(); return; }
            if (shm_now_ns() > deadline) { fprintf(stderr, "shm-cli: timeout writing\n"); exit(2); }
            shm_ring_wait_space(&g.req, 1, 20000, 1000000);
        }
    }
}

/* Exits 2 on a timeout, 1 on another socket failure. */
static void check_sock(ssize_t l, const char *what) {
    if (l == -2) { fprintf(stderr, "shm-cli: %s timeout\n", what); exit(2); }
    if (l < 0) die(what);
}

static void do_open(int badtoken) {
    if (tool_seg_create(&g, req_cap, rep_cap) != 0) die("segment");
    printf("N %s\n", g.name);
    fflush(stdout);
    tool_buf b = {0};
    ssize_t l = tool_send_open(sock, &g, badtoken, &b, (int)timeout_ms);
    if (l < 0) { fprintf(stderr, "shm-cli: open failed\n"); exit(2); }
    tool_print_hex('O', b.p, (size_t)l);
    free(b.p);
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
        int n = tool_split(line, tok, lens, 4096);
        if (n == 0) continue;
        const char *d = tok[0];
        if (!strcmp(d, "sock")) {
            char *m;
            size_t len = tool_encode(&m, n - 1, tok + 1, lens + 1);
            ssize_t l = tool_sock_roundtrip(sock, m, len, &sbuf, (int)timeout_ms);
            check_sock(l, "socket");
            tool_print_hex('S', sbuf.p, (size_t)l);
            free(m);
        } else if (!strcmp(d, "open")) {
            do_open(n > 1 && !strcmp(tok[1], "badtoken"));
        } else if (!g.base) {
            fprintf(stderr, "shm-cli: %s before open\n", d);
            return 1;
        } else if (!strcmp(d, "cmd")) {
            char *m;
            size_t len = tool_encode(&m, n - 1, tok + 1, lens + 1);
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
                shm_ring_wait_data(&g.rep, 0, 5000000);
            }
            drain_rep();
            print_state();
        } else if (!strcmp(d, "truncate")) {
            if (ftruncate(g.fd, n > 1 ? atoll(tok[1]) : 0) != 0) die("truncate");
        } else if (!strcmp(d, "scribble")) {
            /* REP head past the server's tail: the server must see corruption, not overflow */
            __atomic_store_n(&g.hdr->rep.head, 0x7fffffffffffull, __ATOMIC_RELEASE);
            __atomic_store_n(&g.hdr->req.tail, 0x7fffffffffffull, __ATOMIC_RELEASE);   /* release: like a real publish */
            shm_ring_wake_consumer(&g.req);
        } else if (!strcmp(d, "clientclose")) {
            __atomic_store_n(&g.hdr->close_reason, SHM_CLOSE_CLIENT, __ATOMIC_RELAXED);   /* relaxed: published by the release below */
            __atomic_store_n(&g.hdr->state, SHM_STATE_CLOSED, __ATOMIC_RELEASE);            /* release: reason first */
            __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* full fence: state before the futex bump */
            __atomic_fetch_add(&g.hdr->req.data_futex, 1, __ATOMIC_RELAXED);   /* relaxed: ordered by the fence */
            shm_futex_wake(&g.hdr->req.data_futex, 1);
        } else if (!strcmp(d, "bumptail")) {
            /* release: like a real publish, though the bytes are gone with the truncation */
            __atomic_store_n(&g.hdr->req.tail, g.req.pos + (uint64_t)atoll(tok[1]), __ATOMIC_RELEASE);
            shm_ring_wake_consumer(&g.req);
        } else if (!strcmp(d, "sleep")) {
            usleep((useconds_t)(atoll(tok[1]) * 1000));
        } else if (!strcmp(d, "disconnect")) {
            close(sock);
            sock = -1;
        } else if (!strcmp(d, "name")) {
            printf("N %s\n", g.name);
        } else {
            fprintf(stderr, "shm-cli: unknown directive %s\n", d);
            return 1;
        }
        fflush(stdout);
    }
    if (g.base && expected > 0 && wait_replies() != 0) return 1;
    return 0;
}
