import type { Socket } from 'node:net';
import type { ErrorCode } from '../protocol/errors.ts';
import { ERROR_CODES } from '../protocol/errors.ts';
import { errorFrame } from '../protocol/frames.ts';
import { LineDecoder } from '../protocol/framing.ts';

export interface ConnectionLimits {
  maxLineBytes: number;
  maxOutputBytes: number;
  idleTimeoutMs: number;
}

export interface SessionUser {
  id: number;
  name: string;
  /** hash of the resume token this session holds, revoked by logout */
  tokenHash: string;
  /**
   * The users this user blocked: read at login, then kept by the bus's block events
   * (BusEvent.block). Their entries reach this session as placeholders.
   */
  blocked?: Set<number>;
}

// Writes are joined and flushed once per tick for every connection that has output, so a
// burst of pushes costs one syscall per socket rather than one per line.
const dirty = new Set<Connection>();
let flushScheduled = false;
function scheduleFlush(conn: Connection): void {
  dirty.add(conn);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}
function flushAll(): void {
  flushScheduled = false;
  flushConnections();
}

/** Writes out every connection's queued output now (the scheduled flush then finds nothing). */
export function flushConnections(): void {
  for (const conn of dirty) conn.flush();
  dirty.clear();
}

/** One client socket: framing, output batching, the slow-reader bound and the idle timeout. */
export class Connection {
  closed = false;
  /** why the server closed it, if it did */
  closeReason: ErrorCode | null = null;
  private out: string[] = [];
  /**
   * What `out` holds plus what the socket still held at the last flush, in UTF-16 units, the
   * unit a socket counts its queued strings in. Between flushes the socket only drains, so
   * this never undercounts.
   */
  private pending = 0;
  private readonly decoder: LineDecoder;
  private idleTimer: NodeJS.Timeout;

  constructor(
    readonly id: string,
    readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    onLine: (line: string) => void,
    onClose: () => void,
  ) {
    this.decoder = new LineDecoder(limits.maxLineBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    this.idleTimer = setTimeout(() => this.fail('CHAT_ERR_IDLE_TIMEOUT'), limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.idleTimer.refresh();
      const fatal = this.decoder.push(chunk, onLine);
      if (fatal) this.fail(fatal);
    });
    socket.on('error', () => {}); // 'close' follows; a reset peer is not a server error
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.idleTimer);
      dirty.delete(this);
      onClose();
    });
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  /** Queues one already-encoded line (ending in \n). */
  send(line: string): void {
    if (this.closed) return;
    this.out.push(line);
    if (this.out.length === 1) scheduleFlush(this);
    // The bound holds while requests run, not only at the end of the tick: one tick of
    // pipelined replies can be gigabytes. Past it, write now; flush drops a peer not reading.
    if ((this.pending += line.length) > this.limits.maxOutputBytes) this.flush();
  }

  flush(): void {
    if (this.closed || this.out.length === 0) return;
    const data = this.out.length === 1 ? this.out[0]! : this.out.join('');
    this.out = [];
    this.socket.write(data);
    this.pending = this.socket.writableLength;
    if (this.pending > this.limits.maxOutputBytes) {
      // The peer stopped reading. Dropping it keeps memory bounded and everyone else fast;
      // its messages stay stored and reach it at its next sync.
      this.closed = true;
      this.closeReason = 'CHAT_ERR_SLOW_CONSUMER';
      this.socket.destroy();
    }
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  /** Sends a final error frame and closes. */
  fail(code: ErrorCode, message: string = ERROR_CODES[code]): void {
    if (this.closed) return;
    this.closeReason = code;
    this.send(errorFrame(null, code, message));
    this.flush();
    this.closed = true;
    this.socket.end();
    // A peer that never reads would keep a half-closed socket alive forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Flushes what is queued (plus an optional last line, already encoded), then closes the socket. */
  end(lastFrame?: string): void {
    if (this.closed) return;
    if (lastFrame) this.send(lastFrame);
    this.flush();
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}
