/*
 * replay.c -- runs a libFuzzer target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer: built with gcc (optionally ASan/UBSan) by test/fuzz/replay.test.ts, so that
 * `npm test` replays every kept crashing input and every seed. Arguments are files or
 * directories (one level). Exit 0 when every input ran; a failing input aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, r;
    uint8_t chunk[65536];
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + r > cap) { cap = (len + r) * 2; buf = realloc(buf, cap); if (!buf) abort(); }
        memcpy(buf + len, chunk, r);
        len += r;
    }
    fclose(f);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    /* an exact-size copy, so that ASan sees reads past the input too */
    uint8_t *exact = malloc(len ? len : 1);
    if (len) memcpy(exact, buf, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    long runs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) { perror(argv[i]); return 1; }
        if (!S_ISDIR(st.st_mode)) { if (run_file(argv[i]) != 0) return 1; runs++; continue; }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) { if (run_file(p) != 0) return 1; runs++; }
        }
        if (d) closedir(d);
    }
    printf("replayed %ld inputs\n", runs);
    return 0;
}
