// Sessions.deliver and blocks: a session that blocked an entry's sender gets its placeholder (or
// nothing, for typing), the others the frame itself, and a block event changes every session's
// blocked set, the one that made the change too, before anything is sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { messagePush, typingPush } from '../../../lib/protocol/frames.ts';
import type { SessionUser } from '../../../lib/server/connection.ts';
import type { ServerSession } from '../../../lib/server/session.ts';
import { Sessions } from '../../../lib/server/sessions.ts';

function fake(id: string, user: SessionUser): ServerSession & { got: string[] } {
  const got: string[] = [];
  return { id, user, got, send: (line: string) => got.push(line), end: (line: string) => got.push(line) } as unknown as ServerSession & { got: string[] };
}

const TS = '2026-11-26T15:52:29.361Z';

test('a blocker\'s sessions get placeholders; block events move the set on every session', () => {
  const sessions = new Sessions();
  const ann1 = fake('n:1', { id: 1, name: 'ann', tokenHash: 'h1', blocked: new Set([5]) });
  const ann2 = fake('n:2', { id: 1, name: 'ann', tokenHash: 'h2', blocked: new Set([5]) });
  const cid = fake('n:3', { id: 3, name: 'cid', tokenHash: 'h3', blocked: new Set() });
  sessions.add(1, ann1);
  sessions.add(1, ann2);
  sessions.add(3, cid);
  const frame = messagePush('c2', 4, 'bob', 'group', 'ops', 'secret', TS, 'b-1');
  assert.is(sessions.deliver({ users: [1, 3], frame, sender: 5 }), 3);
  const placeholder = JSON.stringify({ type: 'message', conversation: 'c2', seq: 4, from: 'bob', group: 'ops', text: '', ts: TS, hidden: true }) + '\n';
  assert.equal([ann1.got, ann2.got, cid.got], [[placeholder], [placeholder], [frame]]);
  const typing = typingPush('c2', 'bob', 'ops');
  sessions.deliver({ users: [1, 3], frame: typing, sender: 5, blockedGet: 'nothing' });
  assert.equal([ann1.got.length, cid.got.at(-1)], [1, typing], 'typing from a blocked user never reaches the blocker');
  sessions.deliver({ users: [1], frame: 'unblocked\n', exceptConn: 'n:1', block: { id: 5, blocked: false } });
  assert.equal([ann1.user!.blocked!.has(5), ann2.user!.blocked!.has(5)], [false, false], 'the acting session\'s set too');
  assert.equal([ann1.got.length, ann2.got.at(-1)], [1, 'unblocked\n']);
  sessions.deliver({ users: [1, 3], frame, sender: 5 });
  assert.equal([ann1.got.at(-1), cid.got.at(-1)], [frame, frame]);
  sessions.deliver({ users: [3], frame: 'blocked\n', block: { id: 5, blocked: true } });
  sessions.deliver({ users: [1, 3], frame, sender: 5 });
  assert.equal([ann1.got.at(-1), cid.got.at(-1)], [frame, placeholder]);
  // cid blocked 5: ann's reply to 5's message reaches cid without the quoted text
  const reply = messagePush('c2', 6, 'ann', 'group', 'ops', 'agreed', TS, null, { seq: 4, from: 'bob', excerpt: 'secret' });
  sessions.deliver({ users: [1, 3], frame: reply, sender: 1, quoted: 5 });
  assert.is(ann1.got.at(-1), reply);
  assert.is(cid.got.at(-1), JSON.stringify({ type: 'message', conversation: 'c2', seq: 6, from: 'ann', group: 'ops', text: 'agreed', ts: TS, reply_to: { seq: 4, from: 'bob', excerpt: '', hidden: true } }) + '\n');
});

test.run();
