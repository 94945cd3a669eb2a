import type { NotifyLevel } from '../protocol/messages.ts';
import type { SearchPage, SearchRequest } from './search.ts';

// The storage contract. SqliteStore (embedded default) and MysqlStore (production) both
// implement it and both run test/contract/store.contract.ts. Every method is async so that
// a networked store fits; errors the user should see are thrown as ChatError.

export interface UserRow {
  id: number;
  name: string;
  passwordHash: string;
}

export interface ResumedToken {
  user: UserRow;
  /** the token's expiry after the call, ms since epoch */
  expiresAt: number;
}

export type HistoryVisibility = 'shared' | 'joined';

export interface GroupRow {
  id: number;
  name: string;
  /** the topic */
  desc: string;
  creatorId: number;
  conversationId: number;
  private: boolean;
  history: HistoryVisibility;
}

/** A group and where one user stands in it (group-rules.ts decides what that allows). */
export interface GroupStanding {
  group: GroupRow;
  role: Role | null;
  invited: boolean;
  banned: boolean;
}

export interface GroupSettings {
  private?: boolean | undefined;
  history?: HistoryVisibility | undefined;
}

export interface GroupChanges extends GroupSettings {
  desc?: string | undefined;
}

/** A public group in the directory; `key` orders the pages. */
export interface DirectoryEntry {
  key: string;
  name: string;
  desc: string;
  members: number;
}

export interface GroupInvite {
  group: string;
  desc: string;
  from: string;
}

export type Relation = 'none' | 'friends' | 'out' | 'in';

/** What friend_add did: stored a request, or accepted the other user's (the direct conversation). */
export type FriendAdded =
  /** hidden: toId blocked fromId, so the request is stored (fromId sees it pending) but never shown to toId */
  | { status: 'pending'; hidden: boolean }
  | { status: 'accepted'; conversationId: number };
export type Role = 'creator' | 'admin' | 'member';

export interface NewMessage {
  conversationId: number;
  senderId: number;
  text: string;
  clientMsgId: string | null;
  /** ms since epoch, chosen by the server when the message entered the batch */
  ts: number;
  /**
   * A direct message: stored only if this user is still the sender's friend when the batch
   * commits (checked in the same transaction), else the item fails with CHAT_ERR_NOT_FRIENDS.
   */
  friendId?: number | undefined;
  /** a reply: the seq of a message of the same conversation (the caller checked it is one: entryOf) */
  replyTo?: number | undefined;
  /**
   * The members the message mentions, by user id, distinct (the caller resolved the names and
   * kept the members). Stored with the message in its transaction; absent or empty: none.
   */
  mentions?: readonly number[] | undefined;
}

/** What an entry of a conversation's sequence is: a message, or an event naming its target's seq. */
export type EntryKind = 'message' | 'edit' | 'delete' | 'reaction';
export type EventKind = Exclude<EntryKind, 'message'>;

/** An edit, deletion or reaction by `senderId` on the message `target` of the conversation. */
export interface NewEvent {
  conversationId: number;
  senderId: number;
  kind: EventKind;
  target: number;
  /** edit: the new text; reaction: the emoji; delete: '' */
  text: string;
  /** reaction: take one's reaction back instead of adding it */
  remove?: boolean | undefined;
  clientMsgId: string | null;
  ts: number;
  /** a direct conversation: the other member, whose friendship must stand (as for a send) */
  friendId?: number | undefined;
}

/**
 * appendEvent's answer. `changed` false: a reaction that was already there (or already gone),
 * which stores nothing and takes no seq (seq is then null).
 */
export type EventResult = { seq: number; ts: number; duplicate: boolean; changed: true } | { seq: null; ts: number; duplicate: false; changed: false };

/** The message an entry quotes (`reply_to`), as it is now. */
export interface ReplyRef {
  seq: number;
  senderId: number;
  senderName: string;
  /** the target's current text ('' once deleted) */
  text: string;
  deleted: boolean;
}

export type AppendResult =
  | { ok: true; seq: number; ts: number; duplicate: boolean }
  | { ok: false; error: Error };

export type CursorKind = 'delivered' | 'read';

/** An `ack` (delivered) or `read`: move the user's cursor in the conversation forward to seq. */
export interface CursorMove {
  conversationId: number;
  userId: number;
  kind: CursorKind;
  seq: number;
}

/** ok: the cursor's value after the batch (never below seq). */
export type MoveResult = { ok: true; seq: number } | { ok: false; error: Error };

export interface BatchResult {
  /** per message, in order */
  messages: AppendResult[];
  /** per cursor move, in order */
  moves: MoveResult[];
  /**
   * Per message, where the store reads them in the batch's transaction (MysqlStore): a new group
   * message's members as that transaction saw them. A kick on another node commits either before
   * it (not listed) or after it, so the pushes go to exactly the members at the commit.
   */
  members?: (readonly number[] | undefined)[];
}

export interface StoredMessage {
  conversationId: number;
  seq: number;
  senderId: number;
  senderName: string;
  text: string;
  ts: number;
  clientMsgId: string | null;
  kind: EntryKind;
  /** an event's target seq; null for a message */
  target: number | null;
  /** a message: ms since epoch of its last edit, or null */
  editedAt: number | null;
  /** a message: deleted (its text is ''); a reaction entry: the reaction was taken back */
  deleted: boolean;
  /** a reply: the message it answers */
  replyTo: ReplyRef | null;
  /** a message: the names of the members it mentions, by user id; deleted accounts left out; [] when none */
  mentions: string[];
}

/** One emoji's reactions on one message, as `viewerId` of reactionsOf sees them: without the reactions of users they blocked. */
export interface ReactionCount {
  seq: number;
  emoji: string;
  count: number;
  /** the viewer is among them */
  me: boolean;
}

/** What a request on an entry needs to know about it first. */
export interface EntryInfo {
  kind: EntryKind;
  senderId: number;
  senderName: string;
  text: string;
  deleted: boolean;
}

export interface ConversationRow {
  conversationId: number;
  kind: 'direct' | 'group';
  /** direct: the other member's name */
  peerName?: string;
  /** group: its name */
  groupName?: string;
  delivered: number;
  read: number;
  lastSeq: number;
  /** messages (not events) from others with seq > read */
  unread: number;
  /** of those, the ones that mention this member (deleted messages are not counted) */
  mentions: number;
  /** this member's notification level for the conversation (mute) */
  notify: NotifyLevel;
  /** the member sees messages with seq > this: 0, or where they joined a group with `joined` history */
  visibleAfter: number;
}

export interface GroupSummary {
  name: string;
  desc: string;
  role: Role;
  members: number;
  private: boolean;
  history: HistoryVisibility;
}

/** A user as the password check needs it: read fresh every time, never from a cache. */
export interface Credentials extends UserRow {
  suspended: boolean;
}

/** Who holds a resume token now, recorded when a session signs in with it. */
export interface SessionStart {
  userId: number;
  tokenHash: string;
  /** the connection, `node:conn` */
  conn: string;
  node: string;
  address: string;
  /** the client's name from `hello`, if it gave one */
  client: string | null;
  at: number;
}

export interface TokenRecord {
  tokenHash: string;
  /** when the password login that made it happened */
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
  client: string | null;
  address: string | null;
  node: string | null;
  /** the connection holding it now (`node:conn`), or null */
  liveConn: string | null;
}

export interface AccountRecord {
  id: number;
  name: string;
  createdAt: number;
  lastLoginAt: number | null;
  suspended: boolean;
}

export interface GroupListing {
  name: string;
  desc: string;
  creator: string;
  members: number;
  createdAt: number;
}

/**
 * What `chat admin` did. The admin_actions table is the audit log and also how the operator
 * reaches running nodes: each node polls for new rows and closes the sessions they end.
 */
export type AdminActionKind = 'add_user' | 'suspend' | 'unsuspend' | 'reset_password' | 'delete_account' | 'delete_group';

export interface AdminAction {
  /** the operating-system user who ran `chat admin` */
  actor: string;
  action: AdminActionKind;
  targetId: number | null;
  /** the name acted on */
  target: string;
  at: number;
  detail: Record<string, unknown>;
}

export interface AdminActionRow extends AdminAction {
  id: number;
}

/**
 * Accounts, sessions and the operator's actions. Every write that an admin action makes is
 * committed together with its audit row (`audit`), so a node never misses one or acts on one
 * that did not happen.
 */
/** A group a deleted account left (AccountStore.deleteUser), and how, as Store.leaveGroup answers. */
export interface LeftGroup {
  id: number;
  name: string;
  conversationId: number;
  /** it was the last member: the group is gone */
  deleted: boolean;
  /** it was the creator: the successor */
  newCreatorId: number | null;
}

export interface AccountStore {
  credentialsByKey(key: string): Promise<Credentials | null>;
  credentialsById(userId: number): Promise<Credentials | null>;
  /**
   * A session signed in with the token: records who holds it and the user's last login, then
   * answers whether the account is suspended, read after both writes (login.ts says why).
   */
  sessionStarted(session: SessionStart): Promise<{ suspended: boolean }>;
  /** The connection let go of the token (signed out or closed); a token held by another connection since is left alone. */
  sessionEnded(tokenHash: string, conn: string, at: number): Promise<void>;
  /** A node is starting: whatever it held before (it may have died) is held by nobody. */
  releaseNode(node: string): Promise<void>;
  /** The user's unexpired tokens, oldest first. */
  tokensOf(userId: number, now: number): Promise<TokenRecord[]>;
  /** Deletes the user's tokens, all but `keep` when given; answers how many went. */
  revokeTokens(userId: number, keep?: string | undefined, audit?: AdminAction): Promise<number>;
  /** Stores a new password hash and revokes tokens as revokeTokens does (revoke: null keeps them all). */
  setPassword(userId: number, passwordHash: string, revoke: { keep?: string | undefined } | null, audit?: AdminAction): Promise<number>;
  /** Suspending also revokes every token of the account. */
  setSuspended(userId: number, suspended: boolean, audit: AdminAction): Promise<void>;
  /** createUser, with its audit row. Throws CHAT_ERR_NAME_TAKEN. */
  addUser(name: string, key: string, passwordHash: string, audit: Omit<AdminAction, 'targetId'>): Promise<UserRow>;
  /**
   * Deletes the account, but not its messages, in one transaction: it leaves every group as
   * Store.leaveGroup does (the creator role passes on; a last member's group goes), its tokens,
   * friend requests and friendships go, and the user row stays without a name (name '', a key no
   * name can have, no password), so messages still point at it. Its name may not be registered
   * before `reserveUntil`. `audit` (actor: the account) tells every node to close its sessions
   * and forget the name. Answers the groups it left, in id order; a failure changes nothing.
   */
  deleteUser(userId: number, reserveUntil: number, audit: AdminAction): Promise<LeftGroup[]>;
  /** A deleted account's name, not yet free at `now`. */
  nameReserved(key: string, now: number): Promise<boolean>;
  accounts(): Promise<AccountRecord[]>;
  allGroups(): Promise<GroupListing[]>;
  /** 0 when there is none */
  /** An operator action whose change was made by another store call (chat admin delete-group): its audit row alone. */
  recordAction(action: AdminAction): Promise<void>;
  lastAdminActionId(): Promise<number>;
  adminActionsAfter(id: number, limit: number): Promise<AdminActionRow[]>;
}

export interface Store {
  close(): Promise<void>;
  readonly accounts: AccountStore;
  /** Drops what the store's caches hold about users (a deleted account), on this node. */
  forgetUsers(): void;

  // users and resume tokens
  /** Throws CHAT_ERR_NAME_TAKEN when the key exists. */
  createUser(name: string, key: string, passwordHash: string): Promise<UserRow>;
  userByKey(key: string): Promise<UserRow | null>;
  saveToken(tokenHash: string, userId: number, expiresAt: number): Promise<void>;
  /**
   * A token login. A token that exists and expires after `now` answers its user and its expiry,
   * which is first moved to `newExpiresAt` if it is earlier than `slideIfBefore`; a later expiry
   * is left as it is, and nothing is written. Any other token (unknown, expired, revoked) answers
   * null, and nothing is written: a token is never re-created, so a logout that commits first
   * always wins. Callers pass now < slideIfBefore <= newExpiresAt.
   */
  resumeToken(tokenHash: string, now: number, newExpiresAt: number, slideIfBefore: number): Promise<ResumedToken | null>;
  deleteToken(tokenHash: string): Promise<void>;

  // friends
  relation(userId: number, otherId: number): Promise<Relation>;
  createFriendRequest(fromId: number, toId: number): Promise<void>;
  deleteFriendRequest(fromId: number, toId: number): Promise<boolean>;
  /**
   * friend_add, decided and done in one transaction that any other friend write on the same
   * two users waits for (on MySQL too, across nodes): CHAT_ERR_ALREADY_FRIENDS if they are
   * friends; a request from toId is accepted as acceptFriendRequest(fromId, toId) does; else
   * CHAT_ERR_REQUEST_PENDING if fromId already asked; else fromId's request is stored. Two users
   * adding each other at once therefore end as friends, never as two crossed requests.
   */
  addFriend(fromId: number, toId: number): Promise<FriendAdded>;
  /**
   * Accepts fromId's request to userId: removes the request(s), records the friendship and
   * returns the direct conversation, creating it on first friendship. Re-friending reuses the
   * old conversation and keeps both cursors. Throws CHAT_ERR_ALREADY_FRIENDS if they are friends,
   * else CHAT_ERR_NO_REQUEST without a request from fromId; decided in the same transaction.
   */
  acceptFriendRequest(userId: number, fromId: number): Promise<number>;
  removeFriendship(userId: number, otherId: number): Promise<boolean>;
  /** The direct conversation if the two are friends, else null. */
  directConversation(userId: number, otherId: number): Promise<number | null>;
  /**
   * The direct conversation of the two whether or not they are friends now (it outlives the
   * friendship), or null if they never were friends. It never changes once it exists.
   */
  directConversationId(userId: number, otherId: number): Promise<number | null>;
  friendsOf(userId: number): Promise<{ id: number; name: string }[]>;
  /** Incoming requests from users this user blocked are left out (they stay pending on the sender's side). */
  requestsOf(userId: number): Promise<{ id: number; name: string; direction: 'in' | 'out' }[]>;

  // blocks (rules.ts: checkBlock, and the friend rules read them)
  /**
   * blockerId blocks blockedId, in the friend decisions' transaction: their friendship ends (both
   * sides) and blockerId's own request to blockedId goes; blockedId's request stays, hidden.
   * Idempotent. Throws CHAT_ERR_SELF. Answers whether a friendship ended.
   */
  block(blockerId: number, blockedId: number): Promise<{ unfriended: boolean }>;
  /** Answers whether there was a block. Nothing else changes: what the block hid shows again. */
  unblock(blockerId: number, blockedId: number): Promise<boolean>;
  /** The users this user blocked, by name. */
  blockedOf(userId: number): Promise<{ id: number; name: string }[]>;

  // groups (who may do what: group-rules.ts; every decision is taken inside the write's transaction)
  /**
   * Creates the group, its conversation and the creator's membership. Public with shared history
   * unless `settings` say otherwise (a private group defaults to `joined`). Throws CHAT_ERR_GROUP_TAKEN.
   */
  createGroup(name: string, key: string, desc: string, creatorId: number, settings?: GroupSettings): Promise<GroupRow>;
  groupByKey(key: string): Promise<GroupRow | null>;
  /**
   * One read: the group and the user's standing, or null when no group has that key OR it is
   * private and the user is neither a member nor invited, so the two cannot be told apart.
   */
  groupFor(key: string, userId: number): Promise<GroupStanding | null>;
  /**
   * Adds a member whose cursors start at the group's current seq, and uses up an invitation;
   * returns that seq. The member sees history after visibleAfter(group's history, that seq).
   * Throws CHAT_ERR_ALREADY_MEMBER, CHAT_ERR_BANNED, or CHAT_ERR_NO_SUCH_GROUP for a private
   * group without an invitation.
   */
  joinGroup(groupId: number, userId: number): Promise<number>;
  /**
   * Removes the member. If the creator leaves, the earliest-joined admin becomes creator, else
   * the earliest-joined member. If the last member leaves, the group, its conversation and its
   * messages are deleted and the name is free again. Throws CHAT_ERR_NOT_MEMBER.
   */
  leaveGroup(groupId: number, userId: number): Promise<{ deleted: boolean; newCreatorId: number | null }>;
  groupMembers(groupId: number): Promise<{ id: number; name: string; role: Role }[]>;
  groupsOf(userId: number): Promise<GroupSummary[]>;
  /** The user's pending invitations, oldest first. */
  invitesOf(userId: number): Promise<GroupInvite[]>;
  /** Stores (or keeps) an invitation from a moderator. */
  inviteToGroup(groupId: number, actorId: number, userId: number): Promise<void>;
  /** Drops the user's invitation. Throws CHAT_ERR_NO_INVITE. */
  declineInvite(groupId: number, userId: number): Promise<void>;
  /**
   * Kick (ban false) or ban a user: a member is removed as by leaveGroup (never the last one: a
   * moderator stays), and a ban is recorded, which also drops an invitation. Returns whether
   * the user was a member.
   */
  removeFromGroup(groupId: number, actorId: number, userId: number, ban: boolean): Promise<{ wasMember: boolean }>;
  unbanFromGroup(groupId: number, actorId: number, userId: number): Promise<void>;
  /** The creator makes a member an admin, or an admin a member. */
  setGroupRole(groupId: number, actorId: number, userId: number, role: 'admin' | 'member'): Promise<void>;
  /** The creator hands its role to another member and becomes an admin. */
  transferGroup(groupId: number, actorId: number, userId: number): Promise<void>;
  /** A moderator changes the topic or the settings; returns the group as it is now. */
  updateGroup(groupId: number, actorId: number, changes: GroupChanges): Promise<GroupRow>;
  /**
   * Deletes the group, its conversation, messages, members, invitations and bans; returns the
   * ids of the members it had. With an actor, only the creator may (CHAT_ERR_FORBIDDEN);
   * without one (an operator) always. Throws CHAT_ERR_NO_SUCH_GROUP.
   */
  deleteGroup(groupId: number, actorId?: number): Promise<number[]>;
  /** Public groups whose key starts with `prefix` and comes after `after`, in key order, at most `limit`. */
  publicGroups(prefix: string, after: string, limit: number): Promise<DirectoryEntry[]>;

  // conversations, cursors, messages
  memberIds(conversationId: number): Promise<readonly number[]>;
  /**
   * The members whose view of the conversation starts at or after `seq` (they joined a `joined`
   * group after it was stored), in id order: what they are shown of that entry is its seq only.
   */
  membersNotSeeing(conversationId: number, seq: number): Promise<number[]>;
  /** The user's view of one conversation, or null when they are not a member. */
  conversationOf(userId: number, conversationId: number): Promise<ConversationRow | null>;
  conversationsOf(userId: number): Promise<ConversationRow[]>;
  /**
   * Stores a batch in one transaction, in order. A (senderId, clientMsgId) seen before is
   * reported as duplicate with its original seq and ts, and takes no new seq. The same pair in
   * another conversation is an error (CHAT_ERR_CLIENT_MSG_ID_REUSED), never a silent duplicate.
   * Sending moves the sender's read cursor to the new seq.
   */
  appendMessages(batch: NewMessage[]): Promise<AppendResult[]>;
  /**
   * One group commit: the messages as appendMessages stores them, then the cursor moves, which
   * see those messages (an ack of a seq this batch assigns is valid). Several moves of one
   * (conversation, user, kind) fold into the highest; a cursor never moves back. A move past the
   * conversation's last seq fails with CHAT_ERR_BAD_CURSOR, one by a non-member with
   * CHAT_ERR_NO_SUCH_CONVERSATION; the other items go on. SQLite: one transaction for all of it.
   * MySQL: the messages' transaction, then one read and one multi-row UPDATE for the moves.
   */
  appendBatch(messages: NewMessage[], moves: CursorMove[]): Promise<BatchResult>;
  /** Ascending, every entry (messages and events) with seq > after, at most limit. */
  messagesAfter(conversationId: number, after: number, limit: number): Promise<StoredMessage[]>;
  /** Ascending, the last `limit` messages (kind 'message' only; events are folded into them) with seq < before. */
  messagesBefore(conversationId: number, before: number, limit: number): Promise<StoredMessage[]>;
  /** The entry at seq, or null. Entries are never removed while their conversation exists (a deletion leaves a tombstone). */
  entryOf(conversationId: number, seq: number): Promise<EntryInfo | null>;
  /**
   * Stores an edit, deletion or reaction as the conversation's next entry and folds it into its
   * target, in one transaction, by the rules of rules.ts planEvent: an edit replaces the text and
   * sets edited_at; a deletion removes the text (the message's and its edits') and its
   * reactions, leaving a tombstone; a reaction adds or removes the sender's (message, emoji) row.
   * A (senderId, clientMsgId) seen before answers duplicate with its seq, as appendMessages does.
   * Throws ChatError for a refusal. Cursors do not move: an event is never unread.
   */
  /**
   * `roster`, when given, may be filled with the group's members as the event's transaction saw
   * them (MysqlStore, under the conversation lock a kick takes too): the push goes to exactly the
   * members at the commit, whichever node removed someone meanwhile.
   */
  appendEvent(event: NewEvent, roster?: { members?: readonly number[] }): Promise<EventResult>;
  /** The current reactions on messages from..to (inclusive), by seq, then by first reaction time. */
  reactionsOf(conversationId: number, from: number, to: number, viewerId: number): Promise<ReactionCount[]>;
  /** Moves the cursor forward to seq (never back); returns its new value. Throws CHAT_ERR_BAD_CURSOR if seq > last seq, CHAT_ERR_NO_SUCH_CONVERSATION if not a member. */
  moveDelivered(conversationId: number, userId: number, seq: number): Promise<number>;
  moveRead(conversationId: number, userId: number, seq: number): Promise<number>;
  /** The members other than exceptId, each with whether their read cursor is at or past seq; in join order. */
  readersOf(conversationId: number, seq: number, exceptId: number): Promise<{ name: string; read: boolean }[]>;
  /** Sets the member's notification level. Throws CHAT_ERR_NO_SUCH_CONVERSATION if not a member. */
  setNotifyLevel(conversationId: number, userId: number, level: NotifyLevel): Promise<void>;

  // search (lib/db/search-tokens.ts says what matches, lib/db/search.ts how pages are cut)
  /**
   * Messages matching the plan in the conversations the user is a member of now, newest first
   * by (ts, conversationId, seq), strictly before `before`, at most `limit`; `next` continues.
   */
  searchMessages(req: SearchRequest): Promise<SearchPage>;
}

/** moveDelivered and moveRead for a store that has appendBatch: a batch of one move. */
export async function moveOne(store: Pick<Store, 'appendBatch'>, move: CursorMove): Promise<number> {
  const [result] = (await store.appendBatch([], [move])).moves;
  if (!result!.ok) throw result!.error;
  return result!.seq;
}
