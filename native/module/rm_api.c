/* rm_api.c -- definitions of the API pointers declared in rm_api.h and their init. */
#include "rm_api.h"

#define RM_DEFINE(req, ret, name, params) ret (*RedisModule_##name) params = NULL;
RM_API_LIST(RM_DEFINE)
#undef RM_DEFINE

typedef int (*rm_getapi_fn)(const char *name, void *target);

int rm_api_init(RedisModuleCtx *ctx, const char **missing) {
    /* The first field of the context the server hands to OnLoad is its GetApi. */
    rm_getapi_fn getapi = *(rm_getapi_fn *)(void *)ctx;
#define RM_FETCH(req, ret, name, params) \
    if (getapi("RedisModule_" #name, (void *)&RedisModule_##name) != REDISMODULE_OK && (req)) { \
        *missing = "RedisModule_" #name; \
        return -1; \
    }
    RM_API_LIST(RM_FETCH)
#undef RM_FETCH
    return 0;
}
