import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ChatError, isErrorCode } from '../protocol/errors.ts';
import { encodeFrame, LineDecoder } from '../protocol/framing.ts';
import { PROTOCOL_VERSION, type PushFrame, type RequestOf, type RequestType, type Results } from '../protocol/messages.ts';

export interface ClientOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** a ping goes out after this much silence; a missing pong closes the connection */
  pingIntervalMs?: number;
  /** speak TLS; the server's certificate is verified against `ca` (default: the system's roots) */
  tls?: ClientTls | undefined;
  /** the name `hello` gives the server, which `sessions` shows the account's owner */
  clientName?: string | undefined;
}

export interface ClientTls {
  ca?: string | Buffer | undefined;
  /** the name to verify; defaults to the host when it is a name rather than an address */
  servername?: string | undefined;
}

type ResolvedOptions = Required<Omit<ClientOptions, 'tls' | 'clientName'>> & Pick<ClientOptions, 'tls' | 'clientName'>;

interface Waiting {
  resolve: (value: any) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

// Server pushes (a login backlog can be large) may exceed the 64 KiB request limit.
const MAX_INCOMING_LINE = 16 * 1024 * 1024;

/** One connection to a chat server: request → reply by id, plus pushed events. */
export class ChatClient {
  private nextId = 1;
  private waiting = new Map<number, Waiting>();
  private pushListeners = new Set<(frame: PushFrame) => void>();
  private closeListeners = new Set<(err?: Error) => void>();
  private pingTimer: NodeJS.Timeout | null = null;
  private closedWith: Error | null = null;
  node = '';

  private constructor(
    private readonly socket: Socket,
    private readonly options: ResolvedOptions,
  ) {
    const decoder = new LineDecoder(MAX_INCOMING_LINE);
    socket.on('data', (chunk: Buffer) => {
      const fatal = decoder.push(chunk, (line) => this.onLine(line));
      if (fatal) socket.destroy(new ChatError(fatal));
    });
    socket.on('error', (err) => (this.closedWith ??= err));
    socket.on('close', () => this.handleClose());
    if (this.options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => {
        this.request('ping', {}).catch(() => socket.destroy());
      }, this.options.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  /** Connects and says hello. Throws CHAT_ERR_CONNECT when the server cannot be reached. */
  static async connect(options: ClientOptions): Promise<ChatClient> {
    const full: ResolvedOptions = { connectTimeoutMs: 5000, requestTimeoutMs: 30_000, pingIntervalMs: 30_000, ...options };
    const socket = await new Promise<Socket>((resolve, reject) => {
      const tls = full.tls;
      const s = tls
        ? tlsConnect({
            host: full.host, port: full.port, ca: tls.ca,
            servername: tls.servername ?? (isIP(full.host) ? undefined : full.host),
          })
        : netConnect({ host: full.host, port: full.port, noDelay: true });
      const timer = setTimeout(() => s.destroy(new Error('connect timed out')), full.connectTimeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new ChatError('CHAT_ERR_CONNECT', `cannot reach ${full.host}:${full.port}: ${err.message}`));
      });
    });
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    const client = new ChatClient(socket, full);
    const hello = await client.request('hello', { version: PROTOCOL_VERSION, client: full.clientName ?? 'chat-cli' });
    client.node = hello.node;
    return client;
  }

  request<T extends RequestType>(type: T, body: RequestOf<T>): Promise<Results[T]> {
    if (this.closedWith || this.socket.destroyed) {
      return Promise.reject(new ChatError('CHAT_ERR_DISCONNECTED'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ChatError('CHAT_ERR_TIMEOUT', `no reply to ${type} within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.socket.write(encodeFrame({ ...body, id, type }));
      // The server's idle timer counts only what we send, so the ping clock restarts on writes.
      this.pingTimer?.refresh();
    });
  }

  onPush(listener: (frame: PushFrame) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Half-closes after everything written has been sent, then waits for the server to close. */
  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let frame: any;
    try {
      frame = JSON.parse(line);
    } catch {
      this.socket.destroy(new Error('server sent invalid JSON'));
      return;
    }
    if (typeof frame?.type === 'string' && frame.id === undefined) {
      for (const listener of this.pushListeners) listener(frame as PushFrame);
      return;
    }
    const waiter = typeof frame?.id === 'number' ? this.waiting.get(frame.id) : undefined;
    if (!waiter) {
      // An error with id null is the server's last word before it closes the connection.
      if (frame?.ok === false && isErrorCode(frame.code)) this.closedWith = new ChatError(frame.code, frame.message);
      return;
    }
    this.waiting.delete(frame.id);
    clearTimeout(waiter.timer);
    if (frame.ok) waiter.resolve(frame.result);
    else waiter.reject(isErrorCode(frame.code) ? new ChatError(frame.code, frame.message) : new Error(String(frame.message)));
  }

  private handleClose(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    const err = this.closedWith ?? new ChatError('CHAT_ERR_DISCONNECTED');
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(err instanceof ChatError ? err : new ChatError('CHAT_ERR_DISCONNECTED', err.message));
    }
    this.waiting.clear();
    for (const listener of this.closeListeners) listener(this.closedWith ?? undefined);
  }
}
