/*
 * shm-bench -- measurements for docs/module.md (a script, not a test).
 *
 *   shm-bench -p PORT ping N        ring PING vs socket PING round trip, interleaved
 *   shm-bench -p PORT get N KEY     the same for GET KEY (e.g. a key another cluster node owns: MOVED)
 *   shm-bench -p PORT blpop N       ring LPUSH -> socket client blocked in BLPOP served
 *   shm-bench -p PORT publish N     ring PUBLISH -> socket subscriber receives it
 *   shm-bench -p PORT pipeline N    N pipelined SETs over the ring vs over the socket
 *   shm-bench -p PORT big MIB       SET and GET one MIB-sized value over the ring
 *   shm-bench -p PORT depth MS      16 outstanding RPUSHes for MS ms: longest reply gap
 *   shm-bench -p PORT -R RPORT replica N   ring SET -> the replica at RPORT applied it
 * Options: -w spin|park (how the ring client waits for replies; default spin),
 *          -g US (ping: random pause up to US between round trips, so the server parks).
 * Prints p50/p90/p99/max in microseconds. Both transports run in the same process
 * and the same run, so they share whatever load the machine has.
 */
#include <errno.h>
#include <stdint.h>
#include "client.h"

static int port;
static int park_mode;
static long gap_us;         /* -g: pause between round trips, so the server parks */
static int replica_port;    /* -R: a replica of the server, for the `replica` mode */
static int no_tcp;          /* -n: ping mode without the interleaved tcp round trips */
static tool_seg g;
static int sock;
static tool_buf sreply;   /* the last socket reply */

static void die(const char *m) { fprintf(stderr, "shm-bench: %s (%s)\n", m, strerror(errno)); exit(1); }

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, size_t n) {
    qsort(ns, n, sizeof *ns, cmp_u64);
    printf("%-34s n=%zu p50=%.1fus p90=%.1fus p99=%.1fus max=%.1fus\n", what, n, ns[n / 2] / 1e3,
           ns[n * 90 / 100] / 1e3, ns[n * 99 / 100] / 1e3, ns[n - 1] / 1e3);
}

static void ring_send(const char *p, size_t n) {
    while (n) {
        int64_t w = shm_ring_write(&g.req, p, n);
        if (w < 0) die("REQ corrupt");
        p += w;
        n -= (size_t)w;
        shm_ring_wake_consumer(&g.req);
        if (n) shm_ring_wait_space(&g.req, 1, 50000, 1000000);
    }
}

static long slow_wakes;   /* parked >= 95 ms and then found data: a missed or very late wake */
static char rbuf[1 << 20];
static size_t rlen;

/* Drops up to `max` complete replies from the front of buf[0..*len); returns how many. */
static long take_replies(char *buf, size_t *len, long max) {
    size_t at = 0, l;
    long got = 0;
    while (got < max && at < *len && (l = tool_reply_len(buf + at, *len - at)) > 0) { at += l; got++; }
    memmove(buf, buf + at, *len - at);
    *len -= at;
    return got;
}

/* Reads ring replies until `count` complete ones were consumed. */
static void ring_replies(long count) {
    while (count > 0) {
        count -= take_replies(rbuf, &rlen, count);
        if (count == 0) break;
        uint64_t tw = shm_now_ns();
        uint64_t parks_before = g.rep.parks;
        int64_t a = park_mode ? shm_ring_wait_data(&g.rep, 0, 100000000) : shm_ring_wait_data(&g.rep, 1000000000ull, 100000000);
        if (a > 0 && g.rep.parks > parks_before && shm_now_ns() - tw >= 95000000ull) slow_wakes++;
        if (a < 0) die("REP corrupt");
        int64_t r = shm_ring_read(&g.rep, rbuf + rlen, sizeof rbuf - rlen);
        if (r < 0) die("REP corrupt");
        rlen += (size_t)r;
        shm_ring_wake_producer(&g.rep);
        if (__atomic_load_n(&g.hdr->state, __ATOMIC_ACQUIRE) == SHM_STATE_CLOSED) die("session closed");   /* acquire: pairs with the server's release of CLOSED */
    }
}

static void open_session(void) {
    if (tool_seg_create(&g, 1 << 20, 1 << 20) != 0) die("segment");
    ssize_t r = tool_send_open(sock, &g, 0, &sreply, 5000);
    if (r < 0 || sreply.p[0] == '-') { fprintf(stderr, "open failed: %.*s\n", (int)(r > 0 ? r : 0), sreply.p ? sreply.p : ""); exit(1); }
}

static uint64_t *samples(long n) {
    uint64_t *s = calloc((size_t)n, sizeof *s);
    if (!s) die("oom");
    return s;
}

/* n round trips of req, ring and socket interleaved. */
static void bench_roundtrip(long n, const char *req, const char *ring_label, const char *tcp_label) {
    size_t len = strlen(req);
    uint64_t *ring = samples(n), *tcp = samples(n);
    for (long i = 0; i < n; i++) {
        if (gap_us) usleep((useconds_t)(gap_us ? (uint64_t)rand() % (uint64_t)gap_us : 0));
        uint64_t t0 = shm_now_ns();
        ring_send(req, len);
        ring_replies(1);
        uint64_t t1 = shm_now_ns();
        if (!no_tcp && tool_sock_roundtrip(sock, req, len, &sreply, 5000) < 0) die("socket");
        uint64_t t2 = shm_now_ns();
        ring[i] = t1 - t0;
        tcp[i] = t2 - t1;
    }
    report(ring_label, ring, (size_t)n);
    if (!no_tcp) report(tcp_label, tcp, (size_t)n);
}

static void bench_ping(long n) {
    bench_roundtrip(n, "*1\r\n$4\r\nPING\r\n", park_mode ? "ring PING (client parks)" : "ring PING (client spins)",
                    "tcp PING (same process, same run)");
}

static void bench_get(long n, const char *key) {
    char req[300];
    if (strlen(key) > 200) die("key too long");
    snprintf(req, sizeof req, "*2\r\n$3\r\nGET\r\n$%zu\r\n%s\r\n", strlen(key), key);
    bench_roundtrip(n, req, "ring GET", "tcp GET (same process, same run)");
}

/* Sends `req` 2n times, alternating between the ring and the socket (same process, same
 * run), and times each until the observer socket `obs` has received what it caused (a
 * reply `what`). Before each: `prime` (if any) is sent on obs, then pause_us passes. */
static void alternate(long n, const char *req, int obs, const char *prime, useconds_t pause_us, const char *what,
                      const char *ring_label, const char *tcp_label) {
    size_t rl = strlen(req);
    uint64_t *ring = samples(n), *tcp = samples(n);
    for (long i = 0; i < 2 * n; i++) {
        if (prime && write(obs, prime, strlen(prime)) < 0) die("write");
        usleep(pause_us);
        uint64_t t0 = shm_now_ns();
        if (i % 2 == 0) {
            ring_send(req, rl);
            ring_replies(1);
        } else if (tool_sock_roundtrip(sock, req, rl, &sreply, 5000) < 0) die("socket");
        if (tool_sock_roundtrip(obs, "", 0, &sreply, 5000) < 0) die(what);
        (i % 2 == 0 ? ring : tcp)[i / 2] = shm_now_ns() - t0;
    }
    report(ring_label, ring, (size_t)n);
    report(tcp_label, tcp, (size_t)n);
    free(ring);
    free(tcp);
}

static void bench_blpop(long n) {
    int s2 = tool_connect(port, NULL);
    if (s2 < 0) die("connect");
    const char *blpop = "*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n";
    const char *lpush = "*3\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$1\r\nx\r\n";
    /* 2 ms: let the BLPOP block */
    alternate(n, lpush, s2, blpop, 2000, "blpop reply", "ring LPUSH -> BLPOP client served", "tcp LPUSH -> BLPOP client served");
    close(s2);
}

static void bench_publish(long n) {
    int s2 = tool_connect(port, NULL);
    if (s2 < 0) die("connect");
    const char *sub = "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n";
    if (tool_sock_roundtrip(s2, sub, strlen(sub), &sreply, 5000) < 0) die("subscribe");
    const char *pub = "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1\r\nm\r\n";
    alternate(n, pub, s2, NULL, 500, "message", "ring PUBLISH -> subscriber receives", "tcp PUBLISH -> subscriber receives");
    close(s2);
}

static void bench_pipeline(long n) {
    const char *set = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\nval\r\n";
    size_t sl = strlen(set);
    char *all = malloc(sl * (size_t)n);
    for (long i = 0; i < n; i++) memcpy(all + (size_t)i * sl, set, sl);
    for (int round = 0; round < 3; round++) {
        uint64_t t0 = shm_now_ns();
        size_t off = 0, total = sl * (size_t)n;
        long got = 0;
        while (off < total || got < n) {
            if (off < total) {
                int64_t w = shm_ring_write(&g.req, all + off, total - off);
                if (w < 0) die("REQ corrupt");
                off += (size_t)w;
                shm_ring_wake_consumer(&g.req);
            }
            int64_t r = shm_ring_read(&g.rep, rbuf + rlen, sizeof rbuf - rlen);
            if (r < 0) die("REP corrupt");
            rlen += (size_t)r;
            shm_ring_wake_producer(&g.rep);
            got += take_replies(rbuf, &rlen, n);
        }
        uint64_t t1 = shm_now_ns();
        /* the same over the socket */
        size_t woff = 0;
        long sgot = 0;
        char sb[65536];
        size_t slen = 0;
        while (woff < total || sgot < n) {
            struct pollfd pfd = {sock, (short)(POLLIN | (woff < total ? POLLOUT : 0)), 0};
            poll(&pfd, 1, 1000);
            if ((pfd.revents & POLLOUT) && woff < total) {
                ssize_t w = write(sock, all + woff, total - woff > 65536 ? 65536 : total - woff);
                if (w > 0) woff += (size_t)w;
            }
            if (pfd.revents & POLLIN) {
                ssize_t r = read(sock, sb + slen, sizeof sb - slen);
                if (r <= 0) die("socket");
                slen += (size_t)r;
                sgot += take_replies(sb, &slen, n);
            }
        }
        uint64_t t2 = shm_now_ns();
        printf("pipeline %ld SETs: ring %.0f ops/s, tcp %.0f ops/s (round %d, same run)\n", n,
               n / ((t1 - t0) / 1e9), n / ((t2 - t1) / 1e9), round + 1);
    }
    free(all);
}

/* Time until a replica applied a write: a subscriber on the replica listens to the
 * keyspace event of the key (notify-keyspace-events is switched on there). */
static void bench_replica(long n) {
    int r = tool_connect(replica_port, NULL);
    if (r < 0) die("connect replica");
    const char *cfg = "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nK$\r\n";
    if (tool_sock_roundtrip(r, cfg, strlen(cfg), &sreply, 5000) < 0) die("config");
    const char *sub = "*2\r\n$9\r\nSUBSCRIBE\r\n$19\r\n__keyspace@0__:repl\r\n";
    if (tool_sock_roundtrip(r, sub, strlen(sub), &sreply, 5000) < 0) die("subscribe");
    const char *set = "*3\r\n$3\r\nSET\r\n$4\r\nrepl\r\n$1\r\nx\r\n";
    alternate(n, set, r, NULL, 500, "keyspace event", "ring SET -> applied on replica", "tcp SET -> applied on replica");
    close(r);
}

/* Keeps `depth` RPUSHes outstanding for n ms (client parks between replies) and
 * reports the longest gap between two replies: a lost wake-up shows as ~100 ms. */
static void bench_depth(long ms) {
    const char *cmd = "*3\r\n$5\r\nRPUSH\r\n$5\r\ndepth\r\n$1\r\nx\r\n";
    size_t cl = strlen(cmd);
    int depth = 16;
    for (int i = 0; i < depth; i++) ring_send(cmd, cl);
    uint64_t end = shm_now_ns() + (uint64_t)ms * 1000000ull, last = shm_now_ns(), worst = 0;
    long done = 0;
    while (shm_now_ns() < end) {
        ring_replies(1);
        uint64_t now = shm_now_ns();
        if (now - last > worst) worst = now - last;
        last = now;
        done++;
        ring_send(cmd, cl);
    }
    ring_replies(depth);
    printf("depth %d for %ld ms: %ld replies, longest gap %.1f us, client parks ending with data after >= 95 ms: %ld\n",
           depth, ms, done, worst / 1e3, slow_wakes);
}

/* SET then GET one value of n MiB over the ring; checks the bytes and times both. */
static void bench_big(long mib) {
    size_t size = (size_t)mib << 20;
    char hdr[128];
    int hl = snprintf(hdr, sizeof hdr, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%zu\r\n", size);
    char *val = malloc(size);
    if (!val) die("oom");
    memset(val, 'a', size);
    uint64_t t0 = shm_now_ns();
    ring_send(hdr, (size_t)hl);
    ring_send(val, size);
    ring_send("\r\n", 2);
    ring_replies(1);
    uint64_t t1 = shm_now_ns();
    const char *get = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
    ring_send(get, strlen(get));
    /* stream the reply through without keeping it: count bytes */
    size_t want = size + (size_t)snprintf(hdr, sizeof hdr, "$%zu\r\n", size) + 2, got = rlen;
    rlen = 0;
    while (got < want) {
        if (shm_ring_wait_data(&g.rep, 1000000, 100000000) < 0) die("REP corrupt");
        int64_t r = shm_ring_read(&g.rep, rbuf, sizeof rbuf);
        if (r < 0) die("REP corrupt");
        got += (size_t)r;
        shm_ring_wake_producer(&g.rep);
    }
    uint64_t t2 = shm_now_ns();
    printf("big %ld MiB over 1 MiB rings: SET %.0f ms, GET %.0f ms\n", mib, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    free(val);
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "p:w:g:R:n")) != -1) {
        if (opt == 'p') port = atoi(optarg);
        else if (opt == 'w') park_mode = !strcmp(optarg, "park");
        else if (opt == 'g') gap_us = atol(optarg);
        else if (opt == 'R') replica_port = atoi(optarg);
        else if (opt == 'n') no_tcp = 1;
    }
    if (optind + 2 > argc || !port) { fprintf(stderr, "usage: shm-bench -p PORT [-w spin|park] ping|blpop|publish|pipeline N\n"); return 1; }
    const char *mode = argv[optind];
    long n = atol(argv[optind + 1]);
    sock = tool_connect(port, NULL);
    if (sock < 0) die("connect");
    open_session();
    if (!strcmp(mode, "ping")) bench_ping(n);
    else if (!strcmp(mode, "blpop")) bench_blpop(n);
    else if (!strcmp(mode, "publish")) bench_publish(n);
    else if (!strcmp(mode, "pipeline")) bench_pipeline(n);
    else if (!strcmp(mode, "big")) bench_big(n);
    else if (!strcmp(mode, "depth")) bench_depth(n);
    else if (!strcmp(mode, "replica") && replica_port) bench_replica(n);
    else if (!strcmp(mode, "get") && optind + 2 < argc) bench_get(n, argv[optind + 2]);
    else { fprintf(stderr, "unknown mode %s\n", mode); return 1; }
    return 0;
}
