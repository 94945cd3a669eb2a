// test-timeout: 150
// The real `chat` TUI in a pseudo-terminal, moderating a private group: /private, /invite, /op,
// /deop, /topic, /kick, /ban, /unban, /list; the header shows the topic and your role, /members the
// roles; and on the other side, an invitation arrives, /join accepts it, and a kick closes the
// conversation at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui: group moderation');
let server: RunningServer;
let tui: Tui;
let bob: ChatClient;
let carol: ChatClient;
const bobGot: PushFrame[] = [];
const carolGot: PushFrame[] = [];
const PW = 'alice-s3cret-pw';

test.before(async () => {
  server = await startServer();
  (await connectAs(server, 'alice', PW)).destroy();
  bob = await connectAs(server, 'bob');
  carol = await connectAs(server, 'carol');
  bob.onPush((f) => bobGot.push(f));
  carol.onPush((f) => carolGot.push(f));
  // an invitation made while alice is offline
  await bob.request('group_create', { group: 'early', private: true });
  await bob.request('group_invite', { group: 'early', user: 'alice' });
});

test.after(async () => {
  tui?.kill();
  bob?.destroy();
  carol?.destroy();
  await server?.stop();
});

const type = async (line: string, expect: string | RegExp) => {
  tui.write(line);
  tui.write(KEY.enter);
  return tui.waitFor(expect);
};
/** A refused command is put back into the input line for editing; this types it and then clears it. */
const refused = async (line: string, expect: string | RegExp) => {
  await type(line, expect);
  await tui.waitFor((t) => t.includes(`> ${line}`) || t.includes(`>${line}`), 5000, 'the command back in the input');
  for (let i = 0; i < line.length; i++) tui.write(KEY.backspace);
  await tui.waitFor((t) => !t.includes(line), 5000, 'the input to clear');
};

test('log in: the invitation made while offline is in the list', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 110, rows: 30 });
  await tui.waitFor('Password', 15_000);
  tui.write(PW);
  tui.write(KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  await tui.waitFor(/\+ #early invites you/);
  await type('/decline #early', 'Declined the invitation to #early');
  await tui.waitFor((t) => !t.includes('#early invites'), 5000, 'the invitation to leave the list');
});

test('a private group: the header shows privacy, your role and the topic; /invite and /op; /members shows roles', async () => {
  await type('/create ops', /#ops · public · you: creator/);
  await type('/private', /#ops · private · you: creator/);
  await type('/topic on call this week', /#ops · private · you: creator · on call this week/);
  await type('/invite bob', 'Invited bob to #ops');
  await waitFor(() => bobGot.some((f) => f.type === 'group_invite' && f.group === 'ops'), 5000, 'the invitation');
  await bob.request('group_join', { group: 'ops' });
  await type('/invite carol', 'Invited carol to #ops');
  await waitFor(() => carolGot.some((f) => f.type === 'group_invite'), 5000, 'carol\'s invitation');
  await carol.request('group_join', { group: 'ops' });
  await type('/op bob', 'bob is now an admin of #ops');
  await type('/members', /#ops · 3 members/);
  const text = tui.text();
  assert.match(text, /● alice +\(creator\)/);
  assert.match(text, /● bob +\(admin\)/);
  assert.match(text, /● carol *│/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('3 members'), 5000, 'the overlay to close');
  await type('/deop bob', 'bob is now a member of #ops');
});

test('/kick, /ban and /unban reach the target; refusals show their code', async () => {
  await type('/kick carol', 'Kicked carol from #ops');
  await waitFor(() => carolGot.some((f) => f.type === 'group_event' && f.event === 'kicked'), 5000, 'the kick');
  await type('/ban carol', 'Banned carol from #ops');
  await refused('/invite carol', 'that user is banned from the group');
  await type('/unban carol', 'Unbanned carol from #ops');
  await refused('/kick alice', 'you cannot do that to yourself');
  await type('/public', /#ops · public · you: creator/);
  await carol.request('group_create', { group: 'opera', desc: 'arias' });
  await carol.request('group_create', { group: 'hidden-one', private: true });
  await type('/list op', /Public groups: op…/);
  assert.match(tui.text(), /#ops · 2 members · on call this week/);
  assert.match(tui.text(), /#opera · 1 member · arias/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('Public groups'), 5000, 'the overlay to close');
  await type('/list', /Public groups/);
  assert.not.match(tui.text(), /hidden-one/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('Public groups'), 5000, 'the overlay to close');
});

test('an invitation arrives; /join accepts it; a kick closes the conversation at once', async () => {
  await carol.request('group_create', { group: 'den', desc: 'carol\'s den', private: true });
  await carol.request('group_invite', { group: 'den', user: 'alice' });
  await tui.waitFor('carol invites you to #den');
  await tui.waitFor(/\+ #den invites you/);
  await type('/join den', /#den · private · you: member · carol's den/);
  await tui.waitFor((t) => !t.includes('+ #den'), 5000, 'the invitation to leave the list');
  await carol.request('send', { group: 'den', text: 'hello in the den' });
  await tui.waitFor('hello in the den');
  await carol.request('group_kick', { group: 'den', user: 'alice' });
  await tui.waitFor('you were kicked from #den by carol');
  await tui.waitFor((t) => !t.includes('#den ·') && !t.includes('hello in the den'), 5000, 'the conversation to close');
  await carol.request('group_invite', { group: 'den', user: 'alice' });
  await tui.waitFor('carol invites you to #den');
  await type('/decline #den', 'Declined the invitation to #den');
});

test('Ctrl-C quits cleanly', async () => {
  tui.write(KEY.ctrlC);
  assert.is(await tui.waitExit(10_000), 0);
});

test.run();
