import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Bus } from '../bus/bus.ts';
import { countingBus } from '../bus/counting-bus.ts';
import { trustedProxyList, type ServerConfig } from '../config.ts';
import type { Store } from '../db/store.ts';
import type { Logger } from '../logger.ts';
import { errorFrame } from '../protocol/frames.ts';
import { reporter } from '../report.ts';
import { AddressLimit } from './address-limit.ts';
import { AdminWatch } from './admin-watch.ts';
import { Connection, flushConnections } from './connection.ts';
import type { HandlerContext, LoginThrottle } from './context.ts';
import { RequestQueue } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import { InFlight } from './in-flight.ts';
import { LISTEN_BACKLOG } from './listen-backlog.ts';
import { ReceiptThrottle, TypingGate, systemClock } from './live-signals.ts';
import { MessageWriter } from './message-writer.ts';
import type { ServerMetrics } from './metrics.ts';
import { ProxyHeaderReader } from './proxy-header.ts';
import { refuse } from './refuse.ts';
import { Presence, ServerSession, type SessionDeps } from './session.ts';
import { Removals } from './removals.ts';
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

/** A chat node: accepts connections, runs their requests, and delivers bus events to its sessions. */
export class ChatServer {
  private readonly net: Server;
  private readonly sessions = new Sessions();
  private readonly connections = new Set<Connection>();
  /** every open TCP socket, a Connection's or not (a TLS handshake in progress): stop() ends them all */
  private readonly sockets = new Set<Socket>();
  private readonly writer: MessageWriter;
  private nextConn = 1;
  private readonly loginThrottle: LoginThrottle;
  private readonly signals = { typing: new TypingGate(systemClock), receipts: new ReceiptThrottle(systemClock) };
  private readonly registerThrottle: FailureThrottle;
  private readonly removals = new Removals();
  private readonly inFlight = new InFlight();
  private readonly sessionDeps: SessionDeps;
  private readonly perAddress: AddressLimit;
  /** set with --proxy-protocol: the client's address comes from the proxy's header */
  private readonly proxyHeaders: ProxyHeaderReader | null;
  /** what handlers publish on: the deps' bus, counted when metrics are on */
  private readonly bus: Bus;
  private stopping: Promise<void> | null = null;
  private readonly adminWatch: AdminWatch;

  constructor(private readonly deps: ServerDeps) {
    const metrics = deps.metrics;
    this.bus = metrics ? countingBus(deps.bus, () => metrics.busPublished.inc()) : deps.bus;
    const batchFailed = reporter(deps.log, 'error', 'message batch failed', { count: metrics && ((f) => metrics.batchErrors.inc({ reason: String(f.reason) })) });
    const internal = (where: string, msg: string) => reporter(deps.log, 'error', msg, { count: metrics && (() => metrics.internalErrors.inc({ where })) });
    const callbackFailed = internal('message_callback', 'message callback failed');
    const deliveryFailed = internal('bus_delivery', 'bus event delivery failed');
    this.writer = new MessageWriter(deps.store, {
      ...(metrics && {
        onBatch: (size: number) => {
          metrics.messagesStored.inc(size);
          metrics.batchSize.observe(size);
        },
      }),
      afterBatch: flushConnections,
      onCallbackError: (err) => callbackFailed({ err }),
      onBatchError: (err, reason, failed) => batchFailed({ err, reason, failed }),
    });
    this.sessionDeps = {
      sessions: this.sessions,
      bus: this.bus,
      presence: new Presence(deps.store, this.bus),
      log: deps.log,
      loginTimeoutMs: deps.config.loginTimeoutMs,
      onLeave: (user, sessionId) => {
        this.inFlight.track(deps.store.accounts.sessionEnded(user.tokenHash, sessionId, Date.now()).catch((err) =>
          deps.log.warn({ err, session: sessionId }, 'could not record the end of a session')));
      },
    };
    this.adminWatch = new AdminWatch(deps.store.accounts, this.sessions, deps.log, deps.config.adminPollMs, () => deps.store.forgetUsers());
    this.perAddress = new AddressLimit(deps.config.maxConnectionsPerAddress);
    this.proxyHeaders = deps.config.proxyProtocol ? new ProxyHeaderReader(trustedProxyList(deps.config.trustedProxies), deps.log) : null;
    const { loginFailLimit, loginFailLimitPerAddress, loginFailWindowMs } = deps.config;
    this.registerThrottle = new FailureThrottle(deps.config.registerLimitPerAddress, deps.config.registerWindowMs);
    this.loginThrottle = {
      byAccount: new FailureThrottle(loginFailLimit, loginFailWindowMs),
      byAddress: new FailureThrottle(loginFailLimitPerAddress, loginFailWindowMs),
    };
    // allowHalfOpen: a client may send its requests and shut its side (`nc -N`); it still gets
    // every reply before we close ours.
    const accept = (socket: Socket) => this.accept(socket);
    this.net = deps.tls
      ? createTlsServer({ ...deps.tls, noDelay: true, allowHalfOpen: true, handshakeTimeout: deps.config.tlsHandshakeTimeoutMs }, accept)
      : createServer({ noDelay: true, allowHalfOpen: true }, accept);
    // A failed handshake only concerns that peer. Node destroys the socket after most failures,
    // but not after the handshake timeout: that socket would stay open, and half-open (CLOSE-WAIT)
    // once the peer leaves, for good.
    this.net.on('tlsClientError', (err: Error, socket: Socket) => {
      socket.destroy();
      deps.log.debug({ err: err.message }, 'TLS handshake failed');
    });
    this.net.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A throw here would reach the publisher (a batch's callbacks) or the Redis client's event
    // handler, and from there the process; one event's bug costs that event only.
    deps.bus.subscribe((event) => {
      let sent: number;
      try {
        sent = this.sessions.deliver(event);
      } catch (err) {
        deliveryFailed({ err });
        return;
      }
      if (metrics) {
        metrics.busDelivered.inc();
        metrics.framesPushed.inc(sent);
      }
    });
    // The bus lost wake-ups (Redis reconnected): push every session what storage has after its cursor.
    deps.bus.onResync?.(async () => {
      const sessions: ResyncSession[] = [];
      for (const s of this.sessions.all()) if (s.user) sessions.push({ user: s.user, send: (f) => s.send(f) });
      const frames = await resyncSessions(deps.store, sessions);
      deps.log.info({ sessions: sessions.length, frames }, 're-synced sessions after a bus reconnect');
    });
  }

  async listen(): Promise<AddressInfo> {
    const { host, port, nodeId } = this.deps.config;
    // Tokens this node held when it last stopped (or died) are held by nobody now.
    await this.deps.store.accounts.releaseNode(nodeId);
    await this.adminWatch.start();
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
    return this.sessions.size;
  }

  /** false once stop() has begun */
  get accepting(): boolean {
    return this.stopping === null;
  }

  get address(): AddressInfo {
    return this.net.address() as AddressInfo;
  }

  /** Serves a new connection as from the client's address: the socket's, or the PROXY header's. */
  private accept(socket: Socket): void {
    if (!this.proxyHeaders || this.stopping) return this.acceptFrom(socket, socket.remoteAddress ?? 'unknown');
    void this.proxyHeaders.clientAddress(socket).then((remote) => remote !== null && this.acceptFrom(socket, remote));
  }

  private acceptFrom(socket: Socket, remote: string): void {
    const { config, store, log } = this.deps;
    const bus = this.bus;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (!this.perAddress.tryAdd(remote)) {
      refuse(socket, 'CHAT_ERR_TOO_MANY_CONNECTIONS');
      return;
    }
    const id = `${config.nodeId}:${this.nextConn++}`;
    const conn: Connection = new Connection(
      id,
      socket,
      config,
      (line) => queue.onLine(line),
      () => {
        this.connections.delete(conn);
        this.perAddress.remove(remote);
        if (conn.closeReason) log.warn({ session: id, user: session.user?.name, reason: conn.closeReason }, 'connection dropped');
        this.inFlight.track(session.close());
      },
    );
    const session = new ServerSession(id, remote, conn, this.sessionDeps);
    const ctx: HandlerContext = {
      session,
      loginThrottle: this.loginThrottle,
      signals: this.signals,
      registerThrottle: this.registerThrottle,
      removals: this.removals,
      store,
      bus,
      config,
      log,
      append: (message, done) => this.writer.enqueue(message, done),
      moveCursor: (move, done) => this.writer.enqueueMove(move, done),
    };
    const bucket = config.rateLimit > 0 ? new TokenBucket(config.rateLimit, config.rateBurst, performance.now()) : null;
    const queue = new RequestQueue(conn, ctx, handlers, log, config.maxQueuedRequests, bucket);
    socket.once('end', () => queue.whenIdle(() => conn.end()));
    this.connections.add(conn);
  }

  /**
   * Graceful stop: refuse new connections, let queued messages commit and their acks go out,
   * then close sockets, bus and store. Presence is only this node's to withdraw; storage
   * holds no online flags, so nobody else is marked offline.
   * net.close() waits for every socket, so whatever is not a connection yet (a TLS handshake
   * in progress, which only ends at its timeout) is destroyed once the connections are gone.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.net.close(() => resolve()));
      await this.adminWatch.stop();
      this.proxyHeaders?.destroyAll();
      for (const conn of this.connections) conn.pauseReading();
      await new Promise((r) => setImmediate(r)); // handlers already running queue their messages
      await this.writer.drain();
      await new Promise((r) => setImmediate(r)); // let the acks of the last batch reach the sockets
      const ended = [...this.connections].map((conn) => {
        conn.end(errorFrame(null, 'CHAT_ERR_SHUTTING_DOWN'));
        return socketClosed(conn.socket); // end() destroys a socket its peer keeps open within 2 s
      });
      await Promise.all(ended);
      for (const socket of this.sockets) socket.destroy();
      await closed;
      // The closed sessions' sign-outs (presence withdrawn, tokens released) run on both.
      await this.inFlight.settled();
      await this.deps.bus.close();
      await this.deps.store.close();
    })();
    return this.stopping;
  }
}

function socketClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}
