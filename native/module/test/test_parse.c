/* Unit tests for the request parser: whole and byte-by-byte feeding, limits, errors. */
#include <string.h>
#include "parse.h"
#include "check.h"

/* Feeds `in` one byte more at a time (as partial ring reads would) and returns the result. */
static int feed_bytewise(shm_parser *p, char *buf, const char *in, size_t n) {
    int r = SHM_PARSE_MORE;
    for (size_t i = 1; i <= n && r == SHM_PARSE_MORE; i++) {
        memcpy(buf, in, i);
        r = shm_parse(p, buf, i);
    }
    return r;
}

static int arg_eq(const shm_parser *p, const char *buf, size_t i, const char *s, size_t n) {
    return i < p->argc && p->argv[i].len == n && memcmp(buf + p->argv[i].off, s, n) == 0;
}

static void test_multibulk(void) {
    static char buf[256];
    const char *in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\0\r\nx\r\n*1\r\n";
    size_t n = 31;
    shm_parser p;
    shm_parser_init(&p, 512 * 1024 * 1024);
    memcpy(buf, in, n + 4);
    CHECK(shm_parse(&p, buf, n + 4) == SHM_PARSE_CMD);
    CHECK(p.argc == 3 && p.pos == n);
    CHECK(arg_eq(&p, buf, 0, "SET", 3) && arg_eq(&p, buf, 1, "k", 1) && arg_eq(&p, buf, 2, "v\0\r\nx", 5));
    shm_parser_next(&p);
    CHECK(feed_bytewise(&p, buf, in, n) == SHM_PARSE_CMD);
    CHECK(p.argc == 3 && p.pos == n && arg_eq(&p, buf, 2, "v\0\r\nx", 5));
    /* incomplete never reads past len: a truncated prefix is MORE */
    shm_parser_next(&p);
    memcpy(buf, in, n);
    for (size_t i = 1; i < n; i++) {
        shm_parser_next(&p);
        CHECK(shm_parse(&p, buf, i) == SHM_PARSE_MORE);
    }
    shm_parser_free(&p);
}

static void test_empty_and_errors(void) {
    static char buf[256];
    shm_parser p;
    shm_parser_init(&p, 10);
    struct { const char *in; int want; const char *err; } cases[] = {
        {"*0\r\n", SHM_PARSE_EMPTY, ""},
        {"*-1\r\n", SHM_PARSE_EMPTY, ""},
        {"\r\n", SHM_PARSE_EMPTY, ""},
        {"   \n", SHM_PARSE_EMPTY, ""},
        {"*x\r\n", SHM_PARSE_ERR, "ERR Protocol error: invalid multibulk length"},
        {"*01\r\n", SHM_PARSE_ERR, "ERR Protocol error: invalid multibulk length"},
        {"*2147483648\r\n", SHM_PARSE_ERR, "ERR Protocol error: invalid multibulk length"},
        {"*1\r\n+3\r\n", SHM_PARSE_ERR, "ERR Protocol error: expected '$', got '+'"},
        {"*1\r\n$-1\r\n", SHM_PARSE_ERR, "ERR Protocol error: invalid bulk length"},
        {"*1\r\n$11\r\n", SHM_PARSE_ERR, "ERR Protocol error: invalid bulk length"},
        {"set \"a\r\n", SHM_PARSE_ERR, "ERR Protocol error: unbalanced quotes in request"},
        {"set \"a\"b\r\n", SHM_PARSE_ERR, "ERR Protocol error: unbalanced quotes in request"},
        {"set 'a\r\n", SHM_PARSE_ERR, "ERR Protocol error: unbalanced quotes in request"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        shm_parser_next(&p);
        size_t n = strlen(cases[i].in);
        memcpy(buf, cases[i].in, n);
        int r = shm_parse(&p, buf, n);
        if (r != cases[i].want) fprintf(stderr, "case %zu: got %d\n", i, r);
        CHECK(r == cases[i].want);
        if (r == SHM_PARSE_ERR) CHECK(strcmp(p.err, cases[i].err) == 0);
        if (r == SHM_PARSE_EMPTY) CHECK(p.pos == n);
    }
    shm_parser_free(&p);
}

static void test_limits(void) {
    shm_parser p;
    shm_parser_init(&p, 1024);
    /* a huge count only allocates as arguments actually arrive */
    static char buf[80000];
    const char *big = "*2147483647\r\n$1\r\na\r\n";
    memcpy(buf, big, strlen(big));
    CHECK(shm_parse(&p, buf, strlen(big)) == SHM_PARSE_MORE);
    CHECK(p.argc == 1 && p.cap <= 8);
    /* a header line without CR longer than 64 KiB is an error, shorter is MORE */
    shm_parser_next(&p);
    memset(buf, '1', sizeof buf);
    buf[0] = '*';
    CHECK(shm_parse(&p, buf, 1000) == SHM_PARSE_MORE);
    CHECK(shm_parse(&p, buf, SHM_PROTO_INLINE_MAX + 2) == SHM_PARSE_ERR);
    CHECK(strcmp(p.err, "ERR Protocol error: too big mbulk count string") == 0);
    shm_parser_next(&p);
    memset(buf, 'a', sizeof buf);
    CHECK(shm_parse(&p, buf, SHM_PROTO_INLINE_MAX + 1) == SHM_PARSE_ERR);
    CHECK(strcmp(p.err, "ERR Protocol error: too big inline request") == 0);
    shm_parser_free(&p);
}

static void test_inline(void) {
    static char buf[256];
    shm_parser p;
    shm_parser_init(&p, 1024);
    const char *in = "set  \"a\\x41\\n\" 'it\\'s'  b\"c d\"\r\nPING\n";
    size_t n = strlen(in);
    memcpy(buf, in, n);
    CHECK(shm_parse(&p, buf, n) == SHM_PARSE_CMD);
    CHECK(p.argc == 4);
    CHECK(arg_eq(&p, buf, 0, "set", 3) && arg_eq(&p, buf, 1, "aA\n", 3));
    CHECK(arg_eq(&p, buf, 2, "it's", 4) && arg_eq(&p, buf, 3, "bc d", 4));
    size_t first = p.pos;
    CHECK(first == n - 5);
    shm_parser_next(&p);
    CHECK(shm_parse(&p, buf + first, n - first) == SHM_PARSE_CMD);
    CHECK(p.argc == 1 && arg_eq(&p, buf + first, 0, "PING", 4) && p.pos == 5);
    /* byte by byte: MORE until the newline */
    shm_parser_next(&p);
    CHECK(feed_bytewise(&p, buf, "GET k\r\n", 7) == SHM_PARSE_CMD);
    CHECK(p.argc == 2 && p.pos == 7);
    shm_parser_free(&p);
}

/* Redis finds line ends with strchr: a NUL before the newline means "no line yet". */
static void test_nul_before_newline(void) {
    static char buf[80000];
    shm_parser p;
    shm_parser_init(&p, 1024);
    memcpy(buf, "GET a\0b\r\nPING\r\n", 15);
    CHECK(shm_parse(&p, buf, 15) == SHM_PARSE_MORE);
    shm_parser_next(&p);
    memcpy(buf, "*1\0\r\n$4\r\nPING\r\n", 15);
    CHECK(shm_parse(&p, buf, 15) == SHM_PARSE_MORE);
    shm_parser_next(&p);
    memset(buf, 'a', sizeof buf);
    buf[3] = 0;
    buf[70000] = '\n';
    CHECK(shm_parse(&p, buf, sizeof buf) == SHM_PARSE_ERR);
    CHECK(strcmp(p.err, "ERR Protocol error: too big inline request") == 0);
    shm_parser_free(&p);
}

static void test_strict_ll(void) {
    long long v;
    CHECK(shm_strict_ll("0", 1, &v) && v == 0);
    CHECK(shm_strict_ll("-12", 3, &v) && v == -12);
    CHECK(shm_strict_ll("9223372036854775807", 19, &v) && v == 9223372036854775807LL);
    CHECK(!shm_strict_ll("9223372036854775808", 19, &v));
    CHECK(!shm_strict_ll("-0", 2, &v));
    CHECK(!shm_strict_ll("+1", 2, &v));
    CHECK(!shm_strict_ll("1 ", 2, &v));
    CHECK(!shm_strict_ll("", 0, &v));
}

int main(void) {
    test_multibulk();
    test_empty_and_errors();
    test_limits();
    test_inline();
    test_strict_ll();
    test_nul_before_newline();
    CHECK_DONE("test_parse");
}
