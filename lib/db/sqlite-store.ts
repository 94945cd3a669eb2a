// The embedded Store: one better-sqlite3 connection, every statement prepared once. Calls are
// synchronous underneath; the async surface only exists so a networked store fits the same
// interface. Since JS runs one call at a time, each transaction sees no interleaving from this
// process; `immediate` transactions keep read-then-write safe against other processes too.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ChatError } from '../protocol/errors.ts';
import type { NotifyLevel } from '../protocol/messages.ts';
import { relationOf, type LeaveOutcome } from './rules.ts';
import {
  SCHEMA_VERSION, directConversationKey, friendStateParams, listMigrations, toConversation, toFriendState, prefixRange, toGroup, toStoredMessage,
  toSummary,
} from './shared-sql.ts';
import type { SearchPage, SearchRequest } from './search.ts';
import { registerSearchFunctions } from './sqlite-search.ts';
import { SqliteAccounts } from './sqlite-accounts.ts';
import { BACKSTOP_CHECKPOINT_PAGES, Checkpointer, type CheckpointErrorReport } from './sqlite-checkpointer.ts';
import { isUniqueViolation, prepareStatements, prepareTransactions, type Statements, type Transactions } from './sqlite-statements.ts';
import {
  moveOne, type AppendResult, type BatchResult, type DirectoryEntry, type ConversationRow, type CursorMove, type EntryInfo, type EventResult,
  type FriendAdded, type GroupChanges, type GroupInvite, type GroupRow, type GroupSettings, type GroupStanding, type GroupSummary,
  type NewEvent, type NewMessage, type ReactionCount, type Relation, type Role, type Store, type ResumedToken, type StoredMessage,
  type UserRow,
} from './store.ts';

type Db = Database.Database;

const SQL_DIR = new URL('../../sql/sqlite/', import.meta.url);

/**
 * Page size of a file this store creates. A closed-loop batch touches one index leaf per
 * conversation, and a commit writes each dirty page whole to the WAL (and the checkpoint copies it
 * again), so smaller pages write less per message (`npm run bench:store` compares page sizes). A file
 * keeps the page size it was made with; SQLite only changes it by VACUUM outside WAL mode.
 */
export const NEW_FILE_PAGE_SIZE = 1024;

/** Applies every sql/sqlite/NNN_*.sql not recorded in schema_version, in order, one transaction each. */
function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const files = listMigrations(SQL_DIR);
  const applied = db.prepare<[number], { one: number }>(SCHEMA_VERSION.applied);
  const record = db.prepare<[number, string, number]>(SCHEMA_VERSION.record);
  for (const f of files) {
    // Re-checked inside the write lock: another process may have migrated meanwhile.
    db.transaction(() => {
      if (applied.get(f.version) !== undefined) return;
      db.exec(readFileSync(new URL(f.name, SQL_DIR), 'utf8'));
      record.run(f.version, f.name, Date.now());
    }).immediate();
  }
}

/** A file on disk, not SQLite's in-memory or URI forms. */
function isFile(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/** Opens (or creates) the database with this store's settings and migrates it. */
function openDatabase(path: string): Db {
  if (isFile(path)) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`page_size = ${NEW_FILE_PAGE_SIZE}`); // a no-op on a file that already has pages
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    registerSearchFunctions(db);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Contention becomes a code the client can act on; anything else keeps its own error. */
function storeError(err: unknown): Error {
  if (err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code)) {
    return new ChatError('CHAT_ERR_DB_BUSY');
  }
  return err instanceof Error ? err : new Error(String(err));
}

const CACHE_LIMIT = 100_000;
/** member lists can be long (a group of 5 000 is 40 KiB), so fewer of them are kept */
const MEMBER_LISTS_LIMIT = 10_000;


export interface SqliteStoreOptions {
  /** the checkpoint thread failed (lib/db/sqlite-checkpointer.ts); the server counts and logs it */
  onCheckpointError?: CheckpointErrorReport | undefined;
}

export class SqliteStore implements Store {
  private readonly db: Db;
  private readonly q: Statements;
  private readonly tx: Transactions;
  readonly accounts: SqliteAccounts;
  private checkpointer: Checkpointer | null = null;
  /** set for on-disk databases; the checkpoint thread starts with the first message batch */
  private checkpointPath: string | null = null;

  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, options);
  }

  constructor(
    path: string,
    private readonly options: SqliteStoreOptions = {},
  ) {
    const db = openDatabase(path);
    try {
      this.q = prepareStatements(db);
      this.tx = prepareTransactions(db, this.q);
      // An account's deletion leaves its groups in its own transaction (tx.leave nests as a savepoint).
      const leaveAll = (userId: number) => this.q.groupsToLeave.all(userId).map((g) => ({ ...g, ...this.tx.leave(g.id, userId) }));
      this.accounts = new SqliteAccounts(db, (fn) => this.call(fn), () => this.forgetUsers(), leaveAll);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    if (isFile(path)) this.checkpointPath = path;
  }

  private async call<T>(fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (err) {
      throw storeError(err);
    }
  }

  async close(): Promise<void> {
    this.checkpointPath = null;
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    await checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  createUser(name: string, key: string, passwordHash: string): Promise<UserRow> {
    return this.call(() => {
      try {
        const { id } = this.q.insertUser.get(name, key, passwordHash, Date.now())!;
        return { id, name, passwordHash };
      } catch (err) {
        throw isUniqueViolation(err) ? new ChatError('CHAT_ERR_NAME_TAKEN') : err;
      }
    });
  }

  userByKey(key: string): Promise<UserRow | null> {
    return this.call(() => {
      this.checkCaches();
      const cached = this.users.get(key);
      if (cached) return cached;
      const row = this.q.userByKey.get(key) ?? null;
      // Users are never renamed, so a found row stays right until the account is deleted, which
      // drops the cache (forgetUsers; another process's deletion moves data_version); misses are not cached.
      if (row) this.remember(this.users, key, row);
      return row;
    });
  }

  saveToken(tokenHash: string, userId: number, expiresAt: number): Promise<void> {
    return this.call(() => void this.q.saveToken.run(tokenHash, userId, expiresAt, Date.now()));
  }

  resumeToken(tokenHash: string, now: number, newExpiresAt: number, slideIfBefore: number): Promise<ResumedToken | null> {
    return this.call(() => {
      const row = this.q.tokenUser.get(tokenHash, now);
      if (!row) return null;
      const { expiresAt, ...user } = row;
      if (expiresAt >= slideIfBefore) return { user, expiresAt };
      // Guarded by the same condition: a token revoked or expired since the read (another
      // process on the file) is neither brought back nor extended.
      if (this.q.slideToken.run(newExpiresAt, tokenHash, now).changes === 0) return null;
      return { user, expiresAt: newExpiresAt };
    });
  }

  deleteToken(tokenHash: string): Promise<void> {
    return this.call(() => void this.q.deleteToken.run(tokenHash));
  }

  relation(userId: number, otherId: number): Promise<Relation> {
    return this.call(() => relationOf(toFriendState(this.q.friendState.get(...friendStateParams(userId, otherId))!)));
  }

  createFriendRequest(fromId: number, toId: number): Promise<void> {
    return this.call(() => {
      try {
        this.q.insertRequest.run(fromId, toId, Date.now());
      } catch (err) {
        throw isUniqueViolation(err) ? new ChatError('CHAT_ERR_REQUEST_PENDING') : err;
      }
    });
  }

  deleteFriendRequest(fromId: number, toId: number): Promise<boolean> {
    return this.call(() => this.q.deleteRequest.run(fromId, toId).changes > 0);
  }

  addFriend(fromId: number, toId: number): Promise<FriendAdded> {
    return this.call(() => {
      this.accounts.refuseDeleted(fromId, toId);
      this.forgetFriendship(fromId, toId);
      this.memberLists.clear();
      return this.tx.addFriend(fromId, toId);
    });
  }

  acceptFriendRequest(userId: number, fromId: number): Promise<number> {
    return this.call(() => {
      this.accounts.refuseDeleted(userId, fromId);
      this.forgetFriendship(userId, fromId);
      this.memberLists.clear();
      return this.tx.accept(userId, fromId);
    });
  }

  block(blockerId: number, blockedId: number): Promise<{ unfriended: boolean }> {
    return this.call(() => {
      this.accounts.refuseDeleted(blockerId, blockedId);
      this.forgetFriendship(blockerId, blockedId);
      return this.tx.block(blockerId, blockedId);
    });
  }

  unblock(blockerId: number, blockedId: number): Promise<boolean> {
    return this.call(() => this.q.deleteBlock.run(blockerId, blockedId).changes > 0);
  }

  blockedOf(userId: number): Promise<{ id: number; name: string }[]> {
    return this.call(() => this.q.blockedOf.all(userId).map(({ id, name }) => ({ id, name })));
  }

  removeFriendship(userId: number, otherId: number): Promise<boolean> {
    // The conversation and its member rows stay, so a re-friend finds them again.
    return this.call(() => {
      this.forgetFriendship(userId, otherId);
      return this.q.deleteFriendship.run(userId, otherId, otherId, userId).changes > 0;
    });
  }

  directConversation(userId: number, otherId: number): Promise<number | null> {
    return this.call(() => {
      this.checkCaches();
      const key = `${userId}:${otherId}`;
      const cached = this.friendships.get(key);
      if (cached !== undefined) return cached;
      const conv = this.q.friendship.get(userId, otherId)?.conversationId ?? null;
      this.remember(this.friendships, key, conv);
      return conv;
    });
  }

  directConversationId(userId: number, otherId: number): Promise<number | null> {
    return this.call(() => {
      const key = directConversationKey(userId, otherId);
      const cached = this.directIds.get(key);
      if (cached !== undefined) return cached;
      const id = this.q.directByKey.get(key)?.id ?? null;
      // Found ids never change (a direct conversation outlives the friendship); misses are not kept.
      if (id !== null) this.remember(this.directIds, key, id);
      return id;
    });
  }

  // ---- read caches ----
  // Every send looks up its recipient by name and (direct) the conversation id: two queries per
  // message on the hot path (the w64-10 scenario shows their cost). A direct conversation's
  // id never changes once it exists, so `directIds` is never dropped. Friendships
  // (`directConversation`, for `history` by friend name) change only through this store
  // (acceptFriendRequest, removeFriendship), which keeps that cache right. Another connection to
  // the same file (a second process) is noticed through PRAGMA data_version, which moves when
  // anyone else commits; it is read at most once per event-loop turn, and a change drops the user
  // and friendship caches. A send's friendship is checked again inside its batch's transaction.
  // A group send reads the group's member ids, a query that grows with the group (fanout-200), so
  // the lists are kept too (frozen: callers share them), and every membership change
  // through this store (join, leave, accepting a friend) or by another connection drops them all.
  private users = new Map<string, UserRow>();
  private friendships = new Map<string, number | null>();
  private directIds = new Map<string, number>();
  private memberLists = new Map<number, readonly number[]>();
  private dataVersion: number | null = null;
  private versionChecked = false;

  forgetUsers(): void {
    this.users.clear();
    this.friendships.clear();
    this.memberLists.clear();
  }

  private checkCaches(): void {
    if (this.versionChecked) return;
    this.versionChecked = true;
    setImmediate(() => (this.versionChecked = false));
    const version = this.q.dataVersion.get()!;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.users.clear();
      this.friendships.clear();
      this.memberLists.clear();
    }
  }

  private remember<K, V>(cache: Map<K, V>, key: K, value: V, limit = CACHE_LIMIT): void {
    if (cache.size >= limit) cache.clear(); // bounded; a miss only costs the query
    cache.set(key, value);
  }

  private forgetFriendship(a: number, b: number): void {
    this.friendships.delete(`${a}:${b}`);
    this.friendships.delete(`${b}:${a}`);
  }

  friendsOf(userId: number): Promise<{ id: number; name: string }[]> {
    return this.call(() => this.q.friendsOf.all(userId));
  }

  requestsOf(userId: number): Promise<{ id: number; name: string; direction: 'in' | 'out' }[]> {
    return this.call(() => this.q.requestsOf.all(userId, userId).map(({ id, name, direction }) => ({ id, name, direction })));
  }

  createGroup(name: string, key: string, desc: string, creatorId: number, settings: GroupSettings = {}): Promise<GroupRow> {
    return this.call(() => this.tx.createGroup(name, key, desc, creatorId, settings));
  }

  groupByKey(key: string): Promise<GroupRow | null> {
    return this.call(() => {
      const row = this.q.groupByKey.get(key);
      return row ? toGroup(row) : null;
    });
  }

  groupFor(key: string, userId: number): Promise<GroupStanding | null> {
    return this.call(() => this.tx.groupFor(key, userId));
  }

  joinGroup(groupId: number, userId: number): Promise<number> {
    return this.call(() => {
      this.memberLists.clear();
      return this.tx.join(groupId, userId);
    });
  }

  leaveGroup(groupId: number, userId: number): Promise<LeaveOutcome> {
    return this.call(() => {
      this.memberLists.clear();
      return this.tx.leave(groupId, userId);
    });
  }

  groupMembers(groupId: number): Promise<{ id: number; name: string; role: Role }[]> {
    return this.call(() => this.q.groupMembers.all(groupId));
  }

  groupsOf(userId: number): Promise<GroupSummary[]> {
    return this.call(() => this.q.groupsOf.all(userId).map(toSummary));
  }

  invitesOf(userId: number): Promise<GroupInvite[]> {
    return this.call(() => this.q.invitesOf.all(userId));
  }

  inviteToGroup(groupId: number, actorId: number, userId: number): Promise<void> {
    return this.call(() => this.tx.invite(groupId, actorId, userId));
  }

  declineInvite(groupId: number, userId: number): Promise<void> {
    return this.call(() => this.tx.decline(groupId, userId));
  }

  removeFromGroup(groupId: number, actorId: number, userId: number, ban: boolean): Promise<{ wasMember: boolean }> {
    return this.call(() => {
      this.memberLists.clear();
      return this.tx.remove(groupId, actorId, userId, ban);
    });
  }

  unbanFromGroup(groupId: number, actorId: number, userId: number): Promise<void> {
    return this.call(() => this.tx.unban(groupId, actorId, userId));
  }

  setGroupRole(groupId: number, actorId: number, userId: number, role: 'admin' | 'member'): Promise<void> {
    return this.call(() => this.tx.setRole(groupId, actorId, userId, role));
  }

  transferGroup(groupId: number, actorId: number, userId: number): Promise<void> {
    return this.call(() => this.tx.transfer(groupId, actorId, userId));
  }

  updateGroup(groupId: number, actorId: number, changes: GroupChanges): Promise<GroupRow> {
    return this.call(() => this.tx.update(groupId, actorId, changes));
  }

  publicGroups(prefix: string, after: string, limit: number): Promise<DirectoryEntry[]> {
    return this.call(() => this.q.publicGroups.all(...prefixRange(prefix), after, limit));
  }

  deleteGroup(groupId: number, actorId?: number): Promise<number[]> {
    return this.call(() => {
      this.memberLists.clear();
      return this.tx.deleteGroup(groupId, actorId);
    });
  }

  memberIds(conversationId: number): Promise<readonly number[]> {
    return this.call(() => {
      this.checkCaches();
      const cached = this.memberLists.get(conversationId);
      if (cached) return cached;
      const ids = Object.freeze(this.q.memberIds.all(conversationId));
      // No members: a conversation that is gone, or not made yet (createGroup does not drop lists).
      if (ids.length > 0) this.remember(this.memberLists, conversationId, ids, MEMBER_LISTS_LIMIT);
      return ids;
    });
  }

  membersNotSeeing(conversationId: number, seq: number): Promise<number[]> {
    return this.call(() => this.q.membersNotSeeing.all(conversationId, seq));
  }

  conversationOf(userId: number, conversationId: number): Promise<ConversationRow | null> {
    return this.call(() => {
      const row = this.q.conversationOf.get(userId, conversationId);
      return row ? toConversation(row) : null;
    });
  }

  conversationsOf(userId: number): Promise<ConversationRow[]> {
    return this.call(() => this.q.conversationsOf.all(userId).map(toConversation));
  }

  async appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    return (await this.appendBatch(batch, [])).messages;
  }

  async appendBatch(messages: NewMessage[], moves: CursorMove[]): Promise<BatchResult> {
    if (messages.length === 0 && moves.length === 0) return { messages: [], moves: [] };
    if (this.checkpointPath !== null && this.checkpointer === null) {
      this.checkpointer = Checkpointer.start(this.checkpointPath, this.options.onCheckpointError);
      this.checkpointPath = null;
      if (this.checkpointer) this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    }
    try {
      return this.tx.append(messages, moves);
    } catch (err) {
      const error = storeError(err);
      return { messages: messages.map(() => ({ ok: false, error })), moves: moves.map(() => ({ ok: false, error })) };
    }
  }

  messagesAfter(conversationId: number, after: number, limit: number): Promise<StoredMessage[]> {
    return this.call(() => this.q.messagesAfter.all(conversationId, after, limit).map(toStoredMessage));
  }

  messagesBefore(conversationId: number, before: number, limit: number): Promise<StoredMessage[]> {
    return this.call(() => this.q.messagesBefore.all(conversationId, before, limit).map(toStoredMessage));
  }

  entryOf(conversationId: number, seq: number): Promise<EntryInfo | null> {
    return this.call(() => {
      const row = this.q.entryOf.get(conversationId, seq);
      return row === undefined ? null : { ...row, deleted: row.deleted === 1 };
    });
  }

  appendEvent(event: NewEvent): Promise<EventResult> {
    return this.call(() => this.tx.event(event));
  }

  reactionsOf(conversationId: number, from: number, to: number, viewerId: number): Promise<ReactionCount[]> {
    return this.call(() =>
      this.q.reactionsOf.all(viewerId, conversationId, from, to, viewerId).map((r) => ({ seq: r.seq, emoji: r.emoji, count: r.count, me: r.me === 1 })));
  }

  moveDelivered(conversationId: number, userId: number, seq: number): Promise<number> {
    return moveOne(this, { conversationId, userId, kind: 'delivered', seq });
  }

  moveRead(conversationId: number, userId: number, seq: number): Promise<number> {
    return moveOne(this, { conversationId, userId, kind: 'read', seq });
  }

  readersOf(conversationId: number, seq: number, exceptId: number): Promise<{ name: string; read: boolean }[]> {
    return this.call(() => this.q.readersOf.all(seq, conversationId, exceptId).map((r) => ({ name: r.name, read: r.read === 1 })));
  }

  setNotifyLevel(conversationId: number, userId: number, level: NotifyLevel): Promise<void> {
    return this.call(() => {
      if (this.q.setNotifyLevel.run(level, conversationId, userId).changes === 0) throw new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
    });
  }

  async searchMessages(req: SearchRequest): Promise<SearchPage> {
    try {
      return await this.tx.search.search(req);
    } catch (err) {
      throw storeError(err);
    }
  }
}
