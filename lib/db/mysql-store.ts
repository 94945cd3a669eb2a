// The production Store: MySQL/MariaDB through MysqlPool, every statement prepared (`execute`).
// Semantics match SqliteStore exactly; test/contract/store.contract.ts runs on both.
// Where SQLite gets isolation for free (one writer at a time), this store takes row locks:
// appendMessages and the group transactions lock the conversation row first, so two nodes
// writing one conversation are serialized on that row and nothing else. docs/mysql.md.
import type { ResultSetHeader } from 'mysql2';
import type { DbPoolConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ChatError } from '../protocol/errors.ts';
import { isConnectionError, isDuplicateKey, isLockConflict, toStoreError } from './mysql-errors.ts';
import { MysqlAccounts } from './mysql-accounts.ts';
import { migrate } from './mysql-migrate.ts';
import { MysqlPool, inTransaction, type Connection, type PoolStats } from './mysql-pool.ts';
import { parseMysqlUrl, type MysqlTarget } from './mysql-url.ts';
import type {
  AppendResult, ConversationRow, FriendAdded, GroupRow, GroupSummary, NewMessage, Relation, Role, Store,
  ResumedToken, StoredMessage, UserRow,
} from './store.ts';
import {
  afterLeave, checkCursorMove, checkFriendAccept, checkGroup, checkJoin, checkLeave, clientIdKey, friendAddAction, groupSenders,
  planAppend, readCursorMoves, relationOf, type FriendState, type LeaveOutcome, type PriorMessage,
} from './rules.ts';
import {
  INSERT_MESSAGES, MESSAGE_ROW, MYSQL, directConversationKey, friendStateParams, sqlFor, toConversation, toFriendState,
  type ConversationRecord, type FriendStateRecord,
} from './shared-sql.ts';

type Param = string | number | null;

async function all<T>(conn: Connection, sql: string, params: Param[] = []): Promise<T[]> {
  const [rows] = await conn.execute(sql, params);
  return rows as T[];
}

async function first<T>(conn: Connection, sql: string, params: Param[] = []): Promise<T | null> {
  return (await all<T>(conn, sql, params))[0] ?? null;
}

async function run(conn: Connection, sql: string, params: Param[] = []): Promise<ResultSetHeader> {
  const [header] = await conn.execute(sql, params);
  return header as ResultSetHeader;
}

// Statements whose text grows with the batch (IN lists, multi-row VALUES) go through the text
// protocol with the driver's escaping instead: execute() would prepare, and keep, one server-side
// statement per distinct length on every pooled connection (mysql2 closes them only on LRU
// eviction), which costs a round trip and a server parse per new shape and can run the server into
// max_prepared_stmt_count (16382 by default) across a pool.
async function allText<T>(conn: Connection, sql: string, params: Param[]): Promise<T[]> {
  const [rows] = await conn.query(sql, params);
  return rows as T[];
}

async function runText(conn: Connection, sql: string, params: Param[]): Promise<ResultSetHeader> {
  const [header] = await conn.query(sql, params);
  return header as ResultSetHeader;
}

/** `(?, ?, …)` with n placeholders, or a repeated row shape joined by a separator. */
const repeat = (shape: string, n: number, sep = ', ') => Array.from({ length: n }, () => shape).join(sep);

const SQL = sqlFor(MYSQL);

// Keys are VARBINARY (sql/mysql/001_init.sql), so client_msg_id comes back as a Buffer.
type MessageRecord = Omit<StoredMessage, 'clientMsgId'> & { clientMsgId: Buffer | string | null };

function toMessage(row: MessageRecord): StoredMessage {
  return { ...row, clientMsgId: row.clientMsgId === null ? null : row.clientMsgId.toString() };
}

/** What one appendMessages attempt decided, kept in case its COMMIT is lost in transit. */
interface AppendAttempt {
  results: AppendResult[];
  /** the first new row, by which a retry tells whether the lost COMMIT landed */
  marker: { conversationId: number; seq: number; senderId: number; ts: number } | null;
}

const MAX_LOCK_RETRIES = 3;
const CACHE_LIMIT = 100_000;

export class MysqlStore implements Store {
  readonly accounts: MysqlAccounts;

  private constructor(private readonly pool: MysqlPool) {
    this.accounts = new MysqlAccounts(pool, () => this.forgetUsers());
  }

  forgetUsers(): void {
    this.users.clear();
  }

  /** Creates the database if missing, migrates it, and opens the pool's `min` connections. */
  static async open(url: string, settings: DbPoolConfig, log?: Logger): Promise<MysqlStore> {
    const target: MysqlTarget = parseMysqlUrl(url);
    const migrated = await migrate(target);
    log?.info({ schemaVersion: migrated.version, applied: migrated.applied }, 'mysql schema ready');
    const pool = new MysqlPool(target, settings, log);
    await pool.start();
    return new MysqlStore(pool);
  }

  /** Pool figures, for the log line and a metrics endpoint. */
  poolStats(): PoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  async createUser(name: string, key: string, passwordHash: string): Promise<UserRow> {
    return this.pool.run('write', async (conn) => {
      try {
        const { insertId } = await run(conn, SQL.insertUser, [name, key, passwordHash, Date.now()]);
        return { id: insertId, name, passwordHash };
      } catch (err) {
        throw isDuplicateKey(err) ? new ChatError('CHAT_ERR_NAME_TAKEN') : err;
      }
    });
  }

  // Every send names its recipient, so without this each message cost a query here. Users are
  // never renamed, so a found row stays right cluster-wide, until the account is deleted: then
  // this node drops the cache (forgetUsers) when it reads the deletion from the admin actions,
  // and meanwhile a friend decision finds the row deleted (lockFriendState); misses are not
  // kept (the user may be registered on another node a moment later). Bounded: a miss only costs
  // the query. Friendships are not cached here: another node may end one at any time, so a send
  // checks it inside the batch's transaction (appendMessages, `friendId`).
  private readonly users = new Map<string, UserRow>();

  async userByKey(key: string): Promise<UserRow | null> {
    const cached = this.users.get(key);
    if (cached) return cached;
    const row = await this.pool.run('read', (conn) =>
      first<UserRow>(conn, SQL.userByKey, [key]));
    if (row) {
      if (this.users.size >= CACHE_LIMIT) this.users.clear();
      this.users.set(key, row);
    }
    return row;
  }

  async saveToken(tokenHash: string, userId: number, expiresAt: number): Promise<void> {
    await this.pool.run('idempotent', (conn) => run(conn, SQL.saveToken, [tokenHash, userId, expiresAt, Date.now()]));
  }

  private tokenUser(tokenHash: string, now: number): Promise<(UserRow & { expiresAt: number | string }) | null> {
    return this.pool.run('read', (conn) => first<UserRow & { expiresAt: number | string }>(conn, SQL.tokenUser, [tokenHash, now]));
  }

  /**
   * One read, and a write only when the expiry moves. The UPDATE repeats the validity condition,
   * so a token revoked or expired since the read (a logout on another node) is neither brought
   * back nor extended: it matches no row (mysql2 connects with FOUND_ROWS, so affectedRows counts
   * matched rows, changed or not). Both statements are idempotent.
   */
  async resumeToken(tokenHash: string, now: number, newExpiresAt: number, slideIfBefore: number): Promise<ResumedToken | null> {
    const row = await this.tokenUser(tokenHash, now);
    if (!row) return null;
    const { expiresAt, ...user } = row;
    if (Number(expiresAt) >= slideIfBefore) return { user, expiresAt: Number(expiresAt) };
    const { affectedRows } = await this.pool.run('idempotent', (conn) => run(conn, SQL.slideToken, [newExpiresAt, tokenHash, now]));
    return affectedRows === 0 ? null : { user, expiresAt: newExpiresAt };
  }

  async deleteToken(tokenHash: string): Promise<void> {
    await this.pool.run('idempotent', (conn) => run(conn, SQL.deleteToken, [tokenHash]));
  }

  relation(userId: number, otherId: number): Promise<Relation> {
    return this.pool.run('read', async (conn) =>
      relationOf(toFriendState((await first<FriendStateRecord>(conn, SQL.friendState, friendStateParams(userId, otherId)))!)));
  }

  async createFriendRequest(fromId: number, toId: number): Promise<void> {
    await this.pool.run('write', async (conn) => {
      try {
        await run(conn, SQL.insertRequest, [fromId, toId, Date.now()]);
      } catch (err) {
        throw isDuplicateKey(err) ? new ChatError('CHAT_ERR_REQUEST_PENDING') : err;
      }
    });
  }

  deleteFriendRequest(fromId: number, toId: number): Promise<boolean> {
    return this.pool.run('write', async (conn) =>
      (await run(conn, SQL.deleteRequest, [fromId, toId])).affectedRows > 0);
  }

  addFriend(fromId: number, toId: number): Promise<FriendAdded> {
    return this.pool.transaction('write', async (conn): Promise<FriendAdded> => {
      if (friendAddAction(await this.lockFriendState(conn, fromId, toId)) === 'accept') {
        return { status: 'accepted', conversationId: await this.befriend(conn, fromId, toId) };
      }
      await run(conn, SQL.insertRequest, [fromId, toId, Date.now()]);
      return { status: 'pending' };
    });
  }

  acceptFriendRequest(userId: number, fromId: number): Promise<number> {
    return this.pool.transaction('write', async (conn) => {
      checkFriendAccept(await this.lockFriendState(conn, userId, fromId));
      return this.befriend(conn, userId, fromId);
    });
  }

  /**
   * Every friend decision on two users first locks both users' rows, in id order (so two of
   * them cannot deadlock), then reads where the two stand. Another node deciding on the same two
   * waits here until this transaction ends, and then (READ COMMITTED) reads what it wrote: two
   * crossed friend_adds are one request and its acceptance, never two requests.
   */
  private async lockFriendState(conn: Connection, me: number, other: number): Promise<FriendState> {
    const users = await all<{ deletedAt: number | string | null }>(conn,
      'SELECT id, deleted_at AS deletedAt FROM users WHERE id IN (?, ?) ORDER BY id FOR UPDATE', [Math.min(me, other), Math.max(me, other)]);
    // Another node's user cache may still name an account deleted since (its name is forgotten at
    // that node's next check of the admin actions); the row, locked here, says so.
    if (users.some((u) => u.deletedAt !== null)) throw new ChatError('CHAT_ERR_NO_SUCH_USER');
    return toFriendState((await first<FriendStateRecord>(conn, SQL.friendState, friendStateParams(me, other)))!);
  }

  /** The requests go, the friendship is recorded; returns the direct conversation. Inside lockFriendState's lock. */
  private async befriend(conn: Connection, userId: number, fromId: number): Promise<number> {
    await run(conn, SQL.deleteRequest, [fromId, userId]);
    await run(conn, SQL.deleteRequest, [userId, fromId]);
    const now = Date.now();
    const key = directConversationKey(userId, fromId);
    const existing = await first<{ id: number; lastSeq: number }>(conn, SQL.lockDirectByKey, [key]);
    const conv = existing?.id ?? (await run(conn, SQL.insertConversation, ['direct', key, now])).insertId;
    const last = existing?.lastSeq ?? 0;
    // A no-op for a reused conversation: existing member rows keep their cursors.
    await run(conn, SQL.insertMember, [conv, userId, 'member', last, last, now]);
    await run(conn, SQL.insertMember, [conv, fromId, 'member', last, last, now]);
    await run(conn, SQL.insertFriendship, [userId, fromId, conv, now]);
    await run(conn, SQL.insertFriendship, [fromId, userId, conv, now]);
    return conv;
  }

  removeFriendship(userId: number, otherId: number): Promise<boolean> {
    // The conversation and its member rows stay, so a re-friend finds them again.
    return this.pool.run('write', async (conn) => (await run(conn, SQL.deleteFriendship, [userId, otherId, otherId, userId])).affectedRows > 0);
  }

  // Found ids never change anywhere in the cluster (a direct conversation outlives the friendship
  // and is never deleted); misses are not kept, since another node may create one a moment later.
  private readonly directIds = new Map<string, number>();

  async directConversationId(userId: number, otherId: number): Promise<number | null> {
    const key = directConversationKey(userId, otherId);
    const cached = this.directIds.get(key);
    if (cached !== undefined) return cached;
    const id = (await this.pool.run('read', (conn) =>
      first<{ id: number }>(conn, SQL.directByKey, [key])))?.id ?? null;
    if (id !== null) {
      if (this.directIds.size >= CACHE_LIMIT) this.directIds.clear();
      this.directIds.set(key, id);
    }
    return id;
  }

  directConversation(userId: number, otherId: number): Promise<number | null> {
    return this.pool.run('read', async (conn) =>
      (await first<{ conversationId: number }>(conn, SQL.friendship, [userId, otherId]))?.conversationId ?? null);
  }

  friendsOf(userId: number): Promise<{ id: number; name: string }[]> {
    return this.pool.run('read', (conn) => all(conn, SQL.friendsOf, [userId]));
  }

  requestsOf(userId: number): Promise<{ id: number; name: string; direction: 'in' | 'out' }[]> {
    return this.pool.run('read', async (conn) => {
      const rows = await all<{ id: number; name: string; direction: 'in' | 'out' }>(conn, SQL.requestsOf, [userId, userId]);
      return rows.map(({ id, name, direction }) => ({ id, name, direction }));
    });
  }

  createGroup(name: string, key: string, desc: string, creatorId: number): Promise<GroupRow> {
    return this.pool.transaction('write', async (conn) => {
      const now = Date.now();
      const conversationId = (await run(conn, SQL.insertConversation, ['group', null, now])).insertId;
      let id: number;
      try {
        id = (await run(conn, SQL.insertGroup, [name, key, desc, creatorId, conversationId, now])).insertId;
      } catch (err) {
        throw isDuplicateKey(err) ? new ChatError('CHAT_ERR_GROUP_TAKEN') : err;
      }
      await run(conn, SQL.insertMember, [conversationId, creatorId, 'creator', 0, 0, now]);
      return { id, name, desc, creatorId, conversationId };
    });
  }

  groupByKey(key: string): Promise<GroupRow | null> {
    return this.pool.run('read', (conn) => first<GroupRow>(conn, SQL.groupByKey, [key]));
  }

  joinGroup(groupId: number, userId: number): Promise<number> {
    return this.pool.transaction('write', async (conn) => {
      const group = checkGroup(await first<GroupRow>(conn, SQL.groupById, [groupId]));
      // Locked so no message commits between reading last_seq and starting the cursors there.
      const conv = checkGroup(await first<{ lastSeq: number }>(conn, SQL.lockConversation, [group.conversationId]));
      checkJoin((await first(conn, SQL.isMember, [group.conversationId, userId])) !== null);
      await run(conn, SQL.insertMember, [group.conversationId, userId, 'member', conv.lastSeq, conv.lastSeq, Date.now()]);
      return conv.lastSeq;
    });
  }

  leaveGroup(groupId: number, userId: number): Promise<LeaveOutcome> {
    return this.pool.transaction('write', async (conn) => {
      const conv = checkGroup(await first<GroupRow>(conn, SQL.lockGroup, [groupId])).conversationId;
      // Conversation row first, as appendMessages and joinGroup lock it: no deadlock between them.
      await all(conn, SQL.lockConversation, [conv]);
      const role = checkLeave((await first<{ role: Role }>(conn, SQL.member, [conv, userId]))?.role);
      await run(conn, SQL.deleteMember, [conv, userId]);
      const outcome = afterLeave(role, (await first<{ userId: number }>(conn, SQL.successor, [conv]))?.userId ?? null);
      if (outcome.deleted) {
        await run(conn, SQL.deleteGroup, [groupId]);
        await run(conn, SQL.deleteMessages, [conv]);
        await run(conn, SQL.deleteConversation, [conv]);
      } else if (outcome.newCreatorId !== null) {
        await run(conn, SQL.setRole, ['creator', conv, outcome.newCreatorId]);
        await run(conn, SQL.setCreator, [outcome.newCreatorId, groupId]);
      }
      return outcome;
    });
  }

  groupMembers(groupId: number): Promise<{ id: number; name: string; role: Role }[]> {
    return this.pool.run('read', (conn) => all(conn, SQL.groupMembers, [groupId]));
  }

  groupsOf(userId: number): Promise<GroupSummary[]> {
    return this.pool.run('read', (conn) => all(conn, SQL.groupsOf, [userId]));
  }

  memberIds(conversationId: number): Promise<number[]> {
    return this.pool.run('read', async (conn) => (await all<{ userId: number }>(conn, SQL.memberIds, [conversationId])).map((r) => r.userId));
  }

  conversationOf(userId: number, conversationId: number): Promise<ConversationRow | null> {
    return this.pool.run('read', async (conn) => {
      const row = await first<ConversationRecord>(conn, SQL.conversationOf, [userId, conversationId]);
      return row ? toConversation(row) : null;
    });
  }

  conversationsOf(userId: number): Promise<ConversationRow[]> {
    return this.pool.run('read', async (conn) =>
      (await all<ConversationRecord>(conn, SQL.conversationsOf, [userId])).map(toConversation));
  }

  /**
   * One transaction per batch (group commit). Retries: anything that failed before COMMIT was
   * sent rolled back entirely, so the batch is simply run again (once for a lost connection,
   * up to 3 times for a deadlock). If the connection is lost during COMMIT itself, the outcome
   * is unknown; the retry locks the same conversation rows (which waits out the old
   * transaction) and looks for the first row the lost attempt planned. Commits are atomic, so
   * that one row says whether the whole batch landed: if so, the planned results are returned;
   * if not, the batch runs again. Either way every message is stored exactly once, whether
   * it carries a client_msg_id or not.
   */
  async appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    let lost: AppendAttempt | null = null;
    let connectionRetries = 0;
    let lockRetries = 0;
    let duplicateRetries = 0;
    for (;;) {
      const attempt: { plan: AppendAttempt | null; committing: boolean } = { plan: null, committing: false };
      try {
        const previous = lost;
        return await this.pool.use((conn) => this.appendOnce(conn, batch, attempt, previous));
      } catch (err) {
        if (!(err instanceof ChatError)) {
          if (isLockConflict(err) && lockRetries++ < MAX_LOCK_RETRIES) continue;
          // Another node stored the same (sender, client_msg_id) between our check and our
          // insert; the rerun sees its row and answers duplicate (or CLIENT_MSG_ID_REUSED).
          if (isDuplicateKey(err) && duplicateRetries++ === 0) continue;
          if (isConnectionError(err) && connectionRetries++ === 0) {
            if (attempt.committing) lost = attempt.plan;
            continue;
          }
        }
        const error = toStoreError(err);
        return batch.map(() => ({ ok: false, error }));
      }
    }
  }

  private async appendOnce(
    conn: Connection,
    batch: NewMessage[],
    attempt: { plan: AppendAttempt | null; committing: boolean },
    lost: AppendAttempt | null,
  ): Promise<AppendResult[]> {
    return inTransaction(conn, async () => {
      const senders = groupSenders(batch);
      const { slots } = senders;
      // 1. Lock every conversation of the batch, in id order (a fixed order: no deadlock
      //    between batches). Only these rows are locked; other conversations go on in parallel.
      const convIds = [...new Set(slots.map((s) => s.conversationId))].sort((a, b) => a - b);
      const lastSeq = new Map<number, number>();
      for (const row of await allText<{ id: number; lastSeq: number }>(conn,
        `SELECT id, last_seq AS lastSeq FROM conversations WHERE id IN (${repeat('?', convIds.length)}) ORDER BY id FOR UPDATE`, convIds)) {
        lastSeq.set(row.id, row.lastSeq);
      }

      // 2. Did a previous attempt's lost COMMIT land? The lock above waited for it to finish.
      if (lost?.marker) {
        const { conversationId, seq, senderId, ts } = lost.marker;
        if (await first(conn, 'SELECT 1 AS one FROM messages WHERE conversation_id = ? AND seq = ? AND sender_id = ? AND created_at = ?',
          [conversationId, seq, senderId, ts])) {
          return lost.results;
        }
      }

      // 3. What the rules need: earlier rows with the batch's client ids, the senders'
      //    memberships, and for direct messages the friendships. The shared lock on those makes
      //    an unfriending on another node wait for this batch, or this batch see it.
      const idParams: Param[] = [];
      for (const m of batch) if (m.clientMsgId !== null) idParams.push(m.senderId, m.clientMsgId);
      let prior: (PriorMessage | undefined)[] = [];
      if (idParams.length > 0) {
        const rows = await allText<PriorMessage & { senderId: number; clientMsgId: Buffer }>(conn, `
          SELECT sender_id AS senderId, client_msg_id AS clientMsgId, conversation_id AS conversationId, seq, created_at AS ts
          FROM messages WHERE ${repeat('(sender_id = ? AND client_msg_id = ?)', idParams.length / 2, ' OR ')}`, idParams);
        if (rows.length > 0) {
          const found = new Map(rows.map((r) => [clientIdKey(r.senderId, r.clientMsgId.toString()), r]));
          prior = batch.map((m) => (m.clientMsgId === null ? undefined : found.get(clientIdKey(m.senderId, m.clientMsgId))));
        }
      }
      const memberParams: Param[] = [];
      const friendParams: Param[] = [];
      for (const s of slots) {
        memberParams.push(s.conversationId, s.senderId);
        if (s.friendId !== undefined) friendParams.push(s.senderId, s.friendId);
      }
      const members = new Set((await allText<{ c: number; u: number }>(conn, `
        SELECT conversation_id AS c, user_id AS u FROM members WHERE ${repeat('(conversation_id = ? AND user_id = ?)', slots.length, ' OR ')}`,
      memberParams)).map((r) => `${r.c}:${r.u}`));
      const friends = friendParams.length === 0 ? new Set<string>() : new Set((await allText<{ u: number; f: number }>(conn, `
        SELECT user_id AS u, friend_id AS f FROM friendships WHERE ${repeat('(user_id = ? AND friend_id = ?)', friendParams.length / 2, ' OR ')}
        LOCK IN SHARE MODE`, friendParams)).map((r) => `${r.u}:${r.f}`));
      for (const s of slots) {
        s.member = lastSeq.has(s.conversationId) && members.has(`${s.conversationId}:${s.senderId}`);
        if (s.friendId !== undefined) s.friends = friends.has(`${s.senderId}:${s.friendId}`);
      }

      // 4. Decide each item in batch order, by the rules SqliteStore applies too.
      const plan = planAppend(batch, senders, prior, lastSeq);
      const { results, rows, firstNew } = plan;
      const head = batch[firstNew];
      const marker: AppendAttempt['marker'] = head === undefined ? null
        : { conversationId: head.conversationId, seq: (results[firstNew] as { seq: number }).seq, senderId: head.senderId, ts: head.ts };

      // 5. Three statements whatever the batch size: counters, messages, senders' read cursors.
      if (rows.length > 0) {
        const counters: Param[] = [];
        for (const [id, last] of plan.lastSeqs) counters.push(id, last);
        await runText(conn, `UPDATE conversations c JOIN (${repeat('SELECT ? AS id, ? AS last', counters.length / 2, ' UNION ALL ')}) v
          ON c.id = v.id SET c.last_seq = v.last`, counters);
        await runText(conn, INSERT_MESSAGES + repeat(MESSAGE_ROW, rows.length / 6), rows);
        const cursors: Param[] = [];
        for (const move of readCursorMoves(slots)) cursors.push(move.conversationId, move.senderId, move.seq);
        await runText(conn, `UPDATE members m JOIN (${repeat('SELECT ? AS c, ? AS u, ? AS s', cursors.length / 3, ' UNION ALL ')}) v
          ON m.conversation_id = v.c AND m.user_id = v.u SET m.read_seq = GREATEST(m.read_seq, v.s)`, cursors);
      }
      attempt.plan = { results, marker };
      attempt.committing = true;
      return results;
    });
  }

  messagesAfter(conversationId: number, after: number, limit: number): Promise<StoredMessage[]> {
    return this.pool.run('read', async (conn) =>
      (await all<MessageRecord>(conn, SQL.messagesAfter, [conversationId, after, String(limit)])).map(toMessage));
  }

  messagesBefore(conversationId: number, before: number, limit: number): Promise<StoredMessage[]> {
    return this.pool.run('read', async (conn) =>
      (await all<MessageRecord>(conn, SQL.messagesBefore, [conversationId, before, String(limit)])).map(toMessage));
  }

  moveDelivered(conversationId: number, userId: number, seq: number): Promise<number> {
    return this.moveCursor('delivered_seq', conversationId, userId, seq);
  }

  moveRead(conversationId: number, userId: number, seq: number): Promise<number> {
    return this.moveCursor('read_seq', conversationId, userId, seq);
  }

  /** Idempotent (GREATEST), so it is retried after a lost connection. last_seq only grows, so a passed check stays true. */
  private moveCursor(column: 'delivered_seq' | 'read_seq', conversationId: number, userId: number, seq: number): Promise<number> {
    return this.pool.run('idempotent', async (conn) => {
      checkCursorMove((await first<{ lastSeq: number }>(conn, SQL.member, [conversationId, userId]))?.lastSeq, seq);
      // LAST_INSERT_ID(expr) hands back the cursor's value after the update in the same reply.
      const moved = await run(conn,
        `UPDATE members SET ${column} = LAST_INSERT_ID(GREATEST(${column}, ?)) WHERE conversation_id = ? AND user_id = ?`,
        [seq, conversationId, userId]);
      if (moved.affectedRows === 0) throw new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
      return moved.insertId;
    });
  }
}
