/* alloc.c -- see alloc.h. */
#include "alloc.h"

#include <stdlib.h>

static void *libc_realloc(void *p, size_t n) { return realloc(p, n); }
static void libc_free(void *p) { free(p); }

void *(*shm_realloc)(void *p, size_t n) = libc_realloc;
void (*shm_free)(void *p) = libc_free;
