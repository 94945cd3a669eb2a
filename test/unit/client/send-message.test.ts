// sendMessage on a reconnecting Session over fake connections: a message keeps its
// client_msg_id through every retry until the server answers, so a send whose ack was lost is
// stored once; a refusal is final; a session that ends rejects what is still waiting.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { outcomeUnknown, sendMessage } from '../../../lib/client/send-message.ts';
import { Session, type SessionOptions } from '../../../lib/client/session.ts';
import { ChatError } from '../../../lib/protocol/errors.ts';
import { rejectsWith } from '../../helpers/assert.ts';
import { FakeServer, until } from '../../helpers/fake-server.ts';

function setup(options: Partial<SessionOptions> = {}) {
  const server = new FakeServer();
  const session = new Session({
    host: '127.0.0.1', port: 1, backoff: { initialMs: 5, maxMs: 20 }, random: () => 0.5, receive: false, ...options, connect: server.connect,
  });
  const sends = () => server.requests.filter((r) => r.type === 'send').map((r) => r.body);
  return { server, session, sends };
}

const test = suite('sendMessage');

test('a send whose ack was lost goes again on the next connection with the same client_msg_id, and is stored once', async () => {
  const { server, session, sends } = setup();
  await session.login('me', 'pw-123456');
  server.loseNextAck = true;
  const outgoing = sendMessage(session, { to: 'bob' }, 'hello');
  const r = await outgoing.done;
  assert.is(server.connects, 2, 'it reconnected');
  assert.equal(sends().map((b) => b.client_msg_id), [outgoing.clientMsgId, outgoing.clientMsgId]);
  assert.equal(r, { conversation: 'c1', seq: 1, ts: server.messages[0]!.ts, duplicate: true });
  assert.equal(server.messages.map((m) => m.text), ['hello'], 'stored once');
  await session.close();
});

test('a client_msg_id given by the caller is the one sent, on every try', async () => {
  const { server, session, sends } = setup();
  await session.login('me', 'pw-123456');
  server.loseNextAck = true;
  const outgoing = sendMessage(session, { group: 'dev' }, 'hi', 'my-key-1');
  assert.is(outgoing.clientMsgId, 'my-key-1');
  await outgoing.done;
  assert.equal(sends(), [
    { group: 'dev', text: 'hi', client_msg_id: 'my-key-1' },
    { group: 'dev', text: 'hi', client_msg_id: 'my-key-1' },
  ]);
  await session.close();
});

test('messages whose acks were lost together go again in the order they were sent', async () => {
  const { server, session, sends } = setup();
  await session.login('me', 'pw-123456');
  const first = sendMessage(session, { to: 'bob' }, 'one');
  const second = sendMessage(session, { to: 'bob' }, 'two');
  server.loseNextAck = true; // the first is stored and its connection drops; the second was written to it too
  await Promise.all([first.done, second.done]);
  const ids = sends().map((b) => b.client_msg_id);
  assert.equal(ids.slice(-2), [first.clientMsgId, second.clientMsgId]);
  assert.equal(server.messages.map((m) => m.text), ['one', 'two']);
  await session.close();
});

test('a refusal is final: not retried, and rejected with the server\'s code', async () => {
  const { server, session, sends } = setup();
  await session.login('me', 'pw-123456');
  server.refuseNextSend = 'CHAT_ERR_NOT_FRIENDS';
  const outgoing = sendMessage(session, { to: 'bob' }, 'hello');
  await rejectsWith(outgoing.done, 'CHAT_ERR_NOT_FRIENDS');
  assert.is(sends().length, 1);
  assert.is(server.messages.length, 0);
  await session.close();
});

test('a session that gives up rejects the send with why, as an unknown outcome', async () => {
  const { server, session } = setup({ maxAttempts: 2 });
  await session.login('me', 'pw-123456');
  server.loseNextAck = true;
  server.up = false;
  const outgoing = sendMessage(session, { to: 'bob' }, 'hello');
  const err = await outgoing.done.then(() => null, (e: unknown) => e);
  assert.instance(err, ChatError);
  assert.is((err as ChatError).code, 'CHAT_ERR_CONNECT');
  assert.ok(outcomeUnknown(err), 'stored or not, only a retry with the same id can tell');
  await session.close();
});

test('closing the session ends a send still waiting for a connection', async () => {
  const { server, session } = setup({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
  await session.login('me', 'pw-123456');
  server.loseNextAck = true;
  const outgoing = sendMessage(session, { to: 'bob' }, 'hello');
  await until(() => session.state === 'reconnecting', 'reconnecting');
  await session.close();
  await rejectsWith(outgoing.done, 'CHAT_ERR_DISCONNECTED');
});

test('the outcome is unknown only for errors no server answer caused', () => {
  for (const code of ['CHAT_ERR_DISCONNECTED', 'CHAT_ERR_TIMEOUT', 'CHAT_ERR_CONNECT'] as const) assert.ok(outcomeUnknown(new ChatError(code)), code);
  for (const code of ['CHAT_ERR_NOT_FRIENDS', 'CHAT_ERR_DB_BUSY', 'CHAT_ERR_CLIENT_MSG_ID_REUSED'] as const) assert.not.ok(outcomeUnknown(new ChatError(code)), code);
  assert.not.ok(outcomeUnknown(new Error('x')));
});

test.run();
