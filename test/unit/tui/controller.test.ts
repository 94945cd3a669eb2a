// The controller without a network: the queue applies actions in order, renders at most once
// per tick, input that cannot be sent comes back to the input line, and a message whose ack was
// lost is resent under its own client_msg_id (fake connections). Command parsing too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseInput } from '../../../lib/tui/commands.ts';
import { Controller } from '../../../lib/tui/controller.ts';
import type { State } from '../../../lib/tui/state.ts';
import { HEAD } from '../../../lib/tui/viewport.ts';
import { FakeServer, until } from '../../helpers/fake-server.ts';

const test = suite('controller');
const tick = () => new Promise((r) => setImmediate(r));

function make() {
  const renders: State[] = [];
  const exits: number[] = [];
  const c = new Controller({ server: '127.0.0.1:1', user: 'me', render: (s) => renders.push(s), exit: (code) => exits.push(code) });
  return { c, renders, exits };
}

test('a burst of actions renders once, with the state after all of them', async () => {
  const { c, renders } = make();
  for (let i = 0; i < 100; i++) c.dispatch({ t: 'edit', target: 'input', op: { insert: 'x' } });
  assert.is(renders.length, 0, 'nothing is drawn inside the tick');
  await tick();
  assert.is(renders.length, 1);
  assert.is(renders[0]!.input.value, 'x'.repeat(100));
  c.dispatch({ t: 'notice', text: 'later' });
  await tick();
  assert.is(renders.length, 2, 'the next tick renders again');
});

test('an action dispatched while the queue drains (from an effect) is applied in order, not lost', async () => {
  const { c, renders } = make();
  c.dispatch({ t: 'logged_in', user: 'me', server: 'x' });
  // /help dispatches clear, then overlay, from inside submit
  c.dispatch({ t: 'edit', target: 'input', op: { insert: '/help' } });
  c.submit();
  await tick();
  assert.is(renders.at(-1)!.overlay?.title, 'Help');
  assert.is(renders.at(-1)!.input.value, '');
});

test('text with no conversation open is not lost: a notice, and the text back in the input', async () => {
  const { c } = make();
  c.dispatch({ t: 'logged_in', user: 'me', server: 'x' });
  c.dispatch({ t: 'edit', target: 'input', op: { insert: 'hello there' } });
  c.submit();
  assert.match(c.state.notice!.text, /Open a conversation first/);
  assert.is(c.state.input.value, 'hello there');
});

test('commands while not connected say so and keep the text', async () => {
  const { c } = make();
  c.dispatch({ t: 'logged_in', user: 'me', server: 'x' });
  c.dispatch({ t: 'edit', target: 'input', op: { insert: '/add bob' } });
  c.submit();
  assert.ok(c.state.notice!.error);
  assert.match(c.state.notice!.text, /Not connected/);
  assert.is(c.state.input.value, '/add bob');
});

test('login checks the fields before connecting', async () => {
  const { c } = make();
  c.login('login');
  assert.is(c.state.login.error, 'Enter a password.');
  c.dispatch({ t: 'edit', target: 2, op: { insert: 'pw-123456' } });
  c.dispatch({ t: 'edit', target: 0, op: 'clear' });
  c.dispatch({ t: 'edit', target: 0, op: { insert: 'no-port-here:99999' } });
  c.login('login');
  assert.match(c.state.login.error!, /server/);
  assert.is(c.state.screen, 'login');
});

test('a message whose ack was lost is resent after the reconnect with its client_msg_id, stored and shown once', async () => {
  const server = new FakeServer();
  const c = new Controller({
    server: '127.0.0.1:1', user: 'me', render: () => {}, exit: () => {},
    session: { connect: server.connect, backoff: { initialMs: 5, maxMs: 20 }, random: () => 0.5 },
  });
  c.dispatch({ t: 'edit', target: 2, op: { insert: server.password } });
  c.login('login');
  await until(() => c.state.screen === 'chat' && c.state.friends.length === 1, 'logged in, with the roster');
  c.open('@bob');
  c.dispatch({ t: 'edit', target: 'input', op: { insert: 'hello bob' } });
  server.loseNextAck = true; // stored, then the connection drops before the reply
  c.submit();
  await until(() => server.connects === 2 && c.state.connection.state === 'connected', 'reconnected');
  await until(() => c.state.conversations['@bob']!.messages.some((m) => m.text === 'hello bob'), 'the message shown');
  assert.is(c.state.input.value, '', 'the message is on its way, not back in the input to be typed again');
  // what a user does with a message that came back to the input: send it again
  if (c.state.input.value !== '') c.submit();
  await until(() => c.state.conversations['@bob']!.messages.length === server.messages.length, 'every send answered and shown');
  const ids = server.requests.filter((r) => r.type === 'send').map((r) => r.body.client_msg_id);
  assert.is(new Set(ids).size, 1, `one client_msg_id on every try: ${ids.join(', ')}`);
  assert.equal(server.messages.map((m) => m.text), ['hello bob'], 'stored once');
  assert.equal(c.state.conversations['@bob']!.messages.map((m) => m.text), ['hello bob'], 'shown once');
  c.quit();
});

test('paging back: the view at the top of the window asks for the page before it, once, until the first message', async () => {
  const server = new FakeServer();
  for (let i = 1; i <= 450; i++) server.add(`m${i}`);
  server.delivered = 450; // no backlog to sync: only paging fetches
  const c = new Controller({ server: '127.0.0.1:1', user: 'me', render: () => {}, exit: () => {}, session: { connect: server.connect } });
  c.dispatch({ t: 'edit', target: 2, op: { insert: server.password } });
  c.login('login');
  await until(() => c.state.screen === 'chat' && c.state.friends.length === 1, 'logged in');
  c.open('@bob');
  const conv = () => c.state.conversations['@bob']!;
  await until(() => conv().historyLoaded, 'the newest page');
  assert.is(conv().messages[0]!.seq, 251);
  const befores = () => server.requests.filter((r) => r.type === 'history' && r.body.before !== undefined).map((r) => r.body.before);
  c.dispatch({ t: 'scroll', to: { seq: HEAD, line: 0 } });
  c.dispatch({ t: 'scroll', to: { seq: HEAD, line: 0 } });
  await until(() => conv().messages[0]!.seq === 51, 'the page before');
  assert.equal(befores(), [251], 'asked once, though the view moved twice meanwhile');
  assert.equal(c.state.scroll, { seq: 251, line: -1 }, 'the view kept its place');
  c.dispatch({ t: 'scroll', to: { seq: HEAD, line: 0 } });
  await until(() => conv().older === 'start', 'the beginning');
  assert.equal(befores(), [251, 51]);
  assert.is(conv().messages[0]!.seq, 1);
  c.dispatch({ t: 'scroll', to: { seq: HEAD, line: 0 } });
  await tick();
  assert.equal(befores(), [251, 51], 'nothing before the first message');
  c.quit();
});

test('typing: sent while typing text in a conversation, at most once per 3 s, never for a slash command', async () => {
  const server = new FakeServer();
  server.add('m1');
  server.delivered = 1;
  const c = new Controller({ server: '127.0.0.1:1', user: 'me', render: () => {}, exit: () => {}, session: { connect: server.connect } });
  c.dispatch({ t: 'edit', target: 2, op: { insert: server.password } });
  c.login('login');
  await until(() => c.state.screen === 'chat' && c.state.friends.length === 1, 'logged in');
  c.open('@bob');
  const typings = () => server.requests.filter((r) => r.type === 'typing');
  for (const ch of '/members') c.dispatch({ t: 'edit', target: 'input', op: { insert: ch } });
  await tick();
  assert.is(typings().length, 0, 'a command is not typing');
  c.dispatch({ t: 'edit', target: 'input', op: 'clear' });
  for (const ch of 'hello') c.dispatch({ t: 'edit', target: 'input', op: { insert: ch } });
  await until(() => typings().length > 0, 'a typing request');
  await tick();
  assert.equal(typings().map((r) => r.body), [{ with: 'bob' }], 'once for the burst');
  c.quit();
});

test('quit before logging in exits at once with 0', () => {
  const { c, exits } = make();
  c.quit();
  c.quit();
  assert.equal(exits, [0]);
});

const commands = suite('commands');

commands('slash commands parse, anything else is text to send', () => {
  assert.equal(parseInput('hello'), { cmd: 'send', text: 'hello' });
  assert.equal(parseInput('//shrug'), { cmd: 'send', text: '/shrug' });
  assert.equal(parseInput('/add bob'), { cmd: 'add', name: 'bob' });
  assert.equal(parseInput('/ACCEPT bob'), { cmd: 'accept', name: 'bob' });
  assert.equal(parseInput('/create dev  the dev team '), { cmd: 'create', name: 'dev', desc: 'the dev team' });
  assert.equal(parseInput('/create dev'), { cmd: 'create', name: 'dev', desc: '' });
  assert.equal(parseInput('/leave'), { cmd: 'leave' });
  assert.equal(parseInput('/members dev'), { cmd: 'members', name: 'dev' });
  assert.equal(parseInput('/quit'), { cmd: 'quit' });
  assert.is(parseInput('/add').cmd, 'error');
  assert.is(parseInput('/add bob carol').cmd, 'error');
  assert.is(parseInput('/nope').cmd, 'error');
  assert.equal(parseInput('/join 中文组'), { cmd: 'join', name: '中文组' });
  assert.equal(parseInput('/mute'), { cmd: 'mute', level: 'none' });
  assert.equal(parseInput('/mute mentions'), { cmd: 'mute', level: 'mentions' });
  assert.equal(parseInput('/unmute'), { cmd: 'mute', level: 'all' });
  assert.is(parseInput('/mute loud').cmd, 'error');
  assert.is(parseInput('/mute none extra').cmd, 'error');
  assert.is(parseInput('/unmute bob').cmd, 'error');
  assert.equal(parseInput('/search  会议 notes '), { cmd: 'search', query: '会议 notes' });
  assert.is(parseInput('/search').cmd, 'error');
});

commands('group moderation commands act on the open group; /decline #GROUP is an invitation, /decline NAME a friend', () => {
  assert.equal(parseInput('/invite bob'), { cmd: 'invite', user: 'bob' });
  assert.equal(parseInput('/kick bob'), { cmd: 'kick', user: 'bob' });
  assert.equal(parseInput('/ban bob'), { cmd: 'ban', user: 'bob' });
  assert.equal(parseInput('/unban bob'), { cmd: 'unban', user: 'bob' });
  assert.equal(parseInput('/op bob'), { cmd: 'op', user: 'bob' });
  assert.equal(parseInput('/deop bob'), { cmd: 'deop', user: 'bob' });
  assert.equal(parseInput('/topic  on call  this week '), { cmd: 'topic', text: 'on call  this week' });
  assert.equal(parseInput('/private'), { cmd: 'private' });
  assert.equal(parseInput('/public'), { cmd: 'public' });
  assert.equal(parseInput('/list'), { cmd: 'list' });
  assert.equal(parseInput('/list de'), { cmd: 'list', prefix: 'de' });
  assert.equal(parseInput('/decline #ops'), { cmd: 'decline_invite', name: 'ops' });
  assert.equal(parseInput('/decline bob'), { cmd: 'decline', name: 'bob' });
  for (const bad of ['/kick', '/kick a b', '/topic', '/private now', '/list a b', '/op']) assert.is(parseInput(bad).cmd, 'error', bad);
});

test.run();
commands.run();
