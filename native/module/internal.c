/* internal.c -- see internal.h. */
#include "internal.h"

#include <dlfcn.h>
#include <stddef.h>

static int (*perform_evictions)(void);
static void (*propagate_pending)(void);

int shm_internal_init(int version) {
    perform_evictions = NULL;
    propagate_pending = NULL;
    if ((version >> 8) != 0x0700) return 0;   /* 7.0.x only: the signatures checked are 7.0's */
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
