// test-timeout: 120
// The real `chat` TUI in a pseudo-terminal, managing its account: /passwd asks for the current
// and the new password in the input line, masked, and keeps neither in the input history;
// /sessions lists the sessions with their ids, /revoke ID ends one, /logout-all ends them all.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import type { ErrorCode } from '../../lib/protocol/errors.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('tui: account');
let server: RunningServer;
let tui: Tui;
const clients: ChatClient[] = [];
const OLD = 'first-s3cret-pw';
const NEW = 'second-s3cret-pw';
const ctrlUp = '\x1b[1;5A';

test.before(async () => {
  server = await startServer();
});

test.after(async () => {
  tui?.kill();
  for (const c of clients) c.destroy();
  await server?.stop();
});

async function login(password: string): Promise<ChatClient> {
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(c);
  await c.request('login', { user: 'alice', password });
  return c;
}

function closedWith(c: ChatClient): Promise<ErrorCode | undefined> {
  return new Promise((resolve) => {
    if (c.closed) resolve(undefined);
    c.onClose((err) => resolve((err as { code?: ErrorCode } | undefined)?.code));
  });
}

const type = async (line: string, expect: string | RegExp) => {
  tui.write(line);
  tui.write(KEY.enter);
  return tui.waitFor(expect);
};

test('log in', async () => {
  clients.push(await connectAs(server, 'alice', OLD));
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 110, rows: 30 });
  await tui.waitFor('Password', 15_000);
  tui.write(OLD);
  tui.write(KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  await type('/help', '/accept NAME');
  tui.write(KEY.pageDown);
  tui.write(KEY.pageDown);
  await tui.waitFor(/\/revoke ID +end one of them +\/logout-all/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('/revoke ID'), 5000, 'the help to close');
});

test('/passwd: three masked prompts; the other sessions end; no password in the input history', async () => {
  const other = await login(OLD);
  const otherClosed = closedWith(other);
  await type('/passwd', /current password \(hidden\)/);
  tui.write(OLD);
  await tui.waitFor('•'.repeat(OLD.length));
  assert.not.ok(tui.text().includes(OLD), 'the current password is not echoed');
  tui.write(KEY.enter);
  await tui.waitFor(/new password \(hidden\)/);
  tui.write(NEW);
  await tui.waitFor('•'.repeat(NEW.length));
  tui.write(KEY.enter);
  await tui.waitFor(/new password again \(hidden\)/);
  tui.write(NEW);
  await tui.waitFor('•'.repeat(NEW.length));
  assert.not.ok(tui.text().includes(NEW), 'the new password is not echoed');
  tui.write(KEY.enter);
  await tui.waitFor(/Password changed; 2 other sessions ended\./);
  assert.is(await otherClosed, 'CHAT_ERR_SESSION_REVOKED');
  await rejectsWith(login(OLD), 'CHAT_ERR_AUTH_FAILED');
  await login(NEW);

  // Ctrl-↑ shows the newest line typed: the command, not a password typed after it.
  tui.write(ctrlUp);
  await tui.waitFor(/> \/passwd/);
  assert.not.ok(tui.text().includes(NEW), 'no password in the input history');
  for (let i = 0; i < '/passwd'.length; i++) tui.write(KEY.backspace);
  await tui.waitFor((t) => !t.includes('> /passwd'), 5000, 'the input to clear');
});

test('/passwd: new passwords that differ, and Esc, change nothing', async () => {
  await type('/passwd', /current password \(hidden\)/);
  await type(NEW, /new password \(hidden\)/);
  await type('third-s3cret-pw', /new password again/);
  await type('thrid-s3cret-pw', /the two new passwords differ; nothing was changed/);
  await type('/passwd', /current password \(hidden\)/);
  tui.write(NEW);
  await tui.waitFor('•'.repeat(NEW.length));
  tui.write(KEY.escape);
  await tui.waitFor(/\/passwd: cancelled, nothing was changed/);
  await tui.waitFor((t) => !t.includes('•'.repeat(NEW.length)), 5000, 'the prompt to clear');
  (await login(NEW)).destroy();
});

test('/sessions lists the sessions with ids; /revoke ID ends one', async () => {
  const other = await login(NEW);
  const mine = (await other.request('sessions', {})).sessions.find((s) => s.current)!;
  const otherClosed = closedWith(other);
  await type('/sessions', /Your sessions · \d+/);
  const listed = tui.text();
  assert.ok(listed.includes(mine.id), 'the other session\'s id is listed');
  assert.match(listed, new RegExp(`\\S+  this session`));
  assert.match(listed, /\/revoke ID ends one/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('Your sessions'), 5000, 'the list to close');
  await type(`/revoke ${mine.id}`, `Session ${mine.id} ended.`);
  assert.is(await otherClosed, 'CHAT_ERR_SESSION_REVOKED');
});

test('/logout-all ends every session, this one too', async () => {
  const other = await login(NEW);
  const otherClosed = closedWith(other);
  tui.write('/logout-all');
  tui.write(KEY.enter);
  assert.is(await tui.waitExit(10_000), 0);
  assert.is(await otherClosed, 'CHAT_ERR_SESSION_REVOKED');
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(c);
  const { token } = await c.request('login', { user: 'alice', password: NEW });
  assert.equal((await c.request('sessions', {})).sessions.map((s) => s.current), [true], 'no token is left but the new one');
  assert.ok(token);
});

test.run();
