/*
 * hostile.c -- a deliberately badly behaved shm client for the reliability suite.
 *
 * It speaks docs/protocol.md with nothing but native/ring/shm_ring.h, and can also break
 * every rule: write arbitrary bytes into REQ, store arbitrary values into any header
 * field while the server serves the segment, truncate or shrink the segment, and drop
 * the socket. Compiled by test/reliability/tools.ts with gcc; never shipped.
 *
 * Directives (stdin, one per line; tokens split on spaces; escapes \s \r \n \t \\ \xHH):
 *   open [badtoken]      create a segment and send SHM.OPEN        -> "O <hex reply>"
 *   sock ARG...          one command on the socket                 -> "S <hex reply>"
 *   sockraw TOKEN        raw bytes on the socket (e.g. an inline command), one reply -> "S <hex>"
 *   cmd ARG...           one multibulk request into REQ (one reply expected)
 *   pipe N ARG...        the same request N times (N replies expected)
 *   raw TOKEN            raw bytes into REQ (stops early if the session closes)
 *   expect N             N more replies are expected (after raw requests)
 *   drain MS             print every reply arriving within MS ms, then expect none ("D <count>")
 *   flood BYTE MAX       BYTE repeated until the session closes or MAX bytes went in
 *                                                                  -> "F <bytes written>"
 *   wait [MS]            read replies until all expected arrived   -> "R <hex>" each, then
 *                        "W ok" or, if the session closed first, "W closed"; "W timeout"
 *                        after MS ms (default: the -t timeout)
 *   poke OFF BITS VAL    store VAL (32 or 64 bits) at segment offset OFF, then wake the server
 *                        (after a truncate, only below the new size)
 *   truncate SIZE        ftruncate the segment (the mapping is not touched afterwards)
 *   state                state and close reason via pread           -> "T <state> <reason>" or "T gone"
 *   waitclosed           poll until CLOSED (or the timeout)         -> like state
 *   disconnect           close the socket lifeline
 *   sleep MS
 * Usage: hostile -p PORT [-q REQ_CAP] [-r REP_CAP] [-t TIMEOUT_MS]. Exit 0 unless a
 * directive is malformed (1).
 */
#include <errno.h>
#include "tools/client.h"   /* the protocol helpers shm-cli and shm-bench use */

static int sock = -1, fd = -1, truncated;
static unsigned long long live_size = ~0ull;   /* bytes still backed after a truncate */
static uint8_t *base;
static uint64_t size, req_cap = 65536, rep_cap = 65536;
static shm_segment_header *hdr;
static shm_ring req, rep;
static long long expected, timeout_ms = 5000;
static tool_buf acc;         /* reply bytes not yet printed */
static tool_buf sreply;      /* the last socket reply */

/* pread, so it works whatever happened to the mapping. */
static int read_state(uint32_t *st, uint32_t *reason) {
    uint32_t v[2];
    if (fd < 0 || pread(fd, v, sizeof v, offsetof(shm_segment_header, state)) != (ssize_t)sizeof v) return -1;
    *st = v[0];
    *reason = v[1];
    return 0;
}

static int closed(void) {
    uint32_t s, r;
    return read_state(&s, &r) != 0 || s == SHM_STATE_CLOSED;
}

static void print_state(void) {
    uint32_t s, r;
    if (read_state(&s, &r) != 0) printf("T gone\n");
    else printf("T %u %u\n", s, r);
    fflush(stdout);
}

/* Moves REP bytes out and prints complete replies. -1 when REP is corrupt. */
static int drain(void) {
    if (truncated || !base) return 0;
    long n = tool_drain_replies(&rep, &acc);
    if (n < 0) return -1;
    expected -= n;
    return 0;
}

/* Writes bytes into REQ, draining replies when full. Returns bytes written. */
static size_t req_put(const char *p, size_t n) {
    uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    size_t done = 0;
    while (done < n && !truncated) {
        int64_t w = shm_ring_write(&req, p + done, n - done);
        if (w < 0) { printf("E req corrupt\n"); break; }
        done += (size_t)w;
        shm_ring_wake_consumer(&req);
        if (done == n) break;
        if (drain() < 0 || closed() || shm_now_ns() > deadline) break;
        shm_ring_wait_space(&req, 1, 10000, 1000000);
    }
    return done;
}

/* Sends bytes on the socket and prints one reply (S), or "S -" when none came. */
static void sock_cmd(const char *m, size_t n) {
    ssize_t l = tool_sock_roundtrip(sock, m, n, &sreply, (int)timeout_ms);
    if (l > 0) tool_print_hex('S', sreply.p, (size_t)l);
    else printf("S -\n");
    fflush(stdout);
}

static void do_open(int badtoken) {
    tool_seg g;
    if (tool_seg_create(&g, req_cap, rep_cap) != 0) exit(3);
    fd = g.fd;
    base = g.base;
    size = g.size;
    hdr = g.hdr;
    req = g.req;
    rep = g.rep;
    printf("N %s\n", g.name);
    /* at least 5 s: a loaded host must not turn a slow open into a refused one */
    ssize_t l = tool_send_open(sock, &g, badtoken, &sreply, timeout_ms > 5000 ? (int)timeout_ms : 5000);
    if (l > 0) tool_print_hex('O', sreply.p, (size_t)l);
    else printf("O -\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    int port = 0, opt;
    while ((opt = getopt(argc, argv, "p:q:r:t:")) != -1) {
        if (opt == 'p') port = atoi(optarg);
        else if (opt == 'q') req_cap = strtoull(optarg, NULL, 10);
        else if (opt == 'r') rep_cap = strtoull(optarg, NULL, 10);
        else if (opt == 't') timeout_ms = atoll(optarg);
        else return 1;
    }
    sock = tool_connect(port, NULL);
    if (sock < 0) { fprintf(stderr, "hostile: connect: %s\n", strerror(errno)); return 3; }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t ll;
    static char *tok[1 << 16];
    static size_t lens[1 << 16];
    while ((ll = getline(&line, &lcap, stdin)) > 0) {
        if (line[ll - 1] == '\n') line[--ll] = 0;
        int n = tool_split(line, tok, lens, 1 << 16);
        if (n == 0) continue;
        const char *d = tok[0];
        if (!strcmp(d, "sock")) {
            size_t len;
            char *m;
            len = tool_encode(&m, (int)(n - 1), tok + 1, lens + 1);
            sock_cmd(m, len);
            free(m);
        } else if (!strcmp(d, "sockraw")) {
            if (n > 1) sock_cmd(tok[1], lens[1]);
        } else if (!strcmp(d, "open")) {
            do_open(n > 1 && !strcmp(tok[1], "badtoken"));
        } else if (!strcmp(d, "sleep")) {
            usleep((useconds_t)(atoll(tok[1]) * 1000));
        } else if (!strcmp(d, "disconnect")) {
            if (sock >= 0) close(sock);
            sock = -1;
        } else if (!base) {
            fprintf(stderr, "hostile: %s before open\n", d);
            return 1;
        } else if (!strcmp(d, "cmd") || !strcmp(d, "pipe")) {
            int skip = !strcmp(d, "pipe") ? 2 : 1;
            long long times = skip == 2 ? atoll(tok[1]) : 1;
            size_t len;
            char *m;
            len = tool_encode(&m, (int)(n - skip), tok + skip, lens + skip);
            for (long long i = 0; i < times; i++) {
                if (req_put(m, len) < len) break;
                expected++;
            }
            free(m);
        } else if (!strcmp(d, "drain")) {
            long long before = expected;
            uint64_t until_ns = shm_now_ns() + (uint64_t)atoll(tok[1]) * 1000000ull;
            while (shm_now_ns() < until_ns && drain() == 0) usleep(1000);
            printf("D %lld\n", before - expected);
            expected = 0;
        } else if (!strcmp(d, "expect")) {
            expected += n > 1 ? atoll(tok[1]) : 1;
        } else if (!strcmp(d, "raw")) {
            if (n > 1) req_put(tok[1], lens[1]);
        } else if (!strcmp(d, "flood")) {
            char chunk[4096];
            memset(chunk, tok[1][0], sizeof chunk);
            unsigned long long max = strtoull(tok[2], NULL, 10), total = 0;
            while (total < max && !closed()) {
                size_t w = req_put(chunk, sizeof chunk);
                total += w;
                if (w < sizeof chunk) break;
            }
            printf("F %llu\n", total);
        } else if (!strcmp(d, "wait")) {
            long long ms = n > 1 ? atoll(tok[1]) : timeout_ms;
            uint64_t deadline = shm_now_ns() + (uint64_t)ms * 1000000ull;
            const char *how = "ok";
            while (expected > 0) {
                if (drain() < 0) { how = "corrupt"; break; }
                if (expected <= 0) break;
                if (truncated || closed()) { drain(); how = expected > 0 ? "closed" : "ok"; break; }
                if (shm_now_ns() > deadline) { how = "timeout"; break; }
                shm_ring_wait_data(&rep, 10000, 5000000);
            }
            printf("W %s\n", how);
        } else if (!strcmp(d, "poke")) {
            unsigned long off = strtoul(tok[1], NULL, 0);
            int bits = atoi(tok[2]);
            unsigned long long v = strtoull(tok[3], NULL, 0);
            /* after a truncate only the part still backed by the file may be touched */
            if (off + (unsigned long)bits / 8 > size || off + (unsigned long)bits / 8 > live_size || (bits != 32 && bits != 64)) return 1;
            /* release: like a real publish, so the server sees any bytes written before */
            if (bits == 64) __atomic_store_n((uint64_t *)(void *)(base + off), (uint64_t)v, __ATOMIC_RELEASE);
            else __atomic_store_n((uint32_t *)(void *)(base + off), (uint32_t)v, __ATOMIC_RELEASE);
            /* relaxed: the seq_cst fence in the wake below orders it */
            __atomic_fetch_add(&hdr->req.data_futex, 1, __ATOMIC_RELAXED);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* full fence: the stores above before the wake */
            shm_futex_wake(&hdr->req.data_futex, 1);
        } else if (!strcmp(d, "truncate")) {
            live_size = strtoull(tok[1], NULL, 10);
            if (ftruncate(fd, (off_t)live_size) != 0) printf("E truncate %s\n", strerror(errno));
            truncated = 1;
        } else if (!strcmp(d, "state")) {
            print_state();
        } else if (!strcmp(d, "waitclosed")) {
            uint64_t deadline = shm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
            while (!closed() && shm_now_ns() < deadline) {
                if (drain() < 0) break;
                usleep(2000);
            }
            drain();
            print_state();
        } else {
            fprintf(stderr, "hostile: unknown directive %s\n", d);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
