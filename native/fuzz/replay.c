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
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) { perror(path); if (f) fclose(f); return -1; }
    size_t len = (size_t)st.st_size;
    /* an exact-size buffer, so that ASan sees reads past the input too */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) abort();
    if (fread(exact, 1, len, f) != len) { perror(path); fclose(f); free(exact); return -1; }
    fclose(f);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
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
