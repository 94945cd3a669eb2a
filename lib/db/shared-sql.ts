import { readdirSync } from 'node:fs';
import type { GroupState } from './group-rules.ts';
import type { FriendState } from './rules.ts';
import type { ConversationRow, EntryKind, GroupRow, GroupStanding, GroupSummary, Role, StoredMessage } from './store.ts';

// The SQL both stores send, written once. Where the dialects really differ (how an INSERT hands
// back its id, upserts, row locks) a Dialect fills the gap; what only one store sends (SQLite's
// per-item append statements, MySQL's batch statements and cursor moves) stays in that store.
// Backticks quote `read` and `desc`, reserved words in MariaDB/MySQL; SQLite accepts them too.

/** `conversations.direct_key` of two users' direct conversation: 'minUserId:maxUserId'. */
export function directConversationKey(userId: number, otherId: number): string {
  return `${Math.min(userId, otherId)}:${Math.max(userId, otherId)}`;
}

/** Parameters: me, other, me, other, other, me, me, other, other, me. Read by every friend decision (rules.ts). */
const FRIEND_STATE = `
  SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?) AS friends,
    EXISTS (SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?) AS outgoing,
    EXISTS (SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?) AS incoming,
    EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?) AS blocking,
    EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?) AS blockedBy`;

export const friendStateParams = (me: number, other: number) => [me, other, me, other, other, me, me, other, other, me];

export interface FriendStateRecord {
  friends: number | string;
  outgoing: number | string;
  incoming: number | string;
  blocking: number | string;
  blockedBy: number | string;
}

export function toFriendState(row: FriendStateRecord): FriendState {
  return {
    friends: Number(row.friends) === 1, outgoing: Number(row.outgoing) === 1, incoming: Number(row.incoming) === 1,
    blocking: Number(row.blocking) === 1, blockedBy: Number(row.blockedBy) === 1,
  };
}

/**
 * The unread mentions of member m in conversation c: rows of message_mentions naming the member
 * after their read cursor, one range of the mentions_by_user index. Only messages have rows, a
 * deletion removes its message's rows, and one's own messages are never after one's read cursor
 * (see below), so this counts others' live messages that mention the member. The one place the
 * count is decided; mentions by senders the member blocked are left out, as unread leaves them.
 */
const MENTION_COUNT = `CASE WHEN c.last_seq > m.read_seq THEN (
      SELECT COUNT(*) FROM message_mentions x WHERE x.user_id = m.user_id AND x.conversation_id = c.id AND x.seq > m.read_seq
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.user_id AND b.blocked_id = x.sender_id)) ELSE 0 END`;

/**
 * A member's view of a conversation; callers add their WHERE.
 *
 * `unread` is the number of others' messages after the read cursor, computed without counting
 * rows: conversations.msg_count is the number of messages (events are not unread), each entry's
 * msg_no the number of messages up to it, and appending a message moves its sender's read cursor
 * to it in the same transaction (both stores, since their first version), so no own message is
 * ever after the cursor; unread is msg_count minus msg_no at the cursor, one index lookup.
 * Counting the rows instead costs in proportion to the unread messages, on every `sync`,
 * `history` and `unread` request. A deleted message is no longer one to read: deleted_messages
 * holds one row per deletion, so those after the cursor are one more index range, of deletions
 * only; the messages of blocked senders are subtracted as well (unless deleted: counted once).
 */
const CONVERSATION_SELECT = `
  SELECT c.id AS conversationId, c.kind, c.last_seq AS lastSeq,
    m.delivered_seq AS delivered, m.read_seq AS \`read\`, m.notify_level AS notify,
    CASE WHEN c.kind = 'direct' THEN (
      SELECT u.name FROM members o JOIN users u ON u.id = o.user_id
      WHERE o.conversation_id = c.id AND o.user_id <> m.user_id LIMIT 1) END AS peerName,
    g.name AS groupName,
    CASE WHEN c.last_seq > m.read_seq THEN c.msg_count - COALESCE(
      (SELECT x.msg_no FROM messages x WHERE x.conversation_id = c.id AND x.seq = m.read_seq), 0)
      - (SELECT COUNT(*) FROM deleted_messages d WHERE d.conversation_id = c.id AND d.seq > m.read_seq)
      - CASE WHEN EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.user_id) THEN (
          SELECT COUNT(*) FROM messages x JOIN blocks b ON b.blocker_id = m.user_id AND b.blocked_id = x.sender_id
          WHERE x.conversation_id = c.id AND x.seq > m.read_seq AND x.kind = 'message' AND x.deleted = 0) ELSE 0 END
      ELSE 0 END AS unread,
    ${MENTION_COUNT} AS mentions,
    m.visible_after AS visibleAfter
  FROM members m
  JOIN conversations c ON c.id = m.conversation_id
  LEFT JOIN chat_groups g ON g.conversation_id = c.id`;

export interface ConversationRecord extends Omit<ConversationRow, 'peerName' | 'groupName'> {
  peerName: string | null;
  groupName: string | null;
}

export function toConversation({ peerName, groupName, mentions, ...rest }: ConversationRecord): ConversationRow {
  const row = { ...rest, mentions: Number(mentions) };
  return row.kind === 'direct' ? { ...row, peerName: peerName ?? '' } : { ...row, groupName: groupName ?? '' };
}

export interface Dialect {
  /** The tail of an INSERT whose new id the caller needs: SQLite answers a row, mysql2 has insertId. */
  returningId: string;
  /**
   * The tail of an INSERT that leaves a row already there (same key) as it is. Not INSERT IGNORE
   * on MySQL, which would also turn a foreign-key error into a warning.
   */
  keepExisting(keyColumn: string): string;
  /** The tail of an INSERT that overwrites `columns` of a row already there. */
  overwrite(key: string, columns: string[]): string;
  /**
   * For a read whose answer the transaction writes on. SQLite has no row locks and needs none:
   * its immediate transactions keep every other writer out.
   */
  forUpdate: string;
  /** `expr`'s values in a group joined by a newline, in `order` (no name holds a control character) */
  joinLines(expr: string, order: string): string;
}

export const SQLITE: Dialect = {
  returningId: ' RETURNING id',
  keepExisting: () => ' ON CONFLICT DO NOTHING',
  overwrite: (key, columns) => ` ON CONFLICT (${key}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  forUpdate: '',
  joinLines: (expr, order) => `group_concat(${expr}, char(10) ORDER BY ${order})`,
};

export const MYSQL: Dialect = {
  returningId: '',
  keepExisting: (keyColumn) => ` ON DUPLICATE KEY UPDATE ${keyColumn} = ${keyColumn}`,
  overwrite: (_key, columns) => ` ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
  forUpdate: ' FOR UPDATE',
  // group_concat_max_len is raised on every pooled connection (mysql-pool.ts)
  joinLines: (expr, order) => `GROUP_CONCAT(${expr} ORDER BY ${order} SEPARATOR '\n')`,
};

/**
 * An entry's columns (messages m, users u, REPLY_JOIN). `mentions`: the names of the members the
 * message mentions, by user id, one index probe per row; a deleted account ('' for a name) is
 * left out, so no name shows that someone could have registered since.
 */
const messageColumns = (d: Dialect) => `m.conversation_id AS conversationId, m.seq, m.sender_id AS senderId,
  COALESCE(u.name, '') AS senderName, m.text, m.created_at AS ts, m.client_msg_id AS clientMsgId,
  m.kind, m.target_seq AS target, m.edited_at AS editedAt, m.deleted,
  r.seq AS replySeq, r.sender_id AS replySenderId, COALESCE(ru.name, '') AS replyFrom, r.text AS replyText, r.deleted AS replyDeleted,
  (SELECT ${d.joinLines('mu.name', 'mx.user_id')} FROM message_mentions mx JOIN users mu ON mu.id = mx.user_id
    WHERE mx.conversation_id = m.conversation_id AND mx.seq = m.seq AND mu.name <> '') AS mentions`;
/** The message an entry answers (reply_to) and its sender, as MESSAGE_COLUMNS reads them (r, ru). */
export const REPLY_JOIN = `LEFT JOIN messages r ON r.conversation_id = m.conversation_id AND r.seq = m.reply_to
  LEFT JOIN users ru ON ru.id = r.sender_id`;
/** An entry, its sender, and the message it answers (reply_to) with that one's sender. */
const MESSAGE_FROM = `messages m LEFT JOIN users u ON u.id = m.sender_id ${REPLY_JOIN}`;

/** A row of MESSAGE_COLUMNS as a driver returns it (MySQL hands VARBINARY back as a Buffer). */
export interface MessageRecord {
  conversationId: number;
  seq: number;
  senderId: number;
  senderName: string;
  text: string;
  ts: number;
  clientMsgId: Buffer | string | null;
  kind: EntryKind;
  target: number | null;
  editedAt: number | null;
  deleted: number;
  replySeq: number | null;
  replySenderId: number | null;
  replyFrom: string;
  replyText: string | null;
  replyDeleted: number | null;
  mentions: string | Buffer | null;
}

export function toStoredMessage(r: MessageRecord): StoredMessage {
  return {
    conversationId: r.conversationId, seq: r.seq, senderId: r.senderId, senderName: r.senderName, text: r.text, ts: Number(r.ts),
    clientMsgId: r.clientMsgId === null ? null : r.clientMsgId.toString(),
    kind: r.kind, target: r.target, editedAt: r.editedAt === null ? null : Number(r.editedAt), deleted: Number(r.deleted) === 1,
    replyTo: r.replySeq === null ? null
      : { seq: r.replySeq, senderId: Number(r.replySenderId), senderName: r.replyFrom, text: r.replyText ?? '', deleted: Number(r.replyDeleted) === 1 },
    mentions: r.mentions === null ? [] : r.mentions.toString().split('\n'),
  };
}

/** A search result's columns (messages m, users u, and REPLY_JOIN), as StoredMessage. */
export const searchColumns = messageColumns;

const GROUP_COLUMNS = 'id, name, description AS `desc`, creator_id AS creatorId, conversation_id AS conversationId, private, history';

/** A chat_groups row as both drivers hand it back: `private` is 0/1. */
export interface GroupRecord extends Omit<GroupRow, 'private'> {
  private: number | string;
}

export function toGroup(row: GroupRecord): GroupRow {
  return { ...row, private: Number(row.private) === 1 };
}

export interface GroupStandingRecord extends GroupRecord {
  role: Role | null;
  invited: number | string;
  banned: number | string;
}

export function toStanding({ role, invited, banned, ...group }: GroupStandingRecord): GroupStanding {
  return { group: toGroup(group), role: role ?? null, invited: Number(invited) === 1, banned: Number(banned) === 1 };
}

/** The rules' view of a standing (group-rules.ts). */
export function stateOf(s: GroupStanding): GroupState {
  return { private: s.group.private, history: s.group.history, role: s.role, invited: s.invited, banned: s.banned };
}

export function toSummary(row: Omit<GroupSummary, 'private'> & { private: number | string }): GroupSummary {
  return { ...row, private: Number(row.private) === 1 };
}

/** A group and one user's standing in it; callers add WHERE on g. Parameters: user, user, user, then theirs. */
const STANDING_SELECT = `
  SELECT g.id, g.name, g.description AS \`desc\`, g.creator_id AS creatorId, g.conversation_id AS conversationId,
    g.private, g.history, m.role,
    CASE WHEN i.user_id IS NULL THEN 0 ELSE 1 END AS invited,
    CASE WHEN b.user_id IS NULL THEN 0 ELSE 1 END AS banned
  FROM chat_groups g
  LEFT JOIN members m ON m.conversation_id = g.conversation_id AND m.user_id = ?
  LEFT JOIN group_invites i ON i.group_id = g.id AND i.user_id = ?
  LEFT JOIN group_bans b ON b.group_id = g.id AND b.user_id = ?`;

/** The columns of a new message row, in the order planAppend (rules.ts) lays its values out. */
export const INSERT_MESSAGES = 'INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at, reply_to, msg_no) VALUES ';
export const MESSAGE_ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
/** values per row of INSERT_MESSAGES */
export const MESSAGE_VALUES = 8;
/** where a row's text is among them */
export const MESSAGE_TEXT_AT = 3;
/**
 * Stores `rows` mention rows (planAppend's `mentionRows`: conversation, seq, user, sender each),
 * keeping only the users who are members of the conversation when the batch commits: the rule
 * "a message mentions only members" is decided here, inside the message's transaction, whatever
 * the caller sent. One statement for any number of rows; both dialects read it alike.
 */
export function insertMentions(rows: number): string {
  const values = Array.from({ length: rows }, (_, i) => (i === 0 ? 'SELECT ? AS c, ? AS s, ? AS u, ? AS x' : 'SELECT ?, ?, ?, ?')).join(' UNION ALL ');
  return `INSERT INTO message_mentions (conversation_id, seq, user_id, sender_id)
    SELECT v.c, v.s, v.u, v.x FROM (${values}) v JOIN members mb ON mb.conversation_id = v.c AND mb.user_id = v.u`;
}
/** values per row of insertMentions */
export const MENTION_VALUES = 4;

/** Every statement both stores send, in the given dialect. */
export function sqlFor(d: Dialect) {
  const MESSAGE_COLUMNS = messageColumns(d);
  return {
    insertUser: `INSERT INTO users (name, name_key, password_hash, created_at) VALUES (?, ?, ?, ?)${d.returningId}`,
    userByKey: 'SELECT id, name, password_hash AS passwordHash FROM users WHERE name_key = ?',

    saveToken: `INSERT INTO tokens (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)${d.overwrite('token_hash', ['user_id', 'expires_at'])}`,
    deleteToken: 'DELETE FROM tokens WHERE token_hash = ?',
    tokenUser: `
      SELECT u.id, u.name, u.password_hash AS passwordHash, t.expires_at AS expiresAt
      FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.expires_at > ?`,
    /** Repeats the validity condition: a token revoked or expired since the read is neither brought back nor extended. */
    slideToken: 'UPDATE tokens SET expires_at = ? WHERE token_hash = ? AND expires_at > ?',

    friendState: FRIEND_STATE,
    friendship: 'SELECT conversation_id AS conversationId FROM friendships WHERE user_id = ? AND friend_id = ?',
    insertRequest: 'INSERT INTO friend_requests (from_id, to_id, created_at) VALUES (?, ?, ?)',
    deleteRequest: 'DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?',
    insertFriendship: `INSERT INTO friendships (user_id, friend_id, conversation_id, created_at) VALUES (?, ?, ?, ?)${d.keepExisting('user_id')}`,
    /** Parameters: a, b, b, a. */
    deleteFriendship: 'DELETE FROM friendships WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)',
    insertBlock: `INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)${d.keepExisting('blocker_id')}`,
    deleteBlock: 'DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?',
    blockedOf: `
      SELECT u.id, u.name FROM blocks b JOIN users u ON u.id = b.blocked_id
      WHERE b.blocker_id = ? ORDER BY u.name_key`,
    friendsOf: `
      SELECT u.id, u.name FROM friendships f JOIN users u ON u.id = f.friend_id
      WHERE f.user_id = ? ORDER BY u.name_key`,
    /** Parameters: user, user. A request from a user one blocked stays pending on their side only. */
    requestsOf: `
      SELECT u.id, u.name, 'in' AS direction, r.created_at AS at
        FROM friend_requests r JOIN users u ON u.id = r.from_id WHERE r.to_id = ?
          AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = r.to_id AND b.blocked_id = r.from_id)
      UNION ALL
      SELECT u.id, u.name, 'out', r.created_at
        FROM friend_requests r JOIN users u ON u.id = r.to_id WHERE r.from_id = ?
      ORDER BY at, id`,

    directByKey: 'SELECT id FROM conversations WHERE direct_key = ?',
    lockDirectByKey: `SELECT id, last_seq AS lastSeq FROM conversations WHERE direct_key = ?${d.forUpdate}`,
    insertConversation: `INSERT INTO conversations (kind, direct_key, created_at) VALUES (?, ?, ?)${d.returningId}`,
    /** Locked before a member's cursors start at last_seq: no message commits in between. */
    lockConversation: `SELECT last_seq AS lastSeq FROM conversations WHERE id = ?${d.forUpdate}`,
    deleteConversation: 'DELETE FROM conversations WHERE id = ?',

    insertMember: `
      INSERT INTO members (conversation_id, user_id, role, delivered_seq, read_seq, joined_at)
      VALUES (?, ?, ?, ?, ?, ?)${d.keepExisting('user_id')}`,
    isMember: 'SELECT 1 AS one FROM members WHERE conversation_id = ? AND user_id = ?',
    member: `
      SELECT m.role, c.last_seq AS lastSeq FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.conversation_id = ? AND m.user_id = ?`,
    deleteMember: 'DELETE FROM members WHERE conversation_id = ? AND user_id = ?',
    /** A group member; visible_after from visibleAfter() (group-rules.ts). */
    insertGroupMember: `
      INSERT INTO members (conversation_id, user_id, role, delivered_seq, read_seq, joined_at, visible_after)
      VALUES (?, ?, ?, ?, ?, ?, ?)`,
    /**
     * After a leave, who is left to succeed the creator (pickSuccessor in group-rules.ts decides):
     * the earliest-joined admin, the earliest-joined member (the lower id on a tie), and the
     * creator if a member left. None: the group is empty. Parameters: conv, conv, conv.
     */
    successors: `
      SELECT * FROM (SELECT user_id AS userId, role FROM members WHERE conversation_id = ? AND role = 'admin'
        ORDER BY joined_at, user_id LIMIT 1) a
      UNION ALL
      SELECT * FROM (SELECT user_id AS userId, role FROM members WHERE conversation_id = ? AND role = 'member'
        ORDER BY joined_at, user_id LIMIT 1) b
      UNION ALL
      SELECT * FROM (SELECT user_id AS userId, role FROM members WHERE conversation_id = ? AND role = 'creator' LIMIT 1) c`,
    deleteMembers: 'DELETE FROM members WHERE conversation_id = ?',
    setRole: 'UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ?',
    /** the groups a deleted account leaves, in id order */
    groupsToLeave: `
      SELECT g.id, g.name, g.conversation_id AS conversationId FROM members m JOIN chat_groups g ON g.conversation_id = m.conversation_id
      WHERE m.user_id = ? ORDER BY g.id`,
    readersOf: `
      SELECT u.name, CASE WHEN m.read_seq >= ? THEN 1 ELSE 0 END AS \`read\` FROM members m JOIN users u ON u.id = m.user_id
      WHERE m.conversation_id = ? AND m.user_id <> ? ORDER BY m.joined_at, m.user_id`,
    /** a message's current text, for the search index to drop its tokens */
    setNotifyLevel: 'UPDATE members SET notify_level = ? WHERE conversation_id = ? AND user_id = ?',
    memberIds: 'SELECT user_id AS userId FROM members WHERE conversation_id = ? ORDER BY user_id',
    membersNotSeeing: 'SELECT user_id AS userId FROM members WHERE conversation_id = ? AND visible_after >= ? ORDER BY user_id',

    insertGroup: `
      INSERT INTO chat_groups (name, name_key, description, creator_id, conversation_id, created_at, private, history)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)${d.returningId}`,
    /** Parameters: user, user, user, key. */
    groupFor: `${STANDING_SELECT} WHERE g.name_key = ?`,
    /** Parameters: user, user, user, group id. Read inside a write's transaction, under its locks. */
    standingById: `${STANDING_SELECT} WHERE g.id = ?`,
    updateGroup: 'UPDATE chat_groups SET description = ?, private = ?, history = ? WHERE id = ?',
    insertInvite: `INSERT INTO group_invites (group_id, user_id, inviter_id, created_at) VALUES (?, ?, ?, ?)${d.keepExisting('group_id')}`,
    deleteInvite: 'DELETE FROM group_invites WHERE group_id = ? AND user_id = ?',
    deleteInvites: 'DELETE FROM group_invites WHERE group_id = ?',
    invitesOf: `
      SELECT g.name AS \`group\`, g.description AS \`desc\`, u.name AS \`from\`
      FROM group_invites i JOIN chat_groups g ON g.id = i.group_id JOIN users u ON u.id = i.inviter_id
      WHERE i.user_id = ? ORDER BY i.created_at, g.id`,
    insertBan: 'INSERT INTO group_bans (group_id, user_id, banned_by, created_at) VALUES (?, ?, ?, ?)',
    deleteBan: 'DELETE FROM group_bans WHERE group_id = ? AND user_id = ?',
    deleteBans: 'DELETE FROM group_bans WHERE group_id = ?',
    groupByKey: `SELECT ${GROUP_COLUMNS} FROM chat_groups WHERE name_key = ?`,
    groupById: `SELECT ${GROUP_COLUMNS} FROM chat_groups WHERE id = ?`,
    /** Locked by a leave: two last members leaving at once cannot both delete, or both keep, the group. */
    lockGroup: `SELECT ${GROUP_COLUMNS} FROM chat_groups WHERE id = ?${d.forUpdate}`,
    setCreator: 'UPDATE chat_groups SET creator_id = ? WHERE id = ?',
    deleteGroup: 'DELETE FROM chat_groups WHERE id = ?',
    groupMembers: `
      SELECT u.id, u.name, m.role FROM chat_groups g
      JOIN members m ON m.conversation_id = g.conversation_id JOIN users u ON u.id = m.user_id
      WHERE g.id = ? ORDER BY m.joined_at, m.user_id`,
    groupsOf: `
      SELECT g.name, g.description AS \`desc\`, m.role,
        (SELECT COUNT(*) FROM members x WHERE x.conversation_id = g.conversation_id) AS members,
        g.private, g.history
      FROM members m JOIN chat_groups g ON g.conversation_id = m.conversation_id
      WHERE m.user_id = ? ORDER BY g.name_key`,

    /** Parameters: prefix, upper (prefixRange), after, limit. */
    publicGroups: `
      SELECT g.name_key AS \`key\`, g.name, g.description AS \`desc\`,
        (SELECT COUNT(*) FROM members x WHERE x.conversation_id = g.conversation_id) AS members
      FROM chat_groups g
      WHERE g.name_key >= ? AND g.name_key < ? AND g.name_key > ? AND g.private = 0
      ORDER BY g.name_key LIMIT ?`,

    conversationsOf: `${CONVERSATION_SELECT} WHERE m.user_id = ? ORDER BY c.id`,
    conversationOf: `${CONVERSATION_SELECT} WHERE m.user_id = ? AND m.conversation_id = ?`,

    deleteMessages: 'DELETE FROM messages WHERE conversation_id = ?',
    messagesAfter: `
      SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM}
      WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
    messagesBefore: `
      SELECT * FROM (
        SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM}
        WHERE m.conversation_id = ? AND m.seq < ? AND m.kind = 'message' ORDER BY m.seq DESC LIMIT ?
      ) page ORDER BY seq`,

    // ---- events (appendEvent) ----
    entryOf: `
      SELECT m.kind, m.sender_id AS senderId, COALESCE(u.name, '') AS senderName, m.text, m.deleted
      FROM messages m LEFT JOIN users u ON u.id = m.sender_id WHERE m.conversation_id = ? AND m.seq = ?`,
    /** Locked first by an event, as appendMessages locks it: one writer per conversation at a time. */
    lockConversationForEvent: `SELECT kind, last_seq AS lastSeq, msg_count AS msgCount FROM conversations WHERE id = ?${d.forUpdate}`,
    memberRole: 'SELECT role FROM members WHERE conversation_id = ? AND user_id = ?',
    /** Shared-locked by MySQL, as a send's friendship: an unfriending waits for the event or is seen by it. */
    friendshipStands: `SELECT 1 AS one FROM friendships WHERE user_id = ? AND friend_id = ?${d === MYSQL ? ' LOCK IN SHARE MODE' : ''}`,
    priorByClientMsgId: 'SELECT conversation_id AS conversationId, seq, created_at AS ts, kind FROM messages WHERE sender_id = ? AND client_msg_id = ?',
    insertEvent: `
      INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at, kind, target_seq, deleted, msg_no)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    setLastSeq: 'UPDATE conversations SET last_seq = ? WHERE id = ?',
    replaceText: 'UPDATE messages SET text = ?, edited_at = ? WHERE conversation_id = ? AND seq = ?',
    /** A deletion's tombstone: the message's text goes, and so does the text of every edit of it. */
    removeText: `UPDATE messages SET text = '', deleted = 1 WHERE conversation_id = ? AND seq = ?`,
    removeEditTexts: `UPDATE messages SET text = '' WHERE conversation_id = ? AND target_seq = ? AND kind = 'edit'`,
    hasReaction: 'SELECT 1 AS one FROM reactions WHERE conversation_id = ? AND seq = ? AND user_id = ? AND emoji = ?',
    insertReaction: 'INSERT INTO reactions (conversation_id, seq, user_id, emoji, created_at) VALUES (?, ?, ?, ?, ?)',
    deleteReaction: 'DELETE FROM reactions WHERE conversation_id = ? AND seq = ? AND user_id = ? AND emoji = ?',
    deleteReactionsOf: 'DELETE FROM reactions WHERE conversation_id = ? AND seq = ?',
    deleteConversationReactions: 'DELETE FROM reactions WHERE conversation_id = ?',
    /** a deleted message mentions nobody any more: neither shown nor counted as unread */
    deleteMentionsOf: 'DELETE FROM message_mentions WHERE conversation_id = ? AND seq = ?',
    deleteConversationMentions: 'DELETE FROM message_mentions WHERE conversation_id = ?',
    /** a deletion, so that unread stops counting the message (CONVERSATION_SELECT) */
    insertDeletion: 'INSERT INTO deleted_messages (conversation_id, seq) VALUES (?, ?)',
    deleteConversationDeletions: 'DELETE FROM deleted_messages WHERE conversation_id = ?',
    /** Parameters: viewer, conversation, from, to. */
    reactionsOf: `
      SELECT seq, emoji, COUNT(*) AS count, MAX(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS me, MIN(created_at) AS first
      FROM reactions r WHERE conversation_id = ? AND seq BETWEEN ? AND ?
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ? AND b.blocked_id = r.user_id)
      GROUP BY seq, emoji ORDER BY seq, first, emoji`,
  } as const;
}

/**
 * Every write of a message's text, in the one place per store that does it (SqliteStore:
 * sqlite-statements.ts `writeText`; MysqlStore: its `writeText`): new messages (the rows of an
 * append batch, MESSAGE_VALUES values each, text at index 3), an edit's new text, a deletion's
 * removal. Each runs inside the transaction of the write it belongs to, so an index of message
 * text (search) kept there is always in step with the messages.
 */
export type TextChange =
  | { op: 'insert'; rows: readonly (string | number | null)[] }
  | { op: 'replace'; conversationId: number; seq: number; text: string; at: number }
  | { op: 'remove'; conversationId: number; seq: number };

/**
 * The key range of a prefix, for an index range instead of a scan: keys compare as UTF-8 bytes
 * in both stores (SQLite BINARY, MySQL VARBINARY), which is code point order, so the keys that
 * start with `prefix` are those >= prefix and < prefix with its last code point one higher.
 * Parameters of publicGroups: prefix, upper, after, limit.
 */
export function prefixRange(prefix: string): [string, string] {
  const NO_UPPER = '\u{10FFFF}'.repeat(2); // above every key: keys are valid strings
  const cps = [...prefix];
  if (cps.length === 0) return ['', NO_UPPER];
  const last = cps.pop()!.codePointAt(0)!;
  let next = last + 1;
  if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
  if (next > 0x10ffff) return [prefix, NO_UPPER];
  return [prefix, cps.join('') + String.fromCodePoint(next)];
}

/**
 * schema_version, which both migrators keep (the table itself is made in each dialect's words).
 * A migration runs when its own version is not recorded yet, not when it is above the highest
 * recorded one: branches that add migrations in parallel merge with numbers in between, and a
 * database that already has a later one must still get the earlier one.
 */
export const SCHEMA_VERSION = {
  current: 'SELECT MAX(version) AS v FROM schema_version',
  applied: 'SELECT 1 AS one FROM schema_version WHERE version = ?',
  record: 'INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)',
} as const;

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
