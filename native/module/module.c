/* module.c -- the `shm` Redis module: commands, events, configs, OnLoad. */
#include <string.h>
#include "rm_api.h"

/* SHM.INFO -- module and session information. */
static int cmd_info(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModule_ReplyWithMap(ctx, 1);
    RedisModule_ReplyWithCString(ctx, "sessions");
    RedisModule_ReplyWithLongLong(ctx, 0);
    return REDISMODULE_OK;
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv; (void)argc;
    const char *missing = NULL;
    if (rm_api_init(ctx, &missing) != 0) return REDISMODULE_ERR;
    if (RedisModule_IsModuleNameBusy("shm")) return REDISMODULE_ERR;
    RedisModule_SetModuleAttribs(ctx, "shm", 1, REDISMODULE_APIVER_1);
    if (RedisModule_CreateCommand(ctx, "shm.info", cmd_info, "readonly", 0, 0, 0) != REDISMODULE_OK)
        return REDISMODULE_ERR;
    return REDISMODULE_OK;
}
