/*
 * rm_api.h -- the part of the Redis module API this module uses, declared by hand.
 *
 * We do not vendor redismodule.h. The server passes a context whose first field is
 * its GetApi(name, &ptr) function; rm_api_init() fetches every pointer below by its
 * name "RedisModule_<Name>". Required APIs failing to resolve make loading fail;
 * optional ones (marked OPT) stay NULL and callers check them.
 * Constants are the values of Redis 7.0 (see docs/module.md and the facts file).
 */
#ifndef REDIS_SHM_RM_API_H
#define REDIS_SHM_RM_API_H

#include <stddef.h>
#include <stdint.h>

typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleString RedisModuleString;
typedef struct RedisModuleCallReply RedisModuleCallReply;
typedef struct RedisModuleUser RedisModuleUser;
typedef struct RedisModuleInfoCtx RedisModuleInfoCtx;
typedef struct RedisModuleCommandFilterCtx RedisModuleCommandFilterCtx;
typedef struct RedisModuleCommandFilter RedisModuleCommandFilter;
typedef struct RedisModuleEvent { uint64_t id; uint64_t dataver; } RedisModuleEvent;

typedef int (*RedisModuleCmdFunc)(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
typedef void (*RedisModuleEventCallback)(RedisModuleCtx *ctx, RedisModuleEvent eid,
                                         uint64_t subevent, void *data);
typedef void (*RedisModuleCommandFilterFunc)(RedisModuleCommandFilterCtx *filter);
typedef void (*RedisModuleInfoFunc)(RedisModuleInfoCtx *ctx, int for_crash_report);
typedef void (*RedisModuleEventLoopOneShotFunc)(void *user_data);
typedef void (*RedisModuleEventLoopFunc)(int fd, void *user_data, int mask);
typedef uint64_t RedisModuleTimerID;
typedef void (*RedisModuleTimerProc)(RedisModuleCtx *ctx, void *data);
typedef long long (*RedisModuleConfigGetNumericFunc)(const char *name, void *privdata);
typedef int (*RedisModuleConfigSetNumericFunc)(const char *name, long long val, void *privdata,
                                               RedisModuleString **err);
typedef int (*RedisModuleConfigApplyFunc)(RedisModuleCtx *ctx, void *privdata,
                                          RedisModuleString **err);

#define REDISMODULE_OK 0
#define REDISMODULE_ERR 1
#define REDISMODULE_APIVER_1 1

#define REDISMODULE_REPLY_STRING 0
#define REDISMODULE_REPLY_ERROR 1
#define REDISMODULE_REPLY_INTEGER 2
#define REDISMODULE_REPLY_ARRAY 3
#define REDISMODULE_REPLY_NULL 4

#define REDISMODULE_CTX_FLAGS_LUA (1 << 0)
#define REDISMODULE_CTX_FLAGS_MULTI (1 << 1)
#define REDISMODULE_CTX_FLAGS_SLAVE (1 << 3)
#define REDISMODULE_CTX_FLAGS_READONLY (1 << 4)
#define REDISMODULE_CTX_FLAGS_CLUSTER (1 << 5)
#define REDISMODULE_CTX_FLAGS_MAXMEMORY (1 << 8)
#define REDISMODULE_CTX_FLAGS_OOM (1 << 10)
#define REDISMODULE_CTX_FLAGS_LOADING (1 << 13)
#define REDISMODULE_CTX_FLAGS_REPLICA_IS_STALE (1 << 14)
#define REDISMODULE_CTX_FLAGS_RESP3 (1 << 22)

#define REDISMODULE_CONFIG_DEFAULT 0
#define REDISMODULE_CONFIG_IMMUTABLE (1u << 0)

#define REDISMODULE_EVENTLOOP_READABLE 1

#define REDISMODULE_ACL_LOG_CMD 1
#define REDISMODULE_ACL_LOG_KEY 2
#define REDISMODULE_ACL_LOG_CHANNEL 3

#define RM_EVENT_LOADING ((RedisModuleEvent){3, 1})
#define RM_EVENT_CLIENT_CHANGE ((RedisModuleEvent){4, 1})
#define RM_EVENT_SHUTDOWN ((RedisModuleEvent){5, 1})
#define RM_EVENT_MODULE_CHANGE ((RedisModuleEvent){9, 1})
#define RM_EVENT_LOADING_PROGRESS ((RedisModuleEvent){10, 1})
#define RM_EVENT_EVENTLOOP ((RedisModuleEvent){15, 1})
#define RM_EVENT_CONFIG ((RedisModuleEvent){16, 1})
#define RM_SUBEVENT_CLIENT_DISCONNECTED 1
#define RM_SUBEVENT_LOADING_ENDED 3       /* 0-2: RDB / AOF / replication load started */
#define RM_SUBEVENT_LOADING_FAILED 4

/* Data of the client change event (RedisModuleClientInfoV1). */
typedef struct rm_client_info {
    uint64_t version, flags, id;
    char addr[46];
    uint16_t port, db;
} rm_client_info;

/* Data of the config change event (RedisModuleConfigChangeV1). */
typedef struct rm_config_change {
    uint64_t version;
    uint32_t num_changes;
    const char **config_names;
} rm_config_change;

/* X(required, return type, name, parameter list) */
#define RM_API_LIST(X) \
    X(1, int, IsModuleNameBusy, (const char *name)) \
    X(1, void, SetModuleAttribs, (RedisModuleCtx *ctx, const char *name, int ver, int apiver)) \
    X(1, int, CreateCommand, (RedisModuleCtx *ctx, const char *name, RedisModuleCmdFunc f, \
                              const char *flags, int first, int last, int step)) \
    X(1, int, WrongArity, (RedisModuleCtx *ctx)) \
    X(1, int, ReplyWithError, (RedisModuleCtx *ctx, const char *err)) \
    X(1, int, ReplyWithSimpleString, (RedisModuleCtx *ctx, const char *msg)) \
    X(1, int, ReplyWithLongLong, (RedisModuleCtx *ctx, long long ll)) \
    X(1, int, ReplyWithArray, (RedisModuleCtx *ctx, long len)) \
    X(1, int, ReplyWithMap, (RedisModuleCtx *ctx, long len)) \
    X(1, int, ReplyWithCString, (RedisModuleCtx *ctx, const char *buf)) \
    X(1, int, ReplyWithStringBuffer, (RedisModuleCtx *ctx, const char *buf, size_t len)) \
    X(1, const char *, StringPtrLen, (const RedisModuleString *s, size_t *len)) \
    X(1, RedisModuleString *, CreateString, (RedisModuleCtx *ctx, const char *p, size_t len)) \
    X(1, void, FreeString, (RedisModuleCtx *ctx, RedisModuleString *s)) \
    X(1, unsigned long long, GetClientId, (RedisModuleCtx *ctx)) \
    X(1, RedisModuleString *, GetCurrentUserName, (RedisModuleCtx *ctx)) \
    X(1, int, GetSelectedDb, (RedisModuleCtx *ctx)) \
    X(1, int, SelectDb, (RedisModuleCtx *ctx, int db)) \
    X(1, int, GetContextFlags, (RedisModuleCtx *ctx)) \
    X(1, RedisModuleCtx *, GetDetachedThreadSafeContext, (RedisModuleCtx *ctx)) \
    X(1, void, FreeThreadSafeContext, (RedisModuleCtx *ctx)) \
    X(1, void, ThreadSafeContextLock, (RedisModuleCtx *ctx)) \
    X(1, int, ThreadSafeContextTryLock, (RedisModuleCtx *ctx)) \
    X(1, void, ThreadSafeContextUnlock, (RedisModuleCtx *ctx)) \
    X(1, RedisModuleCallReply *, Call, (RedisModuleCtx *ctx, const char *cmd, const char *fmt, ...)) \
    X(1, const char *, CallReplyProto, (RedisModuleCallReply *r, size_t *len)) \
    X(1, int, CallReplyType, (RedisModuleCallReply *r)) \
    X(1, size_t, CallReplyLength, (RedisModuleCallReply *r)) \
    X(1, RedisModuleCallReply *, CallReplyArrayElement, (RedisModuleCallReply *r, size_t i)) \
    X(1, const char *, CallReplyStringPtr, (RedisModuleCallReply *r, size_t *len)) \
    X(1, long long, CallReplyInteger, (RedisModuleCallReply *r)) \
    X(1, void, FreeCallReply, (RedisModuleCallReply *r)) \
    X(0, void, SetContextUser, (RedisModuleCtx *ctx, const RedisModuleUser *user)) \
    X(0, RedisModuleUser *, GetModuleUserFromUserName, (RedisModuleString *name)) \
    X(1, void, FreeModuleUser, (RedisModuleUser *user)) \
    X(1, int, ACLCheckCommandPermissions, (RedisModuleUser *u, RedisModuleString **argv, int argc)) \
    X(0, void, ACLAddLogEntry, (RedisModuleCtx *ctx, RedisModuleUser *u, RedisModuleString *obj, int reason)) \
    X(1, int, AvoidReplicaTraffic, (void)) \
    X(1, int, EventLoopAddOneShot, (RedisModuleEventLoopOneShotFunc f, void *data)) \
    X(1, int, EventLoopAdd, (int fd, int mask, RedisModuleEventLoopFunc f, void *data)) \
    X(1, int, EventLoopDel, (int fd, int mask)) \
    X(1, RedisModuleTimerID, CreateTimer, (RedisModuleCtx *ctx, long long period_ms, RedisModuleTimerProc cb, void *data)) \
    X(1, int, SubscribeToServerEvent, (RedisModuleCtx *ctx, RedisModuleEvent ev, RedisModuleEventCallback cb)) \
    X(1, int, RegisterInfoFunc, (RedisModuleCtx *ctx, RedisModuleInfoFunc cb)) \
    X(1, int, InfoAddSection, (RedisModuleInfoCtx *ctx, const char *name)) \
    X(1, int, InfoAddFieldLongLong, (RedisModuleInfoCtx *ctx, const char *field, long long v)) \
    X(1, int, InfoAddFieldULongLong, (RedisModuleInfoCtx *ctx, const char *field, unsigned long long v)) \
    X(1, int, InfoAddFieldCString, (RedisModuleInfoCtx *ctx, const char *field, const char *v)) \
    X(1, int, RegisterNumericConfig, (RedisModuleCtx *ctx, const char *name, long long dflt, \
                                      unsigned int flags, long long min, long long max, \
                                      RedisModuleConfigGetNumericFunc get, \
                                      RedisModuleConfigSetNumericFunc set, \
                                      RedisModuleConfigApplyFunc apply, void *priv)) \
    X(1, int, LoadConfigs, (RedisModuleCtx *ctx)) \
    X(1, void, Log, (RedisModuleCtx *ctx, const char *level, const char *fmt, ...)) \
    X(1, int, Replicate, (RedisModuleCtx *ctx, const char *cmd, const char *fmt, ...)) \
    X(0, int *, GetCommandKeys, (RedisModuleCtx *ctx, RedisModuleString **argv, int argc, int *num_keys)) \
    X(1, void *, Realloc, (void *p, size_t n)) \
    X(1, void, Free, (void *p)) \
    X(0, int, GetServerVersion, (void)) \
    X(1, RedisModuleCommandFilter *, RegisterCommandFilter, (RedisModuleCtx *ctx, RedisModuleCommandFilterFunc cb, int flags)) \
    X(1, RedisModuleString *, CommandFilterArgGet, (RedisModuleCommandFilterCtx *fctx, int pos)) \
    X(1, int, CommandFilterArgReplace, (RedisModuleCommandFilterCtx *fctx, int pos, RedisModuleString *arg))

#define RM_DECLARE(req, ret, name, params) extern ret (*RedisModule_##name) params;
RM_API_LIST(RM_DECLARE)
#undef RM_DECLARE

/* Fetches every pointer. Returns 0, or -1 naming the first missing required API in *missing. */
int rm_api_init(RedisModuleCtx *ctx, const char **missing);

#endif
