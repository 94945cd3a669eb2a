// SqliteStore's statements and transactions, each prepared once when the store opens. The
// transactions read what a rule needs (rules.ts), apply it and write what it returns; they are
// `immediate`, so another process on the same file cannot write between the read and the write.
import Database from 'better-sqlite3';
import { ChatError } from '../protocol/errors.ts';
import type { NotifyLevel } from '../protocol/messages.ts';
import {
  FORMER_CREATOR_ROLE, checkBan, checkCreator, checkDecline, checkInvite, checkJoin, checkKick, checkModerator, checkSetRole,
  checkTransfer, checkUnban, defaultHistory, isVisible, pickSuccessor, visibleAfter, type SuccessorCandidate, targetState,
} from './group-rules.ts';
import {
  afterLeave, checkBlock, checkFriendAccept, checkGroup, checkLeave, friendAddAction, groupCursorMoves, groupSenders, planAppend,
  planCursorMoves, planEvent, readCursorMoves, type CursorSlot, type LeaveOutcome, type PriorMessage, type SenderSlot,
} from './rules.ts';
import {
  INSERT_MESSAGES, MENTION_VALUES, insertMentions, MESSAGE_ROW, MESSAGE_TEXT_AT, MESSAGE_VALUES, SQLITE, directConversationKey, friendStateParams, sqlFor, stateOf,
  toFriendState, toGroup, toStanding, type ConversationRecord, type FriendStateRecord, type GroupRecord, type GroupStandingRecord,
  type MessageRecord, type TextChange,
} from './shared-sql.ts';
import { BLOCK_ROWS, prepareSearchIndex, type SqliteSearchIndex } from './sqlite-search.ts';
import type {
  AppendResult, BatchResult, CursorMove, DirectoryEntry, EntryKind, EventResult, FriendAdded, GroupChanges, GroupInvite, GroupRow, GroupSettings,
  GroupStanding, GroupSummary, HistoryVisibility, NewEvent, NewMessage, Role, StoredMessage, UserRow,
} from './store.ts';

type Db = Database.Database;

const SQL = sqlFor(SQLITE);

export function prepareStatements(db: Db) {
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
    insertBlock: p<[number, number, number]>(SQL.insertBlock),
    deleteBlock: p<[number, number]>(SQL.deleteBlock),
    blockedOf: p<[number], { id: number; name: string }>(SQL.blockedOf),
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
    insertGroupMember: p<[number, number, Role, number, number, number, number]>(SQL.insertGroupMember),
    successors: p<[number, number, number], SuccessorCandidate>(SQL.successors),
    deleteMembers: p<[number]>(SQL.deleteMembers),
    setRole: p<[Role, number, number]>(SQL.setRole),
    groupsToLeave: p<[number], { id: number; name: string; conversationId: number }>(SQL.groupsToLeave),
    readersOf: p<[number, number, number], { name: string; read: number }>(SQL.readersOf),
    setNotifyLevel: p<[NotifyLevel, number, number]>(SQL.setNotifyLevel),
    memberIds: p<[number], number>(SQL.memberIds).pluck(),
    membersNotSeeing: p<[number, number], number>(SQL.membersNotSeeing).pluck(),

    insertGroup: p<[string, string, string, number, number, number, number, HistoryVisibility], { id: number }>(SQL.insertGroup),
    groupByKey: p<[string], GroupRecord>(SQL.groupByKey),
    groupById: p<[number], GroupRecord>(SQL.groupById),
    lockGroup: p<[number], GroupRecord>(SQL.lockGroup),
    groupFor: p<[number, number, number, string], GroupStandingRecord>(SQL.groupFor),
    standingById: p<[number, number, number, number], GroupStandingRecord>(SQL.standingById),
    updateGroup: p<[string, number, HistoryVisibility, number]>(SQL.updateGroup),
    insertInvite: p<[number, number, number, number]>(SQL.insertInvite),
    deleteInvite: p<[number, number]>(SQL.deleteInvite),
    deleteInvites: p<[number]>(SQL.deleteInvites),
    invitesOf: p<[number], GroupInvite>(SQL.invitesOf),
    insertBan: p<[number, number, number, number]>(SQL.insertBan),
    deleteBan: p<[number, number]>(SQL.deleteBan),
    deleteBans: p<[number]>(SQL.deleteBans),
    setCreator: p<[number, number]>(SQL.setCreator),
    deleteGroup: p<[number]>(SQL.deleteGroup),
    groupMembers: p<[number], { id: number; name: string; role: Role }>(SQL.groupMembers),
    groupsOf: p<[number], Omit<GroupSummary, 'private'> & { private: number }>(SQL.groupsOf),
    publicGroups: p<[string, string, string, number], DirectoryEntry>(SQL.publicGroups),

    conversationsOf: p<[number], ConversationRecord>(SQL.conversationsOf),
    conversationOf: p<[number, number], ConversationRecord>(SQL.conversationOf),

    byClientMsgId: p<[number, string], PriorMessage>(SQL.priorByClientMsgId),
    deleteMessages: p<[number]>(SQL.deleteMessages),
    messagesAfter: p<[number, number, number], MessageRecord>(SQL.messagesAfter),
    messagesBefore: p<[number, number, number], MessageRecord>(SQL.messagesBefore),

    entryOf: p<[number, number], { kind: EntryKind; senderId: number; senderName: string; text: string; deleted: number }>(SQL.entryOf),
    lockConversationForEvent: p<[number], { kind: 'direct' | 'group'; lastSeq: number; msgCount: number }>(SQL.lockConversationForEvent),
    memberRole: p<[number, number], { role: string }>(SQL.memberRole),
    friendshipStands: p<[number, number], { one: number }>(SQL.friendshipStands),
    insertEvent: p<[number, number, number, string, string | null, number, string, number, number, number]>(SQL.insertEvent),
    setLastSeq: p<[number, number]>(SQL.setLastSeq),
    replaceText: p<[string, number, number, number]>(SQL.replaceText),
    removeText: p<[number, number]>(SQL.removeText),
    removeEditTexts: p<[number, number]>(SQL.removeEditTexts),
    hasReaction: p<[number, number, number, string], { one: number }>(SQL.hasReaction),
    insertReaction: p<[number, number, number, string, number]>(SQL.insertReaction),
    deleteReaction: p<[number, number, number, string]>(SQL.deleteReaction),
    deleteReactionsOf: p<[number, number]>(SQL.deleteReactionsOf),
    deleteConversationReactions: p<[number]>(SQL.deleteConversationReactions),
    deleteMentionsOf: p<[number, number]>(SQL.deleteMentionsOf),
    deleteConversationMentions: p<[number]>(SQL.deleteConversationMentions),
    insertDeletion: p<[number, number]>(SQL.insertDeletion),
    deleteConversationDeletions: p<[number]>(SQL.deleteConversationDeletions),
    reactionsOf: p<[number, number, number, number, number], { seq: number; emoji: string; count: number; me: number }>(SQL.reactionsOf),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Database.SqliteError
    && (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}

/** fn as an immediate transaction: it takes the write lock before its first read. */
function immediate<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A): R => tx.immediate(...args);
}

export function prepareTransactions(db: Db, q: Statements) {
  const search = prepareSearchIndex(db);
  const writeText = prepareTextWriter(db, q, search);
  return {
    search, append: prepareAppend(db, q, writeText), event: prepareEvent(db, q, writeText),
    ...prepareFriendTransactions(db, q), ...prepareGroupTransactions(db, q, search),
  };
}

/**
 * The one place this store writes, replaces or removes a message's text (TextChange,
 * shared-sql.ts), always inside the caller's transaction, and so the one place that keeps the
 * search index in step with it.
 */
function prepareTextWriter(db: Db, q: Statements, search: SqliteSearchIndex): (change: TextChange) => void {
  const insertChunks = new Map<number, Database.Statement<unknown[]>>();
  const insertChunk = (rows: number) => {
    let stmt = insertChunks.get(rows);
    if (!stmt) {
      stmt = db.prepare(INSERT_MESSAGES + Array.from({ length: rows }, () => MESSAGE_ROW).join(', '));
      insertChunks.set(rows, stmt);
    }
    return stmt;
  };
  /**
   * Chunks of 64, 16, 4 and 1 rows: few distinct statements, well under SQLite's variable limit.
   * An INSERT without explicit ids gives its rows consecutive rowids (SQLite takes max(rowid) + 1
   * per row, and the immediate transaction keeps other writers out), so the whole batch's rows
   * end at the last chunk's lastInsertRowid and no id is read back. They are then indexed for
   * search in blocks of up to BLOCK_ROWS consecutive rowids (sqlite-search.ts), after every
   * message row is in: writing the two tables' pages in turn, chunk by chunk, cost more
   * (docs/performance-notes.md, "The index written after the rows").
   */
  const insertRows = (rows: readonly (string | number | null)[]): void => {
    const count = rows.length / MESSAGE_VALUES;
    let at = 0;
    let left = count;
    let last = 0;
    for (const size of [64, 16, 4, 1]) {
      for (; left >= size; left -= size, at += size * MESSAGE_VALUES) {
        last = Number(insertChunk(size).run(rows.slice(at, at + size * MESSAGE_VALUES)).lastInsertRowid);
      }
    }
    const first = last - count + 1;
    for (let from = 0; from < count; from += BLOCK_ROWS) {
      const size = Math.min(BLOCK_ROWS, count - from);
      search.indexTexts(first + from, Array.from({ length: size }, (_, i) => rows[(from + i) * MESSAGE_VALUES + MESSAGE_TEXT_AT] as string));
    }
  };
  return (change) => {
    if (change.op === 'insert') return insertRows(change.rows);
    if (change.op === 'replace') {
      q.replaceText.run(change.text, change.at, change.conversationId, change.seq);
    } else {
      q.removeText.run(change.conversationId, change.seq);
      q.removeEditTexts.run(change.conversationId, change.seq);
      q.insertDeletion.run(change.conversationId, change.seq);
    }
    // an edited message is found by its new text only, a deleted one never again
    search.reindexMessage(change.conversationId, change.seq);
  };
}

function prepareEvent(db: Db, q: Statements, writeText: (change: TextChange) => void): (e: NewEvent) => EventResult {
  return immediate(db, (e: NewEvent): EventResult => {
    const conv = q.lockConversationForEvent.get(e.conversationId);
    const role = conv === undefined ? null : (q.memberRole.get(e.conversationId, e.senderId)?.role ?? null);
    const target = q.entryOf.get(e.conversationId, e.target);
    const plan = planEvent(e, {
      role,
      group: conv?.kind === 'group',
      friends: e.friendId === undefined || q.friendshipStands.get(e.senderId, e.friendId) !== undefined,
      prior: e.clientMsgId === null ? undefined : q.byClientMsgId.get(e.senderId, e.clientMsgId),
      target: target === undefined ? null : { kind: target.kind, senderId: target.senderId, deleted: target.deleted === 1 },
      reacted: e.kind === 'reaction' && q.hasReaction.get(e.conversationId, e.target, e.senderId, e.text) !== undefined,
    });
    if (plan.action === 'duplicate') return { seq: plan.seq, ts: plan.ts, duplicate: true, changed: true };
    if (plan.action === 'noop') return { seq: null, ts: e.ts, duplicate: false, changed: false };
    const seq = conv!.lastSeq + 1;
    q.insertEvent.run(e.conversationId, seq, e.senderId, e.kind === 'delete' ? '' : e.text, e.clientMsgId, e.ts, e.kind, e.target,
      e.remove ? 1 : 0, conv!.msgCount);
    q.setLastSeq.run(seq, e.conversationId);
    if (e.kind === 'edit') writeText({ op: 'replace', conversationId: e.conversationId, seq: e.target, text: e.text, at: e.ts });
    else if (e.kind === 'delete') {
      writeText({ op: 'remove', conversationId: e.conversationId, seq: e.target });
      q.deleteReactionsOf.run(e.conversationId, e.target);
      q.deleteMentionsOf.run(e.conversationId, e.target);
    } else if (e.remove) q.deleteReaction.run(e.conversationId, e.target, e.senderId, e.text);
    else q.insertReaction.run(e.conversationId, e.target, e.senderId, e.text, e.ts);
    return { seq, ts: e.ts, duplicate: false, changed: true };
  });
}

export type Transactions = ReturnType<typeof prepareTransactions>;

function prepareAppend(db: Db, q: Statements, writeText: (change: TextChange) => void): (batch: NewMessage[], moves: CursorMove[]) => BatchResult {
  // Validation happens before any write, so a failed item leaves nothing behind and needs no
  // savepoint; an unexpected SQLite error escapes and rolls back the whole batch.
  //
  // A batch costs a few statements, not five per message: each conversation's last_seq is read
  // once and written once, membership is checked once per (conversation, sender), the sender's
  // read cursor moves once to its last message, and the rows go in as multi-row INSERTs.
  // better-sqlite3 builds a result object for every run(); fewer statements, fewer objects.
  // It all happens inside one immediate transaction, so it is as safe against other writers
  // (another process on the same file) as the per-message version was.
  // One statement answers both "is the sender a member?" (a row or none) and "where is the
  // conversation's seq?", so a one-message batch costs no more statements than before.
  const lastSeqIfMember = db.prepare<[number, number], { last: number; count: number }>(`
    SELECT c.last_seq AS last, c.msg_count AS count FROM members m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = ? AND m.user_id = ?`);
  // A direct message also needs the friendship; the same statement says whether it still stands.
  const lastSeqIfMemberAndFriend = db.prepare<[number, number, number, number], { last: number; count: number; friends: number }>(`
    SELECT c.last_seq AS last, c.msg_count AS count, EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = ? AND f.friend_id = ?) AS friends
    FROM members m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = ? AND m.user_id = ?`);
  const setCounters = db.prepare<[number, number, number]>('UPDATE conversations SET last_seq = ?, msg_count = ? WHERE id = ?');
  const moveOwnRead = db.prepare<[number, number, number]>(
    'UPDATE members SET read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?');

  /** Fills each slot's member and friends flags; returns the last seq of every conversation a member writes to. */
  const readSlots = (slots: SenderSlot[], msgCount: Map<number, number>): Map<number, number> => {
    const lastSeq = new Map<number, number>();
    for (const slot of slots) {
      let row: { last: number; count: number } | undefined;
      if (slot.friendId === undefined) {
        row = lastSeqIfMember.get(slot.conversationId, slot.senderId);
      } else {
        const r = lastSeqIfMemberAndFriend.get(slot.senderId, slot.friendId, slot.conversationId, slot.senderId);
        row = r;
        slot.friends = r?.friends === 1;
      }
      if (row !== undefined) {
        slot.member = true;
        lastSeq.set(slot.conversationId, row.last);
        msgCount.set(slot.conversationId, row.count);
      }
    }
    return lastSeq;
  };
  /** The messages stored before with the batch's client ids, by batch index; a retry is rare, so it is mostly empty. */
  const readPriors = (batch: NewMessage[]): PriorMessage[] => {
    const prior: PriorMessage[] = [];
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      if (m.clientMsgId === null) continue;
      const found = q.byClientMsgId.get(m.senderId, m.clientMsgId);
      if (found) prior[i] = found;
    }
    return prior;
  };
  // ack and read: one read and at most one write per (conversation, user) of the batch, however
  // many moves it had. MAX() as well, though nothing else writes inside this transaction.
  const cursorState = db.prepare<[number, number], { lastSeq: number; delivered: number; read: number }>(`
    SELECT c.last_seq AS lastSeq, m.delivered_seq AS delivered, m.read_seq AS read
    FROM members m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = ? AND m.user_id = ?`);
  const setCursors = db.prepare<[number, number, number, number]>(
    'UPDATE members SET delivered_seq = MAX(delivered_seq, ?), read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?');
  const readCursorSlots = (slots: CursorSlot[]): void => {
    for (const slot of slots) {
      const row = cursorState.get(slot.conversationId, slot.userId);
      if (row === undefined) continue;
      slot.lastSeq = row.lastSeq;
      slot.delivered = row.delivered;
      slot.read = row.read;
    }
  };
  // A message's mention rows, in chunks as insertRows does; a batch without mentions never gets here.
  const mentionChunks = new Map<number, Database.Statement<unknown[]>>();
  const writeMentions = (rows: readonly number[]): void => {
    let at = 0;
    let left = rows.length / MENTION_VALUES;
    for (const size of [16, 4, 1]) {
      let stmt = mentionChunks.get(size);
      if (!stmt) mentionChunks.set(size, (stmt = db.prepare(insertMentions(size))));
      for (; left >= size; left -= size, at += size * MENTION_VALUES) stmt.run(rows.slice(at, at + size * MENTION_VALUES));
    }
  };
  const noMessages: AppendResult[] = [];
  return immediate(db, (batch: NewMessage[], moves: CursorMove[]): BatchResult => {
    let messages = noMessages;
    if (batch.length > 0) {
      const senders = groupSenders(batch);
      const msgCount = new Map<number, number>();
      const plan = planAppend(batch, senders, readPriors(batch), readSlots(senders.slots, msgCount), msgCount);
      if (plan.rows.length > 0) writeText({ op: 'insert', rows: plan.rows });
      if (plan.mentionRows !== null) writeMentions(plan.mentionRows);
      for (const [conv, seq] of plan.lastSeqs) setCounters.run(seq, plan.msgCounts.get(conv)!, conv);
      for (const move of readCursorMoves(senders.slots)) moveOwnRead.run(move.seq, move.conversationId, move.senderId);
      messages = plan.results;
    }
    if (moves.length === 0) return { messages, moves: [] };
    // After the messages, so an ack of a seq this batch assigned is valid.
    const cursorSlots = groupCursorMoves(moves);
    readCursorSlots(cursorSlots.slots);
    const plan = planCursorMoves(moves, cursorSlots);
    for (const w of plan.writes) setCursors.run(w.delivered, w.read, w.conversationId, w.userId);
    return { messages, moves: plan.results };
  });
}

function prepareFriendTransactions(db: Db, q: Statements) {
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
  const accept = immediate(db, (userId: number, fromId: number): number => {
    checkFriendAccept(friendState(userId, fromId));
    return befriend(userId, fromId);
  });
  const addFriend = immediate(db, (fromId: number, toId: number): FriendAdded => {
    const action = friendAddAction(friendState(fromId, toId));
    if (action === 'accept') return { status: 'accepted', conversationId: befriend(fromId, toId) };
    q.insertRequest.run(fromId, toId, Date.now());
    return { status: 'pending', hidden: action === 'hidden' };
  });
  const block = immediate(db, (blockerId: number, blockedId: number): { unfriended: boolean } => {
    checkBlock(blockerId, blockedId);
    q.insertBlock.run(blockerId, blockedId, Date.now());
    q.deleteRequest.run(blockerId, blockedId);
    return { unfriended: q.deleteFriendship.run(blockerId, blockedId, blockedId, blockerId).changes > 0 };
  });
  return { accept, addFriend, block };
}

function prepareGroupTransactions(db: Db, q: Statements, search: SqliteSearchIndex) {
  const standing = (groupId: number, userId: number): GroupStanding | null => {
    const row = q.standingById.get(userId, userId, userId, groupId);
    return row ? toStanding(row) : null;
  };
  /** The actor's standing (null: no such group) and the target's, as the rules read them. */
  const standings = (groupId: number, actorId: number, userId: number) => {
    const actor = standing(groupId, actorId);
    const other = actor === null ? null : standing(groupId, userId)!;
    const target = targetState(actorId === userId, other);
    return { actor, state: actor && stateOf(actor), target };
  };
  /** Everything of the group goes: its name is free again. */
  const dropGroup = (groupId: number, conv: number) => {
    q.deleteInvites.run(groupId);
    q.deleteBans.run(groupId);
    q.deleteMembers.run(conv);
    q.deleteGroup.run(groupId);
    q.deleteConversationReactions.run(conv);
    q.deleteConversationMentions.run(conv);
    q.deleteConversationDeletions.run(conv);
    search.unindexConversation(conv);
    q.deleteMessages.run(conv);
    q.deleteConversation.run(conv);
  };

  const createGroup = immediate(db, (name: string, key: string, desc: string, creatorId: number, settings: GroupSettings): GroupRow => {
    const now = Date.now();
    const isPrivate = settings.private ?? false;
    const history = settings.history ?? defaultHistory(isPrivate);
    const conversationId = q.insertConversation.get('group', null, now)!.id;
    let id: number;
    try {
      id = q.insertGroup.get(name, key, desc, creatorId, conversationId, now, isPrivate ? 1 : 0, history)!.id;
    } catch (err) {
      throw isUniqueViolation(err) ? new ChatError('CHAT_ERR_GROUP_TAKEN') : err;
    }
    q.insertMember.run(conversationId, creatorId, 'creator', 0, 0, now);
    return { id, name, desc, creatorId, conversationId, private: isPrivate, history };
  });

  const join = immediate(db, (groupId: number, userId: number): number => {
    const s = standing(groupId, userId);
    checkJoin(s && stateOf(s));
    const { group } = s!;
    const last = q.lockConversation.get(group.conversationId)!.lastSeq;
    q.insertGroupMember.run(group.conversationId, userId, 'member', last, last, Date.now(), visibleAfter(group.history, last));
    q.deleteInvite.run(groupId, userId);
    return last;
  });

  const leave = immediate(db, (groupId: number, userId: number): LeaveOutcome => {
    const conv = checkGroup(q.lockGroup.get(groupId)).conversationId;
    const role = checkLeave(q.member.get(conv, userId)?.role);
    q.deleteMember.run(conv, userId);
    const outcome = afterLeave(role, pickSuccessor(q.successors.all(conv, conv, conv)));
    if (outcome.deleted) {
      dropGroup(groupId, conv);
    } else if (outcome.newCreatorId !== null) {
      q.setRole.run('creator', conv, outcome.newCreatorId);
      q.setCreator.run(outcome.newCreatorId, groupId);
    }
    return outcome;
  });

  const invite = immediate(db, (groupId: number, actorId: number, userId: number): void => {
    const { state, target } = standings(groupId, actorId, userId);
    checkInvite(state, target);
    q.insertInvite.run(groupId, userId, actorId, Date.now());
  });

  const decline = immediate(db, (groupId: number, userId: number): void => {
    const s = standing(groupId, userId);
    checkDecline(s && stateOf(s));
    q.deleteInvite.run(groupId, userId);
  });

  const remove = immediate(db, (groupId: number, actorId: number, userId: number, ban: boolean): { wasMember: boolean } => {
    const { actor, state, target } = standings(groupId, actorId, userId);
    if (ban) checkBan(state, target);
    else checkKick(state, target);
    const conv = actor!.group.conversationId;
    if (target.role !== null) q.deleteMember.run(conv, userId);
    if (ban) {
      q.deleteInvite.run(groupId, userId);
      q.insertBan.run(groupId, userId, actorId, Date.now());
    }
    return { wasMember: target.role !== null };
  });

  const unban = immediate(db, (groupId: number, actorId: number, userId: number): void => {
    const { state, target } = standings(groupId, actorId, userId);
    checkUnban(state, target);
    q.deleteBan.run(groupId, userId);
  });

  const setRole = immediate(db, (groupId: number, actorId: number, userId: number, role: 'admin' | 'member'): void => {
    const { actor, state, target } = standings(groupId, actorId, userId);
    checkSetRole(state, target);
    q.setRole.run(role, actor!.group.conversationId, userId);
  });

  const transfer = immediate(db, (groupId: number, actorId: number, userId: number): void => {
    const { actor, state, target } = standings(groupId, actorId, userId);
    checkTransfer(state, target);
    const conv = actor!.group.conversationId;
    q.setRole.run('creator', conv, userId);
    q.setRole.run(FORMER_CREATOR_ROLE, conv, actorId);
    q.setCreator.run(userId, groupId);
  });

  const update = immediate(db, (groupId: number, actorId: number, changes: GroupChanges): GroupRow => {
    const s = standing(groupId, actorId);
    checkModerator(s && stateOf(s));
    const g = s!.group;
    const next: GroupRow = { ...g, desc: changes.desc ?? g.desc, private: changes.private ?? g.private, history: changes.history ?? g.history };
    q.updateGroup.run(next.desc, next.private ? 1 : 0, next.history, groupId);
    return next;
  });

  const deleteGroup = immediate(db, (groupId: number, actorId: number | undefined): number[] => {
    const group = checkGroup(q.lockGroup.get(groupId));
    if (actorId !== undefined) {
      const s = standing(groupId, actorId);
      checkCreator(s && stateOf(s));
    }
    const members = q.memberIds.all(group.conversationId);
    dropGroup(groupId, group.conversationId);
    return members;
  });

  const groupFor = (key: string, userId: number): GroupStanding | null => {
    const row = q.groupFor.get(userId, userId, userId, key);
    if (!row) return null;
    const s = toStanding(row);
    return isVisible(stateOf(s)) ? s : null;
  };

  return { createGroup, join, leave, invite, decline, remove, unban, setRole, transfer, update, deleteGroup, groupFor };
}
