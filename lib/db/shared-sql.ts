import { readdirSync } from 'node:fs';
import type { FriendState } from './rules.ts';
import type { ConversationRow } from './store.ts';

// What both stores say the same way. Backticks quote `read` in MariaDB/MySQL, where it is a
// reserved word, and SQLite accepts them too.

/** `conversations.direct_key` of two users' direct conversation: 'minUserId:maxUserId'. */
export function directConversationKey(userId: number, otherId: number): string {
  return `${Math.min(userId, otherId)}:${Math.max(userId, otherId)}`;
}

/** Parameters: me, other, me, other, other, me. Read by every friend decision (rules.ts). */
export const FRIEND_STATE = `
  SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?) AS friends,
    EXISTS (SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?) AS outgoing,
    EXISTS (SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?) AS incoming`;

export const friendStateParams = (me: number, other: number) => [me, other, me, other, other, me];

export interface FriendStateRecord {
  friends: number | string;
  outgoing: number | string;
  incoming: number | string;
}

export function toFriendState(row: FriendStateRecord): FriendState {
  return { friends: Number(row.friends) === 1, outgoing: Number(row.outgoing) === 1, incoming: Number(row.incoming) === 1 };
}

/**
 * A member's view of a conversation; callers add their WHERE.
 *
 * `unread` is the number of others' messages after the read cursor, computed without reading a
 * message: seqs run 1..last_seq with no gaps, and appending a message moves its sender's read
 * cursor to it in the same transaction (both stores, since their first version), so no own
 * message is ever after the cursor. Counting the rows instead took 23 ms per conversation with
 * 100 000 unread on SQLite, on every `sync`, `history` and `unread` request.
 */
export const CONVERSATION_SELECT = `
  SELECT c.id AS conversationId, c.kind, c.last_seq AS lastSeq,
    m.delivered_seq AS delivered, m.read_seq AS \`read\`,
    CASE WHEN c.kind = 'direct' THEN (
      SELECT u.name FROM members o JOIN users u ON u.id = o.user_id
      WHERE o.conversation_id = c.id AND o.user_id <> m.user_id LIMIT 1) END AS peerName,
    g.name AS groupName,
    CASE WHEN c.last_seq > m.read_seq THEN c.last_seq - m.read_seq ELSE 0 END AS unread
  FROM members m
  JOIN conversations c ON c.id = m.conversation_id
  LEFT JOIN chat_groups g ON g.conversation_id = c.id`;

export interface ConversationRecord extends Omit<ConversationRow, 'peerName' | 'groupName'> {
  peerName: string | null;
  groupName: string | null;
}

export function toConversation({ peerName, groupName, ...row }: ConversationRecord): ConversationRow {
  return row.kind === 'direct' ? { ...row, peerName: peerName ?? '' } : { ...row, groupName: groupName ?? '' };
}

/** The NNN_name.sql files of a migrations folder, in order; two with one number is an error. */
export function listMigrations(dir: URL): { version: number; name: string }[] {
  const files = readdirSync(dir)
    .map((name) => /^(\d+)_.*\.sql$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[0] }))
    .sort((a, b) => a.version - b.version);
  files.forEach((f, i) => {
    if (i > 0 && files[i - 1]!.version === f.version) throw new Error(`two migrations numbered ${f.version}`);
  });
  return files;
}
