// The re-sync after a bus reconnect, on a fake store: each session is pushed what storage has
// after its user's delivered cursor, once per session, as ordinary message pushes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resyncSessions, RESYNC_PAGE } from '../../../lib/server/resync.ts';
import type { ConversationRow, Store, StoredMessage } from '../../../lib/db/store.ts';
import { messagePush } from '../../../lib/protocol/frames.ts';

const msg = (conversationId: number, seq: number, senderId: number, senderName: string): StoredMessage => ({
  conversationId, seq, senderId, senderName, text: `m${seq}`, ts: Date.UTC(2026, 0, 1), clientMsgId: null,
  kind: 'message', target: null, editedAt: null, deleted: false, replyTo: null, mentions: [],
});

function fakeStore(rows: Record<number, ConversationRow[]>, messages: StoredMessage[]): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const store = {
    conversationsOf: async (userId: number) => {
      calls.push(`conversationsOf ${userId}`);
      return rows[userId] ?? [];
    },
    messagesAfter: async (conversationId: number, after: number, limit: number) => {
      calls.push(`messagesAfter ${conversationId} ${after} ${limit}`);
      return messages.filter((m) => m.conversationId === conversationId && m.seq > after).slice(0, limit);
    },
  } as unknown as Store;
  return { store, calls };
}

test('pushes the messages after each delivered cursor to every session of the user; skips caught-up conversations', async () => {
  const bob = { id: 2, name: 'bob', tokenHash: 'x' };
  const carol = { id: 3, name: 'carol', tokenHash: 'y' };
  const { store, calls } = fakeStore(
    {
      2: [
        { conversationId: 1, kind: 'direct', peerName: 'alice', delivered: 1, read: 0, lastSeq: 3, unread: 0, mentions: 0, notify: 'all', visibleAfter: 0 },
        { conversationId: 5, kind: 'group', groupName: 'dev', delivered: 4, read: 4, lastSeq: 4, unread: 0, mentions: 0, notify: 'all', visibleAfter: 0 },
      ],
      3: [{ conversationId: 5, kind: 'group', groupName: 'dev', delivered: 3, read: 0, lastSeq: 4, unread: 0, mentions: 0, notify: 'all', visibleAfter: 0 }],
    },
    [msg(1, 1, 1, 'alice'), msg(1, 2, 1, 'alice'), msg(1, 3, 2, 'bob'), ...[1, 2, 3, 4].map((s) => msg(5, s, 1, 'alice'))],
  );
  const got: Record<string, any[]> = { bob1: [], bob2: [], carol: [] };
  const carolLines: string[] = [];
  const sent = await resyncSessions(store, [
    { user: bob, send: (f) => got.bob1!.push(JSON.parse(f)) },
    { user: carol, send: (f) => { carolLines.push(f); got.carol!.push(JSON.parse(f)); } },
    { user: bob, send: (f) => got.bob2!.push(JSON.parse(f)) },
  ]);
  assert.equal(got.bob1!.map((f) => [f.type, f.conversation, f.seq, f.from, f.to]), [
    ['message', 'c1', 2, 'alice', 'bob'],
    ['message', 'c1', 3, 'bob', 'alice'],
  ]);
  assert.equal(got.bob2, got.bob1, "both of bob's sessions");
  assert.equal(got.carol!.map((f) => [f.conversation, f.seq, f.group]), [['c5', 4, 'dev']]);
  const ts = new Date(Date.UTC(2026, 0, 1)).toISOString();
  assert.equal(carolLines, [messagePush('c5', 4, 'alice', 'group', 'dev', 'm4', ts, null)], 'byte for byte the push `send` writes');
  assert.is(sent, 5);
  // one conversations read per user, not per session; nothing read for the caught-up group
  assert.equal(calls, ['conversationsOf 2', `messagesAfter 1 1 ${RESYNC_PAGE}`, 'conversationsOf 3', `messagesAfter 5 3 ${RESYNC_PAGE}`]);
});

test.run();
