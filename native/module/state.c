/* state.c -- the one definition of the module's shared state (state.h). */
#include "state.h"

shm_globals G;
