/* Unit tests for cluster.c: slots, CLUSTER NODES parsing, the redirect decision, reply texts.
 * Expected slots were read from a real redis-server 7.0.15 (CLUSTER KEYSLOT). */
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "check.h"

static unsigned slot_of(const char *k) { return shm_cl_keyslot(k, strlen(k)); }

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccc"
#define R "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"

/* As node A (master of 0-5460) sees it, with 5061 ("bar") migrating to B, and 12182 ("foo")
 * imported from C. R is a replica of C. */
static const char NODES_A[] =
    A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected 0-5460 [5061->-" B "] [12182-<-" C "]\n"
    B " 127.0.0.1:3001@13001,node-b.example master - 0 1 2 connected 5461-10922\n"
    C " 127.0.0.1:3002@13002 master - 0 1 3 connected 10923-16383\n"
    R " 127.0.0.1:3005@13005 slave " C " 0 1 3 connected\n";

/* As the replica R sees it. */
static const char NODES_R[] =
    A " 127.0.0.1:3000@13000 master - 0 0 1 connected 0-5460\n"
    B " 127.0.0.1:3001@13001 master - 0 1 2 connected 5461-10922\n"
    C " 127.0.0.1:3002@13002 master - 0 1 3 connected 10923-16382\n"
    R " 127.0.0.1:3005@13005 myself,slave " C " 0 1 3 connected\n";

static const char *present[8];
static int probes;
static int exists_in(void *priv, const char *k, size_t n) {
    (void)priv;
    probes++;
    for (int i = 0; present[i]; i++) if (strlen(present[i]) == n && !memcmp(present[i], k, n)) return 1;
    return 0;
}

static shm_cl_view V;

static int decide(const char *nodes, shm_cl_query q, const char *k1, const char *k2, int *slot, int *node) {
    if (shm_cl_view_parse(&V, nodes, strlen(nodes)) != 0) return -100;
    shm_cl_key keys[2] = {{k1, k1 ? strlen(k1) : 0}, {k2, k2 ? strlen(k2) : 0}};
    q.keys = keys;
    q.nkeys = k2 ? 2 : k1 ? 1 : 0;
    q.exists = exists_in;
    q.state_ok = q.state_ok >= 0 ? 1 : 0;   /* -1 in a test = down */
    return shm_cl_decide(&V, &q, slot, node);
}

int main(void) {
    /* slots: CRC16/XMODEM check value, hash tags as the server applies them */
    CHECK(shm_cl_crc16("123456789", 9) == 0x31c3);
    CHECK(slot_of("foo") == 12182);
    CHECK(slot_of("bar") == 5061);
    CHECK(slot_of("123456789") == 12739);
    CHECK(slot_of("{user1000}.following") == 3443);
    CHECK(slot_of("foo{}{bar}") == 8363);     /* empty first tag: whole key */
    CHECK(slot_of("foo{{bar}}zap") == 4015);  /* tag "{bar" */
    CHECK(slot_of("foo{bar}{zap}") == 5061);  /* first tag "bar" */
    CHECK(slot_of("{}") == 15257);
    CHECK(slot_of("{") == 4092);
    CHECK(slot_of("a}b{c") == 13587);
    CHECK(slot_of("") == 0);

    /* CLUSTER NODES */
    CHECK(shm_cl_view_parse(&V, NODES_A, strlen(NODES_A)) == 0);
    CHECK(V.count == 4 && V.myself == 0 && V.my_master == -1);
    CHECK(V.owner[0] == 0 && V.owner[5460] == 0 && V.owner[5461] == 1 && V.owner[16383] == 2);
    CHECK(V.migrating_to[5061] == 1 && V.importing_from[12182] == 2 && V.migrating_to[5060] == -1);
    CHECK(!strcmp(V.nodes[1].ip, "127.0.0.1") && V.nodes[1].port == 3001 && !strcmp(V.nodes[1].host, "node-b.example"));
    CHECK(shm_cl_view_parse(&V, NODES_R, strlen(NODES_R)) == 0);
    CHECK(V.myself == 3 && V.my_master == 2 && V.owner[16383] == -1);
    const char v6[] = A " ::1:7000@17000 myself,master - 0 0 1 connected 0-16383\n";
    CHECK(shm_cl_view_parse(&V, v6, strlen(v6)) == 0 && !strcmp(V.nodes[0].ip, "::1") && V.nodes[0].port == 7000);
    const char noip[] = A " :7000@17000 myself,master - 0 0 0 connected\n";
    CHECK(shm_cl_view_parse(&V, noip, strlen(noip)) == 0 && V.nodes[0].ip[0] == 0 && V.owner[5] == -1);
    /* malformed: rejected, never read past the text */
    const char *bad[] = {
        "",                                                                   /* no myself */
        A " 127.0.0.1:3000@13000 master - 0 0 1 connected 0-10\n",            /* no myself */
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected 0-16384\n",  /* slot out of range */
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected 9-3\n",
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected x\n",
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected [5->-" B "]\n",   /* unknown node */
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected [5-x-" A "]\n",
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1\n",                    /* short line */
        A " 127.0.0.1:99999@13000 myself,master - 0 0 1 connected\n",         /* port */
        A " 127.0.0.1@13000 myself,master - 0 0 1 connected\n",               /* no port */
        "abc 127.0.0.1:3000@13000 myself,master - 0 0 1 connected\n",         /* id length */
        A " 127.0.0.1:3000@13000 myself,slave " B " 0 0 1 connected\n",       /* unknown master */
        A " 127.0.0.1:3000@13000 myself,master - 0 0 1 connected\n" A " 127.0.0.1:3000@13000 master - 0 0 1 connected\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(shm_cl_view_parse(&V, bad[i], strlen(bad[i])) == -1);
    for (size_t cut = 0; cut < sizeof NODES_A - 1; cut++) {   /* truncations, in a buffer of exactly that size */
        char *t = malloc(cut ? cut : 1);
        memcpy(t, NODES_A, cut);
        shm_cl_view_parse(&V, t, cut);
        free(t);
    }

    int slot, node;
    shm_cl_query q0;
    memset(&q0, 0, sizeof q0);
    shm_cl_query q = q0;
    /* keyless: served anywhere */
    CHECK(decide(NODES_A, q, NULL, NULL, &slot, &node) == SHM_CL_MYSELF);
    /* a key of another master: MOVED to it */
    char kb[16], ka[16];   /* a key of B's slots, one of A's (not open) */
    for (int i = 0; i < 100000; i++) { snprintf(kb, sizeof kb, "b%d", i); if (slot_of(kb) >= 5461 && slot_of(kb) <= 10922) break; }
    for (int i = 0; i < 100000; i++) { snprintf(ka, sizeof ka, "a%d", i); if (slot_of(ka) <= 5460 && slot_of(ka) != 5061) break; }
    CHECK(decide(NODES_A, q, kb, NULL, &slot, &node) == SHM_CL_MOVED && slot == (int)slot_of(kb) && node == 1);
    CHECK(decide(NODES_A, q, ka, NULL, &slot, &node) == SHM_CL_MYSELF);
    /* two slots: CROSSSLOT; the same key twice is one key */
    CHECK(decide(NODES_A, q, "a", "b", &slot, &node) == SHM_CL_CROSSSLOT);
    CHECK(decide(NODES_A, q, "{t}a", "{t}b", &slot, &node) != SHM_CL_CROSSSLOT);
    /* migrating (5061, "bar" and "{bar}x" on A): ASK when no key is here, TRYAGAIN when some are */
    present[0] = NULL;
    probes = 0;
    CHECK(decide(NODES_A, q, "bar", NULL, &slot, &node) == SHM_CL_ASK && slot == 5061 && node == 1 && probes == 1);
    present[0] = "bar";
    CHECK(decide(NODES_A, q, "bar", NULL, &slot, &node) == SHM_CL_MYSELF);
    CHECK(decide(NODES_A, q, "bar", "{bar}x", &slot, &node) == SHM_CL_TRYAGAIN);
    present[0] = NULL;
    CHECK(decide(NODES_A, q, "bar", "{bar}x", &slot, &node) == SHM_CL_ASK);
    /* MIGRATE always runs on an open slot */
    q = q0; q.is_migrate = 1;
    CHECK(decide(NODES_A, q, "bar", NULL, &slot, &node) == SHM_CL_MYSELF);
    /* importing (12182, "foo"): MOVED without ASKING, served with it (TRYAGAIN if multi-key, some missing) */
    q = q0;
    probes = 0;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_MOVED && node == 2 && probes == 0);
    q.asking = 1;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_MYSELF_ASKING);
    present[0] = "foo";
    CHECK(decide(NODES_A, q, "foo", "{foo}2", &slot, &node) == SHM_CL_TRYAGAIN);
    present[1] = "{foo}2";
    CHECK(decide(NODES_A, q, "foo", "{foo}2", &slot, &node) == SHM_CL_MYSELF_ASKING);
    present[0] = present[1] = NULL;
    q = q0; q.cmd_asking = 1;   /* RESTORE-ASKING: the command carries the flag */
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_MYSELF);
    /* cluster down: CLUSTERDOWN, reads allowed when so configured, pubsub shard per its own knob */
    q = q0; q.state_ok = -1;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_DOWN);
    q.allow_reads_down = 1;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_MOVED);
    q.is_write = 1;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_DOWN_RO);
    q = q0; q.state_ok = -1; q.is_pubsubshard = 1;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_DOWN);
    q.allow_pubsubshard_down = 1;
    CHECK(decide(NODES_A, q, "foo", NULL, &slot, &node) == SHM_CL_MOVED);
    /* unbound slot (16383 on R's map): CLUSTERDOWN Hash slot not served, even before CROSSSLOT */
    q = q0;
    int unbound_found = 0;
    char kbuf[16];
    for (int i = 0; i < 200000 && !unbound_found; i++) {
        snprintf(kbuf, sizeof kbuf, "u%d", i);
        if (slot_of(kbuf) == 16383) unbound_found = 1;
    }
    CHECK(unbound_found);
    CHECK(decide(NODES_R, q, kbuf, "other", &slot, &node) == SHM_CL_UNBOUND);
    /* a replica: MOVED to its master, served after READONLY for reads only; SPUBLISH served */
    CHECK(decide(NODES_R, q, "foo", NULL, &slot, &node) == SHM_CL_MOVED && node == 2);
    q.readonly = 1;
    CHECK(decide(NODES_R, q, "foo", NULL, &slot, &node) == SHM_CL_MYSELF_READONLY);
    CHECK(decide(NODES_R, q, "bar", NULL, &slot, &node) == SHM_CL_MOVED && node == 0);   /* not its master's slot */
    q.is_write = 1;
    CHECK(decide(NODES_R, q, "foo", NULL, &slot, &node) == SHM_CL_MOVED);
    q = q0; q.is_pubsubshard = 1;
    CHECK(decide(NODES_R, q, "foo", NULL, &slot, &node) == SHM_CL_MYSELF);

    /* reply texts, as clusterRedirectClient writes them */
    char out[400];
    shm_cl_view_parse(&V, NODES_A, strlen(NODES_A));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_MOVED, 12182, &V.nodes[2], SHM_CL_ENDPOINT_IP) > 0 &&
          !strcmp(out, "MOVED 12182 127.0.0.1:3002"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_ASK, 5061, &V.nodes[1], SHM_CL_ENDPOINT_IP) > 0 &&
          !strcmp(out, "ASK 5061 127.0.0.1:3001"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_MOVED, 7, &V.nodes[1], SHM_CL_ENDPOINT_HOSTNAME) > 0 &&
          !strcmp(out, "MOVED 7 node-b.example:3001"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_MOVED, 7, &V.nodes[2], SHM_CL_ENDPOINT_HOSTNAME) > 0 &&
          !strcmp(out, "MOVED 7 ?:3002"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_MOVED, 7, &V.nodes[2], SHM_CL_ENDPOINT_UNKNOWN) > 0 &&
          !strcmp(out, "MOVED 7 :3002"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_CROSSSLOT, 0, NULL, 0) > 0 && !strcmp(out, "CROSSSLOT Keys in request don't hash to the same slot"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_TRYAGAIN, 0, NULL, 0) > 0 && !strcmp(out, "TRYAGAIN Multiple keys request during rehashing of slot"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_DOWN, 0, NULL, 0) > 0 && !strcmp(out, "CLUSTERDOWN The cluster is down"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_DOWN_RO, 0, NULL, 0) > 0 && !strcmp(out, "CLUSTERDOWN The cluster is down and only accepts read commands"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_UNBOUND, 0, NULL, 0) > 0 && !strcmp(out, "CLUSTERDOWN Hash slot not served"));
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_MYSELF, 0, NULL, 0) == -1);
    CHECK(shm_cl_reply_text(out, sizeof out, SHM_CL_MOVED, 0, NULL, 0) == -1);
    CHECK(shm_cl_reply_text(out, 10, SHM_CL_MOVED, 12182, &V.nodes[2], 0) == -1);   /* does not fit */
    shm_cl_view_free(&V);
    CHECK_DONE("test_cluster");
}
