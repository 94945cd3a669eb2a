// The embedded Store: one better-sqlite3 connection, every statement prepared once. Calls are
// synchronous underneath; the async surface only exists so a networked store fits the same
// interface. Since JS runs one call at a time, each transaction sees no interleaving from this
// process; `immediate` transactions keep read-then-write safe against other processes too.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ChatError } from '../protocol/errors.ts';
import { BACKSTOP_CHECKPOINT_PAGES, Checkpointer } from './sqlite-checkpointer.ts';
import type {
  AppendResult, ConversationRow, FriendAdded, GroupRow, GroupSummary, NewMessage, Relation, Role, Store,
  ResumedToken, StoredMessage, UserRow,
} from './store.ts';
import {
  afterLeave, checkCursorMove, checkFriendAccept, checkGroup, checkJoin, checkLeave, friendAddAction, groupSenders, planAppend,
  readCursorMoves, relationOf, type LeaveOutcome, type PriorMessage,
} from './rules.ts';
import {
  INSERT_MESSAGES, MESSAGE_ROW, SCHEMA_VERSION, SQLITE, directConversationKey, friendStateParams, listMigrations, sqlFor, toConversation,
  toFriendState, type ConversationRecord, type FriendStateRecord,
} from './shared-sql.ts';

type Db = Database.Database;

const SQL_DIR = new URL('../../sql/sqlite/', import.meta.url);

/**
 * Page size of a file this store creates. A closed-loop batch touches one index leaf per
 * conversation, and a commit writes each dirty page whole to the WAL (and the checkpoint copies it
 * again), so smaller pages write less per message: on the Store alone, a 22-conversation batch
 * cost 10-12 µs per message with 1 KiB pages against 16-17 with 4 KiB (bench/README.md). A file
 * keeps the page size it was made with; SQLite only changes it by VACUUM outside WAL mode.
 */
export const NEW_FILE_PAGE_SIZE = 1024;

/** Applies every sql/sqlite/NNN_*.sql newer than schema_version, one transaction each. */
function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const files = listMigrations(SQL_DIR);
  const current = db.prepare<[], { v: number | null }>(SCHEMA_VERSION.current);
  const record = db.prepare<[number, string, number]>(SCHEMA_VERSION.record);
  for (const f of files) {
    // Re-checked inside the write lock: another process may have migrated meanwhile.
    db.transaction(() => {
      if ((current.get()?.v ?? 0) >= f.version) return;
      db.exec(readFileSync(new URL(f.name, SQL_DIR), 'utf8'));
      record.run(f.version, f.name, Date.now());
    }).immediate();
  }
}

const SQL = sqlFor(SQLITE);

function prepareStatements(db: Db) {
  const p = db.prepare.bind(db);
  return {
    insertUser: p<[string, string, string, number], { id: number }>(SQL.insertUser),
    userByKey: p<[string], UserRow>(SQL.userByKey),
    // Prepared once: db.pragma() prepares its statement on every call, and this runs once per tick.
    dataVersion: p<[], number>('PRAGMA data_version').pluck(),

    saveToken: p<[string, number, number, number]>(SQL.saveToken),
    deleteToken: p<[string]>(SQL.deleteToken),
    tokenUser: p<[string, number], UserRow & { expiresAt: number }>(SQL.tokenUser),
    slideToken: p<[number, string, number]>(SQL.slideToken),

    friendState: p<number[], FriendStateRecord>(SQL.friendState),
    friendship: p<[number, number], { conversationId: number }>(SQL.friendship),
    insertRequest: p<[number, number, number]>(SQL.insertRequest),
    deleteRequest: p<[number, number]>(SQL.deleteRequest),
    insertFriendship: p<[number, number, number, number]>(SQL.insertFriendship),
    deleteFriendship: p<[number, number, number, number]>(SQL.deleteFriendship),
    friendsOf: p<[number], { id: number; name: string }>(SQL.friendsOf),
    requestsOf: p<[number, number], { id: number; name: string; direction: 'in' | 'out'; at: number }>(SQL.requestsOf),

    directByKey: p<[string], { id: number }>(SQL.directByKey),
    lockDirectByKey: p<[string], { id: number; lastSeq: number }>(SQL.lockDirectByKey),
    insertConversation: p<['direct' | 'group', string | null, number], { id: number }>(SQL.insertConversation),
    lockConversation: p<[number], { lastSeq: number }>(SQL.lockConversation),
    deleteConversation: p<[number]>(SQL.deleteConversation),

    insertMember: p<[number, number, Role, number, number, number]>(SQL.insertMember),
    isMember: p<[number, number], { one: number }>(SQL.isMember),
    member: p<[number, number], { role: Role; lastSeq: number }>(SQL.member),
    deleteMember: p<[number, number]>(SQL.deleteMember),
    successor: p<[number], { userId: number }>(SQL.successor),
    setRole: p<[Role, number, number]>(SQL.setRole),
    memberIds: p<[number], number>(SQL.memberIds).pluck(),
    // RETURNING hands back the cursor's value after the update (MySQL: LAST_INSERT_ID(expr)).
    moveDelivered: p<[number, number, number], { seq: number }>(`
      UPDATE members SET delivered_seq = MAX(delivered_seq, ?) WHERE conversation_id = ? AND user_id = ?
      RETURNING delivered_seq AS seq`),
    moveRead: p<[number, number, number], { seq: number }>(`
      UPDATE members SET read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?
      RETURNING read_seq AS seq`),

    insertGroup: p<[string, string, string, number, number, number], { id: number }>(SQL.insertGroup),
    groupByKey: p<[string], GroupRow>(SQL.groupByKey),
    groupById: p<[number], GroupRow>(SQL.groupById),
    lockGroup: p<[number], GroupRow>(SQL.lockGroup),
    setCreator: p<[number, number]>(SQL.setCreator),
    deleteGroup: p<[number]>(SQL.deleteGroup),
    groupMembers: p<[number], { id: number; name: string; role: Role }>(SQL.groupMembers),
    groupsOf: p<[number], GroupSummary>(SQL.groupsOf),

    conversationsOf: p<[number], ConversationRecord>(SQL.conversationsOf),
    conversationOf: p<[number, number], ConversationRecord>(SQL.conversationOf),

    byClientMsgId: p<[number, string], { conversationId: number; seq: number; ts: number }>(
      'SELECT conversation_id AS conversationId, seq, created_at AS ts FROM messages WHERE sender_id = ? AND client_msg_id = ?'),
    deleteMessages: p<[number]>(SQL.deleteMessages),
    messagesAfter: p<[number, number, number], StoredMessage>(SQL.messagesAfter),
    messagesBefore: p<[number, number, number], StoredMessage>(SQL.messagesBefore),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Database.SqliteError
    && (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
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


export class SqliteStore implements Store {
  private readonly db: Db;
  private readonly q: Statements;
  private readonly txAppend: (batch: NewMessage[]) => AppendResult[];
  private checkpointer: Checkpointer | null = null;
  /** set for on-disk databases; the checkpoint thread starts with the first message batch */
  private checkpointPath: string | null = null;
  private readonly txAccept: (userId: number, fromId: number) => number;
  private readonly txAddFriend: (fromId: number, toId: number) => FriendAdded;
  private readonly txCreateGroup: (name: string, key: string, desc: string, creatorId: number) => GroupRow;
  private readonly txJoin: (groupId: number, userId: number) => number;
  private readonly txLeave: (groupId: number, userId: number) => LeaveOutcome;
  private readonly txMove: (which: 'moveDelivered' | 'moveRead', conv: number, user: number, seq: number) => number;

  static open(path: string): SqliteStore {
    return new SqliteStore(path);
  }

  constructor(path: string) {
    if (path !== ':memory:' && path !== '' && !path.startsWith('file:')) {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    }
    const db = new Database(path);
    try {
      db.pragma(`page_size = ${NEW_FILE_PAGE_SIZE}`); // a no-op on a file that already has pages
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
      this.q = prepareStatements(db);
      if (path !== ':memory:' && path !== '' && !path.startsWith('file:')) this.checkpointPath = path;
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    const q = this.q;
    const immediate = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const tx = db.transaction(fn);
      return (...args: A): R => tx.immediate(...args);
    };

    // Validation happens before any write, so a failed item leaves nothing behind and needs no
    // savepoint; an unexpected SQLite error escapes and rolls back the whole batch.
    //
    // A batch costs a few statements, not five per message: each conversation's last_seq is read
    // once and written once, membership is checked once per (conversation, sender), the sender's
    // read cursor moves once to its last message, and the rows go in as multi-row INSERTs.
    // better-sqlite3 builds a result object for every run(); fewer statements, fewer objects.
    // It all happens inside one immediate transaction, so it is as safe against other writers
    // (another process on the same file) as the per-message version was.
    const insertChunks = new Map<number, Database.Statement<unknown[]>>();
    const insertChunk = (rows: number) => {
      let stmt = insertChunks.get(rows);
      if (!stmt) {
        stmt = db.prepare(INSERT_MESSAGES + Array.from({ length: rows }, () => MESSAGE_ROW).join(', '));
        insertChunks.set(rows, stmt);
      }
      return stmt;
    };
    // One statement answers both "is the sender a member?" (a row or none) and "where is the
    // conversation's seq?", so a one-message batch costs no more statements than before.
    const lastSeqIfMember = db.prepare<[number, number], number>(`
      SELECT c.last_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.conversation_id = ? AND m.user_id = ?`).pluck();
    // A direct message also needs the friendship; the same statement says whether it still stands.
    const lastSeqIfMemberAndFriend = db.prepare<[number, number, number, number], { last: number; friends: number }>(`
      SELECT c.last_seq AS last, EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = ? AND f.friend_id = ?) AS friends
      FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.conversation_id = ? AND m.user_id = ?`);
    const setLastSeq = db.prepare<[number, number]>('UPDATE conversations SET last_seq = ? WHERE id = ?');
    const moveOwnRead = db.prepare<[number, number, number]>(
      'UPDATE members SET read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?');
    this.txAppend = immediate((batch: NewMessage[]) => {
      // What the rules need, read once per (conversation, sender) and once per client id.
      const senders = groupSenders(batch);
      const lastSeq = new Map<number, number>();
      for (const slot of senders.slots) {
        let last: number | undefined;
        if (slot.friendId === undefined) {
          last = lastSeqIfMember.get(slot.conversationId, slot.senderId);
        } else {
          const row = lastSeqIfMemberAndFriend.get(slot.senderId, slot.friendId, slot.conversationId, slot.senderId);
          last = row?.last;
          slot.friends = row?.friends === 1;
        }
        if (last !== undefined) {
          slot.member = true;
          lastSeq.set(slot.conversationId, last);
        }
      }
      const prior: PriorMessage[] = []; // by batch index; a retried id is rare, so mostly empty
      for (let i = 0; i < batch.length; i++) {
        const m = batch[i]!;
        if (m.clientMsgId === null) continue;
        const found = q.byClientMsgId.get(m.senderId, m.clientMsgId);
        if (found) prior[i] = found;
      }
      const plan = planAppend(batch, senders, prior, lastSeq);
      // Chunks of 64, 16, 4 and 1 rows: few distinct statements, well under SQLite's variable limit.
      const { rows } = plan;
      let at = 0;
      let left = rows.length / 6;
      for (const size of [64, 16, 4, 1]) {
        while (left >= size) {
          insertChunk(size).run(rows.slice(at, at + size * 6));
          at += size * 6;
          left -= size;
        }
      }
      for (const [conv, seq] of plan.lastSeqs) setLastSeq.run(seq, conv);
      for (const move of readCursorMoves(senders.slots)) moveOwnRead.run(move.seq, move.conversationId, move.senderId);
      return plan.results;
    });

    const friendState = (me: number, other: number) => toFriendState(q.friendState.get(...friendStateParams(me, other))!);
    /** The requests go, the friendship is recorded; returns the direct conversation. */
    const befriend = (userId: number, fromId: number) => {
      q.deleteRequest.run(fromId, userId);
      q.deleteRequest.run(userId, fromId);
      const now = Date.now();
      const key = directConversationKey(userId, fromId);
      const existing = q.lockDirectByKey.get(key);
      const conv = existing?.id ?? q.insertConversation.get('direct', key, now)!.id;
      const last = existing?.lastSeq ?? 0;
      // A no-op for a reused conversation: existing member rows keep their cursors.
      q.insertMember.run(conv, userId, 'member', last, last, now);
      q.insertMember.run(conv, fromId, 'member', last, last, now);
      q.insertFriendship.run(userId, fromId, conv, now);
      q.insertFriendship.run(fromId, userId, conv, now);
      return conv;
    };
    this.txAccept = immediate((userId: number, fromId: number) => {
      checkFriendAccept(friendState(userId, fromId));
      return befriend(userId, fromId);
    });
    this.txAddFriend = immediate((fromId: number, toId: number): FriendAdded => {
      if (friendAddAction(friendState(fromId, toId)) === 'accept') return { status: 'accepted', conversationId: befriend(fromId, toId) };
      q.insertRequest.run(fromId, toId, Date.now());
      return { status: 'pending' };
    });

    this.txCreateGroup = immediate((name: string, key: string, desc: string, creatorId: number) => {
      const now = Date.now();
      const conversationId = q.insertConversation.get('group', null, now)!.id;
      let id: number;
      try {
        id = q.insertGroup.get(name, key, desc, creatorId, conversationId, now)!.id;
      } catch (err) {
        throw isUniqueViolation(err) ? new ChatError('CHAT_ERR_GROUP_TAKEN') : err;
      }
      q.insertMember.run(conversationId, creatorId, 'creator', 0, 0, now);
      return { id, name, desc, creatorId, conversationId };
    });

    this.txJoin = immediate((groupId: number, userId: number) => {
      const group = checkGroup(q.groupById.get(groupId));
      checkJoin(q.isMember.get(group.conversationId, userId) !== undefined);
      const last = q.lockConversation.get(group.conversationId)!.lastSeq;
      q.insertMember.run(group.conversationId, userId, 'member', last, last, Date.now());
      return last;
    });

    this.txLeave = immediate((groupId: number, userId: number) => {
      const conv = checkGroup(q.lockGroup.get(groupId)).conversationId;
      const role = checkLeave(q.member.get(conv, userId)?.role);
      q.deleteMember.run(conv, userId);
      const outcome = afterLeave(role, q.successor.get(conv)?.userId ?? null);
      if (outcome.deleted) {
        q.deleteGroup.run(groupId);
        q.deleteMessages.run(conv);
        q.deleteConversation.run(conv);
      } else if (outcome.newCreatorId !== null) {
        q.setRole.run('creator', conv, outcome.newCreatorId);
        q.setCreator.run(outcome.newCreatorId, groupId);
      }
      return outcome;
    });

    this.txMove = immediate((which: 'moveDelivered' | 'moveRead', conv: number, user: number, seq: number) => {
      checkCursorMove(q.member.get(conv, user)?.lastSeq, seq);
      return q[which].get(seq, conv, user)!.seq;
    });
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
      // Users are never renamed or deleted, so a found row stays right; misses are not cached.
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
      this.forgetFriendship(fromId, toId);
      this.memberLists.clear();
      return this.txAddFriend(fromId, toId);
    });
  }

  acceptFriendRequest(userId: number, fromId: number): Promise<number> {
    return this.call(() => {
      this.forgetFriendship(userId, fromId);
      this.memberLists.clear();
      return this.txAccept(userId, fromId);
    });
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
  // message, a sixth of the server's CPU in W64 when both were queries. A direct conversation's
  // id never changes once it exists, so `directIds` is never dropped. Friendships
  // (`directConversation`, for `history` by friend name) change only through this store
  // (acceptFriendRequest, removeFriendship), which keeps that cache right. Another connection to
  // the same file (a second process) is noticed through PRAGMA data_version, which moves when
  // anyone else commits; it is read at most once per event-loop turn, and a change drops the user
  // and friendship caches. A send's friendship is checked again inside its batch's transaction.
  // A group send reads the group's member ids: 80 µs for 200 members and 1.8 ms for 5 000 as a
  // query, so the lists are kept too (frozen: callers share them), and every membership change
  // through this store (join, leave, accepting a friend) or by another connection drops them all.
  private users = new Map<string, UserRow>();
  private friendships = new Map<string, number | null>();
  private directIds = new Map<string, number>();
  private memberLists = new Map<number, readonly number[]>();
  private dataVersion: number | null = null;
  private versionChecked = false;

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

  createGroup(name: string, key: string, desc: string, creatorId: number): Promise<GroupRow> {
    return this.call(() => this.txCreateGroup(name, key, desc, creatorId));
  }

  groupByKey(key: string): Promise<GroupRow | null> {
    return this.call(() => this.q.groupByKey.get(key) ?? null);
  }

  joinGroup(groupId: number, userId: number): Promise<number> {
    return this.call(() => {
      this.memberLists.clear();
      return this.txJoin(groupId, userId);
    });
  }

  leaveGroup(groupId: number, userId: number): Promise<LeaveOutcome> {
    return this.call(() => {
      this.memberLists.clear();
      return this.txLeave(groupId, userId);
    });
  }

  groupMembers(groupId: number): Promise<{ id: number; name: string; role: Role }[]> {
    return this.call(() => this.q.groupMembers.all(groupId));
  }

  groupsOf(userId: number): Promise<GroupSummary[]> {
    return this.call(() => this.q.groupsOf.all(userId));
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
    if (batch.length === 0) return [];
    if (this.checkpointPath !== null && this.checkpointer === null) {
      this.checkpointer = Checkpointer.start(this.checkpointPath);
      this.checkpointPath = null;
      if (this.checkpointer) this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    }
    try {
      return this.txAppend(batch);
    } catch (err) {
      const error = storeError(err);
      return batch.map(() => ({ ok: false, error }));
    }
  }

  messagesAfter(conversationId: number, after: number, limit: number): Promise<StoredMessage[]> {
    return this.call(() => this.q.messagesAfter.all(conversationId, after, limit));
  }

  messagesBefore(conversationId: number, before: number, limit: number): Promise<StoredMessage[]> {
    return this.call(() => this.q.messagesBefore.all(conversationId, before, limit));
  }

  moveDelivered(conversationId: number, userId: number, seq: number): Promise<number> {
    return this.call(() => this.txMove('moveDelivered', conversationId, userId, seq));
  }

  moveRead(conversationId: number, userId: number, seq: number): Promise<number> {
    return this.call(() => this.txMove('moveRead', conversationId, userId, seq));
  }
}
