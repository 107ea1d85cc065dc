// One promise client per cluster node, keyed by "host:port". A node's client does not
// reconnect by itself: when its connection is lost (or never opens) it leaves the pool
// and the cluster reads the slot map again; the next command for that node dials anew.
import { createClient, type RedisClient } from '../client/client.js';
import { addressKey, type NodeClientOptions } from './options.js';
import type { NodeAddress } from './topology.js';

export interface NodeConn {
  key: string;
  address: NodeAddress;
  client: RedisClient;
  /** Became ready at least once: a command that failed before that was never sent. */
  everReady: boolean;
  readonly: boolean;
  /** Settles once the connection is ready or has ended (never rejects). */
  settled: Promise<void>;
}

export class NodePool {
  private readonly conns = new Map<string, NodeConn>();

  constructor(
    private readonly options: NodeClientOptions,
    /** Called when a node's connection ends (lost or failed to open), not when the pool closed it. */
    private readonly onLost: (conn: NodeConn, err: Error | undefined) => void,
  ) {}

  get(address: NodeAddress): NodeConn | undefined {
    return this.conns.get(addressKey(address));
  }

  all(): NodeConn[] { return [...this.conns.values()]; }

  /** The node's connection, dialled now if there is none. `readonly`: send READONLY first (replica reads). */
  conn(address: NodeAddress, readonly = false): NodeConn {
    const key = addressKey(address);
    const have = this.conns.get(key);
    if (have && have.client.state !== 'closed') {
      if (readonly && !have.readonly) { have.readonly = true; have.client.sendCommand(['READONLY']).catch(() => undefined); }
      return have;
    }
    const client = createClient({ ...this.options, host: address.host, port: address.port, reconnect: false });
    const c: NodeConn = { key, address, client, everReady: false, readonly, settled: Promise.resolve() };
    c.settled = new Promise((resolve) => { client.once('ready', resolve); client.once('end', resolve); });
    this.conns.set(key, c);
    let lastErr: Error | undefined;
    client.on('ready', () => { c.everReady = true; });
    client.on('error', (e) => { lastErr = e; });
    client.on('end', () => {
      if (this.conns.get(key) !== c) return;
      this.conns.delete(key);
      this.onLost(c, lastErr);
    });
    client.connect().catch((e: Error) => { lastErr = e; });
    // queued before anything else, so it is the first command on the new connection
    if (readonly) client.sendCommand(['READONLY']).catch(() => undefined);
    return c;
  }

  /** Closes the node's connection (it left the cluster map). */
  drop(key: string): void {
    const c = this.conns.get(key);
    if (!c) return;
    this.conns.delete(key);
    c.client.disconnect();
  }

  async closeAll(graceful: boolean): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    if (graceful) await Promise.all(all.map((c) => c.client.quit().catch(() => undefined)));
    else for (const c of all) c.client.disconnect();
  }
}
