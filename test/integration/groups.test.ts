// test-timeout: 120
// Private groups, invitations, kicks and bans, and history visibility, through a real server
// over real sockets: what outsiders see, what reaches every session of the user acted on, and
// what history and sync return.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { RawPeer } from '../helpers/raw.ts';
import { connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('groups over the wire');
let server: RunningServer;
const clients: ChatClient[] = [];
let n = 0;

test.before(async () => {
  server = await startServer();
});
test.after(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

/** A fresh user (registered) and `sessions` logged-in connections, each recording its pushes. */
async function user(prefix: string, sessions = 1): Promise<{ name: string; sessions: { client: ChatClient; pushes: PushFrame[] }[] }> {
  const name = `${prefix}${++n}`;
  const out: { client: ChatClient; pushes: PushFrame[] }[] = [];
  for (let i = 0; i < sessions; i++) {
    const client = await connectAs(server, name, `${name}-s3cret-pw`, i === 0);
    clients.push(client);
    const pushes: PushFrame[] = [];
    client.onPush((f) => pushes.push(f));
    out.push({ client, pushes });
  }
  return { name, sessions: out };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err: any) {
    return err.code;
  }
}

test('to an outsider a private group answers join, history, members and send with the same frame as a missing group', async () => {
  const owner = await user('own');
  const group = `secret${n}`;
  await owner.sessions[0]!.client.request('group_create', { group, private: true });
  const outsider = await user('out');
  const raw = await RawPeer.open(server.port);
  try {
    await raw.request({ id: 1, type: 'login', user: outsider.name, password: `${outsider.name}-s3cret-pw` });
    const ask = async (id: number, name: string) => {
      const bodies = [
        { type: 'group_join', group: name },
        { type: 'history', group: name },
        { type: 'group_members', group: name },
        { type: 'send', group: name, text: 'hello?' },
        { type: 'group_leave', group: name },
        { type: 'group_decline', group: name },
      ];
      const frames: string[] = [];
      for (const [i, body] of bodies.entries()) {
        const reply = await raw.request({ id: id + i, ...body });
        frames.push(JSON.stringify({ ...reply, id: 0 }));
      }
      return frames;
    };
    const hidden = await ask(100, group);
    const missing = await ask(200, `nobody-has-${n}`);
    assert.equal(hidden, missing);
    assert.ok(hidden.every((f) => JSON.parse(f).code === 'CHAT_ERR_NO_SUCH_GROUP'), hidden.join('\n'));
    // Only create tells that the name is taken.
    const taken = await raw.request({ id: 300, type: 'group_create', group });
    assert.is(taken.code, 'CHAT_ERR_GROUP_TAKEN');
  } finally {
    raw.close();
  }
});

test('an invitation waits while the user is offline, reaches every session, and joining uses it up', async () => {
  const owner = await user('own');
  const group = `ops${n}`;
  const alice = owner.sessions[0]!.client;
  await alice.request('group_create', { group, desc: 'on call', private: true });
  // bob is registered but offline
  const bobName = `bob${++n}`;
  (await connectAs(server, bobName, `${bobName}-s3cret-pw`)).destroy();
  await alice.request('group_invite', { group, user: bobName });
  const a = await connectAs(server, bobName, `${bobName}-s3cret-pw`, false);
  const b = await connectAs(server, bobName, `${bobName}-s3cret-pw`, false);
  clients.push(a, b);
  assert.equal((await a.request('groups', {})).invites, [{ group, desc: 'on call', from: owner.name }]);
  const pushes: PushFrame[][] = [[], []];
  a.onPush((f) => pushes[0]!.push(f));
  b.onPush((f) => pushes[1]!.push(f));
  await alice.request('group_invite', { group, user: bobName }); // again: one invitation, pushed again
  const invite = { type: 'group_invite', group, from: owner.name, desc: 'on call' };
  await waitFor(() => pushes.every((p) => p.some((f) => f.type === 'group_invite')), 5000, 'the invite on both sessions');
  for (const p of pushes) assert.equal(p.find((f) => f.type === 'group_invite'), invite);
  assert.is((await a.request('groups', {})).invites.length, 1);
  await a.request('group_join', { group });
  assert.equal((await b.request('groups', {})).invites, []);
  assert.equal((await b.request('group_members', { group })).members.map((m) => [m.name, m.role]), [[owner.name, 'creator'], [bobName, 'member']]);
});

test('a kick reaches every session of the target and ends their view; a ban keeps them out', async () => {
  const owner = await user('own');
  const target = await user('tgt', 2);
  const member = await user('mem');
  const group = `pub${n}`;
  const alice = owner.sessions[0]!.client;
  const { conversation } = await alice.request('group_create', { group });
  await target.sessions[0]!.client.request('group_join', { group });
  await member.sessions[0]!.client.request('group_join', { group });
  await alice.request('send', { group, text: 'before' });

  await alice.request('group_kick', { group, user: target.name });
  const kicked = { type: 'group_event', group, user: target.name, event: 'kicked', by: owner.name };
  for (const s of [...target.sessions, ...member.sessions]) {
    await waitFor(() => s.pushes.some((f) => f.type === 'group_event' && f.event === 'kicked'), 5000, 'the kick');
    assert.equal(s.pushes.find((f) => f.type === 'group_event' && f.event === 'kicked'), kicked);
  }
  const t = target.sessions[1]!.client;
  assert.is(await codeOf(t.request('history', { group })), 'CHAT_ERR_NOT_MEMBER');
  assert.is(await codeOf(t.request('sync', { conversation, after: 0 })), 'CHAT_ERR_NO_SUCH_CONVERSATION');
  assert.is(await codeOf(t.request('send', { group, text: 'still here?' })), 'CHAT_ERR_NOT_MEMBER');
  // Nothing more is pushed to them: the member gets the next message, the kicked user does not.
  await alice.request('send', { group, text: 'after the kick' });
  await waitFor(() => member.sessions[0]!.pushes.some((f) => f.type === 'message' && f.text === 'after the kick'), 5000, 'the message');
  // A marker sent to the target afterwards proves the earlier message had its chance to arrive.
  await alice.request('group_invite', { group, user: target.name });
  for (const s of target.sessions) {
    await waitFor(() => s.pushes.some((f) => f.type === 'group_invite'), 5000, 'the marker');
    assert.not.ok(s.pushes.some((f) => f.type === 'message' && f.text === 'after the kick'));
  }

  // Kicked, they may come back; banned, they may not.
  await t.request('group_join', { group });
  await alice.request('group_ban', { group, user: target.name });
  await waitFor(() => target.sessions.every((s) => s.pushes.some((f) => f.type === 'group_event' && f.event === 'banned')), 5000, 'the ban');
  assert.is(await codeOf(t.request('group_join', { group })), 'CHAT_ERR_BANNED');
  assert.is(await codeOf(alice.request('group_invite', { group, user: target.name })), 'CHAT_ERR_USER_BANNED');
  assert.is(await codeOf(t.request('history', { group })), 'CHAT_ERR_NOT_MEMBER');
  await alice.request('group_unban', { group, user: target.name });
  await t.request('group_join', { group });
});

test('history visibility: a joined group shows a member what came after their join; a rejoin starts again', async () => {
  const owner = await user('own');
  const joiner = await user('new');
  const group = `hist${n}`;
  const alice = owner.sessions[0]!.client;
  const bob = joiner.sessions[0]!.client;
  const { conversation, history } = await alice.request('group_create', { group, private: true });
  assert.is(history, 'joined');
  await alice.request('send', { group, text: 'm1' });
  await alice.request('send', { group, text: 'm2' });
  await alice.request('group_invite', { group, user: joiner.name });
  await bob.request('group_join', { group });
  await alice.request('send', { group, text: 'm3' });
  const texts = (r: { messages: { text: string }[] }) => r.messages.map((m) => m.text);
  assert.equal(texts(await bob.request('history', { group })), ['m3']);
  assert.equal(texts(await bob.request('sync', { conversation, after: 0 })), ['m3']);
  assert.equal(texts(await alice.request('history', { group })), ['m1', 'm2', 'm3']);

  await bob.request('group_leave', { group });
  assert.is(await codeOf(bob.request('history', { conversation })), 'CHAT_ERR_NO_SUCH_CONVERSATION');
  await alice.request('send', { group, text: 'm4' });
  // A switch to shared applies to later joins; bob's rejoin is one.
  await alice.request('group_set', { group, history: 'shared' });
  await alice.request('group_invite', { group, user: joiner.name });
  await bob.request('group_join', { group });
  assert.equal(texts(await bob.request('history', { group })), ['m1', 'm2', 'm3', 'm4']);
  await alice.request('group_set', { group, history: 'joined' });
  assert.equal(texts(await bob.request('history', { group })), ['m1', 'm2', 'm3', 'm4'], 'a switch leaves existing members as they joined');
  await bob.request('group_leave', { group });
  await alice.request('send', { group, text: 'm5' });
  await alice.request('group_invite', { group, user: joiner.name });
  await bob.request('group_join', { group });
  await alice.request('send', { group, text: 'm6' });
  assert.equal(texts(await bob.request('history', { group })), ['m6'], 'the rejoin starts from the rejoin');
  assert.equal(texts(await bob.request('sync', { conversation, after: 0 })), ['m6']);
});

test('a live reply quotes its target only to the members who may see the target', async () => {
  const owner = await user('own');
  const early = await user('old');
  const late = await user('new', 2);
  const group = `quote${n}`;
  const alice = owner.sessions[0]!.client;
  await alice.request('group_create', { group, private: true });
  await alice.request('group_invite', { group, user: early.name });
  await early.sessions[0]!.client.request('group_join', { group });
  const { seq: old } = await alice.request('send', { group, text: 'before the join' });
  await alice.request('group_invite', { group, user: late.name });
  await late.sessions[0]!.client.request('group_join', { group });
  const { seq: fresh } = await alice.request('send', { group, text: 'after the join' });
  const replies = async (target: number, text: string) => {
    const { seq } = await alice.request('send', { group, text, reply_to: target });
    const pushOf = (s: { pushes: PushFrame[] }) => s.pushes.find((f) => f.type === 'message' && f.seq === seq) as any;
    const everyone = [early.sessions[0]!, ...late.sessions];
    await waitFor(() => everyone.every((s) => pushOf(s) !== undefined), 5000, `the push of ${text}`);
    return { early: pushOf(early.sessions[0]!).reply_to, late: late.sessions.map((s) => pushOf(s).reply_to) };
  };
  const toOld = await replies(old, 'answering the old one');
  assert.equal(toOld.early, { seq: old, from: owner.name, excerpt: 'before the join' });
  // As history and sync show it to them: the seq only.
  assert.equal(toOld.late, [{ seq: old, from: '', excerpt: '' }, { seq: old, from: '', excerpt: '' }]);
  const history = await late.sessions[0]!.client.request('history', { group });
  assert.equal(history.messages.at(-1)!.reply_to, toOld.late[0]);
  // The later member cannot answer what they cannot see: the same code as a seq that is not there.
  assert.is(await codeOf(late.sessions[0]!.client.request('send', { group, text: 'hm?', reply_to: old })), 'CHAT_ERR_NO_SUCH_MESSAGE');
  const toFresh = await replies(fresh, 'answering the new one');
  assert.equal(toFresh.early, { seq: fresh, from: owner.name, excerpt: 'after the join' });
  assert.equal(toFresh.late, [toFresh.early, toFresh.early]);
});

test('an edit of a message from before the join reaches a later member without its text, live and in sync', async () => {
  const owner = await user('own');
  const early = await user('old');
  const late = await user('new');
  const group = `edit${n}`;
  const alice = owner.sessions[0]!.client;
  await alice.request('group_create', { group, private: true });
  await alice.request('group_invite', { group, user: early.name });
  await early.sessions[0]!.client.request('group_join', { group });
  const { seq: old, conversation } = await alice.request('send', { group, text: 'secret before' });
  await alice.request('group_invite', { group, user: late.name });
  await late.sessions[0]!.client.request('group_join', { group });
  const { seq: fresh } = await alice.request('send', { group, text: 'after' });
  const edits = async (target: number, text: string) => {
    const { seq } = await alice.request('edit', { group, seq: target, text });
    const pushOf = (s: { pushes: PushFrame[] }) => s.pushes.find((f) => f.type === 'edit' && (f as any).seq === seq) as any;
    await waitFor(() => pushOf(early.sessions[0]!) !== undefined && pushOf(late.sessions[0]!) !== undefined, 5000, `the push of ${text}`);
    return { seq, early: pushOf(early.sessions[0]!).text, late: pushOf(late.sessions[0]!).text };
  };
  const hidden = await edits(old, 'still secret');
  assert.equal([hidden.early, hidden.late], ['still secret', '']);
  const shown = await edits(fresh, 'after, fixed');
  assert.equal([shown.early, shown.late], ['after, fixed', 'after, fixed']);
  const synced = (await late.sessions[0]!.client.request('sync', { conversation, after: 0 })).messages as any[];
  assert.equal(synced.filter((m) => m.kind === 'edit').map((m) => [m.target, m.text]), [[old, ''], [fresh, 'after, fixed']]);
});

test('roles: the creator makes an admin, who moderates members but not admins; transfer and delete', async () => {
  const owner = await user('own');
  const adm = await user('adm');
  const mem = await user('mem');
  const group = `roles${n}`;
  const alice = owner.sessions[0]!.client;
  await alice.request('group_create', { group, desc: 'first' });
  await adm.sessions[0]!.client.request('group_join', { group });
  await mem.sessions[0]!.client.request('group_join', { group });
  await alice.request('group_role', { group, user: adm.name, role: 'admin' });
  const admin = adm.sessions[0]!.client;
  await waitFor(() => mem.sessions[0]!.pushes.some((f) => f.type === 'group_event' && f.event === 'role'), 5000, 'the role event');
  assert.equal(mem.sessions[0]!.pushes.find((f) => f.type === 'group_event' && f.event === 'role'),
    { type: 'group_event', group, user: adm.name, event: 'role', by: owner.name, role: 'admin' });
  assert.equal((await admin.request('group_topic', { group, desc: 'second' })), { group, desc: 'second' });
  assert.is(await codeOf(admin.request('group_kick', { group, user: owner.name })), 'CHAT_ERR_FORBIDDEN');
  assert.is(await codeOf(admin.request('group_delete', { group })), 'CHAT_ERR_FORBIDDEN');
  assert.is(await codeOf(mem.sessions[0]!.client.request('group_topic', { group, desc: 'mine' })), 'CHAT_ERR_FORBIDDEN');
  assert.equal((await alice.request('group_members', { group })).members.map((m) => m.role), ['creator', 'admin', 'member']);
  await alice.request('group_transfer', { group, user: mem.name });
  assert.equal((await alice.request('group_members', { group })).members.map((m) => m.role), ['admin', 'admin', 'creator']);
  assert.is(await codeOf(alice.request('group_delete', { group })), 'CHAT_ERR_FORBIDDEN');
  await mem.sessions[0]!.client.request('group_delete', { group });
  await waitFor(() => owner.sessions[0]!.pushes.some((f) => f.type === 'group_event' && f.event === 'deleted'), 5000, 'the deletion');
  assert.equal((await alice.request('groups', {})).groups, []);
});

test.run();
