// The transports the cluster suites run over: 'socket' (plain TCP) and 'auto' (every node
// of the test cluster is local with the module, so every node's connection is on shm; the
// module answers MOVED/ASK/TRYAGAIN/CROSSSLOT/CLUSTERDOWN over rings byte for byte).
export const CLUSTER_TRANSPORTS = ['socket', 'auto'] as const;
