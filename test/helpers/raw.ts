import { connect, type Socket } from 'node:net';

/** A bare TCP peer that speaks the protocol by hand, for frames no well-behaved client sends. */
export class RawPeer {
  frames: any[] = [];
  closed = false;
  private buffer = '';

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop()!;
      for (const line of lines) if (line) this.frames.push(JSON.parse(line));
    });
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  static open(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a request and waits for the reply with the same id. */
  async request(frame: Record<string, unknown>, ms = 10_000): Promise<any> {
    this.write(JSON.stringify(frame) + '\n');
    return this.next((f) => f.id === frame.id, ms);
  }

  /** Waits for a frame matching `match` that has arrived or will arrive; removes it. */
  async next(match: (frame: any) => boolean = () => true, ms = 10_000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return this.frames.splice(i, 1)[0];
      if (this.closed) throw new Error(`connection closed; frames: ${JSON.stringify(this.frames)}`);
      if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms; frames: ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async waitClosed(ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
