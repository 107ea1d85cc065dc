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

/* Length of one complete RESP2/RESP3 reply at p[0..n), 0 if incomplete. */
static size_t reply_len(const char *p, size_t n) {
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
            size_t l = reply_len(p + at, n - at);
            if (!l) return 0;
            at += l;
        }
        if (p[0] == '|') {   /* an attribute precedes the reply it describes */
            size_t l = reply_len(p + at, n - at);
            return l ? at + l : 0;
        }
        return at;
    }
    default:
        return hl;
    }
}

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

static int is_closed(void) { return __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE) == SHM_STATE_CLOSED; }

static void print_state(void) {
    printf("T %u %u\n", __atomic_load_n(&hdr->state, __ATOMIC_ACQUIRE), hdr->close_reason);
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

/* Encodes tokens as a RESP multibulk request into a malloc'd buffer. */
static char *encode(char **tok, size_t *lens, int n, size_t *outlen) {
    size_t cap = 32;
    for (int i = 0; i < n; i++) cap += lens[i] + 32;
    char *o = malloc(cap);
    size_t at = (size_t)sprintf(o, "*%d\r\n", n);
    for (int i = 0; i < n; i++) {
        at += (size_t)sprintf(o + at, "$%zu\r\n", lens[i]);
        memcpy(o + at, tok[i], lens[i]);
        at += lens[i];
        o[at++] = '\r';
        o[at++] = '\n';
    }
    *outlen = at;
    return o;
}

static void do_open(int badtoken) {
    uint8_t rnd[16 + 16];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) die("getrandom");
    strcpy(name, SHM_NAME_PREFIX);
    for (int i = 0; i < 16; i++) sprintf(name + strlen(name), "%02x", rnd[i]);
    segfd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (segfd < 0) die("shm_open");
    seg_size = shm_segment_size(req_cap, rep_cap);
    if (ftruncate(segfd, (off_t)seg_size) != 0) die("ftruncate");
    seg = mmap(NULL, seg_size, PROT_READ | PROT_WRITE, MAP_SHARED, segfd, 0);
    if (seg == MAP_FAILED) die("mmap");
    hdr = (shm_segment_header *)(void *)seg;
    hdr->magic = SHM_MAGIC;
    hdr->layout_version = SHM_LAYOUT_VERSION;
    hdr->header_size = SHM_HEADER_SIZE;
    hdr->req_capacity = req_cap;
    hdr->rep_capacity = rep_cap;
    hdr->total_size = seg_size;
    memcpy(hdr->token, rnd + 16, 16);
    hdr->client_pid = (uint32_t)getpid();
    shm_ring_attach(&req, &hdr->req, seg + SHM_HEADER_SIZE, req_cap, 1);
    shm_ring_attach(&rep, &hdr->rep, seg + SHM_HEADER_SIZE + req_cap, rep_cap, 0);
    char tokhex[33];
    for (int i = 0; i < 16; i++) sprintf(tokhex + 2 * i, "%02x", (uint8_t)(rnd[16 + i] ^ (badtoken ? 1 : 0)));
    char ver[] = "1";
    char cmdname[] = "SHM.OPEN";
    char *t[4] = {cmdname, ver, name, tokhex};
    size_t l[4] = {8, 1, strlen(name), 32};
    size_t n;
    char *m = encode(t, l, 4, &n);
    printf("N %s\n", name);
    fflush(stdout);
    if (write(sock, m, n) != (ssize_t)n) die("socket write");
    free(m);
    char b[1024];
    size_t len = 0;
    for (;;) {
        struct pollfd pfd = {sock, POLLIN, 0};
        if (poll(&pfd, 1, (int)timeout_ms) <= 0) { fprintf(stderr, "shm-cli: open timeout\n"); exit(2); }
        ssize_t r = read(sock, b + len, sizeof b - len);
        if (r <= 0) die("socket read");
        len += (size_t)r;
        size_t rl = reply_len(b, len);
        if (rl) { print_hex('O', b, rl); break; }
    }
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
    if (path) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
        sock = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(sock, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sock = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(sock, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
        int one = 1;
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
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
            __atomic_store_n(&hdr->req.tail, 0x7fffffffffffull, __ATOMIC_RELEASE);
            shm_ring_wake_consumer(&req);
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
