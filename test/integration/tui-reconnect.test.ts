// test-timeout: 90
// The real `chat` TUI while its server restarts: the status line says reconnecting, the draft in
// the input survives, and once the server is back (same port, same data) the TUI resumes by
// itself and shows what was sent meanwhile (through another server, so only a re-sync can bring
// it), once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { MessageView, PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui reconnect');

let server: RunningServer;
let tui: Tui | undefined;
const clients: ChatClient[] = [];

test.after(async () => {
  tui?.kill();
  for (const c of clients) c.destroy();
  await server?.stop();
});

test('the server restarts: reconnecting…, then connected again with the gap filled and the draft kept', async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', 'alice-s3cret-pw');
  const bob = await connectAs(server, 'bob');
  clients.push(alice, bob);
  await befriend(alice, 'alice', bob, 'bob');
  await alice.request('logout', {});
  await bob.request('send', { to: 'alice', text: 'before the restart' });

  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 26 });
  await tui.waitFor('Password', 15_000);
  tui.write('alice-s3cret-pw');
  tui.write(KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  tui.write(KEY.ctrlN);
  await tui.waitFor(/│ before the restart +│/);

  const port = server.port;
  const dbPath = server.dbPath;
  await server.stop();
  await tui.waitFor(/◌ reconnecting…/, 10_000);
  assert.not.match(tui.text(), /● connected/);
  tui.write('draft typed while away');
  await tui.waitFor('> draft typed while away');
  // let a few attempts fail, so the backoff shows in the status line
  await tui.waitFor(/attempt \d+, next in \d+s/, 10_000);

  // bob writes through another server on the same data, while alice's server is down: the
  // message is stored but no push can reach alice, so only her re-sync can bring it
  const other = await startServer({ dbPath });
  const bobElsewhere = await connectAs(other, 'bob', undefined, false);
  await bobElsewhere.request('send', { to: 'alice', text: 'sent during the gap' });
  await bobElsewhere.close();
  await other.stop();

  server = await startServer({ dbPath, port });
  const bob2 = await connectAs(server, 'bob', undefined, false);
  clients.push(bob2);
  const bobGot: MessageView[] = [];
  bob2.onPush((f: PushFrame) => {
    if (f.type === 'message') bobGot.push(f);
  });

  await tui.waitFor(/alice · ● connected/, 20_000);
  await tui.waitFor(/│ sent during the gap +│/, 10_000);
  const screen = tui.text();
  assert.is(screen.split('sent during the gap').length - 1, 1, 'shown once');
  assert.is(screen.split('before the restart').length - 1, 1, 'the earlier message is not repeated');
  assert.ok(screen.includes('> draft typed while away'), 'the draft survived');

  tui.write(KEY.enter);
  await waitFor(() => bobGot.some((m) => m.text === 'draft typed while away'), 10_000, 'bob to get the draft');
  await tui.waitFor(/│ draft typed while away +│/);

  tui.write(KEY.ctrlC);
  const code = await tui.waitExit();
  assert.is(code, 0);
});

test.run();
