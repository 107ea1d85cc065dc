/*
 * stress_procs.c -- two processes share a POSIX shm segment laid out exactly as
 * docs/protocol.md says (header page, REQ data, REP data) and stream >= 1e8 bytes each
 * way at the same time: the parent plays the client (produces REQ, consumes REP), the
 * forked child plays the server (validates a private copy of line 0 with
 * shm_header_check, consumes REQ, produces REP). Each process runs its producer and its
 * consumer in two threads through the spin-then-park waits, so parks and wakes go through
 * process-shared futexes; parks have no time limit and a watchdog in the parent fails the
 * run if no index moves for 2 s (a lost wake-up across processes). Consumers check every
 * byte; checksums are compared across the processes through a pipe.
 * usage: stress_procs [bytes_each_way [seed]]
 */
#include "stress_loop.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define REQ_CAP (64u * 1024)
#define REP_CAP (16u * 1024)

typedef struct report { uint64_t req_sum, req_bytes, rep_sum, rep_bytes; int failed; char why[200]; } report;

static void run_pair(rt_side *prod, rt_side *cons) {
    pthread_t tp, tc;
    CHECK(pthread_create(&tp, NULL, rt_producer, prod) == 0);
    CHECK(pthread_create(&tc, NULL, rt_consumer, cons) == 0);
    CHECK(pthread_join(tp, NULL) == 0);
    CHECK(pthread_join(tc, NULL) == 0);
}

static void side_init(rt_side *x, shm_ring *r, const rt_stream *st, uint64_t total, uint64_t seed,
                      uint64_t cap) {
    memset(x, 0, sizeof *x);
    x->r = r;
    x->st = st;
    x->total = total;
    x->seed = seed;
    x->max_chunk = 2 * cap;
    x->blocking = 1;
    x->spin_ns = seed % 2000;                 /* 0..2 us: parks happen often */
    x->park_ns = 0;                           /* no limit: a lost wake-up is a stall (watchdog) */
}

/* Parent-side watchdog: the four indices in the segment are the progress of both
 * processes; if none moves for 2 s while the run is unfinished, a wake-up was lost. */
typedef struct watch { shm_segment_header *h; int done; pid_t child; } watch;

static void *watchdog(void *a) {
    watch *w = (watch *)a;
    uint64_t last = 0, since = shm_now_ns();
    while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {   /* acquire: pairs with main's release */
        usleep(20000);
        /* relaxed: only compared for change */
        uint64_t now = __atomic_load_n(&w->h->req.tail, __ATOMIC_RELAXED) + __atomic_load_n(&w->h->req.head, __ATOMIC_RELAXED)
                     + __atomic_load_n(&w->h->rep.tail, __ATOMIC_RELAXED) + __atomic_load_n(&w->h->rep.head, __ATOMIC_RELAXED);
        if (now != last) { last = now; since = shm_now_ns(); continue; }
        if (shm_now_ns() - since > 2000000000ull) {
            const shm_ring_ctl *c[2] = { &w->h->req, &w->h->rep };
            fprintf(stderr, "stress_procs: STALL: no index moved for 2 s\n");
            for (int i = 0; i < 2; i++)
                fprintf(stderr, "  %s: tail %llu head %llu consumer_parked %u data_futex %u producer_parked %u space_futex %u\n",
                        i ? "REP" : "REQ", (unsigned long long)c[i]->tail, (unsigned long long)c[i]->head,
                        c[i]->consumer_parked, c[i]->data_futex, c[i]->producer_parked, c[i]->space_futex);
            kill(w->child, SIGKILL);
            _exit(3);
        }
    }
    return NULL;
}

/* The server side: everything it knows about the segment comes from its private copy. */
static int child_main(uint8_t *base, uint64_t map_size, uint64_t total, uint64_t seed, int fd_out) {
    shm_segment_header copy;
    memcpy(&copy, base, sizeof copy);         /* line 0, copied once */
    report rep;
    memset(&rep, 0, sizeof rep);
    if (shm_header_check(&copy, map_size, SHM_RING_MIN_CAPACITY, SHM_RING_MAX_CAPACITY) != 0) {
        rep.failed = 1;
        snprintf(rep.why, sizeof rep.why, "child: header check failed");
    } else {
        shm_segment_header *h = (shm_segment_header *)(void *)base;
        shm_ring req, rp;
        shm_ring_attach(&req, &h->req, base + SHM_HEADER_SIZE, copy.req_capacity, 0);
        shm_ring_attach(&rp, &h->rep, base + SHM_HEADER_SIZE + copy.req_capacity, copy.rep_capacity, 1);
        rt_stream req_st, rep_st;
        rt_stream_init(&req_st, seed);
        rt_stream_init(&rep_st, seed ^ 0xabcdef);
        rt_side cons, prod;
        side_init(&cons, &req, &req_st, total, seed * 3 + 1, copy.req_capacity);
        side_init(&prod, &rp, &rep_st, total, seed * 5 + 2, copy.rep_capacity);
        run_pair(&prod, &cons);
        rep.req_sum = cons.checksum; rep.req_bytes = cons.bytes;
        rep.rep_sum = prod.checksum; rep.rep_bytes = prod.bytes;
        if (cons.failed || prod.failed) {
            rep.failed = 1;
            snprintf(rep.why, sizeof rep.why, "child: %s", cons.failed ? cons.why : prod.why);
        }
        rt_stream_free(&req_st);
        rt_stream_free(&rep_st);
    }
    return write(fd_out, &rep, sizeof rep) == (ssize_t)sizeof rep && !rep.failed ? 0 : 1;
}

int main(int argc, char **argv) {
    uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000000ull;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)shm_now_ns();
    printf("stress_procs: seed %llu\n", (unsigned long long)seed);

    /* the client's half of the handshake: create, size, map, fill line 0, unlink */
    char name[64];
    snprintf(name, sizeof name, "/redis-shm-ringtest.%d.%llu", (int)getpid(), (unsigned long long)seed);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    uint64_t size = shm_segment_size(REQ_CAP, REP_CAP);
    CHECK(ftruncate(fd, (off_t)size) == 0);
    uint8_t *base = (uint8_t *)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(base != MAP_FAILED);
    CHECK(shm_unlink(name) == 0);
    struct stat sb;
    CHECK(fstat(fd, &sb) == 0 && (uint64_t)sb.st_size == size);
    close(fd);
    shm_segment_header *h = (shm_segment_header *)(void *)base;
    shm_header_init(h, REQ_CAP, REP_CAP);
    h->client_pid = (uint32_t)getpid();

    int pfd[2];
    CHECK(pipe(pfd) == 0);
    uint64_t t0 = shm_now_ns();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        _exit(child_main(base, (uint64_t)sb.st_size, total, seed, pfd[1]));
    }
    close(pfd[1]);

    shm_ring req, rp;
    shm_ring_attach(&req, &h->req, base + SHM_HEADER_SIZE, REQ_CAP, 1);
    shm_ring_attach(&rp, &h->rep, base + SHM_HEADER_SIZE + REQ_CAP, REP_CAP, 0);
    rt_stream req_st, rep_st;
    rt_stream_init(&req_st, seed);
    rt_stream_init(&rep_st, seed ^ 0xabcdef);
    rt_side prod, cons;
    side_init(&prod, &req, &req_st, total, seed * 7 + 3, REQ_CAP);
    side_init(&cons, &rp, &rep_st, total, seed * 11 + 4, REP_CAP);
    watch w = { h, 0, pid };
    pthread_t wd;
    CHECK(pthread_create(&wd, NULL, watchdog, &w) == 0);
    run_pair(&prod, &cons);

    report rep;
    memset(&rep, 0, sizeof rep);
    ssize_t got = read(pfd[0], &rep, sizeof rep);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    __atomic_store_n(&w.done, 1, __ATOMIC_RELEASE);           /* release: ends the watchdog */
    CHECK(pthread_join(wd, NULL) == 0);
    double secs = (double)(shm_now_ns() - t0) / 1e9;
    int bad = 0;
    if (got != (ssize_t)sizeof rep) { fprintf(stderr, "child sent no report (status %d)\n", status); bad = 1; }
    else if (rep.failed) { fprintf(stderr, "%s\n", rep.why); bad = 1; }
    if (prod.failed || cons.failed) { fprintf(stderr, "parent: %s\n", prod.failed ? prod.why : cons.why); bad = 1; }
    if (!bad && (rep.req_bytes != total || prod.bytes != total || rep.req_sum != prod.checksum)) {
        fprintf(stderr, "REQ: sent %llu sum %016llx, received %llu sum %016llx\n",
                (unsigned long long)prod.bytes, (unsigned long long)prod.checksum,
                (unsigned long long)rep.req_bytes, (unsigned long long)rep.req_sum);
        bad = 1;
    }
    if (!bad && (rep.rep_bytes != total || cons.bytes != total || rep.rep_sum != cons.checksum)) {
        fprintf(stderr, "REP: sent %llu sum %016llx, received %llu sum %016llx\n",
                (unsigned long long)rep.rep_bytes, (unsigned long long)rep.rep_sum,
                (unsigned long long)cons.bytes, (unsigned long long)cons.checksum);
        bad = 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) bad = 1;
    printf("stress_procs: %llu bytes each way in %.2f s; parent parks %llu+%llu wakes %llu+%llu\n",
           (unsigned long long)total, secs, (unsigned long long)req.parks, (unsigned long long)rp.parks,
           (unsigned long long)req.wakes, (unsigned long long)rp.wakes);
    rt_stream_free(&req_st);
    rt_stream_free(&rep_st);
    munmap(base, size);
    if (bad) return 1;
    printf("stress_procs: ok\n");
    return 0;
}
