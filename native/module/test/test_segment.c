/* Unit tests for segment validation and claim, and the SIGBUS guard, on real /dev/shm objects. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "segment.h"
#include "sigbus.h"
#include "check.h"

static char name[64];
static const uint8_t TOKEN[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* Creates a segment like a client would; returns its fd (kept open for truncation tests). */
static int make_segment(uint64_t req, uint64_t rep, uint64_t claimed_total) {
    snprintf(name, sizeof name, "/redis-shm.%016llx%016llx", (unsigned long long)getpid(),
             (unsigned long long)req ^ rep ^ claimed_total);
    shm_unlink(name);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) return -1;
    uint64_t size = shm_segment_size(req, rep);
    if (ftruncate(fd, (off_t)size) != 0) return -1;
    shm_segment_header *h = mmap(NULL, SHM_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    shm_header_init(h, req, rep);
    if (claimed_total) h->total_size = claimed_total;   /* a lying header */
    memcpy(h->token, TOKEN, 16);
    munmap(h, SHM_HEADER_SIZE);
    return fd;
}

static void test_names(void) {
    const char *ok = "/redis-shm.0123456789abcdef0123456789abcdef";
    CHECK(shm_name_valid(ok, strlen(ok)));
    const char *bad[] = {"/redis-shm.0123456789ABCDEF0123456789abcdef", "/redis-shm.0123",
                         "/redis-shm./../../../etc/passwd0123456789abcd", "redis-shm.0123456789abcdef0123456789abcdef0",
                         "/redis-shm.0123456789abcdef0123456789abcdef0", "/redis-shm.0123456789abcdef0123456789abcde/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!shm_name_valid(bad[i], strlen(bad[i])));
    uint8_t t[16];
    CHECK(shm_token_parse("0102030405060708090a0b0C0D0E0F10", 32, t) == 0 && shm_token_equal(t, TOKEN));
    CHECK(shm_token_parse("0102030405060708090a0b0C0D0E0F1", 31, t) != 0);
    CHECK(shm_token_parse("0102030405060708090a0b0C0D0E0F1g", 32, t) != 0);
}

static void test_map_and_claim(void) {
    char err[200];
    shm_mapping m;
    int fd = make_segment(4096, 8192, 0);
    CHECK(fd >= 0);
    CHECK(shm_segment_map(name, 4096, 1 << 20, &m, err, sizeof err) == 0);
    CHECK(m.size == 4096 + 4096 + 8192 && m.line0.rep_capacity == 8192);
    uint8_t wrong[16] = {0};
    CHECK(shm_segment_claim(&m, wrong, 1, 7, err, sizeof err) != 0 && strcmp(err, "ERR SHM token mismatch") == 0);
    CHECK(shm_segment_claim(&m, TOKEN, 42, 7, err, sizeof err) == 0);
    shm_segment_header *h = (shm_segment_header *)(void *)m.base;
    CHECK(h->state == SHM_STATE_CLAIMED && h->server_pid == 42 && h->session_id == 7);
    CHECK(shm_segment_claim(&m, TOKEN, 42, 8, err, sizeof err) != 0 && strcmp(err, "ERR SHM segment already claimed") == 0);
    CHECK(shm_segment_mark_closed(h, SHM_CLOSE_PROTOCOL) == 1);
    CHECK(shm_segment_mark_closed(h, SHM_CLOSE_CLIENT) == 0);
    CHECK(h->state == SHM_STATE_CLOSED && h->close_reason == SHM_CLOSE_PROTOCOL);
    shm_segment_unmap(&m);
    close(fd);
    shm_unlink(name);

    /* total_size that lies about the object size, a capacity below the limit */
    fd = make_segment(4096, 4096, 4096 * 4);
    CHECK(shm_segment_map(name, 4096, 1 << 20, &m, err, sizeof err) != 0 && strcmp(err, "ERR SHM segment header is invalid") == 0);
    close(fd);
    shm_unlink(name);
    fd = make_segment(4096, 4096, 0);
    CHECK(shm_segment_map(name, 8192, 1 << 20, &m, err, sizeof err) != 0 && strcmp(err, "ERR SHM segment size is out of bounds") == 0);
    close(fd);
    shm_unlink(name);
    CHECK(shm_segment_map("/redis-shm.00000000000000000000000000000000", 4096, 1 << 20, &m, err, sizeof err) != 0);

    /* a symlink is refused (O_NOFOLLOW) */
    fd = make_segment(4096, 4096, 0);
    char target[96], link[96];
    snprintf(target, sizeof target, "/dev/shm%s", name);
    snprintf(link, sizeof link, "/dev/shm/redis-shm.%032x", 0xabc);
    unlink(link);
    CHECK(symlink(target, link) == 0);
    CHECK(shm_segment_map(link + 8, 4096, 1 << 20, &m, err, sizeof err) != 0);
    unlink(link);
    close(fd);
    shm_unlink(name);
}

static void test_sigbus(void) {
    char err[200];
    shm_mapping m;
    CHECK(shm_sigbus_install() == 0);
    int fd = make_segment(4096, 4096, 0);
    CHECK(shm_segment_map(name, 4096, 1 << 20, &m, err, sizeof err) == 0);
    CHECK(ftruncate(fd, 4096) == 0);          /* the client truncates the rings away under us */
    uint64_t before = shm_sigbus_faults();
    volatile uint8_t *p = m.base + SHM_HEADER_SIZE + 100;
    uint8_t v = *p;                            /* would kill the process without the guard */
    CHECK(v == 0);
    CHECK(shm_sigbus_faulted(m.reg_slot) == 1 && shm_sigbus_faults() == before + 1);
    /* the header page survived (only the data area was replaced): still the segment's */
    CHECK(((shm_segment_header *)(void *)m.base)->magic == SHM_MAGIC);
    shm_segment_unmap(&m);
    close(fd);
    shm_unlink(name);

    /* truncated to nothing: a fault in the header page replaces the whole mapping */
    fd = make_segment(4096, 4096, 0);
    CHECK(shm_segment_map(name, 4096, 1 << 20, &m, err, sizeof err) == 0);
    CHECK(ftruncate(fd, 0) == 0);
    volatile uint64_t *magic = &((shm_segment_header *)(void *)m.base)->magic;
    CHECK(*magic == 0);
    CHECK(shm_sigbus_faulted(m.reg_slot) == 1 && shm_sigbus_faults() == before + 2);
    CHECK(shm_segment_mark_closed((shm_segment_header *)(void *)m.base, SHM_CLOSE_FAULT) == 1);   /* writes land on zeros */
    shm_segment_unmap(&m);
    close(fd);
    shm_unlink(name);
    shm_sigbus_uninstall();
}

int main(void) {
    test_names();
    test_map_and_claim();
    test_sigbus();
    CHECK_DONE("test_segment");
}
