// The cluster client.
export { RedisCluster, createCluster, type ClusterState, type ClusterEvents, type ClusterNodeInfo } from './cluster.js';
export type { ClusterOptions, NodeClientOptions } from './options.js';
export { keySlot, crc16, SLOTS } from './slot.js';
export { parseClusterShards, parseClusterSlots, NO_SHARD, type SlotMap, type Shard, type ShardNode, type NodeAddress } from './topology.js';
export { parseRedirect, type Redirect } from './redirect.js';
export { ClusterSubscriber, createClusterSubscriber } from './pubsub.js';
