// The few Redis operations RedisBus needs, over a single Redis (PUBLISH/SUBSCRIBE on two
// connections) or a Redis Cluster (SPUBLISH/SSUBSCRIBE: sharded pub/sub, Redis 7). Keeping them
// behind one small interface lets the bus logic be the same for both, and lets unit tests count.
import { createClient, createCluster } from 'redis';
import { ChatError } from '../protocol/errors.ts';

export interface RedisTarget {
  /** redis://HOST:PORT or, for a cluster, one or more seed nodes */
  urls: string[];
  cluster: boolean;
}

/**
 * `redis://h:p` is one Redis; `redis+cluster://h:p[,h:p…]` (or `cluster: true`) is a Redis
 * Cluster reached through those seed nodes.
 */
export function parseRedisUrl(url: string, cluster = false): RedisTarget {
  const m = /^(rediss?)(\+cluster)?:\/\/(.+)$/.exec(url);
  if (!m) throw new Error(`--redis must be redis://HOST:PORT or redis+cluster://HOST:PORT[,HOST:PORT…], got ${JSON.stringify(url)}`);
  const hosts = m[3]!.replace(/\/.*$/, '').split(',').filter(Boolean);
  if (hosts.length === 0) throw new Error(`--redis names no host: ${JSON.stringify(url)}`);
  return { urls: hosts.map((h) => `${m[1]}://${h}`), cluster: cluster || m[2] !== undefined };
}

export interface Transport {
  /** sends one command; `key` routes it in a cluster */
  call(key: string, args: string[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /** called after a connection came back (not on the first connect) */
  onReconnect(listener: () => void): void;
  onError(listener: (err: Error) => void): void;
  close(): Promise<void>;
  /** drops the connections without any goodbye (tests simulate a crash with it) */
  destroy(): void;
}

/** Reconnects quickly at first, then every 2 s at most, with jitter so nodes do not move in step. */
function reconnectStrategy(retries: number): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(retries, 10));
  return Math.round(base * (0.5 + Math.random() / 2));
}

// Commands fail at once while disconnected instead of queueing: the bus is only a wake-up, and a
// login must not hang on presence while Redis is away. Re-sync repairs what was missed.
const socket = { connectTimeout: 2000, reconnectStrategy };

export async function connectTransport(target: RedisTarget): Promise<Transport> {
  return target.cluster ? connectCluster(target) : connectSingle(target);
}

async function connectSingle(target: RedisTarget): Promise<Transport> {
  const pub = createClient({ url: target.urls[0]!, disableOfflineQueue: true, socket });
  const sub = pub.duplicate();
  const errorListeners: ((err: Error) => void)[] = [];
  const reconnectListeners: (() => void)[] = [];
  for (const c of [pub, sub]) {
    let connectedOnce = false;
    c.on('error', (err: Error) => errorListeners.forEach((l) => l(err)));
    c.on('ready', () => {
      if (connectedOnce) reconnectListeners.forEach((l) => l());
      connectedOnce = true;
    });
  }
  await firstConnect(() => pub.connect(), () => pub.destroy(), target.urls[0]!);
  await firstConnect(() => sub.connect(), () => { pub.destroy(); sub.destroy(); }, target.urls[0]!);
  return {
    call: (_key, args) => pub.sendCommand(args),
    publish: async (channel, message) => {
      await pub.publish(channel, message);
    },
    subscribe: (channel, listener) => sub.subscribe(channel, listener),
    onReconnect: (l) => reconnectListeners.push(l),
    onError: (l) => errorListeners.push(l),
    close: async () => {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
    destroy: () => {
      pub.destroy();
      sub.destroy();
    },
  };
}

async function connectCluster(target: RedisTarget): Promise<Transport> {
  const cluster = createCluster({
    rootNodes: target.urls.map((url) => ({ url })),
    defaults: { disableOfflineQueue: true, socket },
  });
  const errorListeners: ((err: Error) => void)[] = [];
  const reconnectListeners: (() => void)[] = [];
  const lost = new Set<string>();
  cluster.on('error', (err: Error) => errorListeners.forEach((l) => l(err)));
  cluster.on('node-error', (err: Error) => errorListeners.forEach((l) => l(err)));
  const nodeName = (info: any) => `${info?.host}:${info?.port}`;
  cluster.on('node-disconnect', (info: unknown) => lost.add(nodeName(info)));
  cluster.on('node-reconnecting', (info: unknown) => lost.add(nodeName(info)));
  cluster.on('node-ready', (info: unknown) => {
    if (lost.delete(nodeName(info))) reconnectListeners.forEach((l) => l());
  });
  await firstConnect(() => cluster.connect(), () => cluster.destroy(), target.urls.join(','));
  return {
    call: (key, args) => cluster.sendCommand(key, false, args),
    publish: async (channel, message) => {
      await cluster.sPublish(channel, message);
    },
    subscribe: (channel, listener) => cluster.sSubscribe(channel, listener),
    onReconnect: (l) => reconnectListeners.push(l),
    onError: (l) => errorListeners.push(l),
    close: async () => {
      await cluster.close().catch(() => cluster.destroy());
    },
    destroy: () => cluster.destroy(),
  };
}

/** A node must not start half-connected: an unreachable Redis at start is an error within 10 s. */
async function firstConnect(connect: () => Promise<unknown>, destroy: () => void, where: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ChatError('CHAT_ERR_CONNECT', `cannot reach Redis at ${where} within 10 s`)), 10_000);
      }),
    ]);
  } catch (err) {
    destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
