/*
 * sigbus.h -- survive a client that truncates its segment under us.
 *
 * Every session mapping is registered here before it is first touched. A SIGBUS whose
 * address falls inside a registered mapping replaces the faulting part (the data area,
 * or the whole mapping when the header page itself faulted) with anonymous zero pages
 * (MAP_FIXED), marks the slot faulted and returns, so the faulting copy resumes on
 * zeros; the serving thread then closes the session with reason FAULT.
 * Any other SIGBUS goes to the handler that was installed before ours.
 */
#ifndef REDIS_SHM_SIGBUS_H
#define REDIS_SHM_SIGBUS_H

#include <stddef.h>
#include <stdint.h>

#define SHM_SIGBUS_SLOTS 4096
#define SHM_SIGBUS_KEEP 4096      /* the header page: kept when only the data area faults */

int shm_sigbus_install(void);
void shm_sigbus_uninstall(void);
/* Returns a slot index, or -1 when all slots are taken. */
int shm_sigbus_register(void *base, size_t size);
void shm_sigbus_unregister(int slot);
int shm_sigbus_faulted(int slot);
uint64_t shm_sigbus_faults(void);

#endif
