/*
 * shm_ring.h -- the one definition of the redis-shm shared-memory layout.
 *
 * CONTRACT
 * - A segment holds one header page and two byte rings: REQ (client -> server) and
 *   REP (server -> client). Each ring has exactly ONE producer and ONE consumer, which
 *   may live in different processes. The client produces REQ and consumes REP; the
 *   server produces REP and consumes REQ.
 * - Producer calls: shm_ring_write, shm_ring_writable, shm_ring_wake_consumer,
 *   shm_ring_wait_space. Consumer calls: shm_ring_read, shm_ring_readable,
 *   shm_ring_wake_producer, shm_ring_wait_data. Nothing else touches a ring.
 * - Indices are free-running uint64 byte counts. tail = bytes ever written, head = bytes
 *   ever read. Empty: head == tail. Full: tail - head == capacity. The whole capacity is
 *   usable. Capacity is a power of two; a copy across the end is two memcpys.
 * - Everything in shared memory is untrusted. Each side keeps its OWN index and the
 *   ring geometry in private memory (struct shm_ring) and never re-reads them from the
 *   segment; it only loads the PEER's index, and checks it: the peer index may not move
 *   backwards and tail - head may never exceed capacity. A violation returns
 *   SHM_RING_ECORRUPT and never leads to an out-of-bounds access.
 * - Wake protocol (io_uring NEED_WAKEUP style, no lost wake-ups):
 *     sleeper:   seq = load(futex); parked = 1; FULL FENCE; re-check ring;
 *                if still nothing: futex_wait(futex, seq); parked = 0.
 *     publisher: publish index (release); FULL FENCE; if parked: take the flag
 *                (exchange to 0; only the taker goes on), futex++ and futex_wake.
 *   The two full fences make it impossible for both sides to miss each other's store.
 * - Futex words live in the segment and are process-shared (no FUTEX_PRIVATE_FLAG).
 *
 * Compiles as C11 and as C++17 (GCC/Clang __atomic builtins on plain fields). The layout
 * is ABI: fixed-width fields, no pointers, static asserts on every offset.
 * docs/protocol.md describes the same layout byte by byte; keep the two in step.
 */
#ifndef REDIS_SHM_RING_H
#define REDIS_SHM_RING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>

#ifdef __cplusplus
#define SHM_STATIC_ASSERT(c, m) static_assert(c, m)
extern "C" {
#else
#define SHM_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---------- constants ---------- */

#define SHM_MAGIC 0x4d48535349444552ULL   /* "REDISSHM" read as little-endian bytes */
#define SHM_LAYOUT_VERSION 1u
#define SHM_LINE 64u
#define SHM_HEADER_SIZE 4096u               /* REQ data starts here; page aligned */
#define SHM_TOKEN_BYTES 16u
#define SHM_NAME_PREFIX "/redis-shm."
#define SHM_NAME_HEX 32u                    /* name = prefix + 32 lowercase hex chars */
#define SHM_RING_MIN_CAPACITY 4096ull
#define SHM_RING_MAX_CAPACITY (1ull << 30)

/* Segment state word. Only these transitions exist:
 * NEW -> CLAIMED (server, at SHM.OPEN), NEW|CLAIMED -> CLOSED (either side). */
enum shm_state { SHM_STATE_NEW = 0, SHM_STATE_CLAIMED = 1, SHM_STATE_CLOSED = 2 };

/* Why a session closed (close_reason, written before state = CLOSED). */
enum shm_close_reason {
    SHM_CLOSE_NONE = 0,
    SHM_CLOSE_CLIENT = 1,       /* client asked (SHM.CLOSE or close()) */
    SHM_CLOSE_DISCONNECT = 2,   /* the socket lifeline went away */
    SHM_CLOSE_PROTOCOL = 3,     /* malformed request */
    SHM_CLOSE_CORRUPT = 4,      /* ring indices or header fields violated the contract */
    SHM_CLOSE_SERVER = 5,       /* module unload or server shutdown */
    SHM_CLOSE_FAULT = 6         /* segment truncated / unmapped under the server */
};

#define SHM_RING_ECORRUPT (-1)

/* client_flags bits: hints from the client, read by the server as hints only (a hostile
 * value changes nothing but how the session's serving thread waits). */
#define SHM_CLIENT_SPIN_ALWAYS 1u   /* keep the serving thread spinning while the session is open */

/* ---------- shared layout ---------- */

/* Control block of one ring: three cache lines so that the producer's index, the
 * consumer's index and the wake words never share a line. */
typedef struct shm_ring_ctl {
    uint64_t tail;              /* +0   producer-owned: bytes ever written */
    uint8_t  pad0[SHM_LINE - 8];
    uint64_t head;              /* +64  consumer-owned: bytes ever read */
    uint8_t  pad1[SHM_LINE - 8];
    uint32_t consumer_parked;   /* +128 consumer sleeps (or is about to) on data_futex */
    uint32_t data_futex;        /* +132 bumped by producer to wake the consumer */
    uint32_t producer_parked;   /* +136 producer sleeps (or is about to) on space_futex */
    uint32_t space_futex;       /* +140 bumped by consumer to wake the producer */
    uint8_t  pad2[SHM_LINE - 16];
} shm_ring_ctl;

/* The header page. Line 0 is written by the client before SHM.OPEN and is read-only
 * afterwards; the server copies it to private memory once and never re-reads it. */
typedef struct shm_segment_header {
    /* line 0: identity and geometry (client writes before SHM.OPEN) */
    uint64_t magic;             /* +0   SHM_MAGIC */
    uint32_t layout_version;    /* +8   SHM_LAYOUT_VERSION */
    uint32_t header_size;       /* +12  SHM_HEADER_SIZE */
    uint64_t req_capacity;      /* +16  REQ ring bytes, power of two */
    uint64_t rep_capacity;      /* +24  REP ring bytes, power of two */
    uint64_t total_size;        /* +32  header_size + req_capacity + rep_capacity */
    uint8_t  token[SHM_TOKEN_BYTES]; /* +40 random; must match SHM.OPEN's token */
    uint32_t client_pid;        /* +56  informational */
    uint32_t reserved0;         /* +60  zero */
    /* line 1: lifecycle (either side writes) */
    uint32_t state;             /* +64  enum shm_state */
    uint32_t close_reason;      /* +68  enum shm_close_reason */
    uint32_t server_pid;        /* +72  written by the server at claim */
    uint32_t client_flags;      /* +76  client-owned hints (SHM_CLIENT_*); 0 = none */
    uint64_t session_id;        /* +80  written by the server at claim */
    uint8_t  pad1[SHM_LINE - 24];
    /* lines 2..4 and 5..7: ring control blocks */
    shm_ring_ctl req;           /* +128 */
    shm_ring_ctl rep;           /* +320 */
} shm_segment_header;

SHM_STATIC_ASSERT(sizeof(shm_ring_ctl) == 3 * SHM_LINE, "ring ctl is three lines");
SHM_STATIC_ASSERT(offsetof(shm_ring_ctl, head) == 64, "head on its own line");
SHM_STATIC_ASSERT(offsetof(shm_ring_ctl, consumer_parked) == 128, "wake words on own line");
SHM_STATIC_ASSERT(offsetof(shm_ring_ctl, space_futex) == 140, "space_futex offset");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, token) == 40, "token offset");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, client_pid) == 56, "client_pid offset");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, state) == 64, "state on line 1");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, client_flags) == 76, "client_flags offset");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, session_id) == 80, "session_id offset");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, req) == 128, "req ctl at line 2");
SHM_STATIC_ASSERT(offsetof(shm_segment_header, rep) == 320, "rep ctl at line 5");
SHM_STATIC_ASSERT(sizeof(shm_segment_header) == 512, "header is 8 lines");
SHM_STATIC_ASSERT(sizeof(shm_segment_header) <= SHM_HEADER_SIZE, "header fits its page");
/* 64- and 32-bit atomics must be lock-free (address-free across processes). Checked with
 * the compiler's macros: __atomic_always_lock_free is not an ICE under ISO C -pedantic. */
#if __GCC_ATOMIC_LLONG_LOCK_FREE != 2 || __GCC_ATOMIC_INT_LOCK_FREE != 2 || __SIZEOF_LONG_LONG__ != 8
#error "redis-shm needs lock-free 64-bit and 32-bit atomics"
#endif

/* ---------- geometry checks (pure) ---------- */

static inline int shm_is_pow2(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* Validates a private COPY of line 0 against a mapping of map_size bytes and the
 * caller's capacity limits. The absolute bounds SHM_RING_MIN/MAX_CAPACITY always apply
 * too, whatever the caller passes, so the size sum below cannot overflow.
 * Returns 0 when usable, -1 otherwise. */
static inline int shm_header_check(const shm_segment_header *copy, uint64_t map_size,
                                   uint64_t min_cap, uint64_t max_cap) {
    if (copy->magic != SHM_MAGIC) return -1;
    if (copy->layout_version != SHM_LAYOUT_VERSION) return -1;
    if (copy->header_size != SHM_HEADER_SIZE) return -1;
    if (!shm_is_pow2(copy->req_capacity) || !shm_is_pow2(copy->rep_capacity)) return -1;
    if (min_cap < SHM_RING_MIN_CAPACITY) min_cap = SHM_RING_MIN_CAPACITY;
    if (max_cap > SHM_RING_MAX_CAPACITY) max_cap = SHM_RING_MAX_CAPACITY;
    if (copy->req_capacity < min_cap || copy->req_capacity > max_cap) return -1;
    if (copy->rep_capacity < min_cap || copy->rep_capacity > max_cap) return -1;
    if (copy->total_size != (uint64_t)SHM_HEADER_SIZE + copy->req_capacity + copy->rep_capacity)
        return -1;
    if (copy->total_size != map_size) return -1;
    return 0;
}

static inline uint64_t shm_segment_size(uint64_t req_cap, uint64_t rep_cap) {
    return (uint64_t)SHM_HEADER_SIZE + req_cap + rep_cap;
}

/* Client, before SHM.OPEN: writes line 0's identity and geometry for a segment of
 * shm_segment_size(req_cap, rep_cap) bytes. The token and client_pid are the caller's. */
static inline void shm_header_init(shm_segment_header *h, uint64_t req_cap, uint64_t rep_cap) {
    h->magic = SHM_MAGIC;
    h->layout_version = SHM_LAYOUT_VERSION;
    h->header_size = SHM_HEADER_SIZE;
    h->req_capacity = req_cap;
    h->rep_capacity = rep_cap;
    h->total_size = shm_segment_size(req_cap, rep_cap);
}

/* ---------- private endpoint ---------- */

/* One side's view of one ring. Lives in PRIVATE memory. cap/mask/pos are this side's
 * own truth; peer is the last validated value of the peer's index. */
typedef struct shm_ring {
    shm_ring_ctl *ctl;          /* in the segment */
    uint8_t *data;              /* in the segment, cap bytes */
    uint64_t cap;
    uint64_t mask;
    uint64_t pos;               /* producer: tail; consumer: head (authoritative copy) */
    uint64_t peer;              /* producer: cached head; consumer: cached tail */
    uint64_t spins, parks, wakes; /* counters for observability */
} shm_ring;

/* Attach to a ring whose control block and data live in a mapped segment. `cap` must come
 * from a validated private copy of the header. The initial position is read once: a
 * fresh segment has both indices at 0. Indices that are already inconsistent
 * (tail - head > cap) are not trusted: the cached peer then says "full" (producer) or
 * "empty" (consumer), so the first call reloads the peer's index and reports
 * SHM_RING_ECORRUPT instead of copying past the data area. */
static inline void shm_ring_attach(shm_ring *r, shm_ring_ctl *ctl, uint8_t *data, uint64_t cap,
                                   int is_producer) {
    r->ctl = ctl;
    r->data = data;
    r->cap = cap;
    r->mask = cap - 1;
    /* relaxed: attach happens before any concurrent use (handshake orders it) */
    uint64_t t = __atomic_load_n(&ctl->tail, __ATOMIC_RELAXED);
    uint64_t h = __atomic_load_n(&ctl->head, __ATOMIC_RELAXED);
    int sane = t - h <= cap;
    r->pos = is_producer ? t : h;
    if (is_producer) r->peer = sane ? h : t - cap;
    else r->peer = sane ? t : h;
    r->spins = r->parks = r->wakes = 0;
}

/* Producer: reload the consumer's head and validate it. Returns free bytes or -1. */
static inline int64_t shm_ring_writable(shm_ring *r) {
    /* acquire: the consumer's reads of the bytes below head happen before we overwrite them */
    uint64_t h = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
    if (h - r->peer > r->cap || r->pos - h > r->cap) return SHM_RING_ECORRUPT; /* backwards or past tail */
    r->peer = h;
    return (int64_t)(r->cap - (r->pos - h));
}

/* Consumer: reload the producer's tail and validate it. Returns readable bytes or -1. */
static inline int64_t shm_ring_readable(shm_ring *r) {
    /* acquire: the producer's writes of the bytes below tail are visible before we read them */
    uint64_t t = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
    if (t - r->peer > r->cap || t - r->pos > r->cap) return SHM_RING_ECORRUPT; /* backwards or overfull */
    r->peer = t;
    return (int64_t)(t - r->pos);
}

/* Producer: copy up to len bytes in; returns bytes written (0 when full) or -1.
 * Does not wake the consumer: call shm_ring_wake_consumer after a batch. */
static inline int64_t shm_ring_write(shm_ring *r, const void *buf, size_t len) {
    uint64_t free_bytes = r->cap - (r->pos - r->peer);
    if (free_bytes < len) {
        int64_t w = shm_ring_writable(r);
        if (w < 0) return w;
        free_bytes = (uint64_t)w;
    }
    uint64_t n = len < free_bytes ? len : free_bytes;
    if (n == 0) return 0;
    uint64_t off = r->pos & r->mask;
    uint64_t first = r->cap - off < n ? r->cap - off : n;
    memcpy(r->data + off, buf, first);
    memcpy(r->data, (const uint8_t *)buf + first, n - first);
    r->pos += n;
    /* release: the bytes copied above are visible before the new tail */
    __atomic_store_n(&r->ctl->tail, r->pos, __ATOMIC_RELEASE);
    return (int64_t)n;
}

/* Consumer: copy up to len bytes out; returns bytes read (0 when empty) or -1.
 * Does not wake the producer: call shm_ring_wake_producer after a batch. */
static inline int64_t shm_ring_read(shm_ring *r, void *buf, size_t len) {
    uint64_t avail = r->peer - r->pos;
    if (avail < len) {
        int64_t a = shm_ring_readable(r);
        if (a < 0) return a;
        avail = (uint64_t)a;
    }
    uint64_t n = len < avail ? len : avail;
    if (n == 0) return 0;
    uint64_t off = r->pos & r->mask;
    uint64_t first = r->cap - off < n ? r->cap - off : n;
    memcpy(buf, r->data + off, first);
    memcpy((uint8_t *)buf + first, r->data, n - first);
    r->pos += n;
    /* release: our reads of the bytes above complete before the producer may reuse them */
    __atomic_store_n(&r->ctl->head, r->pos, __ATOMIC_RELEASE);
    return (int64_t)n;
}

/* ---------- futex and wake protocol ---------- */

static inline void shm_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* Process-shared futex wait; returns 0 on wake, -1 with errno (EAGAIN, ETIMEDOUT, EINTR). */
static inline int shm_futex_wait(uint32_t *addr, uint32_t expected, const struct timespec *rel) {
    return (int)syscall(SYS_futex, addr, FUTEX_WAIT, expected, rel, NULL, 0);
}

static inline int shm_futex_wake(uint32_t *addr, int n) {
    return (int)syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* futex_waitv(2) (Linux 5.16+): one thread sleeping on many rings at once (the module's
 * serving threads, the client's spinner). The entry is struct futex_waitv, spelled out so
 * older headers still build. */
#define SHM_WAITV_MAX 128          /* FUTEX_WAITV_MAX */
#define SHM_FUTEX2_U32 0x02u       /* FUTEX2_SIZE_U32 */
#define SHM_FUTEX2_PRIVATE 128u    /* FUTEX2_PRIVATE: a word in this process's own memory */
typedef struct shm_waitv { uint64_t val; uint64_t uaddr; uint32_t flags; uint32_t reserved; } shm_waitv;

/* One entry waiting for `futex` to move from `val`. */
static inline void shm_waitv_set(shm_waitv *w, uint32_t *futex, uint32_t val, uint32_t flags) {
    w->val = val;
    w->uaddr = (uint64_t)(uintptr_t)futex;
    w->flags = SHM_FUTEX2_U32 | flags;
    w->reserved = 0;
}

/* The sleeper half's first step on one ring direction, for a multi-ring wait: read the
 * sequence, then announce (parked = 1). After arming every entry the caller issues ONE full
 * fence, re-checks every ring, and only then calls shm_futex_waitv; afterwards it stores
 * parked = 0 (relaxed: only a hint to the publisher). */
static inline void shm_waitv_arm(shm_waitv *w, uint32_t *parked, uint32_t *futex) {
    /* acquire: read the sequence before announcing, so a bump after the re-check changes it */
    shm_waitv_set(w, futex, __atomic_load_n(futex, __ATOMIC_ACQUIRE), 0);
    /* relaxed: the caller's full fence orders it before the re-check */
    __atomic_store_n(parked, 1u, __ATOMIC_RELAXED);
}

/* Waits until one entry's word differs from its val, or CLOCK_MONOTONIC reaches `deadline`
 * (NULL: no limit). 0 or the woken index on a wake, -1 with errno (ETIMEDOUT, EAGAIN, ENOSYS...). */
static inline long shm_futex_waitv(shm_waitv *w, unsigned n, const struct timespec *deadline) {
    return syscall(449 /* SYS_futex_waitv */, w, n, 0u, deadline, CLOCK_MONOTONIC);
}

static inline uint64_t shm_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Publisher side of "data": call after shm_ring_write. Returns 1 if it issued a wake. */
static inline int shm_ring_wake_consumer(shm_ring *r) {
    /* full fence: our tail store is ordered before our load of consumer_parked (pairs with the sleeper's fence) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->ctl->consumer_parked, __ATOMIC_RELAXED) == 0) return 0;
    /* relaxed (the fence above orders it): the first publisher to see parked == 1 takes the
     * flag, so a park costs one wake, not one per publish until the woken sleeper has run */
    if (__atomic_exchange_n(&r->ctl->consumer_parked, 0u, __ATOMIC_RELAXED) == 0) return 0;
    /* release: the bump is ordered after the tail store for a waiter that re-checks */
    __atomic_fetch_add(&r->ctl->data_futex, 1, __ATOMIC_RELEASE);
    shm_futex_wake(&r->ctl->data_futex, 1);
    r->wakes++;
    return 1;
}

/* Publisher side of "space": call after shm_ring_read. Returns 1 if it issued a wake. */
static inline int shm_ring_wake_producer(shm_ring *r) {
    /* full fence: our head store is ordered before our load of producer_parked */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->ctl->producer_parked, __ATOMIC_RELAXED) == 0) return 0;
    /* relaxed, as in shm_ring_wake_consumer: one wake per park */
    if (__atomic_exchange_n(&r->ctl->producer_parked, 0u, __ATOMIC_RELAXED) == 0) return 0;
    /* release: the bump is ordered after the head store */
    __atomic_fetch_add(&r->ctl->space_futex, 1, __ATOMIC_RELEASE);
    shm_futex_wake(&r->ctl->space_futex, 1);
    r->wakes++;
    return 1;
}

/* Sleeper half, shared by both directions. `ready` re-checks the ring (readable > 0 or
 * writable >= want). Returns >0 ready, 0 timed out, -1 corrupt. */
static inline int shm__park(shm_ring *r, uint32_t *parked, uint32_t *futex,
                            int64_t (*probe)(shm_ring *), int64_t want, uint64_t park_ns) {
    /* acquire: read the sequence before announcing, so a bump after our re-check changes it */
    uint32_t seq = __atomic_load_n(futex, __ATOMIC_ACQUIRE);
    __atomic_store_n(parked, 1, __ATOMIC_RELAXED);
    /* full fence: our parked=1 store is ordered before the re-check load (pairs with the publisher's fence) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    int64_t v = probe(r);
    if (v < 0 || v >= want) {
        __atomic_store_n(parked, 0, __ATOMIC_RELAXED);
        return v < 0 ? -1 : 1;
    }
    struct timespec ts = { (time_t)(park_ns / 1000000000ull), (long)(park_ns % 1000000000ull) };
    r->parks++;
    shm_futex_wait(futex, seq, park_ns ? &ts : NULL);
    __atomic_store_n(parked, 0, __ATOMIC_RELAXED);
    v = probe(r);
    return v < 0 ? -1 : (v >= want ? 1 : 0);
}

/* Spinning half, shared by both directions: probes `probe` until it says ready (<0 or
 * >= want) or spin_ns has passed (pause between probes; the clock is read every 64 probes,
 * so budgets round up to 64 pauses). Returns the last probe. */
static inline int64_t shm__spin(shm_ring *r, int64_t (*probe)(shm_ring *), int64_t want, uint64_t spin_ns) {
    int64_t v = probe(r);
    if (v < 0 || v >= want || spin_ns == 0) return v;
    uint64_t start = shm_now_ns();
    for (uint32_t i = 1;; i++) {
        shm_cpu_relax();
        v = probe(r);
        if (v < 0 || v >= want || ((i & 63) == 0 && shm_now_ns() - start >= spin_ns)) {
            r->spins += i;
            return v;
        }
    }
}

/* Consumer: wait until at least one byte is readable. Spins for spin_ns (see shm__spin),
 * then parks for at most park_ns (0 = no limit). Returns readable bytes (>0), -1 on
 * corruption, or 0 when the park ended with nothing ready: a timeout, a signal, or a wake
 * that brought no data (e.g. the peer closing the session). 0 can happen with park_ns = 0
 * too: the caller checks its own exit conditions (session state) and calls again. */
static inline int64_t shm_ring_wait_data(shm_ring *r, uint64_t spin_ns, uint64_t park_ns) {
    int64_t v = shm__spin(r, shm_ring_readable, 1, spin_ns);
    if (v != 0) return v;
    int p = shm__park(r, &r->ctl->consumer_parked, &r->ctl->data_futex, shm_ring_readable, 1, park_ns);
    if (p < 0) return -1;
    return p ? shm_ring_readable(r) : 0;
}

/* Producer: wait until at least `want` bytes are free (want is clamped to cap). Same
 * contract; 0 also when a wake freed fewer than `want` bytes. */
static inline int64_t shm_ring_wait_space(shm_ring *r, uint64_t want, uint64_t spin_ns, uint64_t park_ns) {
    if (want > r->cap) want = r->cap;
    int64_t v = shm__spin(r, shm_ring_writable, (int64_t)want, spin_ns);
    if (v < 0 || (uint64_t)v >= want) return v;
    int p = shm__park(r, &r->ctl->producer_parked, &r->ctl->space_futex, shm_ring_writable,
                      (int64_t)want, park_ns);
    if (p < 0) return -1;
    return p ? shm_ring_writable(r) : 0;
}

#ifdef __cplusplus
}
#endif
#endif /* REDIS_SHM_RING_H */
