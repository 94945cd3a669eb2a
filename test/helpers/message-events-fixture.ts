// A conversation as it stood before messages had kinds (sqlite 007 / mysql 005): three messages
// from user 1, user 2's read cursor at 1. Plain SQL both dialects accept, so the two upgrade
// tests seed the same rows, and UPGRADED_CHECK says what both must find afterwards.
import * as assert from 'uvu/assert';
import type { Store } from '../../lib/db/store.ts';

export const MESSAGE_EVENTS_SEED = `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES (1, 'A', 'a', 'h', 0), (2, 'B', 'b', 'h', 0);
  INSERT INTO conversations (id, kind, direct_key, last_seq, created_at) VALUES (9, 'direct', '1:2', 3, 0);
  INSERT INTO friendships VALUES (1, 2, 9, 0), (2, 1, 9, 0);
  INSERT INTO members (conversation_id, user_id, delivered_seq, read_seq, joined_at) VALUES (9, 1, 3, 3, 0), (9, 2, 1, 1, 0);
  INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at) VALUES
    (9, 1, 1, 'one', 'c-1', 10), (9, 2, 1, 'two', 'c-2', 11), (9, 3, 1, 'three', NULL, 12)`;

/** What an upgraded store must do with the seed: old messages are messages, unread still counts them, events fit in. */
export async function checkUpgradedMessages(store: Store): Promise<void> {
  assert.equal((await store.messagesAfter(9, 0, 10)).map((m) => [m.seq, m.kind, m.text, m.deleted, m.editedAt]), [
    [1, 'message', 'one', false, null], [2, 'message', 'two', false, null], [3, 'message', 'three', false, null],
  ]);
  assert.is((await store.conversationOf(2, 9))?.unread, 2, 'unread is what it was');
  assert.equal(await store.appendEvent({ conversationId: 9, senderId: 1, kind: 'edit', target: 2, text: 'two!', clientMsgId: 'c-2b', ts: 20, friendId: 2 }),
    { seq: 4, ts: 20, duplicate: false, changed: true });
  assert.is((await store.appendEvent({ conversationId: 9, senderId: 2, kind: 'reaction', target: 1, text: '👍', clientMsgId: null, ts: 21 })).seq, 5);
  const [r] = await store.appendMessages([{ conversationId: 9, senderId: 1, text: 'four', clientMsgId: 'c-2', ts: 22 }]);
  assert.equal(r, { ok: true, seq: 2, ts: 11, duplicate: true }, 'an old client id is still found');
  const [n] = await store.appendMessages([{ conversationId: 9, senderId: 1, text: 'four', clientMsgId: null, ts: 23, replyTo: 2 }]);
  assert.equal(n, { ok: true, seq: 6, ts: 23, duplicate: false });
  assert.is((await store.conversationOf(2, 9))?.unread, 3, 'the new message counts; the edit and the reaction do not');
  const page = await store.messagesBefore(9, 100, 10);
  assert.equal(page.map((m) => [m.seq, m.text, m.editedAt, m.replyTo?.seq ?? null]), [[1, 'one', null, null], [2, 'two!', 20, null], [3, 'three', null, null], [6, 'four', null, 2]]);
  assert.equal(await store.reactionsOf(9, 1, 6, 2), [{ seq: 1, emoji: '👍', count: 1, me: true }]);
}
