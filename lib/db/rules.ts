// The Store's rules, written once. Both stores read what a rule needs inside their transaction
// (SQLite: an immediate transaction; MySQL: under the row locks they take first), call these
// pure functions, and write what they return. No I/O here, so the rules are tested without a
// database (test/unit/db/rules.test.ts), and test/contract/store.contract.ts checks that both
// stores apply them the same way.
import { ChatError } from '../protocol/errors.ts';
import type { AppendResult, CursorMove, EntryKind, MoveResult, NewEvent, NewMessage, Relation, Role } from './store.ts';

/** What a store reads about two users (`me`, `other`) before any friend decision. */
export interface FriendState {
  friends: boolean;
  /** me asked other */
  outgoing: boolean;
  /** other asked me */
  incoming: boolean;
  /** me blocked other */
  blocking: boolean;
  /** other blocked me (never told to me: it only keeps my requests from reaching them) */
  blockedBy: boolean;
}

/** A request from a user I blocked stays pending on their side and is not one I see. */
export function relationOf(state: FriendState): Relation {
  return state.friends ? 'friends' : state.outgoing ? 'out' : state.incoming && !state.blocking ? 'in' : 'none';
}

/**
 * friend_add: both asking is consent from both sides, so a request from the other user is
 * accepted. It is looked at before one's own request: a pair whose requests crossed (stored by
 * versions that decided outside the transaction) then ends as a friendship instead of answering
 * REQUEST_PENDING to both forever.
 */
export function friendAddAction(state: FriendState): 'accept' | 'request' | 'hidden' {
  if (state.blocking) throw new ChatError('CHAT_ERR_USER_BLOCKED');
  if (state.friends) throw new ChatError('CHAT_ERR_ALREADY_FRIENDS');
  // A block removed the blocker's own request, so a blocked user never finds one to accept.
  if (state.incoming && !state.blockedBy) return 'accept';
  if (state.outgoing) throw new ChatError('CHAT_ERR_REQUEST_PENDING');
  // Stored and answered as any request, so the sender cannot tell; it is just never shown to them.
  return state.blockedBy ? 'hidden' : 'request';
}

/** friend_accept of other's request by me. A request from a user I blocked is not one I have. */
export function checkFriendAccept(state: FriendState): void {
  if (state.friends) throw new ChatError('CHAT_ERR_ALREADY_FRIENDS');
  if (!state.incoming || state.blocking) throw new ChatError('CHAT_ERR_NO_REQUEST');
}

/** block: never oneself. Blocking ends a friendship and withdraws the blocker's own request. */
export function checkBlock(blockerId: number, blockedId: number): void {
  if (blockerId === blockedId) throw new ChatError('CHAT_ERR_SELF');
}

// ---- groups and cursors ----

export function checkGroup<T>(group: T | null | undefined): T {
  if (group === null || group === undefined) throw new ChatError('CHAT_ERR_NO_SUCH_GROUP');
  return group;
}

/** The leaver's role; NOT_MEMBER when they have none. */
export function checkLeave(role: Role | null | undefined): Role {
  if (role === null || role === undefined) throw new ChatError('CHAT_ERR_NOT_MEMBER');
  return role;
}

export interface LeaveOutcome {
  /** the last member left: the group, its conversation and its messages go, and the name is free */
  deleted: boolean;
  /** the creator left: the successor (pickSuccessor in group-rules.ts) becomes creator */
  newCreatorId: number | null;
}

/** After the leaver's row is gone: `successorId` is the member who would succeed, null if nobody is left. */
export function afterLeave(role: Role, successorId: number | null): LeaveOutcome {
  if (successorId === null) return { deleted: true, newCreatorId: null };
  return { deleted: false, newCreatorId: role === 'creator' ? successorId : null };
}

/**
 * ack and read: `lastSeq` is the conversation's last seq if the user is a member, else
 * undefined. A cursor never passes the last message; it only moves forward (planCursorMoves).
 */
export function checkCursorMove(lastSeq: number | undefined, seq: number): void {
  if (lastSeq === undefined) throw new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
  if (seq > lastSeq) throw new ChatError('CHAT_ERR_BAD_CURSOR');
}

/** One (conversation, user) that a batch's cursor moves touch, and what the store read about it. */
export interface CursorSlot {
  conversationId: number;
  userId: number;
  /** filled by the store: the conversation's last seq if the user is a member, else undefined */
  lastSeq: number | undefined;
  /** filled by the store: the cursors as stored */
  delivered: number;
  read: number;
}

export interface CursorSlots {
  slots: CursorSlot[];
  /** per move, the index of its slot */
  slotOf: number[];
}

/** Names what the store must read for a batch of moves: one slot per (conversation, user). */
export function groupCursorMoves(moves: readonly CursorMove[]): CursorSlots {
  const slots: CursorSlot[] = [];
  const slotOf: number[] = new Array(moves.length);
  const index = new Map<string, number>();
  for (let i = 0; i < moves.length; i++) {
    const m = moves[i]!;
    const key = `${m.conversationId}:${m.userId}`;
    let at = index.get(key);
    if (at === undefined) {
      at = slots.length;
      index.set(key, at);
      slots.push({ conversationId: m.conversationId, userId: m.userId, lastSeq: undefined, delivered: 0, read: 0 });
    }
    slotOf[i] = at;
  }
  return { slots, slotOf };
}

/** A (conversation, user) whose cursors a batch moves, with both cursors' values after it. */
export interface CursorWrite {
  conversationId: number;
  userId: number;
  delivered: number;
  read: number;
}

export interface CursorPlan {
  /** per move, in order */
  results: MoveResult[];
  /** only the slots where a cursor moves forward */
  writes: CursorWrite[];
}

/**
 * Decides a batch of ack and read moves, after the store filled the slots: each move is checked
 * (checkCursorMove); the valid moves of one (conversation, user, kind) fold into the highest seq,
 * which moves the cursor only if it is above the stored value. Every valid move answers the
 * cursor's value after the batch, so a lower ack behind a higher one answers the higher.
 */
export function planCursorMoves(moves: readonly CursorMove[], { slots, slotOf }: CursorSlots): CursorPlan {
  const results: MoveResult[] = new Array(moves.length);
  const after = slots.map((s) => ({ delivered: s.delivered, read: s.read }));
  for (let i = 0; i < moves.length; i++) {
    const m = moves[i]!;
    const at = slotOf[i]!;
    try {
      checkCursorMove(slots[at]!.lastSeq, m.seq);
    } catch (error) {
      results[i] = { ok: false, error: error as Error };
      continue;
    }
    const cursors = after[at]!;
    if (m.seq > cursors[m.kind]) cursors[m.kind] = m.seq;
  }
  for (let i = 0; i < moves.length; i++) {
    if (results[i] === undefined) results[i] = { ok: true, seq: after[slotOf[i]!]![moves[i]!.kind] };
  }
  const writes: CursorWrite[] = [];
  for (let at = 0; at < slots.length; at++) {
    const s = slots[at]!;
    const { delivered, read } = after[at]!;
    if (delivered > s.delivered || read > s.read) writes.push({ conversationId: s.conversationId, userId: s.userId, delivered, read });
  }
  return { results, writes };
}

// ---- appendMessages ----
//
// A batch is decided in three steps, the same on both stores: groupSenders() names what must be
// read (one slot per conversation and sender, and friend for a direct message); the store reads
// it inside its transaction (SQLite one statement per slot, MySQL a few batch statements under
// the conversation row locks); planAppend() decides every item and lays out the writes. Nothing
// here allocates per message beyond the result object and the key strings the lookups need.

/** A stored message found by its sender and client_msg_id. */
export interface PriorMessage {
  conversationId: number;
  seq: number;
  ts: number;
  /** what the entry is; a client id answers duplicate only for an entry of the same kind */
  kind?: EntryKind | undefined;
}

/** One (conversation, sender[, friend]) of a batch. */
export interface SenderSlot {
  conversationId: number;
  senderId: number;
  /** the friend of a direct message, whose friendship must stand when the batch commits */
  friendId: number | undefined;
  /** filled by the store: the sender is a member of the conversation (which exists) */
  member: boolean;
  /** filled by the store: the friendship stands; true when there is no friendId */
  friends: boolean;
  /** filled by planAppend: the seq of the sender's last new message here, 0 if none */
  readTo: number;
}

export interface SenderSlots {
  slots: SenderSlot[];
  /** per batch item, the index of its slot */
  slotOf: number[];
}

export function groupSenders(batch: readonly NewMessage[]): SenderSlots {
  const slots: SenderSlot[] = [];
  const slotOf: number[] = new Array(batch.length);
  const index = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i]!;
    const key = m.friendId === undefined ? `${m.conversationId}:${m.senderId}` : `${m.conversationId}:${m.senderId}:${m.friendId}`;
    let at = index.get(key);
    if (at === undefined) {
      at = slots.length;
      index.set(key, at);
      slots.push({ conversationId: m.conversationId, senderId: m.senderId, friendId: m.friendId, member: false, friends: m.friendId === undefined, readTo: 0 });
    }
    slotOf[i] = at;
  }
  return { slots, slotOf };
}

/** The key of a (sender, client_msg_id) in the maps the lookups use. */
export function clientIdKey(senderId: number, clientMsgId: string): string {
  return `${senderId}\u0000${clientMsgId}`;
}

export interface AppendPlan {
  /** per batch item, in order */
  results: AppendResult[];
  /** the new rows, MESSAGE_VALUES values each, in INSERT_MESSAGES column order (shared-sql.ts) */
  rows: (string | number | null)[];
  /** conversation → its last seq after the batch, for every conversation that got a message */
  lastSeqs: Map<number, number>;
  /** conversation → its message count after the batch (conversations.msg_count), for the same conversations */
  msgCounts: Map<number, number>;
  /** the batch index of the first new message, -1 if none: by it MySQL tells whether a lost COMMIT landed */
  firstNew: number;
  /** the new messages' mentions, MENTION_VALUES values each in insertMentions order (shared-sql.ts); null when none has any */
  mentionRows: number[] | null;
}

/**
 * Decides every item of a batch in order:
 * - an earlier message with the same (sender, client_msg_id), stored before (`prior`, by batch
 *   index) or earlier in this batch, is a duplicate with its seq and ts if it is in the same
 *   conversation, and CHAT_ERR_CLIENT_MSG_ID_REUSED if not (answering "duplicate" there would ack
 *   a message that was never stored);
 * - a sender who is not a member gets CHAT_ERR_NO_SUCH_CONVERSATION;
 * - a direct message whose friendship is gone gets CHAT_ERR_NOT_FRIENDS;
 * - anything else takes its conversation's next seq (`lastSeq`: the stored last seq of every
 *   conversation some member's slot writes to; `msgCount`: its stored message count), and moves
 *   its sender's read cursor to it.
 * A failed item takes no seq and leaves nothing behind, so the rest of the batch goes on.
 */
export function planAppend(
  batch: readonly NewMessage[],
  { slots, slotOf }: SenderSlots,
  prior: readonly (PriorMessage | undefined)[],
  lastSeq: ReadonlyMap<number, number>,
  msgCount: ReadonlyMap<number, number>,
): AppendPlan {
  const results: AppendResult[] = new Array(batch.length);
  const rows: (string | number | null)[] = [];
  const lastSeqs = new Map<number, number>();
  const msgCounts = new Map<number, number>();
  let ownIds: Map<string, number> | null = null; // client id → index of the item of this batch that stored it
  let firstNew = -1;
  let mentionRows: number[] | null = null;
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i]!;
    let idKey: string | null = null;
    if (m.clientMsgId !== null) {
      idKey = clientIdKey(m.senderId, m.clientMsgId);
      const own = ownIds?.get(idKey);
      const p = own === undefined ? prior[i] : undefined;
      if (own !== undefined || p !== undefined) {
        const conversationId = own === undefined ? p!.conversationId : batch[own]!.conversationId;
        if (conversationId !== m.conversationId || (own === undefined && p!.kind !== undefined && p!.kind !== 'message')) {
          results[i] = { ok: false, error: new ChatError('CHAT_ERR_CLIENT_MSG_ID_REUSED') };
        } else if (own === undefined) {
          results[i] = { ok: true, seq: p!.seq, ts: p!.ts, duplicate: true };
        } else {
          results[i] = { ok: true, seq: (results[own] as { seq: number }).seq, ts: batch[own]!.ts, duplicate: true };
        }
        continue;
      }
    }
    const slot = slots[slotOf[i]!]!;
    if (!slot.member) {
      results[i] = { ok: false, error: new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION') };
      continue;
    }
    if (!slot.friends) {
      results[i] = { ok: false, error: new ChatError('CHAT_ERR_NOT_FRIENDS') };
      continue;
    }
    const seq = (lastSeqs.get(m.conversationId) ?? lastSeq.get(m.conversationId)!) + 1;
    lastSeqs.set(m.conversationId, seq);
    const msgNo = (msgCounts.get(m.conversationId) ?? msgCount.get(m.conversationId) ?? 0) + 1;
    msgCounts.set(m.conversationId, msgNo);
    slot.readTo = seq;
    rows.push(m.conversationId, seq, m.senderId, m.text, m.clientMsgId, m.ts, m.replyTo ?? null, msgNo);
    // Only a new message gets mention rows: a duplicate (a retry) returned above, so it is never counted twice.
    if (m.mentions !== undefined && m.mentions.length > 0) {
      mentionRows ??= [];
      for (const userId of m.mentions) mentionRows.push(m.conversationId, seq, userId, m.senderId);
    }
    if (idKey !== null) (ownIds ??= new Map()).set(idKey, i);
    if (firstNew < 0) firstNew = i;
    results[i] = { ok: true, seq, ts: m.ts, duplicate: false };
  }
  return { results, rows, lastSeqs, msgCounts, firstNew, mentionRows };
}

/**
 * The senders' read cursors a planned batch moves: each (conversation, sender) once, to its last
 * new message (slots that differ only in friendId are one cursor).
 */
export function readCursorMoves(slots: readonly SenderSlot[]): { conversationId: number; senderId: number; seq: number }[] {
  const moves: { conversationId: number; senderId: number; seq: number }[] = [];
  // Without friend ids the slots are one per (conversation, sender) already.
  const seen = slots.some((s) => s.friendId !== undefined) ? new Map<string, number>() : null;
  for (const s of slots) {
    if (s.readTo === 0) continue;
    if (seen !== null) {
      const key = `${s.conversationId}:${s.senderId}`;
      const at = seen.get(key);
      if (at !== undefined) {
        moves[at]!.seq = Math.max(moves[at]!.seq, s.readTo);
        continue;
      }
      seen.set(key, moves.length);
    }
    moves.push({ conversationId: s.conversationId, senderId: s.senderId, seq: s.readTo });
  }
  return moves;
}

// ---- events: edit, delete, reaction ----

/**
 * Who may delete other members' messages in a group, by their role (members.role). The one
 * place this is decided; an `admin` role joins here.
 */
export function mayDeleteOthers(role: string | null | undefined): boolean {
  return role === 'creator' || role === 'admin';
}

/** What a store reads, inside the event's transaction, before planEvent decides. */
export interface EventState {
  /** the sender's role in the conversation; null when not a member (or no such conversation) */
  role: string | null;
  /** the conversation is a group (only there may a creator or admin delete others' messages) */
  group: boolean;
  /** the friendship stands; true when the event has no friendId */
  friends: boolean;
  /** an earlier entry with the event's (sender, client_msg_id), if any */
  prior: PriorMessage | undefined;
  /** the target entry, null if there is none */
  target: { kind: EntryKind; senderId: number; deleted: boolean } | null;
  /** reaction: the sender's (target, emoji) reaction is there now */
  reacted: boolean;
}

export type EventPlan = { action: 'duplicate'; seq: number; ts: number } | { action: 'noop' } | { action: 'write' };

/**
 * Decides an edit, deletion or reaction; throws the refusal. Order: a client id seen before
 * (duplicate in the same conversation for the same kind, else CLIENT_MSG_ID_REUSED), membership,
 * friendship, the target (NO_SUCH_MESSAGE unless it is a message; MESSAGE_DELETED once it is
 * gone), then who may: an edit only by the author (no time limit: a fix is always welcome, and
 * the edit stays visible as "edited"); a deletion by the author or, in a group, by a role
 * mayDeleteOthers allows. A reaction already there (or, removing, already gone) is a no-op.
 */
export function planEvent(e: NewEvent, s: EventState): EventPlan {
  if (s.prior !== undefined) {
    if (s.prior.conversationId !== e.conversationId || (s.prior.kind !== undefined && s.prior.kind !== e.kind)) {
      throw new ChatError('CHAT_ERR_CLIENT_MSG_ID_REUSED');
    }
    return { action: 'duplicate', seq: s.prior.seq, ts: s.prior.ts };
  }
  if (s.role === null) throw new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
  if (!s.friends) throw new ChatError('CHAT_ERR_NOT_FRIENDS');
  if (s.target === null || s.target.kind !== 'message') throw new ChatError('CHAT_ERR_NO_SUCH_MESSAGE');
  if (s.target.deleted) throw new ChatError('CHAT_ERR_MESSAGE_DELETED');
  const own = s.target.senderId === e.senderId;
  if (e.kind === 'edit' && !own) throw new ChatError('CHAT_ERR_NOT_YOURS', 'only the author may edit a message');
  if (e.kind === 'delete' && !own && !(s.group && mayDeleteOthers(s.role))) {
    throw new ChatError('CHAT_ERR_NOT_YOURS', 'only the author, or a group\'s creator or admin, may delete a message');
  }
  if (e.kind === 'reaction' && s.reacted === !e.remove) return { action: 'noop' };
  return { action: 'write' };
}
