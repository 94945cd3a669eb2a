// test-timeout: 240
// A live fuzz run: 100k random and mutated frames against a real server. The server never
// crashes, answers every frame with a documented code (or, for framing faults, closes that one
// connection as documented), its memory settles, and a conversation running alongside is unharmed.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { ERROR_CODES } from '../../lib/protocol/errors.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const TOTAL_FRAMES = 100_000;
const WINDOW = 250;
const live = suite('live fuzz');

/** xorshift32: the run is reproducible from its seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]! };
}

const NASTY: unknown[] = [
  null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(300), '\u0000', '\ud800', '🎉', '中文',
  [], [1, [2, [3]]], {}, { __proto__: { admin: true } }, { constructor: { prototype: { polluted: 1 } } }, '__proto__', 'c1', 'c999999',
];

function templates(): Record<string, unknown>[] {
  return [
    { type: 'ping' }, { type: 'friends' }, { type: 'groups' }, { type: 'unread' }, { type: 'conversations' },
    { type: 'hello', version: 1 }, { type: 'send', to: 'alice', text: 'fuzz' }, { type: 'send', group: 'fuzzers', text: 'fuzz' },
    { type: 'history', with: 'alice', limit: 5 }, { type: 'sync', conversation: 'c1', limit: 5 }, { type: 'ack', conversation: 'c1', seq: 1 },
    { type: 'read', conversation: 'c2', seq: 1 }, { type: 'friend_add', user: 'bob' }, { type: 'group_join', group: 'fuzzers' },
    { type: 'group_members', group: 'fuzzers' }, { type: 'friend_remove', user: 'nobody' }, { type: 'group_create', group: 'g' },
    { type: 'mute', group: 'fuzzers', level: 'mentions' }, { type: 'mute', with: 'alice', level: 'none' },
    { type: 'block', user: 'nobody' }, { type: 'unblock', user: 'nobody' }, { type: 'blocked' },
    { type: 'typing', group: 'fuzzers' }, { type: 'typing', with: 'alice' }, { type: 'receipts', group: 'fuzzers', seq: 1 },
    { type: 'send', to: 'alice', text: 'fuzz', reply_to: 1 }, { type: 'send', group: 'fuzzers', text: 'fuzz', mentions: ['alice', 'bob', 'nobody'] }, { type: 'edit', with: 'alice', seq: 1, text: 'fuzz', client_msg_id: 'f-e' },
    { type: 'delete', group: 'fuzzers', seq: 2, client_msg_id: 'f-d' }, { type: 'react', conversation: 'c1', seq: 1, emoji: '🎉', remove: false },
    { type: 'search', query: 'fuzz', limit: 5 }, { type: 'search', query: '中文', group: 'fuzzers', from: 'alice', cursor: 'MTAuMi4z' },
    { type: 'group_create', group: 'p', private: true, history: 'joined' }, { type: 'group_invite', group: 'fuzzers', user: 'bob' },
    { type: 'group_decline', group: 'fuzzers' }, { type: 'group_kick', group: 'fuzzers', user: 'bob' },
    { type: 'group_ban', group: 'fuzzers', user: 'alice' }, { type: 'group_unban', group: 'fuzzers', user: 'alice' },
    { type: 'group_role', group: 'fuzzers', user: 'bob', role: 'admin' }, { type: 'group_transfer', group: 'g', user: 'bob' },
    { type: 'group_topic', group: 'fuzzers', desc: 'fuzz' }, { type: 'group_set', group: 'fuzzers', private: true, history: 'shared' },
    { type: 'group_delete', group: 'g' }, { type: 'groups_public', prefix: 'f', after: 'a', limit: 3 },
    { type: 'sessions' }, { type: 'sessions_revoke', session: 's0123456789abcdef' },
  ];
}
// Types whose valid frames would cost a password hash or end the session; mutations never pick them.
const SAFE_TYPES = ['ping', 'friends', 'groups', 'unread', 'conversations', 'send', 'history', 'sync', 'ack', 'read', 'friend_add', 'friend_accept', 'friend_decline', 'group_join', 'group_members', 'group_leave',
  'mute', 'block', 'unblock', 'blocked', 'typing', 'receipts', 'edit', 'delete', 'react', 'search',
  'group_invite', 'group_decline', 'group_kick', 'group_ban', 'group_unban', 'group_role', 'group_topic', 'group_set', 'groups_public', 'sessions', 'sessions_revoke', 'teleport', '', 'SEND'];

/** One line that stays within the framing rules (so the connection survives), or null for a framing fault. */
function mutatedLine(r: ReturnType<typeof rng>, id: number): string {
  const frame: Record<string, unknown> = { ...r.pick(templates()), id };
  const keys = Object.keys(frame).filter((k) => k !== 'id');
  switch (r.int(9)) {
    case 0: break; // as is
    case 1: frame[r.pick(keys)] = r.pick(NASTY); break;
    case 2: frame[r.pick(['from', 'sender', 'user_id', '__proto__', 'constructor'])] = r.pick(NASTY); break;
    case 3: frame.type = r.pick(SAFE_TYPES); break;
    case 4: delete frame[r.pick(keys.filter((k) => k !== 'type')) ?? 'x']; break;
    case 5: frame[r.pick(keys)] = JSON.parse('['.repeat(200) + ']'.repeat(200)); break;
    case 6: frame.seq = r.pick([1e300, -0, 2 ** 64, 1 / 3]); break;
    case 7: return JSON.stringify(frame).slice(0, r.int(20) + 1).replace(/\n/g, ''); // truncated JSON
    case 8: return r.pick(['[]', '1', '"s"', 'null', '{}', '{"id":' + id + '}', '{"id":' + id + ',"type":7}']);
  }
  return JSON.stringify(frame);
}

/** Bytes that break framing: invalid UTF-8, truncated multi-byte characters, or an endless line. */
function fatalBytes(r: ReturnType<typeof rng>): Buffer {
  switch (r.int(3)) {
    case 0: return Buffer.concat([Buffer.from(Array.from({ length: r.int(40) + 1 }, () => 0x80 + r.int(0x80))), Buffer.from('\n')]);
    case 1: return Buffer.concat([Buffer.from('{"id":1,"type":"send","text":"'), Buffer.from('中').subarray(0, 2), Buffer.from('"}\n')]);
    default: return Buffer.alloc(70_000, 0x61);
  }
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** A logged-in raw connection that counts replies. */
class FuzzConn {
  replies: any[] = [];
  closed = false;
  private buf = '';
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      const lines = this.buf.split('\n');
      this.buf = lines.pop()!;
      for (const l of lines) {
        if (!l) continue;
        const frame = JSON.parse(l);
        // Pushes (no id) may reach this session too; only replies are counted.
        if ('id' in frame) this.replies.push(frame);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }
}

let server: RunningServer;
live.before(async () => {
  server = await startServer();
});
live.after(async () => {
  await server.stop();
});

live('100k fuzzed frames: no crash, every frame answered with a documented code, others unaffected', async () => {
  const r = rng(0xc0ffee);
  const alice = await connectAs(server, 'alice');
  const bob = await connectAs(server, 'bob');
  const mallory = await connectAs(server, 'mallory');
  await befriend(alice, 'alice', bob, 'bob');
  await befriend(alice, 'alice', mallory, 'mallory');
  await mallory.request('group_create', { group: 'fuzzers' });
  const { token } = await (async () => {
    const c = await ChatClient.connect({ host: server.host, port: server.port });
    const l = await c.request('login', { user: 'mallory', password: 'mallory-s3cret-pw' });
    c.destroy();
    return l;
  })();
  const bobGot: number[] = [];
  bob.onPush((f) => f.type === 'message' && f.from === 'alice' && bobGot.push(Number(f.text)));

  const open = async () => {
    const socket = await new Promise<Socket>((res, rej) => {
      const s = connect({ host: '127.0.0.1', port: server.port }, () => res(s));
      s.once('error', rej);
    });
    const c = new FuzzConn(socket);
    socket.write(JSON.stringify({ id: 'resume', type: 'login', token }) + '\n');
    await waitFor(() => c.replies.length === 1, 5000, 'resume');
    assert.is(c.replies.shift().ok, true);
    return c;
  };

  let sent = 0;
  let fatal = 0;
  let answered = 0;
  let internal = 0;
  let aliceSent = 0;
  let rssWarm = 0;
  let conn = await open();
  while (sent < TOTAL_FRAMES) {
    if (r.next() < 0.25) {
      // A framing fault on its own connection: one error frame with id null, then close.
      const victim = new FuzzConn(await new Promise<Socket>((res) => { const s = connect({ host: '127.0.0.1', port: server.port }, () => res(s)); }));
      victim.socket.write(fatalBytes(r));
      await waitFor(() => victim.closed, 5000, 'fatal close');
      assert.is(victim.replies.length, 1);
      assert.ok(['CHAT_ERR_BAD_UTF8', 'CHAT_ERR_LINE_TOO_LONG'].includes(victim.replies[0].code), victim.replies[0].code);
      assert.is(victim.replies[0].id, null);
      fatal++;
      sent++;
      continue;
    }
    const n = Math.min(WINDOW, TOTAL_FRAMES - sent);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(mutatedLine(r, sent + i));
    conn.socket.write(lines.join('\n') + '\n');
    sent += n;
    await waitFor(() => conn.replies.length >= n || conn.closed, 20_000, 'window replies');
    assert.is(conn.closed, false, 'only framing faults may close a connection');
    assert.is(conn.replies.length, n, 'one reply per frame');
    for (const reply of conn.replies) {
      if (reply.ok === false) {
        assert.ok(Object.hasOwn(ERROR_CODES, reply.code), `undocumented code ${reply.code}`);
        if (reply.code === 'CHAT_ERR_INTERNAL') internal++;
      } else assert.is(reply.ok, true);
    }
    answered += conn.replies.length;
    conn.replies = [];
    await alice.request('send', { to: 'bob', text: String(aliceSent++) });
    if (!rssWarm && sent >= 10_000) rssWarm = rssKiB(server.proc.pid!);
  }
  conn.socket.destroy();
  await waitFor(() => bobGot.length === aliceSent, 10_000, 'bob gets every message from alice');
  assert.equal(bobGot, Array.from({ length: aliceSent }, (_, i) => i), 'in order, none lost');
  assert.is(internal, 0, 'no request hit an unexpected server error');
  assert.is(server.proc.exitCode, null, 'the server is alive');
  assert.ok((await alice.request('ping', {})).ts);
  await new Promise((res) => setTimeout(res, 500));
  const rssEnd = rssKiB(server.proc.pid!);
  console.log(`REPORT live fuzz: ${sent} frames (${answered} answered, ${fatal} framing faults), crashes 0, internal errors ${internal}, RSS ${Math.round(rssWarm / 1024)} MiB after 10k → ${Math.round(rssEnd / 1024)} MiB at the end`);
  assert.ok(rssEnd < rssWarm * 1.5 + 64 * 1024, `memory settles (warm ${rssWarm} KiB, end ${rssEnd} KiB)`);
  for (const c of [alice, bob, mallory]) c.destroy();
});

live.run();
