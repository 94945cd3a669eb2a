// test-timeout: 120
// /block and /unblock in the real `chat` binary in a pseudo-terminal: a blocked user's group
// message shows as a placeholder, never its text; after /unblock their messages show again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('tui /block');
let server: RunningServer;
let tui: Tui;
let bob: ChatClient;
const PW = 'alice-s3cret-pw';

test.before(async () => {
  server = await startServer();
  await (await connectAs(server, 'alice', PW)).close();
  bob = await connectAs(server, 'bob');
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await server?.stop();
});

test('a blocked user\'s message shows as hidden; /unblock shows their messages again', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  tui.write('/create ops' + KEY.enter);
  await tui.waitFor('Created #ops.');
  await bob.request('group_join', { group: 'ops' });
  await bob.request('send', { group: 'ops', text: 'hello before the block' });
  await tui.waitFor('hello before the block');
  tui.write('/block bob' + KEY.enter);
  await tui.waitFor('Blocked bob');
  // the message already shown is read again, hidden now
  await tui.waitFor((t) => !t.includes('hello before the block') && t.includes('message hidden (blocked user)'), 10_000, 'the shown message to be hidden');
  await bob.request('send', { group: 'ops', text: 'a secret after the block' });
  await tui.waitFor((t) => (t.match(/message hidden \(blocked user\)/g) ?? []).length === 2, 10_000, 'two placeholders');
  assert.not.ok(tui.lines().join('\n').includes('a secret after the block'));
  tui.write('/unblock bob' + KEY.enter);
  await tui.waitFor('Unblocked bob');
  await tui.waitFor((t) => t.includes('a secret after the block') && t.includes('hello before the block'), 10_000, 'both messages shown again');
  await bob.request('send', { group: 'ops', text: 'visible after the unblock' });
  const after = await tui.waitFor('visible after the unblock');
  assert.ok(after.includes('hello before the block'), after);
});

test.run();
