/* internal.c -- see internal.h. */
#include "internal.h"

#include <dlfcn.h>
#include <stddef.h>

static int (*perform_evictions)(void);
static void (*propagate_pending)(void);
static void *(*lookup_client)(uint64_t id);
static void (*after_error_reply)(void *c, const char *s, size_t len, int flags);
static void *(*lookup_command)(const char *name);
static int (*incr_stats_on_error)(void *cmd, int flags);
#define ERROR_COMMAND_REJECTED 1   /* server.h (1<<0) */

int shm_internal_init(int version) {
    perform_evictions = NULL;
    propagate_pending = NULL;
    lookup_client = NULL;
    after_error_reply = NULL;
    lookup_command = NULL;
    incr_stats_on_error = NULL;
    if ((version >> 8) != 0x0700) return 0;   /* 7.0.x only: the signatures checked are 7.0's */
    void *(*lc)(uint64_t) = (void *(*)(uint64_t))dlsym(RTLD_DEFAULT, "lookupClientByID");
    void (*ae)(void *, const char *, size_t, int) = (void (*)(void *, const char *, size_t, int))dlsym(RTLD_DEFAULT, "afterErrorReply");
    if (lc && ae) { lookup_client = lc; after_error_reply = ae; }
    void *(*lk)(const char *) = (void *(*)(const char *))dlsym(RTLD_DEFAULT, "lookupCommandByCString");
    int (*ic)(void *, int) = (int (*)(void *, int))dlsym(RTLD_DEFAULT, "incrCommandStatsOnError");
    if (lk && ic && ae) { lookup_command = lk; incr_stats_on_error = ic; }   /* counts only after afterErrorReply */
    int (*pe)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "performEvictions");
    void (*pp)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "propagatePendingCommands");
    if (!pe || !pp) return 0;   /* both or neither: evicting needs the flush before it */
    perform_evictions = pe;
    propagate_pending = pp;
    return 1;
}

int shm_internal_have_evict(void) { return perform_evictions != NULL; }

int shm_internal_evict(void) {
    propagate_pending();   /* performEvictions asserts server.also_propagate is empty */
    return perform_evictions();
}

void shm_internal_propagate(void) {
    if (propagate_pending) propagate_pending();
}

void shm_internal_count_error(uint64_t client_id, const char *p, size_t n) {
    if (!after_error_reply || n < 2 || p[0] != '-') return;
    void *c = lookup_client(client_id);   /* the session's socket client, still connected under the lock */
    if (c) after_error_reply(c, p, n, 0);
}

void shm_internal_count_rejected(const char *fullname) {
    if (!incr_stats_on_error || !fullname[0]) return;
    void *cmd = lookup_command(fullname);
    /* it counts when total_error_replies moved since the last command: the error just counted */
    if (cmd) incr_stats_on_error(cmd, ERROR_COMMAND_REJECTED);
}
