// The transports the cluster suites that need redirections run over. 'socket' is the
// plain TCP path; 'auto' (every node of the test cluster on shm: local, module loaded)
// joins once the module answers MOVED/ASK/TRYAGAIN/CROSSSLOT over rings (branch
// cluster-module): before that a ring session answers those keys with
// "ERR Attempted to access a non local key".
export const CLUSTER_TRANSPORTS = ['socket'] as const;
