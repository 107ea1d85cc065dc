/*
 * fuzz_parse.c -- libFuzzer target for the module's request parser (native/module/parse.c).
 *
 * Plays the serving thread: request bytes arrive in pieces, the parser is called on the
 * bytes buffered so far, finished requests are consumed. Every call gets a buffer of
 * exactly the buffered length (a fresh heap copy), so with ASan any read past `len` is
 * caught. Checks: arguments lie inside the consumed request, a finished request always
 * consumes at least one byte (else the serving thread would spin), an inline request never
 * spans a NUL before its newline (Redis's strchr would not see that line end), errors carry
 * Redis's "Protocol error" text.
 *
 * Input: byte 0 picks proto-max-bulk-len (small values reach the limit checks), byte 1
 * seeds the piece sizes, the rest is the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "fuzz_parse: %s failed at line %d\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    static const uint64_t bulks[] = {0, 1, 3, 8, 64, 1024 * 1024, 512ull * 1024 * 1024};
    uint64_t max_bulk = bulks[data[0] % (sizeof bulks / sizeof bulks[0])];
    uint32_t rnd = data[1] * 2654435761u + 1;
    const uint8_t *in = data + 2;
    size_t n = size - 2, fed = 0;

    shm_parser p;
    shm_parser_init(&p, max_bulk);
    char *held = NULL;   /* bytes buffered and not yet consumed */
    size_t len = 0;
    for (;;) {
        /* a piece of 1..64 bytes arrives (or all of it, one time in eight) */
        rnd = rnd * 1103515245u + 12345u;
        size_t piece = (rnd >> 16) % 8 == 0 ? n - fed : 1 + (rnd >> 8) % 64;
        if (piece > n - fed) piece = n - fed;
        char *grown = realloc(held, len + piece + 1);
        REQUIRE(grown);
        held = grown;
        memcpy(held + len, in + fed, piece);
        len += piece;
        fed += piece;
        int r;
        do {
            /* exactly len bytes: ASan flags any read past the end */
            char *exact = malloc(len ? len : 1);
            REQUIRE(exact);
            memcpy(exact, held, len);
            r = shm_parse(&p, exact, len);
            REQUIRE(r >= SHM_PARSE_ERR && r <= SHM_PARSE_EMPTY);
            if (r == SHM_PARSE_CMD || r == SHM_PARSE_EMPTY) {
                REQUIRE(p.pos > 0 && p.pos <= len);
                /* Redis finds an inline line's end with strchr: a NUL before the '\n' means
                 * the line has not ended, so no inline request may span one */
                if (held[0] != '*') {
                    const char *nl = memchr(held, '\n', p.pos);
                    REQUIRE(nl && !memchr(held, 0, (size_t)(nl - held)));
                }
                if (r == SHM_PARSE_CMD) {
                    REQUIRE(p.argc > 0);
                    for (size_t i = 0; i < p.argc; i++)
                        REQUIRE(p.argv[i].off <= p.pos && p.argv[i].len <= p.pos - p.argv[i].off);
                    for (size_t i = 0; i < p.argc; i++)   /* touch every argument byte */
                        if (p.argv[i].len) REQUIRE(memchr(exact + p.argv[i].off, exact[p.argv[i].off], p.argv[i].len));
                }
                /* keep what the parser may have unescaped in place, then consume */
                memcpy(held, exact, len);
                memmove(held, held + p.pos, len - p.pos);
                len -= p.pos;
                shm_parser_next(&p);
            } else if (r == SHM_PARSE_ERR) {
                REQUIRE(strncmp(p.err, "ERR Protocol error: ", 20) == 0);
            } else {
                REQUIRE(p.pos <= len);
            }
            free(exact);
        } while ((r == SHM_PARSE_CMD || r == SHM_PARSE_EMPTY) && len > 0);
        if (r == SHM_PARSE_ERR || fed == n) break;
    }
    free(held);
    shm_parser_free(&p);
    return 0;
}
