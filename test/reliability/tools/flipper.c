/*
 * flipper.c -- changes segment files under the server while it opens them: for MS
 * milliseconds it cycles every given /dev/shm path through sizes (mostly the full size, but
 * also 0, the header page only, half) and rewrites the magic (mostly right), so that
 * SHM.OPEN's checks (fstat, mmap, header copy, claim) race with a file that keeps changing.
 * Usage: flipper MS FULL_SIZE PATH...   Prints "flips N" at the end.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc < 4) return 1;
    uint64_t end = now_ms() + strtoull(argv[1], NULL, 10);
    off_t full = (off_t)strtoll(argv[2], NULL, 10);
    int n = argc - 3;
    int *fds = calloc((size_t)n, sizeof *fds);
    uint8_t (*line0)[64] = calloc((size_t)n, 64);   /* each file's original line 0 */
    for (int i = 0; i < n; i++) {
        fds[i] = open(argv[3 + i], O_RDWR);
        if (fds[i] >= 0 && pread(fds[i], line0[i], 64, 0) != 64) { close(fds[i]); fds[i] = -1; }
    }
    /* mostly valid, so that some opens get past the checks before the file changes */
    const off_t sizes[] = {full, full, 0, full, 4096, full, full / 2};
    const uint64_t magics[] = {0x4d48535349444552ull, 0x4d48535349444552ull, 0x4d48535349444552ull, 0};
    long flips = 0;
    for (unsigned k = 0; now_ms() < end; k++) {
        for (int i = 0; i < n; i++) {
            if (fds[i] < 0) continue;
            if (ftruncate(fds[i], sizes[(k + (unsigned)i) % 7]) == 0) flips++;
            /* a truncation zeroes the header: write line 0 back, its magic right or wrong */
            uint64_t m = magics[(k + (unsigned)i) % 4];
            uint8_t l0[64];
            for (int b = 0; b < 64; b++) l0[b] = line0[i][b];
            for (int b = 0; b < 8; b++) l0[b] = (uint8_t)(m >> (8 * b));
            if (pwrite(fds[i], l0, sizeof l0, 0) != (ssize_t)sizeof l0) { /* a 0-byte file grows back: fine */ }
        }
    }
    printf("flips %ld\n", flips);
    return 0;
}
