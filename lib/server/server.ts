import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Bus } from '../bus/bus.ts';
import { countingBus } from '../bus/counting-bus.ts';
import type { ServerConfig } from '../config.ts';
import type { Store } from '../db/store.ts';
import type { Logger } from '../logger.ts';
import { errorFrame, presencePush } from '../protocol/frames.ts';
import { AddressLimit } from './address-limit.ts';
import { Connection, flushConnections, type SessionUser } from './connection.ts';
import type { HandlerContext, LoginThrottle } from './context.ts';
import { RequestQueue } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import { LISTEN_BACKLOG } from './listen-backlog.ts';
import { MessageWriter } from './message-writer.ts';
import type { ServerMetrics } from './metrics.ts';
import { resyncSessions, type ResyncSession } from './resync.ts';
import { Sessions } from './sessions.ts';
import { FailureThrottle } from './throttle.ts';
import { TokenBucket } from './token-bucket.ts';

export interface ServerDeps {
  config: ServerConfig;
  store: Store;
  bus: Bus;
  log: Logger;
  /** PEM certificate chain and key: serve TLS instead of plain TCP */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  metrics?: ServerMetrics | undefined;
}

// A peer that opens a TLS connection and never finishes the handshake is dropped after this.
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** A chat node: accepts connections, runs their requests, and delivers bus events to its sessions. */
export class ChatServer {
  private readonly net: Server;
  private readonly sessions = new Sessions();
  private readonly connections = new Set<Connection>();
  private readonly writer: MessageWriter;
  private nextConn = 1;
  private readonly loginThrottle: LoginThrottle;
  private readonly perAddress: AddressLimit;
  /** what handlers publish on: the deps' bus, counted when metrics are on */
  private readonly bus: Bus;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: ServerDeps) {
    const metrics = deps.metrics;
    this.bus = metrics ? countingBus(deps.bus, () => metrics.busPublished.inc()) : deps.bus;
    this.writer = new MessageWriter(deps.store, {
      ...(metrics && {
        onBatch: (size: number) => {
          metrics.messagesStored.inc(size);
          metrics.batchSize.observe(size);
        },
      }),
      afterBatch: flushConnections,
      onCallbackError: (err) => deps.log.error({ err }, 'message callback failed'),
    });
    this.perAddress = new AddressLimit(deps.config.maxConnectionsPerAddress);
    const { loginFailLimit, loginFailLimitPerAddress, loginFailWindowMs } = deps.config;
    this.loginThrottle = {
      byAccount: new FailureThrottle(loginFailLimit, loginFailWindowMs),
      byAddress: new FailureThrottle(loginFailLimitPerAddress, loginFailWindowMs),
    };
    // allowHalfOpen: a client may send its requests and shut its side (`nc -N`); it still gets
    // every reply before we close ours.
    const accept = (socket: Socket) => this.accept(socket);
    this.net = deps.tls
      ? createTlsServer({ ...deps.tls, noDelay: true, allowHalfOpen: true, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, accept)
      : createServer({ noDelay: true, allowHalfOpen: true }, accept);
    // A failed handshake only concerns that peer; the socket is already destroyed.
    this.net.on('tlsClientError', (err: Error) => deps.log.debug({ err: err.message }, 'TLS handshake failed'));
    deps.bus.subscribe((event) => {
      const sent = this.sessions.deliver(event);
      if (metrics) {
        metrics.busDelivered.inc();
        metrics.framesPushed.inc(sent);
      }
    });
    // The bus lost wake-ups (Redis reconnected): push every session what storage has after its cursor.
    deps.bus.onResync?.(async () => {
      const sessions: ResyncSession[] = [];
      for (const conn of this.connections) if (conn.user && !conn.closed) sessions.push({ user: conn.user, send: (f) => conn.send(f) });
      const frames = await resyncSessions(deps.store, sessions);
      deps.log.info({ sessions: sessions.length, frames }, 're-synced sessions after a bus reconnect');
    });
  }

  async listen(): Promise<AddressInfo> {
    const { host, port } = this.deps.config;
    await new Promise<void>((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        this.net.off('error', reject);
        resolve();
      });
    });
    return this.net.address() as AddressInfo;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** logged-in connections */
  get sessionCount(): number {
    let n = 0;
    for (const conn of this.connections) if (conn.user) n++;
    return n;
  }

  /** false once stop() has begun */
  get accepting(): boolean {
    return this.stopping === null;
  }

  get address(): AddressInfo {
    return this.net.address() as AddressInfo;
  }

  private accept(socket: Socket): void {
    const { config, store, log } = this.deps;
    const bus = this.bus;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const remote = socket.remoteAddress ?? 'unknown';
    if (!this.perAddress.tryAdd(remote)) {
      socket.end(errorFrame(null, 'CHAT_ERR_TOO_MANY_CONNECTIONS'));
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    const id = `${config.nodeId}:${this.nextConn++}`;
    let user: SessionUser | null = null;
    // A connection that has not logged in is dropped after loginTimeoutMs, pinging or not:
    // anonymous sockets (and slowloris trickles) cannot pile up.
    let loginTimer: NodeJS.Timeout | null = null;
    const armLoginTimer = () => {
      loginTimer = setTimeout(() => conn.fail('CHAT_ERR_LOGIN_TIMEOUT'), config.loginTimeoutMs);
    };
    const ctx: HandlerContext = {
      session: {
        id,
        remote,
        get user() {
          return user;
        },
      },
      loginThrottle: this.loginThrottle,
      store,
      bus,
      config,
      log,
      append: (message, done) => this.writer.enqueue(message, done),
      signIn: async (u) => {
        if (loginTimer) clearTimeout(loginTimer);
        user = u;
        conn.user = u;
        this.sessions.add(u.id, conn);
        if (await bus.sessionOpened(u.id)) await this.announcePresence(u, true);
      },
      signOut: async () => {
        const u = user;
        if (!u) return;
        user = null;
        conn.user = null;
        if (!conn.closed) armLoginTimer();
        this.sessions.remove(u.id, conn);
        if (await bus.sessionClosed(u.id)) await this.announcePresence(u, false);
      },
    };
    const conn: Connection = new Connection(
      id,
      socket,
      config,
      (line) => queue.onLine(line),
      () => {
        this.connections.delete(conn);
        this.perAddress.remove(remote);
        if (loginTimer) clearTimeout(loginTimer);
        if (conn.closeReason) log.warn({ session: id, user: conn.user?.name, reason: conn.closeReason }, 'connection dropped');
        ctx.signOut().catch((err) => log.warn({ err }, 'sign-out after close failed'));
      },
    );
    const bucket = config.rateLimit > 0 ? new TokenBucket(config.rateLimit, config.rateBurst, Date.now()) : null;
    const queue = new RequestQueue(conn, ctx, handlers, log, config.maxQueuedRequests, bucket);
    socket.once('end', () => queue.whenIdle(() => conn.end()));
    this.connections.add(conn);
    armLoginTimer();
  }

  private async announcePresence(user: SessionUser, online: boolean): Promise<void> {
    const friends = await this.deps.store.friendsOf(user.id);
    if (friends.length === 0) return;
    this.bus.publish({
      users: friends.map((f) => f.id),
      frame: presencePush(user.name, online),
    });
  }

  /**
   * Graceful stop: refuse new connections, let queued messages commit and their acks go out,
   * then close sockets, bus and store. Presence is only this node's to withdraw; storage
   * holds no online flags, so nobody else is marked offline.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.net.close(() => resolve()));
      for (const conn of this.connections) conn.pauseReading();
      await new Promise((r) => setImmediate(r)); // handlers already running queue their messages
      await this.writer.drain();
      await new Promise((r) => setImmediate(r)); // let the acks of the last batch reach the sockets
      for (const conn of this.connections) conn.end(errorFrame(null, 'CHAT_ERR_SHUTTING_DOWN'));
      await closed;
      await this.deps.bus.close();
      await this.deps.store.close();
    })();
    return this.stopping;
  }
}
