// A TCP proxy on loopback in front of a chat server, for losing an ack on purpose. It passes
// frames through both ways. Armed, it lets the next `send` request through, and when the
// server's reply to it comes back it drops that connection instead of passing the reply on:
// the message is stored, and its sender cannot know. Later connections pass through again, or,
// armed with 'refuse', are refused from that moment on.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class AckDroppingProxy {
  /** connections accepted so far */
  connections = 0;
  /** acks dropped so far */
  dropped = 0;
  private armed = false;
  private refuseAfter = false;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(target: { host: string; port: number }): Promise<AckDroppingProxy> {
    let proxy!: AckDroppingProxy;
    const server = createServer((client) => proxy.relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new AckDroppingProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** The reply to the next `send` (on any connection) is dropped, with its connection; with 'refuse', so is every later connection. */
  arm(afterwards: 'pass' | 'refuse' = 'pass'): void {
    this.armed = true;
    this.refuseAfter = afterwards === 'refuse';
  }

  /** Stops accepting and drops every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: { host: string; port: number }): void {
    this.connections++;
    const upstream = connect({ host: target.host, port: target.port });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    /** the id of the armed `send` on this connection, once it went through */
    let doomed: number | null = null;
    lines(client, (line) => {
      if (this.armed && doomed === null) {
        const frame = parse(line);
        if (frame?.type === 'send') {
          this.armed = false;
          doomed = frame.id;
        }
      }
      upstream.write(line + '\n');
    });
    lines(upstream, (line) => {
      if (doomed !== null && parse(line)?.id === doomed) {
        this.dropped++;
        if (this.refuseAfter) this.server.close();
        client.destroy();
        upstream.destroy();
        return;
      }
      if (!client.destroyed) client.write(line + '\n');
    });
  }
}

function lines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) onLine(line);
  });
}

function parse(line: string): any {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
