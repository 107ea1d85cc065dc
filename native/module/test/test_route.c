/* Unit tests for the routing table (which commands the ring refuses). */
#include <string.h>
#include "route.h"
#include "check.h"

/* Builds args from a space-separated string into buf/argv. */
static size_t split(const char *s, char *buf, shm_arg *argv) {
    size_t argc = 0, n = strlen(s);
    memcpy(buf, s, n + 1);
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        while (i < n && buf[i] != ' ') i++;
        argv[argc].off = st;
        argv[argc].len = i - st;
        argc++;
        i++;
    }
    return argc;
}

static const char *reason(const char *cmd) {
    static char buf[256];
    static shm_arg argv[16];
    size_t argc = split(cmd, buf, argv);
    return shm_route_reason(buf, argv, argc);
}

int main(void) {
    const char *routed[] = {"SUBSCRIBE a", "psubscribe a*", "SSUBSCRIBE a", "UNSUBSCRIBE", "punsubscribe",
                            "sunsubscribe", "MONITOR", "RESET", "QUIT", "SHUTDOWN", "SYNC", "PSYNC x 1",
                            "REPLCONF ack 1", "SELECT 1", "AUTH a b", "HELLO 3", "CLIENT ID",
                            "client setname x", "ASKING", "readonly", "READWRITE", "MULTI", "EXEC", "DISCARD", "WATCH k", "UNWATCH",
                            "BLPOP l 0", "brpop l 0", "BLMOVE a b LEFT LEFT 0", "BRPOPLPUSH a b 0",
                            "BLMPOP 0 1 l LEFT", "BZPOPMIN z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN",
                            "WAIT 1 0", "WAITAOF 1 1 0", "SHM.OPEN 1 x y", "shm.info",
                            "XREAD BLOCK 0 STREAMS s $", "xread count 1 block 10 streams s 0",
                            "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
                            "XREADGROUP GROUP g c COUNT 1 NOACK BLOCK 5 STREAMS s >"};
    for (size_t i = 0; i < sizeof routed / sizeof routed[0]; i++) {
        if (!reason(routed[i])) fprintf(stderr, "not routed: %s\n", routed[i]);
        CHECK(reason(routed[i]) != NULL);
    }
    const char *served[] = {"GET k", "SET k v", "PUBLISH c m", "SPUBLISH c m", "PING", "XREAD STREAMS s 0",
                            "XREAD COUNT 1 STREAMS BLOCK 0", "XREADGROUP GROUP BLOCK c STREAMS s >",
                            "XREADGROUP GROUP g BLOCK COUNT 2 STREAMS s >", "EVAL x 0", "SHM", "shm.",
                            "CLIENTS", "SELECTX", "LPOP l", "XREAD BLOCK"};
    for (size_t i = 0; i < sizeof served / sizeof served[0]; i++) {
        if (reason(served[i])) fprintf(stderr, "routed: %s\n", served[i]);
        CHECK(reason(served[i]) == NULL);
    }
    CHECK(strcmp(reason("BLPOP l 0"), "blocking command") == 0);
    CHECK(strcmp(reason("subscribe c"), "pub/sub") == 0);
    CHECK(strcmp(reason("MULTI"), "transaction") == 0);
    CHECK(strcmp(reason("select 1"), "connection command") == 0);

    char buf[64], out[256];
    shm_arg argv[4];
    split("BLPOP l 0", buf, argv);
    shm_route_error(out, sizeof out, buf, argv, "blocking command");
    CHECK(strcmp(out, "ERR SHM-ROUTE 'blpop' is served on the socket only (blocking command)") == 0);
    CHECK_DONE("test_route");
}
