// The naive raw relay: the baseline every scenario is compared to. It stays naive on purpose:
// lines are forwarded unparsed, one socket write per line per recipient, nothing is stored,
// nothing is acked. Only a connection's first line is read, to learn where its lines go:
//   "@ME PEER"      lines from ME go to the connection named PEER
//   "@ME #GROUP"    ME joins GROUP; its lines go to every other member of GROUP
// Usage: node --import tsx bench/relay.ts [port] [host] [fault]; prints {"listening":PORT} on stdout.
// fault ("drop:N", "dup:N" or both, comma-separated: drop or double every Nth forwarded line) exists only so a test can
// prove the bench notices loss and duplication; the bench itself never passes it.
import { createServer, type Socket } from 'node:net';
import { LISTEN_BACKLOG } from '../lib/server/listen-backlog.ts';

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';
// e.g. "drop:7,dup:5"
const faults = new Map((process.argv[4] ?? '').split(',').filter(Boolean).map((f) => {
  const [kind, every] = f.split(':');
  return [kind!, Number(every)] as const;
}));
const dropEvery = faults.get('drop') ?? 0;
const dupEvery = faults.get('dup') ?? 0;
let forwarded = 0;

const byName = new Map<string, Socket>();
const groups = new Map<string, Set<Socket>>();

const server = createServer({ noDelay: true }, (socket) => {
  let target: string | null = null;
  let group: Set<Socket> | null = null;
  let pending = '';
  let me = '';
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('close', () => {
    if (byName.get(me) === socket) byName.delete(me);
    group?.delete(socket);
  });
  socket.on('data', (chunk: string) => {
    let data = pending + chunk;
    let start = 0;
    if (target === null && group === null) {
      const nl = data.indexOf('\n');
      if (nl === -1) {
        pending = data;
        return;
      }
      const [name, to] = data.slice(1, nl).split(' ');
      me = name!;
      byName.set(me, socket);
      if (to!.startsWith('#')) {
        const g = to!.slice(1);
        if (!groups.has(g)) groups.set(g, new Set());
        group = groups.get(g)!;
        group.add(socket);
      } else {
        target = to!;
      }
      start = nl + 1;
    }
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl === -1) break;
      let line = data.slice(start, nl + 1);
      start = nl + 1;
      if (faults.size > 0) {
        forwarded++;
        if (dropEvery > 0 && forwarded % dropEvery === 0) continue;
        if (dupEvery > 0 && forwarded % dupEvery === 0) line += line;
      }
      if (group) {
        for (const peer of group) if (peer !== socket) peer.write(line);
      } else {
        byName.get(target!)?.write(line);
      }
    }
    pending = data.slice(start);
  });
});

// The same accept queue as chat serve (lib/server/listen-backlog.ts says why), so login-storm's
// relay connect storm is a fair baseline: with Node's default backlog the queue overflowed and
// the kernel dropped SYNs, which clients retry only after the SYN timeout.
server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ listening: typeof address === 'object' && address ? address.port : port }) + '\n');
});
const stop = () => process.exit(0); // the runner closes its sockets first; nothing to flush
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', () => process.exit(0));
