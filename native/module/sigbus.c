/* sigbus.c -- see sigbus.h. Only atomics and mmap run inside the handler. */
#include "sigbus.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

typedef struct slot {
    uintptr_t base;     /* 0 = free or being set up */
    size_t size;
    uint32_t used;
    uint32_t faulted;
} slot;

static slot slots[SHM_SIGBUS_SLOTS];
static uint64_t fault_count;
static struct sigaction previous;
static int installed;

static void on_sigbus(int sig, siginfo_t *si, void *uctx) {
    uintptr_t addr = (uintptr_t)si->si_addr;
    for (int i = 0; i < SHM_SIGBUS_SLOTS; i++) {
        /* acquire: pairs with the release store of base in register, so size is valid */
        uintptr_t b = __atomic_load_n(&slots[i].base, __ATOMIC_ACQUIRE);
        if (b == 0 || addr < b || addr - b >= slots[i].size) continue;
        /* A fault in the data area keeps the header page mapped, so the close reason can
         * still reach the client; a fault in the header page replaces everything. */
        uintptr_t from = addr - b >= SHM_SIGBUS_KEEP ? b + SHM_SIGBUS_KEEP : b;
        void *m = mmap((void *)from, slots[i].size - (from - b), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (m == MAP_FAILED) break;
        /* relaxed: the serving thread polls the flag; nothing else is published with it */
        __atomic_store_n(&slots[i].faulted, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&fault_count, 1, __ATOMIC_RELAXED);   /* relaxed: a statistic */
        return;   /* the faulting access is retried and now reads zeros */
    }
    /* Not ours: hand over to whoever was there before us. */
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, si, uctx);
    } else if (previous.sa_handler != SIG_IGN && previous.sa_handler != SIG_DFL) {
        previous.sa_handler(sig);
    } else {
        sigaction(SIGBUS, &previous, NULL);   /* default action on the retried access */
    }
}

int shm_sigbus_install(void) {
    if (installed) return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous) != 0) return -1;
    installed = 1;
    return 0;
}

void shm_sigbus_uninstall(void) {
    if (!installed) return;
    sigaction(SIGBUS, &previous, NULL);
    installed = 0;
}

int shm_sigbus_register(void *base, size_t size) {
    for (int i = 0; i < SHM_SIGBUS_SLOTS; i++) {
        uint32_t expect = 0;
        /* acquire: we own the slot from here on; pairs with the release in unregister */
        if (!__atomic_compare_exchange_n(&slots[i].used, &expect, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            continue;
        slots[i].size = size;
        __atomic_store_n(&slots[i].faulted, 0, __ATOMIC_RELAXED);   /* relaxed: ordered by the release below */
        /* release: size and faulted are visible before the handler can match base */
        __atomic_store_n(&slots[i].base, (uintptr_t)base, __ATOMIC_RELEASE);
        return i;
    }
    return -1;
}

void shm_sigbus_unregister(int slot_ix) {
    if (slot_ix < 0 || slot_ix >= SHM_SIGBUS_SLOTS) return;
    /* release: the handler stops matching this mapping before the slot is reused */
    __atomic_store_n(&slots[slot_ix].base, 0, __ATOMIC_RELEASE);
    /* release: pairs with the acquire CAS in register */
    __atomic_store_n(&slots[slot_ix].used, 0, __ATOMIC_RELEASE);
}

int shm_sigbus_faulted(int slot_ix) {
    if (slot_ix < 0 || slot_ix >= SHM_SIGBUS_SLOTS) return 0;
    /* relaxed: a flag poll; the zero mapping is already in place when it reads 1 */
    return (int)__atomic_load_n(&slots[slot_ix].faulted, __ATOMIC_RELAXED);
}

uint64_t shm_sigbus_faults(void) {
    /* relaxed: a statistic */
    return __atomic_load_n(&fault_count, __ATOMIC_RELAXED);
}
