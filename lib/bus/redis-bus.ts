// The cluster bus: wake-ups between `chat serve` nodes over Redis pub/sub, and presence as
// Redis keys that every node refreshes on a heartbeat. Storage stays the truth: a wake-up lost
// here (a node died, Redis restarted) is repaired by a re-sync from the store. docs/cluster.md.
//
// Wake-ups go on one channel every node hears: one publish and no look-up, whatever the member
// count; each node writes the events to the sessions it has. docs/cluster.md says why there is
// no channel per node. Each node also hears its own channel, on which it probes its
// subscription after a reconnect.
//
// Events published in one tick (a group commit's messages) leave as ONE publish (several when
// they pass MAX_ENVELOPE_BYTES), and publishes are not held back waiting for Redis's answer to
// the previous one: one connection carries commands in the order they were given, so order is
// kept without the round trips.
//
// Presence: a hash per user, field = node id, value = deadline (ms, Redis's clock). A node
// rewrites its users' deadlines every ttl/3. A killed node stops doing so, and its fields count
// as offline once their deadline passes: nobody has to clean up after it, and no node ever
// touches another node's users.
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Bus, BusEvent } from './bus.ts';
import { connectTransport, type RedisTarget, type Transport } from './redis-transport.ts';

export interface RedisBusOptions {
  nodeId: string;
  /** prefix of every key and channel, so several clusters (or tests) can share one Redis */
  prefix?: string;
  /** a node's presence lapses this long after its last heartbeat (default 15 s) */
  presenceTtlMs?: number;
  log?: Logger;
  /** presence calls give up after this long and answer from this node's own knowledge */
  commandTimeoutMs?: number;
  /** called for each event from another node with its lag in ms, by the publisher's clock (metrics) */
  onDelivery?: ((lagMs: number) => void) | undefined;
  /**
   * An envelope that could not be read was dropped (a node of another version, a stray publisher
   * on our channel). Called for each one: the server counts it and logs it, rate-limited.
   */
  onMalformed?: ((fields: { reason: string; bytes: number }) => void) | undefined;
}

export const PRESENCE_TTL_DEFAULT_MS = 15_000;

// Redis disconnects a pub/sub subscriber whose output buffer passes 32 MB (the default hard
// `client-output-buffer-limit pubsub`), and one message is never split. A tick's events therefore
// go in envelopes of about this size at most; a big group's user list is split across them.
export const MAX_ENVELOPE_BYTES = 256 * 1024;
const BYTES_PER_USER_ID = 8;
const BYTES_PER_EVENT = 64;

/** The events in publish order, in chunks that each fit one envelope (roughly, by size). */
export function envelopeChunks(events: BusEvent[]): BusEvent[][] {
  const chunks: BusEvent[][] = [];
  let chunk: BusEvent[] = [];
  let bytes = 0;
  const add = (e: BusEvent) => {
    const size = e.frame.length + e.users.length * BYTES_PER_USER_ID + BYTES_PER_EVENT;
    if (chunk.length > 0 && bytes + size > MAX_ENVELOPE_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(e);
    bytes += size;
  };
  for (const e of events) {
    const room = Math.max(1, Math.floor((MAX_ENVELOPE_BYTES - e.frame.length - BYTES_PER_EVENT) / BYTES_PER_USER_ID));
    if (e.users.length <= room) add(e);
    else for (let i = 0; i < e.users.length; i += room) add({ ...e, users: e.users.slice(i, i + room) });
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Counters for tests, benchmarks and logs. */
export interface RedisBusStats {
  /** PUBLISH/SPUBLISH commands sent (events and control) */
  publishes: number;
  /** events received from other nodes (an envelope may carry many) */
  received: number;
  /** re-syncs run on this node */
  resyncs: number;
  /** Redis errors seen (publish failures, timeouts) */
  errors: number;
  /** envelopes dropped because they could not be read */
  malformed: number;
}

// Every script touches one key (a user's presence hash), so it runs on a Redis Cluster as well.
// TIME is Redis's clock: deadlines never depend on the nodes' clocks agreeing.
const NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";
/** Prunes lapsed fields; returns the live node ids other than ARGV[1]. */
const LIVE_OTHERS = `
local live = {}
local f = redis.call('HGETALL', KEYS[1])
for i = 1, #f, 2 do
  if tonumber(f[i + 1]) > now then
    if f[i] ~= ARGV[1] then live[#live + 1] = f[i] end
  else
    redis.call('HDEL', KEYS[1], f[i])
  end
end`;
/** ARGV: node, ttl. Marks the node live for ttl ms; returns the other live nodes. */
const TOUCH = `${NOW}${LIVE_OTHERS}
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], now + ttl)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return live`;
/** ARGV: node. Withdraws the node; returns the other live nodes. */
const WITHDRAW = `${NOW}
redis.call('HDEL', KEYS[1], ARGV[1])${LIVE_OTHERS}
return live`;
/** ARGV: "" (no exception). Returns every live node. */
const LIVE = `${NOW}${LIVE_OTHERS}
return live`;

interface Script {
  text: string;
  sha: string;
}

const script = (text: string): Script => ({ text, sha: createHash('sha1').update(text).digest('hex') });

/** One event of a batched envelope. */
interface EnvelopeEvent {
  u: readonly number[];
  f: string;
  x?: string;
  /** close: the recipient sessions are closed after the frame (BusEvent.close) */
  k?: { t?: readonly string[] };
  /** BusEvent.sender */
  s?: number;
  /** BusEvent.blockedGet 'nothing' */
  sn?: 1;
  /** BusEvent.quoted */
  q?: number;
  /** BusEvent.block: [id, 1 blocked | 0 unblocked] */
  bk?: [number, number];
}

interface Envelope {
  /** origin node */
  o: string;
  /** one event: users, frame, exceptConn (also what nodes before batching read) */
  u?: readonly number[];
  f?: string;
  x?: string;
  k?: { t?: readonly string[] };
  s?: number;
  sn?: 1;
  q?: number;
  bk?: [number, number];
  /** several events, in publish order */
  b?: EnvelopeEvent[];
  /** when the publisher sent it (ms since epoch), for the lag figure */
  t?: number;
  /** control: 'resync' (every node re-syncs its sessions) or 'probe' (a node testing its subscription) */
  c?: 'resync' | 'probe';
  id?: string;
}

/** The envelope's `k` for an event that closes sessions. */
function closeOf(e: BusEvent): { k?: { t?: readonly string[] } } {
  if (!e.close) return {};
  return { k: e.close.tokens ? { t: e.close.tokens } : {} };
}

/** The envelope's `s` and `bk` (BusEvent.sender, BusEvent.block). */
function blockOf(e: BusEvent): { s?: number; sn?: 1; q?: number; bk?: [number, number] } {
  return {
    ...(e.quoted !== undefined ? { q: e.quoted } : {}),
    ...(e.sender !== undefined ? { s: e.sender } : {}),
    ...(e.blockedGet === 'nothing' ? { sn: 1 as const } : {}),
    ...(e.block !== undefined ? { bk: [e.block.id, e.block.blocked ? 1 : 0] as [number, number] } : {}),
  };
}

/** BusEvent.sender and BusEvent.block from an envelope event; what is unreadable is left out. */
function readBlock(e: EnvelopeEvent): Pick<BusEvent, 'sender' | 'blockedGet' | 'quoted' | 'block'> {
  const out: Pick<BusEvent, 'sender' | 'blockedGet' | 'quoted' | 'block'> = {};
  if (typeof e.q === 'number') out.quoted = e.q;
  if (typeof e.s === 'number') out.sender = e.s;
  if (e.sn === 1) out.blockedGet = 'nothing';
  if (Array.isArray(e.bk) && typeof e.bk[0] === 'number') out.block = { id: e.bk[0], blocked: e.bk[1] === 1 };
  return out;
}

/** BusEvent.close from an envelope's `k`: undefined when absent, null when unreadable. */
function readClose(k: unknown): BusEvent['close'] | null {
  if (k === undefined) return undefined;
  if (typeof k !== 'object' || k === null) return null;
  const t = (k as { t?: unknown }).t;
  if (t === undefined) return {};
  return Array.isArray(t) && t.every((x) => typeof x === 'string') ? { tokens: t as string[] } : null;
}

export class RedisBus implements Bus {
  readonly stats: RedisBusStats = { publishes: 0, received: 0, resyncs: 0, errors: 0, malformed: 0 };
  readonly nodeId: string;
  readonly presenceTtlMs: number;
  private readonly onDelivery: ((lagMs: number) => void) | undefined;
  private readonly onMalformed: RedisBusOptions['onMalformed'];
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly log: Logger | undefined;
  private handlers: ((event: BusEvent) => void)[] = [];
  private resyncHandlers: (() => void | Promise<void>)[] = [];
  /** local sessions per user */
  private readonly local = new Map<number, number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  /** events published this tick, sent together once it ends */
  private outbox: BusEvent[] = [];
  private flushQueued = false;
  /** publishes Redis has not answered yet; close() waits for them */
  private readonly unanswered = new Set<Promise<void>>();
  /** how this node's own event envelopes begin; a broadcast brings them back, unparsed */
  private readonly ownEventPrefix: string;
  private readonly scripts: Record<'touch' | 'withdraw' | 'live', Script> = {
    touch: script(TOUCH),
    withdraw: script(WITHDRAW),
    live: script(LIVE),
  };
  private probes = new Map<string, () => void>();
  private resyncRunning: Promise<void> | null = null;
  private resyncAgain = false;

  /** Connects to Redis (or a Redis Cluster), subscribes, and starts the heartbeat. */
  static async connect(target: RedisTarget, options: RedisBusOptions): Promise<RedisBus> {
    const transport = await connectTransport(target);
    const bus = new RedisBus(transport, options);
    try {
      await bus.start();
    } catch (err) {
      transport.destroy();
      throw err;
    }
    return bus;
  }

  constructor(
    private readonly transport: Transport,
    options: RedisBusOptions,
  ) {
    this.nodeId = options.nodeId;
    this.prefix = options.prefix ?? 'chat';
    this.presenceTtlMs = options.presenceTtlMs ?? PRESENCE_TTL_DEFAULT_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.log = options.log;
    this.onDelivery = options.onDelivery;
    this.onMalformed = options.onMalformed;
    this.ownEventPrefix = `{"o":${JSON.stringify(this.nodeId)},`;
    transport.onError((err) => this.log?.debug({ err: err.message }, 'redis error'));
    transport.onReconnect(() => {
      if (this.closed) return;
      this.log?.warn('redis connection is back: re-syncing sessions');
      void this.afterReconnect();
    });
  }

  /** this node's own channel: it probes its subscription there (see afterReconnect) */
  private get ownChannel(): string {
    return `${this.prefix}:n:${this.nodeId}`;
  }

  private get allChannel(): string {
    return `${this.prefix}:all`;
  }

  /** The presence hash of a user; the braces keep it in one slot of a Redis Cluster. */
  presenceKey(userId: number): string {
    return `${this.prefix}:p:{${userId}}`;
  }

  async start(): Promise<void> {
    // Scripts are loaded up front, so a burst of first calls does not each fall back to EVAL.
    // (On a Redis Cluster this reaches one shard; the others load each script on first use.)
    await Promise.all(Object.values(this.scripts).map((sc) => this.transport.call(this.presenceKey(0), ['SCRIPT', 'LOAD', sc.text]).catch(() => {})));
    const onMessage = (text: string) => this.onEnvelope(text);
    await this.transport.subscribe(this.ownChannel, onMessage);
    await this.transport.subscribe(this.allChannel, onMessage);
    const every = Math.max(50, Math.floor(this.presenceTtlMs / 3));
    this.heartbeat = setInterval(() => void this.refreshAll(), every);
    this.heartbeat.unref();
  }

  publish(event: BusEvent): void {
    if (this.closed) return;
    // This node's own sessions are woken in-process: no round trip, and no dependence on Redis.
    for (const handler of this.handlers) handler(event);
    if (event.users.length === 0) return;
    this.outbox.push(event);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // A microtask: everything published in this synchronous stretch (a batch's acks and
      // pushes) goes out together, before any I/O of the next turn.
      queueMicrotask(() => this.flushOutbox());
    }
  }

  private flushOutbox(): void {
    this.flushQueued = false;
    const events = this.outbox;
    this.outbox = [];
    for (const chunk of envelopeChunks(events)) this.issue(this.allChannel, this.envelope(chunk));
  }

  /** One event in the format every node reads; several as a batch. */
  private envelope(events: BusEvent[]): string {
    const t = Date.now();
    if (events.length === 1) {
      const e = events[0]!;
      return JSON.stringify({ o: this.nodeId, u: e.users, f: e.frame, t, ...(e.exceptConn ? { x: e.exceptConn } : {}), ...closeOf(e), ...blockOf(e) } satisfies Envelope);
    }
    const b = events.map((e): EnvelopeEvent => ({ u: e.users, f: e.frame, ...(e.exceptConn ? { x: e.exceptConn } : {}), ...closeOf(e), ...blockOf(e) }));
    return JSON.stringify({ o: this.nodeId, b, t } satisfies Envelope);
  }

  /** Sends without waiting for the answer: commands on one connection keep their order. */
  private issue(channel: string, text: string): void {
    const sent: Promise<void> = this.send(channel, text).finally(() => this.unanswered.delete(sent));
    this.unanswered.add(sent);
  }

  private async send(channel: string, text: string): Promise<void> {
    this.stats.publishes++;
    try {
      await this.transport.publish(channel, text);
    } catch (err) {
      // Lost wake-up: the recipients' next sync (at the latest the re-sync after Redis is back) repairs it.
      this.failed(err, 'publish failed');
    }
  }

  private failed(err: unknown, what: string): void {
    this.stats.errors++;
    this.log?.warn({ err: (err as Error)?.message }, what);
  }

  subscribe(handler: (event: BusEvent) => void): void {
    this.handlers.push(handler);
  }

  onResync(handler: () => void | Promise<void>): void {
    this.resyncHandlers.push(handler);
  }

  private onEnvelope(text: string): void {
    if (this.closed) return;
    // Our own events come back on the broadcast channel; they were delivered locally. Control
    // envelopes (`"c":` next) are ours to read, a probe in particular.
    if (text.startsWith(this.ownEventPrefix) && !text.startsWith('"c":', this.ownEventPrefix.length)) return;
    let env: Envelope;
    try {
      env = JSON.parse(text) as Envelope;
    } catch {
      return this.malformed('not JSON', text);
    }
    if (typeof env !== 'object' || env === null || typeof env.o !== 'string') return this.malformed('not an envelope', text);
    if (env.c === 'probe') {
      if (env.o === this.nodeId && env.id) this.probes.get(env.id)?.();
      return;
    }
    if (env.c === 'resync') {
      if (env.o !== this.nodeId) void this.resync();
      return;
    }
    if (env.o === this.nodeId) return; // our own broadcast was delivered locally
    const events = Array.isArray(env.b) ? env.b : env.u ? [{ u: env.u, f: env.f, x: env.x, k: env.k, s: env.s, sn: env.sn, q: env.q, bk: env.bk } as EnvelopeEvent] : null;
    if (events === null) return this.malformed('no events', text);
    const lag = env.t !== undefined ? Date.now() - env.t : undefined;
    let unreadable = 0;
    for (const e of events) {
      if (!Array.isArray(e?.u) || typeof e.f !== 'string') {
        unreadable++;
        continue;
      }
      this.stats.received++;
      if (lag !== undefined) this.onDelivery?.(lag);
      const close = readClose(e.k);
      if (close === null) {
        unreadable++;
        continue;
      }
      const event: BusEvent = { users: e.u, frame: e.f, ...(e.x ? { exceptConn: e.x } : {}), ...(close ? { close } : {}), ...readBlock(e) };
      for (const handler of this.handlers) handler(event);
    }
    // The envelope's other events were delivered; the count says what was not.
    if (unreadable > 0) this.malformed(`${unreadable} of ${events.length} events unreadable`, text);
  }

  /** Counted and reported, never quoted: the text may hold other people's messages. */
  private malformed(reason: string, text: string): void {
    this.stats.malformed++;
    this.onMalformed?.({ reason, bytes: text.length });
  }

  async sessionOpened(userId: number): Promise<boolean> {
    const count = (this.local.get(userId) ?? 0) + 1;
    this.local.set(userId, count);
    if (count > 1) return false;
    try {
      const others = await this.withTimeout(this.script('touch', userId, [this.nodeId, String(this.presenceTtlMs)]));
      return others.length === 0;
    } catch (err) {
      // Redis cannot tell whether the user is online elsewhere: announce nothing. The heartbeat
      // writes this node's users again once Redis is back.
      this.failed(err, 'presence update failed');
      return false;
    }
  }

  async sessionClosed(userId: number): Promise<boolean> {
    const count = (this.local.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.local.set(userId, count);
      return false;
    }
    if (!this.local.delete(userId)) return false;
    try {
      const others = await this.withTimeout(this.script('withdraw', userId, [this.nodeId]));
      return others.length === 0;
    } catch (err) {
      this.failed(err, 'presence update failed');
      return false;
    }
  }

  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    const unique = [...new Set(userIds)];
    try {
      const lists = await this.withTimeout(Promise.all(unique.map((u) => this.script('live', u, ['']))));
      return new Set(unique.filter((u, i) => lists[i]!.length > 0 || this.local.has(u)));
    } catch (err) {
      this.failed(err, 'presence read failed; answering from this node only');
      return new Set(unique.filter((u) => this.local.has(u)));
    }
  }

  /** Users with a session on this node. */
  localUsers(): number[] {
    return [...this.local.keys()];
  }

  /** Rewrites the deadline of every local user (the heartbeat). */
  private async refreshAll(): Promise<void> {
    if (this.closed) return;
    const ttl = String(this.presenceTtlMs);
    const results = await Promise.allSettled([...this.local.keys()].map((u) => this.script('touch', u, [this.nodeId, ttl])));
    const failures = results.filter((r) => r.status === 'rejected').length;
    if (failures > 0) this.failed(new Error(`${failures} of ${results.length} refreshes failed`), 'presence heartbeat failed');
  }

  private async script(name: keyof RedisBus['scripts'], userId: number, args: string[]): Promise<string[]> {
    const s = this.scripts[name];
    const key = this.presenceKey(userId);
    try {
      return (await this.transport.call(key, ['EVALSHA', s.sha, '1', key, ...args])) as string[];
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
    }
    // Not in that Redis's script cache yet (first use, or Redis restarted): EVAL loads it.
    return (await this.transport.call(key, ['EVAL', s.text, '1', key, ...args])) as string[];
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer within ${this.commandTimeoutMs} ms`)), this.commandTimeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * Redis is back. Our subscription may have missed events, and our publishes during the outage
   * were lost, so: wait until our own channel carries messages again, write our presence again,
   * ask every node to re-sync its sessions, and re-sync ours.
   */
  private async afterReconnect(): Promise<void> {
    await this.probe(5000);
    await this.refreshAll();
    await this.send(this.allChannel, JSON.stringify({ o: this.nodeId, c: 'resync' } satisfies Envelope));
    await this.resync();
  }

  /** Publishes to our own channel until it comes back to us (bounded); true when it did. */
  private async probe(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) {
      const id = randomUUID();
      const heard = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 200);
        this.probes.set(id, () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      await this.transport.publish(this.ownChannel, JSON.stringify({ o: this.nodeId, c: 'probe', id } satisfies Envelope)).catch(() => {});
      const ok = await heard;
      this.probes.delete(id);
      if (ok) return true;
    }
    return false;
  }

  /** Runs the resync handlers; requests that arrive meanwhile are folded into one more run. */
  resync(): Promise<void> {
    if (this.resyncRunning) {
      this.resyncAgain = true;
      return this.resyncRunning;
    }
    this.resyncRunning = (async () => {
      do {
        this.resyncAgain = false;
        this.stats.resyncs++;
        for (const handler of this.resyncHandlers) {
          try {
            await handler();
          } catch (err) {
            this.failed(err, 're-sync failed');
          }
        }
      } while (this.resyncAgain && !this.closed);
    })().finally(() => {
      this.resyncRunning = null;
    });
    return this.resyncRunning;
  }

  /** Withdraws this node's presence (its users only), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.handlers = [];
    this.resyncHandlers = [];
    this.flushOutbox();
    await Promise.allSettled([...this.unanswered]);
    const users = [...this.local.keys()];
    this.local.clear();
    await this.withTimeout(Promise.allSettled(users.map((u) => this.script('withdraw', u, [this.nodeId])))).catch(() => {});
    await this.transport.close();
  }

  /** Stops without a goodbye, as kill -9 would: presence is left to lapse. For tests. */
  abandon(): void {
    this.closed = true;
    this.outbox = [];
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.handlers = [];
    this.transport.destroy();
  }
}
