// The bare persisting relay: the second baseline. It does only what any server that stores every
// message before acking it must do, and stays naive on purpose: each line is parsed, the lines of
// one tick go into SQLite as one transaction of multi-row INSERTs (WAL, synchronous=NORMAL, as
// chat serve), then each sender gets an ack with the message's seq and each recipient the
// message, one socket write per connection per tick. No accounts, no checks, no client_msg_id
// index, no cursors.
// A connection's first line names it, as for the naive relay (bench/relay.ts):
//   "@ME PEER"      ME's messages go to the connection named PEER
//   "@ME #GROUP"    ME joins GROUP; its messages go to every other member of GROUP
// Then each line is a `send` request: {"id":N,"type":"send",…,"text":"…"[,"client_msg_id":"…"]}.
// Ack: {"id":N,"ok":true,"result":{"conversation":C,"seq":S}}. Push: {"type":"message","conversation":C,"seq":S,"text":"…"}.
// Usage: node --import tsx bench/persist-relay.ts DBFILE [port] [host]; prints {"listening":PORT} on stdout.
import Database from 'better-sqlite3';
import { createServer, type Socket } from 'node:net';
import { LISTEN_BACKLOG } from '../lib/server/listen-backlog.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: persist-relay.ts DBFILE [port] [host]');
  process.exit(2);
}
const port = Number(process.argv[3] ?? 0);
const host = process.argv[4] ?? '127.0.0.1';

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS messages (
  conversation TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
  client_msg_id TEXT, ts INTEGER NOT NULL, PRIMARY KEY (conversation, seq))`);
const COLUMNS = 6;
const inserts = new Map<number, Database.Statement<unknown[]>>();
const insert = (rows: number) => {
  let stmt = inserts.get(rows);
  if (!stmt) {
    stmt = db.prepare('INSERT INTO messages (conversation, seq, sender, text, client_msg_id, ts) VALUES '
      + Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', '));
    inserts.set(rows, stmt);
  }
  return stmt;
};
const CHUNK = 256;
const store = db.transaction((values: unknown[]) => {
  for (let at = 0; at < values.length; at += CHUNK * COLUMNS) {
    const part = values.slice(at, at + CHUNK * COLUMNS);
    insert(part.length / COLUMNS).run(part);
  }
});

interface Conn {
  socket: Socket;
  /** the lines of this tick, written once after the commit */
  out: string;
  me: string;
  /** the conversation its messages belong to, and who gets them */
  conversation: string;
  peer: string | null;
  group: Set<Conn> | null;
}

const byName = new Map<string, Conn>();
const groups = new Map<string, Set<Conn>>();
const seqs = new Map<string, number>();

interface Pending {
  from: Conn;
  id: number;
  seq: number;
  text: string;
}
let tick: Pending[] = [];
let values: unknown[] = [];
let scheduled = false;

function commit(): void {
  scheduled = false;
  const batch = tick;
  const rows = values;
  tick = [];
  values = [];
  store(rows);
  const dirty = new Set<Conn>();
  const queue = (to: Conn, line: string) => {
    to.out += line;
    dirty.add(to);
  };
  for (const p of batch) {
    const conversation = p.from.conversation;
    queue(p.from, `{"id":${p.id},"ok":true,"result":{"conversation":${JSON.stringify(conversation)},"seq":${p.seq}}}\n`);
    const push = JSON.stringify({ type: 'message', conversation, seq: p.seq, text: p.text }) + '\n';
    if (p.from.group) {
      for (const other of p.from.group) if (other !== p.from) queue(other, push);
    } else {
      const peer = byName.get(p.from.peer!);
      if (peer) queue(peer, push);
    }
  }
  for (const conn of dirty) {
    conn.socket.write(conn.out);
    conn.out = '';
  }
}

function onLine(conn: Conn, line: string): void {
  const req = JSON.parse(line) as { id: number; text: string; client_msg_id?: string };
  const seq = (seqs.get(conn.conversation) ?? 0) + 1;
  seqs.set(conn.conversation, seq);
  values.push(conn.conversation, seq, conn.me, req.text, req.client_msg_id ?? null, Date.now());
  tick.push({ from: conn, id: req.id, seq, text: req.text });
  if (!scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
}

const server = createServer({ noDelay: true }, (socket) => {
  let conn: Conn | null = null;
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('close', () => {
    if (conn && byName.get(conn.me) === conn) byName.delete(conn.me);
    conn?.group?.delete(conn);
  });
  socket.on('data', (chunk: string) => {
    const data = pending + chunk;
    let start = 0;
    for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', start)) {
      const line = data.slice(start, nl);
      start = nl + 1;
      if (conn) {
        onLine(conn, line);
        continue;
      }
      const [me, to] = line.slice(1).split(' ') as [string, string];
      if (to.startsWith('#')) {
        const name = to.slice(1);
        let group = groups.get(name);
        if (!group) groups.set(name, (group = new Set()));
        conn = { socket, out: '', me, conversation: to, peer: null, group };
        group.add(conn);
      } else {
        conn = { socket, out: '', me, conversation: me < to ? `${me}|${to}` : `${to}|${me}`, peer: to, group: null };
      }
      byName.set(me, conn);
    }
    pending = data.slice(start);
  });
});

server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ listening: typeof address === 'object' && address ? address.port : port }) + '\n');
});
const stop = () => {
  db.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
