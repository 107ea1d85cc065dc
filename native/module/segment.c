/* segment.c -- see segment.h. */
#include "segment.h"
#include "sigbus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int shm_name_valid(const char *name, size_t len) {
    size_t plen = strlen(SHM_NAME_PREFIX);
    if (len != plen + SHM_NAME_HEX || memcmp(name, SHM_NAME_PREFIX, plen) != 0) return 0;
    for (size_t i = plen; i < len; i++) {
        char c = name[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return 1;
}

int shm_token_parse(const char *hex, size_t len, uint8_t out[SHM_TOKEN_BYTES]) {
    if (len != 2 * SHM_TOKEN_BYTES) return -1;
    for (size_t i = 0; i < SHM_TOKEN_BYTES; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return 0;
}

int shm_token_equal(const uint8_t *a, const uint8_t *b) {
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < SHM_TOKEN_BYTES; i++) diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

int shm_segment_map(const char *name, uint64_t min_cap, uint64_t max_cap, shm_mapping *m,
                    char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    m->reg_slot = -1;
    int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "ERR SHM cannot open segment: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "ERR SHM segment is not a regular file");
        return -1;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (st.st_size < 0 || size < shm_segment_size(min_cap, min_cap) || size > shm_segment_size(max_cap, max_cap)) {
        close(fd);
        snprintf(err, errlen, "ERR SHM segment size is out of bounds");
        return -1;
    }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);   /* the mapping keeps the object; no fd is held per session */
    if (base == MAP_FAILED) {
        snprintf(err, errlen, "ERR SHM cannot map segment: %s", strerror(errno));
        return -1;
    }
    m->base = base;
    m->size = size;
    m->dev = (uint64_t)st.st_dev;
    m->ino = (uint64_t)st.st_ino;
    m->reg_slot = shm_sigbus_register(base, size);
    if (m->reg_slot < 0) {
        shm_segment_unmap(m);
        snprintf(err, errlen, "ERR SHM too many mapped segments");
        return -1;
    }
    memcpy(&m->line0, base, SHM_LINE);   /* line 0 only; the rest of the copy stays zero */
    if (shm_sigbus_faulted(m->reg_slot) || shm_header_check(&m->line0, size, min_cap, max_cap) != 0) {
        shm_segment_unmap(m);
        snprintf(err, errlen, "ERR SHM segment header is invalid");
        return -1;
    }
    return 0;
}

int shm_segment_claim(shm_mapping *m, const uint8_t token[SHM_TOKEN_BYTES], uint32_t pid,
                      uint64_t session_id, char *err, size_t errlen) {
    shm_segment_header *h = (shm_segment_header *)(void *)m->base;
    if (!shm_token_equal(m->line0.token, token)) {
        snprintf(err, errlen, "ERR SHM token mismatch");
        return -1;
    }
    /* acquire: see the client's initialisation of the segment before we judge it */
    uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
    if (state != SHM_STATE_NEW) {
        snprintf(err, errlen, "ERR SHM segment already claimed");
        return -1;
    }
    /* relaxed: the client must not touch the rings before the reply; we only check */
    if (__atomic_load_n(&h->req.tail, __ATOMIC_RELAXED) || __atomic_load_n(&h->req.head, __ATOMIC_RELAXED) ||
        __atomic_load_n(&h->rep.tail, __ATOMIC_RELAXED) || __atomic_load_n(&h->rep.head, __ATOMIC_RELAXED)) {   /* relaxed: same check */
        snprintf(err, errlen, "ERR SHM segment rings are not empty");
        return -1;
    }
    /* relaxed: published by the release CAS on state below */
    __atomic_store_n(&h->server_pid, pid, __ATOMIC_RELAXED);
    __atomic_store_n(&h->session_id, session_id, __ATOMIC_RELAXED);   /* relaxed: same */
    uint32_t expect = SHM_STATE_NEW;
    /* release: server_pid and session_id are visible to a client that acquires CLAIMED */
    if (!__atomic_compare_exchange_n(&h->state, &expect, SHM_STATE_CLAIMED, 0, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED)) {
        snprintf(err, errlen, "ERR SHM segment already claimed");
        return -1;
    }
    return 0;
}

void shm_segment_unmap(shm_mapping *m) {
    if (m->reg_slot >= 0) shm_sigbus_unregister(m->reg_slot);
    if (m->base) munmap(m->base, m->size);
    m->base = NULL;
    m->reg_slot = -1;
}

int shm_segment_mark_closed(shm_segment_header *h, uint32_t reason) {
    /* relaxed: the first closer wins the reason; the state store below publishes it */
    uint32_t cur = __atomic_load_n(&h->state, __ATOMIC_RELAXED);
    if (cur == SHM_STATE_CLOSED) return 0;
    __atomic_store_n(&h->close_reason, reason, __ATOMIC_RELAXED);   /* relaxed: published by the release below */
    /* release: close_reason is visible to a client that acquires state == CLOSED */
    __atomic_store_n(&h->state, SHM_STATE_CLOSED, __ATOMIC_RELEASE);
    /* full fence: the state store is ordered before the futex bumps the client waits on */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_fetch_add(&h->rep.data_futex, 1, __ATOMIC_RELAXED);   /* relaxed: the fence above orders it */
    shm_futex_wake(&h->rep.data_futex, 1);
    __atomic_fetch_add(&h->req.space_futex, 1, __ATOMIC_RELAXED);  /* relaxed: same */
    shm_futex_wake(&h->req.space_futex, 1);
    return 1;
}
