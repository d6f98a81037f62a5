import { createConnection, createServer, type Socket } from 'node:net';

/**
 * Test support: a TCP proxy on loopback in front of a real service (PostgreSQL, Redis) that can cut the
 * network without telling anyone, the way a failover or a partition does: `partition()` makes every
 * connection open now, and every one accepted until `heal()`, silent for good (bytes in both directions
 * are dropped, nothing is closed, so each side waits). `heal()` lets new connections through again; the
 * silent ones stay silent (their lost bytes never arrive, as after a failover to another server).
 * The service itself is never touched.
 */
export interface TcpProxy {
  readonly port: number;
  partition(): void;
  heal(): void;
  /** Connections accepted so far (each one the client opened). */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  silent: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let partitioned = false;
  let accepted = 0;

  const server = createServer((client) => {
    accepted += 1;
    const pair: Pair = { client, upstream: null, silent: partitioned };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', () => undefined);
    if (pair.silent) {
      client.on('data', () => undefined);
      client.on('close', () => pairs.delete(pair));
      return;
    }
    const upstream = createConnection(target);
    pair.upstream = upstream;
    upstream.on('error', () => undefined);
    client.on('data', (chunk) => {
      if (!pair.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.silent) client.write(chunk);
    });
    // A close passes only while the network works: across a partition nobody hears of it.
    client.on('close', () => {
      if (!pair.silent) drop();
    });
    upstream.on('close', () => {
      if (!pair.silent) drop();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    get accepted() {
      return accepted;
    },
    partition() {
      partitioned = true;
      for (const pair of pairs) pair.silent = true;
    },
    heal() {
      partitioned = false;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
