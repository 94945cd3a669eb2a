// test-timeout: 120
// Bad input gets a stable code and leaves the connection (or, for framing faults, only that
// connection) in a defined state; hostile text is stored and returned byte for byte.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { RawPeer } from '../helpers/raw.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';
import { rejectsWith } from '../helpers/assert.ts';

const bad = suite('bad input');
let server: RunningServer;
let alice: ChatClient;
let bob: ChatClient;
const bobPushes: PushFrame[] = [];

bad.before(async () => {
  server = await startServer({ args: ['--max-line-bytes', '4096'] });
  alice = await connectAs(server, 'alice');
  bob = await connectAs(server, 'bob');
  bob.onPush((f) => bobPushes.push(f));
  await befriend(alice, 'alice', bob, 'bob');
});
bad.after(async () => {
  alice.destroy();
  bob.destroy();
  await server.stop();
});

/** Proves the server still serves others: alice → bob round trip. */
async function othersUnaffected(tag: string) {
  const r = await alice.request('send', { to: 'bob', text: `still fine ${tag}` });
  await waitFor(() => bobPushes.some((f) => f.type === 'message' && f.seq === r.seq), 5000, `push after ${tag}`);
}

bad('recoverable faults get an error frame with a stable code, and the connection stays open', async () => {
  const peer = await RawPeer.open(server.port);
  const cases: [string, string, unknown][] = [
    ['{not json', 'CHAT_ERR_BAD_JSON', null],
    ['[1,2,3]', 'CHAT_ERR_BAD_FRAME', null],
    ['"just a string"', 'CHAT_ERR_BAD_FRAME', null],
    ['{"id":1}', 'CHAT_ERR_BAD_FRAME', 1],
    ['{"id":2,"type":"teleport"}', 'CHAT_ERR_UNKNOWN_TYPE', 2],
    ['{"id":3,"type":"register","user":42,"password":"abcdefgh"}', 'CHAT_ERR_BAD_FIELD', 3],
    ['{"id":4,"type":"register","user":"x"}', 'CHAT_ERR_BAD_FIELD', 4],
    ['{"id":5,"type":"register","user":"bad\\u0007name","password":"abcdefgh"}', 'CHAT_ERR_BAD_NAME', 5],
    ['{"id":6,"type":"register","user":" padded","password":"abcdefgh"}', 'CHAT_ERR_BAD_NAME', 6],
    ['{"id":7,"type":"register","user":"' + 'x'.repeat(51) + '","password":"abcdefgh"}', 'CHAT_ERR_BAD_NAME', 7],
    ['{"id":8,"type":"friends"}', 'CHAT_ERR_NOT_LOGGED_IN', 8],
    ['{"id":9,"type":"login","user":"nobody","password":"whatever1"}', 'CHAT_ERR_AUTH_FAILED', 9],
    ['{"id":{"x":1},"type":"ping"}', 'CHAT_ERR_BAD_FIELD', null],
    ['{"id":10,"type":"hello","version":99}', 'CHAT_ERR_PROTOCOL_VERSION', 10],
    ['{"id":11,"type":"send","to":"bob","text":"x","__proto__":{"admin":true}}', 'CHAT_ERR_NOT_LOGGED_IN', 11],
  ];
  for (const [line, code, id] of cases) {
    peer.write(line + '\n');
    const reply = await peer.next();
    assert.is(reply.ok, false, line);
    assert.is(reply.code, code, line);
    assert.is(reply.id, id, line);
    assert.type(reply.message, 'string');
  }
  const ping = await peer.request({ id: 'still-open', type: 'ping' });
  assert.is(ping.ok, true);
  peer.close();
  await othersUnaffected('recoverable');
});

bad('wrong types and missing fields after login, and a client-supplied sender is ignored', async () => {
  const peer = await RawPeer.open(server.port);
  assert.is((await peer.request({ id: 1, type: 'login', user: 'alice', password: 'alice-s3cret-pw' })).ok, true);
  const cases: [Record<string, unknown>, string][] = [
    [{ type: 'send', to: 'bob' }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'bob', text: 12 }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'bob', text: '' }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'bob', group: 'g', text: 'both' }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'nobody-here', text: 'x' }, 'CHAT_ERR_NO_SUCH_USER'],
    [{ type: 'send', group: 'no-such-group', text: 'x' }, 'CHAT_ERR_NO_SUCH_GROUP'],
    [{ type: 'send', to: 'bob', text: 'x', mentions: 'bob' }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'bob', text: 'x', mentions: [null] }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'bob', text: 'x', mentions: Array.from({ length: 51 }, (_, i) => `u${i}`) }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'send', to: 'bob', text: 'x', mentions: [' bob'] }, 'CHAT_ERR_BAD_NAME'],
    [{ type: 'ack', conversation: 'c1', seq: -1 }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'ack', conversation: 'c1', seq: 1.5 }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'ack', conversation: 'zzz', seq: 1 }, 'CHAT_ERR_NO_SUCH_CONVERSATION'],
    [{ type: 'history', limit: 50 }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'history', with: 'bob', limit: 100000 }, 'CHAT_ERR_BAD_FIELD'],
    [{ type: 'friend_add', user: 'alice' }, 'CHAT_ERR_SELF'],
    [{ type: 'friend_accept', user: 'bob' }, 'CHAT_ERR_ALREADY_FRIENDS'],
    [{ type: 'group_members', group: 'nope' }, 'CHAT_ERR_NO_SUCH_GROUP'],
    [{ type: 'login', user: 'alice', password: 'alice-s3cret-pw' }, 'CHAT_ERR_ALREADY_LOGGED_IN'],
  ];
  let id = 100;
  for (const [frame, code] of cases) {
    const reply = await peer.request({ id: ++id, ...frame });
    assert.is(reply.code, code, JSON.stringify(frame).slice(0, 80));
  }
  const spoof = await peer.request({ id: 'spoof', type: 'send', to: 'bob', text: 'who am i', from: 'bob', sender: 'bob', user_id: 2 });
  assert.is(spoof.ok, true);
  await waitFor(() => bobPushes.some((f) => f.type === 'message' && f.text === 'who am i'), 5000, 'spoofed push');
  const pushed = bobPushes.find((f) => f.type === 'message' && f.text === 'who am i') as any;
  assert.is(pushed.from, 'alice');
  peer.close();
});

bad('an oversized line gets CHAT_ERR_LINE_TOO_LONG and the connection is closed; others carry on', async () => {
  const peer = await RawPeer.open(server.port);
  peer.write('{"id":1,"type":"ping","pad":"' + 'x'.repeat(5000) + '"}\n');
  const reply = await peer.next();
  assert.is(reply.code, 'CHAT_ERR_LINE_TOO_LONG');
  await peer.waitClosed();
  // Also when it never ends: a partial line past the limit is refused without waiting for its newline.
  const trickle = await RawPeer.open(server.port);
  trickle.write('{"id":1,"type":"ping","pad":"' + 'y'.repeat(8000));
  assert.is((await trickle.next()).code, 'CHAT_ERR_LINE_TOO_LONG');
  await trickle.waitClosed();
  await othersUnaffected('oversize');
});

bad('binary garbage gets CHAT_ERR_BAD_UTF8 and the connection is closed', async () => {
  const peer = await RawPeer.open(server.port);
  peer.write(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a]));
  assert.is((await peer.next()).code, 'CHAT_ERR_BAD_UTF8');
  await peer.waitClosed();
  await othersUnaffected('garbage');
});

bad('frames split across reads and several frames in one read both work', async () => {
  const peer = await RawPeer.open(server.port);
  const frames = [1, 2, 3].map((id) => JSON.stringify({ id, type: 'ping' }) + '\n').join('');
  const bytes = Buffer.from(frames);
  for (let i = 0; i < bytes.length; i += 7) {
    peer.write(bytes.subarray(i, i + 7));
    await new Promise((r) => setTimeout(r, 2));
  }
  for (const id of [1, 2, 3]) assert.is((await peer.next((f) => f.id === id)).ok, true);
  peer.write(frames);
  for (const id of [1, 2, 3]) assert.is((await peer.next((f) => f.id === id)).ok, true);
  peer.close();
});

bad('hostile text is stored and returned byte for byte', async () => {
  const texts = [
    `quotes " and ' and \\ backslash`,
    "'; DROP TABLE messages; --",
    'nul \u0000 inside',
    'emoji 👩‍👩‍👧‍👦 🎉',
    '中文 日本語 한국어',
    'rtl \u202e reversed \u200f mark',
    'ansi \x1b]0;pwned\x07\x1b[2J clear',
    '{red-fg}blessed tags{/red-fg}',
    'line one\nline two\ttab',
  ];
  for (const text of texts) await alice.request('send', { to: 'bob', text });
  const h = await bob.request('history', { with: 'alice', limit: texts.length });
  assert.equal(h.messages.map((m) => m.text), texts);
});

bad('hostile but printable names are stored and returned byte for byte; unsafe ones are refused', async () => {
  const names = [`O'Brien "the" \\ one`, "x'; DROP TABLE users; --", '🦊 狐狸 ключ', '{red-fg}tag{/red-fg}'];
  const fox = await connectAs(server, 'fox-owner');
  for (const name of names) {
    const c = await ChatClient.connect({ host: server.host, port: server.port });
    assert.is((await c.request('register', { user: name, password: 'hostile-pw-1' })).user, name);
    await c.request('login', { user: name, password: 'hostile-pw-1' });
    await c.request('friend_add', { user: 'fox-owner' });
    c.destroy();
  }
  const { requests } = await fox.request('friends', {});
  assert.equal(requests.map((r) => r.name).sort(), [...names].sort());
  const group = `'; DROP TABLE chat_groups; -- 🎉`;
  assert.is((await fox.request('group_create', { group, desc: 'desc with \u0000 NUL and \x1b[2J' })).group, group);
  assert.equal((await fox.request('groups', {})).groups.map((g) => [g.name, g.desc]), [[group, 'desc with \u0000 NUL and \x1b[2J']]);
  for (const unsafe of ['nul\u0000name', 'esc\x1b[2Jname', 'rtl\u202ename', 'zero\u200bwidth']) {
    await rejectsWith(fox.request('group_create', { group: unsafe }), 'CHAT_ERR_BAD_NAME');
  }
  fox.destroy();
});

bad('a message text longer than the limit is refused with CHAT_ERR_TEXT_TOO_LONG', async () => {
  const small = await startServer({ args: ['--max-text-length', '100'] });
  try {
    const a = await connectAs(small, 'alice');
    const b = await connectAs(small, 'bob');
    await befriend(a, 'alice', b, 'bob');
    await rejectsWith(a.request('send', { to: 'bob', text: 'x'.repeat(101) }), 'CHAT_ERR_TEXT_TOO_LONG');
    assert.is((await a.request('send', { to: 'bob', text: 'x'.repeat(100) })).seq, 1);
    a.destroy();
    b.destroy();
  } finally {
    await small.stop();
  }
});

bad.run();
