// The production Store: MySQL/MariaDB through MysqlPool, every statement prepared (`execute`).
// Semantics match SqliteStore exactly; test/contract/store.contract.ts runs on both.
// Where SQLite gets isolation for free (one writer at a time), this store takes row locks:
// appendMessages and the group transactions lock the conversation row first, so two nodes
// writing one conversation are serialized on that row and nothing else. docs/mysql.md.
import type { ResultSetHeader } from 'mysql2';
import type { DbPoolConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ChatError } from '../protocol/errors.ts';
import type { NotifyLevel } from '../protocol/messages.ts';
import { isConnectionError, isDuplicateKey, isLockConflict, toStoreError } from './mysql-errors.ts';
import { MysqlAccounts } from './mysql-accounts.ts';
import { migrate } from './mysql-migrate.ts';
import { BlockTokenCache, CANDIDATES_PER_ROUND, RANGES_PER_QUERY, blockInserts, blockMessagesQuery, matchingBlocksQuery, newestBlocksQuery, openBlocks, rewritingBlock, unindexConversation, type BlockRange, type BlockStates, type OpenBlock, type IndexedText } from './mysql-search.ts';
import { bySearchOrder, collectPage, type SearchPage, type SearchRequest } from './search.ts';
import { MysqlPool, TripBuilder, inTransaction, rolledBack, type Connection, type PoolStats } from './mysql-pool.ts';
import { parseMysqlUrl, type MysqlTarget } from './mysql-url.ts';
import {
  moveOne, type AppendResult, type BatchResult, type DirectoryEntry, type ConversationRow, type CursorMove, type EntryInfo, type EntryKind,
  type EventResult, type FriendAdded, type GroupChanges, type GroupInvite, type GroupRow, type GroupSettings, type GroupStanding,
  type GroupSummary, type LeftGroup, type MoveResult, type NewEvent, type NewMessage, type ReactionCount, type Relation, type Role, type Store,
  type ResumedToken, type StoredMessage, type UserRow,
} from './store.ts';
import {
  FORMER_CREATOR_ROLE, checkBan, checkCreator, checkDecline, checkInvite, checkJoin, checkKick, checkModerator, checkSetRole,
  checkTransfer, checkUnban, defaultHistory, isVisible, pickSuccessor, visibleAfter, type GroupState, type SuccessorCandidate,
  targetState,
} from './group-rules.ts';
import {
  afterLeave, checkFriendAccept, checkGroup, checkLeave, clientIdKey, friendAddAction, groupCursorMoves, groupSenders,
  checkBlock, planAppend, planCursorMoves, planEvent, readCursorMoves, relationOf, type FriendState, type LeaveOutcome, type PriorMessage,
} from './rules.ts';
import {
  INSERT_MESSAGES, MENTION_VALUES, insertMentions, MESSAGE_ROW, MESSAGE_TEXT_AT, MESSAGE_VALUES, MYSQL, directConversationKey, friendStateParams, sqlFor, stateOf,
  toConversation, toFriendState, prefixRange, toGroup, toStanding, toStoredMessage, toSummary, type ConversationRecord, type FriendStateRecord,
  type GroupRecord, type GroupStandingRecord, type MessageRecord, type TextChange,
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

/**
 * A derived table of n rows of key columns, `(SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? …)`,
 * to join a batch's keys against. MariaDB plans a row IN list of 25 pairs by building a range per
 * pair (and an index dive per range), which costs it about three times the join's CPU
 * (docs/performance-notes.md, "Row IN lists against joined keys").
 */
const keyRows = (columns: readonly string[], n: number): string => {
  const head = `SELECT ${columns.map((c) => `? AS ${c}`).join(', ')}`;
  const rest = `SELECT ${columns.map(() => '?').join(', ')}`;
  return `(${[head, ...Array.from({ length: n - 1 }, () => rest)].join(' UNION ALL ')})`;
};

const SQL = sqlFor(MYSQL);

// Keys are VARBINARY (sql/mysql/001_init.sql), so client_msg_id (and a reaction's emoji) come back as a Buffer.
const toMessage = toStoredMessage;

/** What one appendMessages attempt decided, kept in case its COMMIT is lost in transit. */
interface AppendAttempt {
  results: AppendResult[];
  /** the batch's cursor moves, committed with its messages */
  moveResults: MoveResult[];
  /** per message: a new group message's members, read under the batch's conversation locks */
  members: (readonly number[] | undefined)[];
  /** the first new row, by which a retry tells whether the lost COMMIT landed */
  marker: { conversationId: number; seq: number; senderId: number; ts: number } | null;
}

const MAX_LOCK_RETRIES = 3;
const CACHE_LIMIT = 100_000;

export class MysqlStore implements Store {
  readonly accounts: MysqlAccounts;

  private constructor(private readonly pool: MysqlPool) {
    // An account's deletion leaves its groups in its own transaction.
    this.accounts = new MysqlAccounts(pool, () => this.forgetUsers(), async (conn, userId) => {
      const left: LeftGroup[] = [];
      for (const g of await all<{ id: number; name: string; conversationId: number }>(conn, SQL.groupsToLeave, [userId])) {
        try {
          left.push({ ...g, ...(await this.leaveIn(conn, g.id, userId)) });
        } catch (err) {
          // Left or deleted by another session since the list was read (before leaveIn wrote anything).
          const code = (err as ChatError).code;
          if (code !== 'CHAT_ERR_NOT_MEMBER' && code !== 'CHAT_ERR_NO_SUCH_GROUP') throw err;
        }
      }
      return left;
    });
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
      const action = friendAddAction(await this.lockFriendState(conn, fromId, toId));
      if (action === 'accept') {
        return { status: 'accepted', conversationId: await this.befriend(conn, fromId, toId) };
      }
      await run(conn, SQL.insertRequest, [fromId, toId, Date.now()]);
      return { status: 'pending', hidden: action === 'hidden' };
    });
  }

  /** Under lockFriendState's lock, so a friend_add or accept on the same two users on any node is before or after it. */
  async block(blockerId: number, blockedId: number): Promise<{ unfriended: boolean }> {
    checkBlock(blockerId, blockedId);
    return this.pool.transaction('write', async (conn) => {
      await this.lockFriendState(conn, blockerId, blockedId);
      await run(conn, SQL.insertBlock, [blockerId, blockedId, Date.now()]);
      await run(conn, SQL.deleteRequest, [blockerId, blockedId]);
      return { unfriended: (await run(conn, SQL.deleteFriendship, [blockerId, blockedId, blockedId, blockerId])).affectedRows > 0 };
    });
  }

  /** Idempotent, so retried after a lost connection. */
  unblock(blockerId: number, blockedId: number): Promise<boolean> {
    return this.pool.run('idempotent', async (conn) => (await run(conn, SQL.deleteBlock, [blockerId, blockedId])).affectedRows > 0);
  }

  blockedOf(userId: number): Promise<{ id: number; name: string }[]> {
    return this.pool.run('read', async (conn) =>
      (await all<{ id: number; name: string }>(conn, SQL.blockedOf, [userId])).map(({ id, name }) => ({ id, name })));
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
  /** The token hexes of the open search blocks this node wrote (mysql-search.ts): a message then adds only what its block lacks. */
  private readonly blockTokens = new BlockTokenCache();

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

  createGroup(name: string, key: string, desc: string, creatorId: number, settings: GroupSettings = {}): Promise<GroupRow> {
    const isPrivate = settings.private ?? false;
    const history = settings.history ?? defaultHistory(isPrivate);
    return this.pool.transaction('write', async (conn) => {
      const now = Date.now();
      const conversationId = (await run(conn, SQL.insertConversation, ['group', null, now])).insertId;
      let id: number;
      try {
        id = (await run(conn, SQL.insertGroup, [name, key, desc, creatorId, conversationId, now, isPrivate ? 1 : 0, history])).insertId;
      } catch (err) {
        throw isDuplicateKey(err) ? new ChatError('CHAT_ERR_GROUP_TAKEN') : err;
      }
      await run(conn, SQL.insertMember, [conversationId, creatorId, 'creator', 0, 0, now]);
      return { id, name, desc, creatorId, conversationId, private: isPrivate, history };
    });
  }

  groupByKey(key: string): Promise<GroupRow | null> {
    return this.pool.run('read', async (conn) => {
      const row = await first<GroupRecord>(conn, SQL.groupByKey, [key]);
      return row ? toGroup(row) : null;
    });
  }

  groupFor(key: string, userId: number): Promise<GroupStanding | null> {
    return this.pool.run('read', async (conn) => {
      const row = await first<GroupStandingRecord>(conn, SQL.groupFor, [userId, userId, userId, key]);
      if (!row) return null;
      const s = toStanding(row);
      return isVisible(stateOf(s)) ? s : null;
    });
  }

  private async standing(conn: Connection, groupId: number, userId: number): Promise<GroupStanding | null> {
    const row = await first<GroupStandingRecord>(conn, SQL.standingById, [userId, userId, userId, groupId]);
    return row ? toStanding(row) : null;
  }

  /**
   * Every group write locks the group's conversation row first, as appendMessages, joinGroup and
   * leaveGroup do, and then reads where its users stand: another node's write on the same group
   * waits here, and then (READ COMMITTED) reads what this one wrote. `lockGroup` first where the
   * group row itself may go, as leaveGroup does, so the order is always group, then conversation.
   */
  private async lockedStandings(conn: Connection, groupId: number, actorId: number, userId: number | null, lockGroup = false) {
    const group = checkGroup(await first<GroupRecord>(conn, lockGroup ? SQL.lockGroup : SQL.groupById, [groupId]));
    await all(conn, SQL.lockConversation, [group.conversationId]);
    const actor = await this.standing(conn, groupId, actorId);
    const other = userId === null ? null : await this.standing(conn, groupId, userId);
    const target = targetState(actorId === userId, other);
    const state: GroupState | null = actor && stateOf(actor);
    return { conv: group.conversationId, actor, state, target };
  }

  private async dropGroup(conn: Connection, groupId: number, conv: number): Promise<void> {
    await run(conn, SQL.deleteInvites, [groupId]);
    await run(conn, SQL.deleteBans, [groupId]);
    await run(conn, SQL.deleteMembers, [conv]);
    await run(conn, SQL.deleteGroup, [groupId]);
    await run(conn, SQL.deleteConversationReactions, [conv]);
    await run(conn, SQL.deleteConversationMentions, [conv]);
    await run(conn, SQL.deleteConversationDeletions, [conv]);
    await unindexConversation(conn, conv);
    await run(conn, SQL.deleteMessages, [conv]);
    await run(conn, SQL.deleteConversation, [conv]);
  }

  joinGroup(groupId: number, userId: number): Promise<number> {
    return this.pool.transaction('write', async (conn) => {
      // Locked so no message commits between reading last_seq and starting the cursors there.
      const { conv, actor, state } = await this.lockedStandings(conn, groupId, userId, null);
      checkJoin(state);
      const lastSeq = (await first<{ lastSeq: number }>(conn, SQL.lockConversation, [conv]))!.lastSeq;
      await run(conn, SQL.insertGroupMember, [conv, userId, 'member', lastSeq, lastSeq, Date.now(), visibleAfter(actor!.group.history, lastSeq)]);
      await run(conn, SQL.deleteInvite, [groupId, userId]);
      return lastSeq;
    });
  }

  leaveGroup(groupId: number, userId: number): Promise<LeaveOutcome> {
    return this.pool.transaction('write', (conn) => this.leaveIn(conn, groupId, userId));
  }

  private async leaveIn(conn: Connection, groupId: number, userId: number): Promise<LeaveOutcome> {
    const conv = checkGroup(await first<GroupRow>(conn, SQL.lockGroup, [groupId])).conversationId;
    // Conversation row first, as appendMessages and joinGroup lock it: no deadlock between them.
    await all(conn, SQL.lockConversation, [conv]);
    const role = checkLeave((await first<{ role: Role }>(conn, SQL.member, [conv, userId]))?.role);
    await run(conn, SQL.deleteMember, [conv, userId]);
    const outcome = afterLeave(role, pickSuccessor(await all<SuccessorCandidate>(conn, SQL.successors, [conv, conv, conv])));
    if (outcome.deleted) {
      await this.dropGroup(conn, groupId, conv);
    } else if (outcome.newCreatorId !== null) {
      await run(conn, SQL.setRole, ['creator', conv, outcome.newCreatorId]);
      await run(conn, SQL.setCreator, [outcome.newCreatorId, groupId]);
    }
    return outcome;
  }

  groupMembers(groupId: number): Promise<{ id: number; name: string; role: Role }[]> {
    return this.pool.run('read', (conn) => all(conn, SQL.groupMembers, [groupId]));
  }

  groupsOf(userId: number): Promise<GroupSummary[]> {
    return this.pool.run('read', async (conn) =>
      (await all<Omit<GroupSummary, 'private'> & { private: number }>(conn, SQL.groupsOf, [userId])).map(toSummary));
  }

  invitesOf(userId: number): Promise<GroupInvite[]> {
    return this.pool.run('read', (conn) => all<GroupInvite>(conn, SQL.invitesOf, [userId]));
  }

  inviteToGroup(groupId: number, actorId: number, userId: number): Promise<void> {
    return this.pool.transaction('write', async (conn) => {
      const { state, target } = await this.lockedStandings(conn, groupId, actorId, userId);
      checkInvite(state, target);
      await run(conn, SQL.insertInvite, [groupId, userId, actorId, Date.now()]);
    });
  }

  declineInvite(groupId: number, userId: number): Promise<void> {
    return this.pool.transaction('write', async (conn) => {
      const { state } = await this.lockedStandings(conn, groupId, userId, null);
      checkDecline(state);
      await run(conn, SQL.deleteInvite, [groupId, userId]);
    });
  }

  removeFromGroup(groupId: number, actorId: number, userId: number, ban: boolean): Promise<{ wasMember: boolean }> {
    return this.pool.transaction('write', async (conn) => {
      const { conv, state, target } = await this.lockedStandings(conn, groupId, actorId, userId);
      if (ban) checkBan(state, target);
      else checkKick(state, target);
      if (target.role !== null) await run(conn, SQL.deleteMember, [conv, userId]);
      if (ban) {
        await run(conn, SQL.deleteInvite, [groupId, userId]);
        await run(conn, SQL.insertBan, [groupId, userId, actorId, Date.now()]);
      }
      return { wasMember: target.role !== null };
    });
  }

  unbanFromGroup(groupId: number, actorId: number, userId: number): Promise<void> {
    return this.pool.transaction('write', async (conn) => {
      const { state, target } = await this.lockedStandings(conn, groupId, actorId, userId);
      checkUnban(state, target);
      await run(conn, SQL.deleteBan, [groupId, userId]);
    });
  }

  setGroupRole(groupId: number, actorId: number, userId: number, role: 'admin' | 'member'): Promise<void> {
    return this.pool.transaction('write', async (conn) => {
      const { conv, state, target } = await this.lockedStandings(conn, groupId, actorId, userId);
      checkSetRole(state, target);
      await run(conn, SQL.setRole, [role, conv, userId]);
    });
  }

  transferGroup(groupId: number, actorId: number, userId: number): Promise<void> {
    return this.pool.transaction('write', async (conn) => {
      const { conv, state, target } = await this.lockedStandings(conn, groupId, actorId, userId, true);
      checkTransfer(state, target);
      await run(conn, SQL.setRole, ['creator', conv, userId]);
      await run(conn, SQL.setRole, [FORMER_CREATOR_ROLE, conv, actorId]);
      await run(conn, SQL.setCreator, [userId, groupId]);
    });
  }

  updateGroup(groupId: number, actorId: number, changes: GroupChanges): Promise<GroupRow> {
    return this.pool.transaction('write', async (conn) => {
      const { actor, state } = await this.lockedStandings(conn, groupId, actorId, null, true);
      checkModerator(state);
      const g = actor!.group;
      const next: GroupRow = { ...g, desc: changes.desc ?? g.desc, private: changes.private ?? g.private, history: changes.history ?? g.history };
      await run(conn, SQL.updateGroup, [next.desc, next.private ? 1 : 0, next.history, groupId]);
      return next;
    });
  }

  publicGroups(prefix: string, after: string, limit: number): Promise<DirectoryEntry[]> {
    return this.pool.run('read', async (conn) => {
      // Keys are VARBINARY: they come back as Buffers.
      const rows = await all<Omit<DirectoryEntry, 'key'> & { key: Buffer | string }>(conn, SQL.publicGroups, [...prefixRange(prefix), after, String(limit)]);
      return rows.map((r) => ({ ...r, key: r.key.toString(), members: Number(r.members) }));
    });
  }

  deleteGroup(groupId: number, actorId?: number): Promise<number[]> {
    return this.pool.transaction('write', async (conn) => {
      const { conv, state } = await this.lockedStandings(conn, groupId, actorId ?? 0, null, true);
      if (actorId !== undefined) checkCreator(state);
      const members = (await all<{ userId: number }>(conn, SQL.memberIds, [conv])).map((r) => r.userId);
      await this.dropGroup(conn, groupId, conv);
      return members;
    });
  }

  memberIds(conversationId: number): Promise<number[]> {
    return this.pool.run('read', async (conn) => (await all<{ userId: number }>(conn, SQL.memberIds, [conversationId])).map((r) => r.userId));
  }

  membersNotSeeing(conversationId: number, seq: number): Promise<number[]> {
    return this.pool.run('read', async (conn) => (await all<{ userId: number }>(conn, SQL.membersNotSeeing, [conversationId, seq])).map((r) => r.userId));
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
    return batch.length === 0 ? [] : (await this.storeMessages(batch, [])).messages;
  }

  /**
   * Messages and cursor moves in one transaction and two round trips (multi-statement queries):
   * the first locks the batch's conversations and reads everything the rules need, the second
   * writes and commits. One redo-log flush per batch, and per batch a fixed number of trips
   * however many messages and acks it carries. The moves see the batch's new seqs: their bound
   * is the conversation's last seq after the batch. A batch whose messages fail still moves its
   * cursors, on their own (moveCursors), as before the two were joined.
   */
  async appendBatch(messages: NewMessage[], moves: CursorMove[]): Promise<BatchResult> {
    if (messages.length === 0) return { messages: [], moves: moves.length === 0 ? [] : await this.moveCursors(moves) };
    const done = await this.storeMessages(messages, moves);
    if (done.moves !== null) return { messages: done.messages, moves: done.moves, members: done.members };
    return { messages: done.messages, moves: moves.length === 0 ? [] : await this.moveCursors(moves) };
  }

  /** `moves: null` when the moves did not commit with the messages (the messages failed). */
  private async storeMessages(batch: NewMessage[], moves: CursorMove[]): Promise<{ messages: AppendResult[]; moves: MoveResult[] | null; members?: (readonly number[] | undefined)[] }> {
    let lost: AppendAttempt | null = null;
    let connectionRetries = 0;
    let lockRetries = 0;
    let duplicateRetries = 0;
    for (;;) {
      const attempt: { plan: AppendAttempt | null; committing: boolean } = { plan: null, committing: false };
      try {
        const previous = lost;
        const plan = await this.pool.use((conn) => this.appendOnce(conn, batch, moves, attempt, previous));
        return { messages: plan.results, moves: plan.moveResults, members: plan.members };
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
        return { messages: batch.map(() => ({ ok: false, error })), moves: null };
      }
    }
  }

  private async appendOnce(
    conn: Connection,
    batch: NewMessage[],
    moves: CursorMove[],
    attempt: { plan: AppendAttempt | null; committing: boolean },
    lost: AppendAttempt | null,
  ): Promise<AppendAttempt> {
    const senders = groupSenders(batch);
    const { slots } = senders;
    const cursorSlots = groupCursorMoves(moves);
    // ---- round trip 1: begin, lock, read ----
    const reads = new TripBuilder();
    reads.add('START TRANSACTION', []);
    // 1. Lock every conversation of the batch, in id order (a fixed order: no deadlock between
    //    batches). Only these rows are locked; other conversations go on in parallel. The
    //    conversations the moves name are read without a lock: a cursor's bound only grows.
    const convIds = [...new Set(slots.map((s) => s.conversationId))].sort((a, b) => a - b);
    const locked = reads.add(
      `SELECT id, last_seq AS lastSeq, msg_count AS msgCount FROM conversations WHERE id IN (${repeat('?', convIds.length)}) ORDER BY id FOR UPDATE`, convIds);
    //    Their newest search blocks, which this batch's messages may go on filling (mysql-search.ts).
    const blocksAt = reads.add(newestBlocksQuery(convIds.length), convIds);
    // 2. Did a previous attempt's lost COMMIT land? The lock above waits for it to finish.
    const marker = lost?.marker;
    const landed = marker ? reads.add('SELECT 1 AS one FROM messages WHERE conversation_id = ? AND seq = ? AND sender_id = ? AND created_at = ?',
      [marker.conversationId, marker.seq, marker.senderId, marker.ts]) : -1;
    // 3. What the rules need: earlier rows with the batch's client ids, the senders'
    //    memberships, and for direct messages the friendships. The shared lock on those makes an
    //    unfriending on another node wait for this batch, or this batch see it. And the cursors
    //    the moves start from.
    // Each looks its keys up by joining them as a derived table (keyRows): neither a row IN list
    // (a range and an index dive per key) nor a chain of ORs (each row checked against all of it).
    // STRAIGHT_JOIN keeps the keys first: on small tables the optimizer would rather scan the index.
    const idParams: Param[] = [];
    for (const m of batch) if (m.clientMsgId !== null) idParams.push(m.senderId, m.clientMsgId);
    const priorAt = idParams.length === 0 ? -1 : reads.add(`
      SELECT sender_id AS senderId, client_msg_id AS clientMsgId, conversation_id AS conversationId, seq, created_at AS ts, kind
      FROM ${keyRows(['s', 'k'], idParams.length / 2)} v STRAIGHT_JOIN messages ON sender_id = v.s AND client_msg_id = v.k`, idParams);
    const memberParams: Param[] = [];
    const friendParams: Param[] = [];
    for (const s of slots) {
      memberParams.push(s.conversationId, s.senderId);
      if (s.friendId !== undefined) friendParams.push(s.senderId, s.friendId);
    }
    const membersAt = reads.add(`
      SELECT m.conversation_id AS c, m.user_id AS u FROM ${keyRows(['c', 'u'], slots.length)} v
      STRAIGHT_JOIN members m ON m.conversation_id = v.c AND m.user_id = v.u`, memberParams);
    const friendsAt = friendParams.length === 0 ? -1 : reads.add(`
      SELECT f.user_id AS u, f.friend_id AS f FROM ${keyRows(['u', 'f'], friendParams.length / 2)} v
      STRAIGHT_JOIN friendships f ON f.user_id = v.u AND f.friend_id = v.f LOCK IN SHARE MODE`, friendParams);
    // The groups' members under the conversation locks, which a kick, ban or leave takes too:
    // the pushes go to the members as of the commit, whichever node removed someone meanwhile.
    const groupConvs = [...new Set(slots.filter((s) => s.friendId === undefined).map((s) => s.conversationId))];
    const rosterAt = groupConvs.length === 0 ? -1 : reads.add(
      `SELECT conversation_id AS c, user_id AS u FROM members WHERE conversation_id IN (${repeat('?', groupConvs.length)}) ORDER BY conversation_id, user_id`, groupConvs);
    const cursorKeys: Param[] = [];
    for (const s of cursorSlots.slots) cursorKeys.push(s.conversationId, s.userId);
    const cursorsAt = cursorKeys.length === 0 ? -1 : reads.add(`
      SELECT m.conversation_id AS c, m.user_id AS u, c.last_seq AS lastSeq, m.delivered_seq AS d, m.read_seq AS r
      FROM ${keyRows(['c', 'u'], cursorSlots.slots.length)} v STRAIGHT_JOIN members m ON m.conversation_id = v.c AND m.user_id = v.u
      STRAIGHT_JOIN conversations c ON c.id = m.conversation_id`, cursorKeys);
    try {
      const got = await reads.send(conn);
      if (landed >= 0 && got[landed]!.length > 0) {
        await conn.query('ROLLBACK');
        return lost!;
      }
      const lastSeq = new Map<number, number>();
      const msgCount = new Map<number, number>();
      for (const row of got[locked] as { id: number; lastSeq: number; msgCount: number }[]) {
        lastSeq.set(row.id, row.lastSeq);
        msgCount.set(row.id, row.msgCount);
      }
      let prior: (PriorMessage | undefined)[] = [];
      const priorRows = priorAt < 0 ? [] : got[priorAt] as (PriorMessage & { senderId: number; clientMsgId: Buffer })[];
      if (priorRows.length > 0) {
        const found = new Map(priorRows.map((r) => [clientIdKey(r.senderId, r.clientMsgId.toString()), r]));
        prior = batch.map((m) => (m.clientMsgId === null ? undefined : found.get(clientIdKey(m.senderId, m.clientMsgId))));
      }
      const members = new Set((got[membersAt] as { c: number; u: number }[]).map((r) => `${r.c}:${r.u}`));
      const friends = friendsAt < 0 ? new Set<string>() : new Set((got[friendsAt] as { u: number; f: number }[]).map((r) => `${r.u}:${r.f}`));
      for (const s of slots) {
        s.member = lastSeq.has(s.conversationId) && members.has(`${s.conversationId}:${s.senderId}`);
        if (s.friendId !== undefined) s.friends = friends.has(`${s.senderId}:${s.friendId}`);
      }

      // 4. Decide each item in batch order, by the rules SqliteStore applies too; then the
      //    moves, bounded by each conversation's last seq after this batch.
      const plan = planAppend(batch, senders, prior, lastSeq, msgCount);
      const { results, rows, firstNew } = plan;
      const rosters: (readonly number[] | undefined)[] = new Array(batch.length);
      if (rosterAt >= 0) {
        const roster = new Map<number, number[]>();
        for (const r of got[rosterAt] as { c: number; u: number }[]) {
          const list = roster.get(r.c);
          if (list === undefined) roster.set(r.c, [r.u]);
          else list.push(r.u);
        }
        for (let i = 0; i < batch.length; i++) {
          const r = results[i]!;
          if (r.ok && !r.duplicate && batch[i]!.friendId === undefined) rosters[i] = roster.get(batch[i]!.conversationId) ?? [];
        }
      }
      let cursorPlan: ReturnType<typeof planCursorMoves> | null = null;
      if (cursorsAt >= 0) {
        const found = new Map((got[cursorsAt] as { c: number; u: number; lastSeq: number; d: number; r: number }[]).map((r) => [`${r.c}:${r.u}`, r]));
        for (const s of cursorSlots.slots) {
          const row = found.get(`${s.conversationId}:${s.userId}`);
          if (row === undefined) continue;
          s.lastSeq = Math.max(row.lastSeq, plan.lastSeqs.get(s.conversationId) ?? 0);
          s.delivered = row.d;
          s.read = row.r;
        }
        cursorPlan = planCursorMoves(moves, cursorSlots);
      }
      const head = batch[firstNew];
      const planned: AppendAttempt = {
        results,
        moveResults: cursorPlan?.results ?? [],
        members: rosters,
        marker: head === undefined ? null
          : { conversationId: head.conversationId, seq: (results[firstNew] as { seq: number }).seq, senderId: head.senderId, ts: head.ts },
      };

      // ---- round trip 2: write, commit ----
      // Counters, messages (and their search tokens), cursors: a fixed number of statements
      // whatever the batch size. The senders' read cursors and the moves share one UPDATE.
      const writes = new TripBuilder();
      const blockStates: BlockStates = [];
      if (rows.length > 0) {
        const counters: Param[] = [];
        for (const [id, last] of plan.lastSeqs) counters.push(id, last, plan.msgCounts.get(id)!);
        writes.add(`UPDATE conversations c JOIN ${keyRows(['id', 'last', 'n'], counters.length / 3)} v
          ON c.id = v.id SET c.last_seq = v.last, c.msg_count = v.n`, counters);
        this.insertText(writes, rows as Param[], openBlocks(got[blocksAt] as { c: number; f: number; l: number; n: number }[], lastSeq, this.blockTokens), blockStates);
        // One more statement for the whole batch, only when some message mentions someone.
        if (plan.mentionRows !== null) writes.add(insertMentions(plan.mentionRows.length / MENTION_VALUES), plan.mentionRows);
      }
      const cursorRows = new Map<string, [number, number, number, number]>();
      for (const move of rows.length > 0 ? readCursorMoves(slots) : []) {
        cursorRows.set(`${move.conversationId}:${move.senderId}`, [move.conversationId, move.senderId, 0, move.seq]);
      }
      for (const w of cursorPlan?.writes ?? []) {
        const key = `${w.conversationId}:${w.userId}`;
        const row = cursorRows.get(key);
        if (row === undefined) cursorRows.set(key, [w.conversationId, w.userId, w.delivered, w.read]);
        else {
          row[2] = Math.max(row[2], w.delivered);
          row[3] = Math.max(row[3], w.read);
        }
      }
      if (cursorRows.size > 0) {
        const values: Param[] = [];
        for (const row of cursorRows.values()) values.push(...row);
        writes.add(`UPDATE members m JOIN ${keyRows(['c', 'u', 'd', 'r'], cursorRows.size)} v
          ON m.conversation_id = v.c AND m.user_id = v.u
          SET m.delivered_seq = GREATEST(m.delivered_seq, v.d), m.read_seq = GREATEST(m.read_seq, v.r)`, values);
      }
      writes.add('COMMIT', []);
      attempt.plan = planned;
      attempt.committing = true;
      await writes.send(conn);
      for (const b of blockStates) this.blockTokens.set(b.conversationId, b.first, b.size, b.tokens);
      return planned;
    } catch (err) {
      throw await rolledBack(conn, err);
    }
  }

  messagesAfter(conversationId: number, after: number, limit: number): Promise<StoredMessage[]> {
    return this.pool.run('read', async (conn) =>
      (await all<MessageRecord>(conn, SQL.messagesAfter, [conversationId, after, String(limit)])).map(toMessage));
  }

  messagesBefore(conversationId: number, before: number, limit: number): Promise<StoredMessage[]> {
    return this.pool.run('read', async (conn) =>
      (await all<MessageRecord>(conn, SQL.messagesBefore, [conversationId, before, String(limit)])).map(toMessage));
  }

  /**
   * The one place this store writes, replaces or removes a message's text (TextChange,
   * shared-sql.ts), inside the caller's transaction, and so the one place that keeps the search
   * index (mysql-search.ts) in step with it: a changed text's block is rewritten around the change.
   */
  private async writeText(conn: Connection, change: TextChange): Promise<void> {
    if (change.op === 'insert') {
      const trip = new TripBuilder();
      this.insertText(trip, change.rows as Param[]);
      await trip.send(conn);
      return;
    }
    // an edited message is found by its new text only, a deleted one never again
    await rewritingBlock(conn, change.conversationId, change.seq, async () => {
      if (change.op === 'replace') {
        await run(conn, SQL.replaceText, [change.text, change.at, change.conversationId, change.seq]);
      } else {
        await run(conn, SQL.removeText, [change.conversationId, change.seq]);
        await run(conn, SQL.removeEditTexts, [change.conversationId, change.seq]);
        await run(conn, SQL.insertDeletion, [change.conversationId, change.seq]);
      }
    });
  }

  /** writeText's insert, as statements of the caller's round trip: the new rows and their search blocks. */
  private insertText(trip: TripBuilder, rows: Param[], open?: ReadonlyMap<number, OpenBlock>, states?: BlockStates): void {
    trip.add(INSERT_MESSAGES + repeat(MESSAGE_ROW, rows.length / MESSAGE_VALUES), rows);
    const texts: IndexedText[] = [];
    for (let at = 0; at < rows.length; at += MESSAGE_VALUES) {
      texts.push({ conversationId: rows[at] as number, seq: rows[at + 1] as number, text: rows[at + MESSAGE_TEXT_AT] as string });
    }
    for (const sql of blockInserts(texts, open, states)) trip.add(sql, []);
  }

  entryOf(conversationId: number, seq: number): Promise<EntryInfo | null> {
    return this.pool.run('read', async (conn) => {
      const row = await first<Omit<EntryInfo, 'deleted'> & { deleted: number }>(conn, SQL.entryOf, [conversationId, seq]);
      return row === null ? null : { ...row, deleted: Number(row.deleted) === 1 };
    });
  }

  /**
   * One transaction, the conversation row locked first (as appendMessages and the group
   * transactions lock it), so the event's seq and its fold are decided against the latest state.
   * A connection lost after the statements went is not retried blindly; a client retry with the
   * same client_msg_id answers duplicate if the first attempt committed.
   */
  async appendEvent(e: NewEvent, roster?: { members?: readonly number[] }): Promise<EventResult> {
    for (let retries = 0; ; retries++) {
      try {
        return await this.appendEventOnce(e, roster);
      } catch (err) {
        // Another node stored the same (sender, client_msg_id) between our check and our insert
        // (in another conversation: this one's row lock keeps its own writers apart), or a
        // deadlock: the rerun decides again, and answers duplicate or CLIENT_MSG_ID_REUSED.
        if (err instanceof ChatError) throw err;
        if ((isDuplicateKey(err) || isLockConflict(err)) && retries < MAX_LOCK_RETRIES) continue;
        throw toStoreError(err);
      }
    }
  }

  /** A connection lost after the statements went is not retried: a client retry with the same client_msg_id tells. */
  private appendEventOnce(e: NewEvent, roster?: { members?: readonly number[] }): Promise<EventResult> {
    return this.pool.use((conn) => inTransaction(conn, async (): Promise<EventResult> => {
      const conv = await first<{ kind: 'direct' | 'group'; lastSeq: number; msgCount: number }>(conn, SQL.lockConversationForEvent, [e.conversationId]);
      const role = conv === null ? null : ((await first<{ role: string }>(conn, SQL.memberRole, [e.conversationId, e.senderId]))?.role ?? null);
      const target = await first<{ kind: EntryKind; senderId: number; deleted: number }>(conn, SQL.entryOf, [e.conversationId, e.target]);
      const prior = e.clientMsgId === null ? null : await first<PriorMessage>(conn, SQL.priorByClientMsgId, [e.senderId, e.clientMsgId]);
      const plan = planEvent(e, {
        role,
        group: conv?.kind === 'group',
        friends: e.friendId === undefined || (await first(conn, SQL.friendshipStands, [e.senderId, e.friendId])) !== null,
        prior: prior ?? undefined,
        target: target === null ? null : { kind: target.kind, senderId: target.senderId, deleted: Number(target.deleted) === 1 },
        reacted: e.kind === 'reaction' && (await first(conn, SQL.hasReaction, [e.conversationId, e.target, e.senderId, e.text])) !== null,
      });
      if (plan.action === 'duplicate') return { seq: plan.seq, ts: Number(plan.ts), duplicate: true, changed: true };
      if (plan.action === 'noop') return { seq: null, ts: e.ts, duplicate: false, changed: false };
      const seq = Number(conv!.lastSeq) + 1;
      await run(conn, SQL.insertEvent, [e.conversationId, seq, e.senderId, e.kind === 'delete' ? '' : e.text, e.clientMsgId, e.ts, e.kind, e.target,
        e.remove ? 1 : 0, conv!.msgCount]);
      await run(conn, SQL.setLastSeq, [seq, e.conversationId]);
      if (e.kind === 'edit') await this.writeText(conn, { op: 'replace', conversationId: e.conversationId, seq: e.target, text: e.text, at: e.ts });
      else if (e.kind === 'delete') {
        await this.writeText(conn, { op: 'remove', conversationId: e.conversationId, seq: e.target });
        await run(conn, SQL.deleteReactionsOf, [e.conversationId, e.target]);
        await run(conn, SQL.deleteMentionsOf, [e.conversationId, e.target]);
      } else if (e.remove) await run(conn, SQL.deleteReaction, [e.conversationId, e.target, e.senderId, e.text]);
      else await run(conn, SQL.insertReaction, [e.conversationId, e.target, e.senderId, e.text, e.ts]);
      if (roster !== undefined && conv!.kind === 'group') {
        roster.members = (await all<{ userId: number }>(conn, SQL.memberIds, [e.conversationId])).map((r) => r.userId);
      }
      return { seq, ts: e.ts, duplicate: false, changed: true };
    }));
  }

  reactionsOf(conversationId: number, from: number, to: number, viewerId: number): Promise<ReactionCount[]> {
    return this.pool.run('read', async (conn) =>
      (await all<{ seq: number; emoji: Buffer | string; count: number | string; me: number | string }>(conn, SQL.reactionsOf, [viewerId, conversationId, from, to, viewerId]))
        .map((r) => ({ seq: r.seq, emoji: r.emoji.toString(), count: Number(r.count), me: Number(r.me) === 1 })));
  }

  moveDelivered(conversationId: number, userId: number, seq: number): Promise<number> {
    return moveOne(this, { conversationId, userId, kind: 'delivered', seq });
  }

  moveRead(conversationId: number, userId: number, seq: number): Promise<number> {
    return moveOne(this, { conversationId, userId, kind: 'read', seq });
  }

  searchMessages(req: SearchRequest): Promise<SearchPage> {
    // The matching blocks once per page; each round of collectPage reads candidates from them.
    let blocks: BlockRange[] | null = null;
    return collectPage(req, (before, n) => this.pool.run('read', async (conn) => {
      if (blocks === null) {
        const { sql, params } = matchingBlocksQuery(req);
        blocks = (await allText<{ c: number; lo: number; hi: number }>(conn, sql, params))
          .map((r) => ({ conversationId: Number(r.c), from: Number(r.lo), to: Number(r.hi) }));
      }
      let found: StoredMessage[] = [];
      for (let at = 0; at < blocks.length; at += RANGES_PER_QUERY) {
        const { sql, params } = blockMessagesQuery(blocks.slice(at, at + RANGES_PER_QUERY), req, before, n);
        found.push(...(await allText<MessageRecord>(conn, sql, params)).map(toMessage));
      }
      // Each query gave its newest n; together, the newest n of all, in search order.
      if (blocks.length > RANGES_PER_QUERY) found = found.sort(bySearchOrder).slice(0, n);
      return found;
    }), CANDIDATES_PER_ROUND);
  }


  readersOf(conversationId: number, seq: number, exceptId: number): Promise<{ name: string; read: boolean }[]> {
    return this.pool.run('read', async (conn) =>
      (await all<{ name: string; read: number }>(conn, SQL.readersOf, [seq, conversationId, exceptId])).map((r) => ({ name: r.name, read: Number(r.read) === 1 })));
  }

  /** Idempotent, so retried after a lost connection. affectedRows counts matched rows (see the pool's flags). */
  setNotifyLevel(conversationId: number, userId: number, level: NotifyLevel): Promise<void> {
    return this.pool.run('idempotent', async (conn) => {
      if ((await run(conn, SQL.setNotifyLevel, [level, conversationId, userId])).affectedRows === 0) {
        throw new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
      }
    });
  }

  /**
   * Idempotent (GREATEST), so it is retried after a lost connection. last_seq only grows, so a
   * passed check stays true. Another node may move the same cursor between the read and the
   * UPDATE; GREATEST keeps the higher, and the answer is then a value the cursor has passed.
   */
  private async moveCursors(moves: CursorMove[]): Promise<MoveResult[]> {
    try {
      return await this.pool.run('idempotent', async (conn) => {
        const cursorSlots = groupCursorMoves(moves);
        const { slots } = cursorSlots;
        const keys: Param[] = [];
        for (const s of slots) keys.push(s.conversationId, s.userId);
        const rows = await allText<{ c: number; u: number; lastSeq: number; d: number; r: number }>(conn, `
          SELECT m.conversation_id AS c, m.user_id AS u, c.last_seq AS lastSeq, m.delivered_seq AS d, m.read_seq AS r
          FROM ${keyRows(['c', 'u'], slots.length)} v STRAIGHT_JOIN members m ON m.conversation_id = v.c AND m.user_id = v.u
          STRAIGHT_JOIN conversations c ON c.id = m.conversation_id`, keys);
        const found = new Map(rows.map((r) => [`${r.c}:${r.u}`, r]));
        for (const s of slots) {
          const row = found.get(`${s.conversationId}:${s.userId}`);
          if (row === undefined) continue;
          s.lastSeq = row.lastSeq;
          s.delivered = row.d;
          s.read = row.r;
        }
        const plan = planCursorMoves(moves, cursorSlots);
        if (plan.writes.length > 0) {
          const values: Param[] = [];
          for (const w of plan.writes) values.push(w.conversationId, w.userId, w.delivered, w.read);
          await runText(conn, `UPDATE members m JOIN ${keyRows(['c', 'u', 'd', 'r'], plan.writes.length)} v
            ON m.conversation_id = v.c AND m.user_id = v.u
            SET m.delivered_seq = GREATEST(m.delivered_seq, v.d), m.read_seq = GREATEST(m.read_seq, v.r)`, values);
        }
        return plan.results;
      });
    } catch (err) {
      const error = toStoreError(err);
      return moves.map(() => ({ ok: false, error }));
    }
  }
}
