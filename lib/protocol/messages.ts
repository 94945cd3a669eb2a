import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const HISTORY_MAX_LIMIT = 500;
export const CLIENT_MSG_ID_MAX = 64;
/** A reaction is any short string: at most this many bytes of UTF-8 (so at most this many UTF-16 units too). */
export const REACTION_MAX_BYTES = 32;
export const SEARCH_MAX_LIMIT = 100;
export const SEARCH_QUERY_MAX = 256;
export const SEARCH_CURSOR_MAX = 128;
export const DIRECTORY_MAX_LIMIT = 200;
/** How many names one message may mention (`send` `mentions`). */
export const MENTIONS_MAX = 50;

// Names are checked by checkName (lib/protocol/names.ts) in the handler, which needs the
// normalized key anyway; the schema only bounds the raw size so nothing huge is normalized.
const name = z.string().min(1).max(256);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const conversation = z.string().min(1).max(64);
const limit = z.number().int().min(1).max(HISTORY_MAX_LIMIT);
const empty = z.object({});
const aboutUser = z.object({ user: name });
const aboutGroup = z.object({ group: name });
const cursorMove = z.object({ conversation, seq });
export const NOTIFY_LEVELS = ['all', 'mentions', 'none'] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];
const clientMsgId = z.string().min(1).max(CLIENT_MSG_ID_MAX);
const aboutGroupMember = z.object({ group: name, user: name });
const history = z.enum(['shared', 'joined']);
const topic = z.string().max(1024);
/** One of: a friend (`with`), a group, or an opaque conversation id. */
const target = {
  with: name.optional(),
  group: name.optional(),
  conversation: conversation.optional(),
};

export const requestSchemas = {
  hello: z.object({ version: z.number().int(), client: z.string().max(128).optional() }),
  register: z.object({ user: name, password: z.string().max(4096) }),
  login: z.union([
    z.object({ token: z.string().min(1).max(256) }),
    z.object({ user: name, password: z.string().max(4096) }),
  ]),
  logout: z.object({ all: z.boolean().optional() }),
  passwd: z.object({ password: z.string().max(4096), new_password: z.string().max(4096), keep_sessions: z.boolean().optional() }),
  sessions: empty,
  sessions_revoke: z.object({ session: z.string().min(1).max(64) }),
  account_delete: z.object({ password: z.string().max(4096) }),
  ping: empty,
  friends: empty,
  friend_add: aboutUser,
  friend_accept: aboutUser,
  friend_decline: aboutUser,
  friend_remove: aboutUser,
  groups: empty,
  group_create: z.object({ group: name, desc: topic.optional(), private: z.boolean().optional(), history: history.optional() }),
  group_join: aboutGroup,
  group_leave: aboutGroup,
  group_members: aboutGroup,
  group_invite: aboutGroupMember,
  group_decline: aboutGroup,
  group_kick: aboutGroupMember,
  group_ban: aboutGroupMember,
  group_unban: aboutGroupMember,
  group_role: z.object({ group: name, user: name, role: z.enum(['admin', 'member']) }),
  group_transfer: aboutGroupMember,
  group_topic: z.object({ group: name, desc: topic }),
  group_set: z.object({ group: name, private: z.boolean().optional(), history: history.optional() }),
  group_delete: aboutGroup,
  groups_public: z.object({
    prefix: z.string().max(256).optional(),
    after: z.string().max(1024).optional(),
    limit: z.number().int().min(1).max(DIRECTORY_MAX_LIMIT).optional(),
  }),
  send: z.object({
    to: name.optional(),
    group: name.optional(),
    text: z.string().min(1),
    client_msg_id: clientMsgId.optional(),
    reply_to: seq.optional(),
    /** names, since a name may contain spaces: the server keeps the conversation's members among them */
    mentions: z.array(name).max(MENTIONS_MAX).optional(),
  }),
  edit: z.object({ ...target, seq, text: z.string().min(1), client_msg_id: clientMsgId.optional() }),
  delete: z.object({ ...target, seq, client_msg_id: clientMsgId.optional() }),
  react: z.object({
    ...target, seq, emoji: z.string().min(1).max(REACTION_MAX_BYTES), remove: z.boolean().optional(), client_msg_id: clientMsgId.optional(),
  }),
  history: z.object({ ...target, before: seq.optional(), limit: limit.optional() }),
  sync: z.object({ conversation, after: seq.optional(), limit: limit.optional() }),
  ack: cursorMove,
  read: cursorMove,
  unread: empty,
  conversations: empty,
  mute: z.object({ ...target, level: z.enum(NOTIFY_LEVELS) }),
  block: aboutUser,
  unblock: aboutUser,
  blocked: empty,
  typing: z.object(target),
  receipts: z.object({ ...target, seq }),
  search: z.object({
    query: z.string().min(1).max(SEARCH_QUERY_MAX),
    ...target,
    from: name.optional(),
    limit: z.number().int().min(1).max(SEARCH_MAX_LIMIT).optional(),
    cursor: z.string().min(1).max(SEARCH_CURSOR_MAX).optional(),
  }),
} as const;

export type RequestType = keyof typeof requestSchemas;
export type RequestOf<T extends RequestType> = z.infer<(typeof requestSchemas)[T]>;
export const REQUEST_TYPES = Object.keys(requestSchemas) as RequestType[];

/** Requests a connection may make before it logs in. */
export const ANONYMOUS_TYPES: ReadonlySet<RequestType> = new Set(['hello', 'register', 'login', 'ping']);

// ---- what the server sends back ----

/** What an entry of a conversation's sequence is: a message, or an event on one (its `target`). */
export type EntryKind = 'message' | 'edit' | 'delete' | 'reaction';
export type EventKind = Exclude<EntryKind, 'message'>;

/** The message a reply answers, as it is now. */
export interface ReplyView {
  seq: number;
  from: string;
  /** the start of its current text, on one line ('' once deleted, or hidden) */
  excerpt: string;
  deleted?: true;
  /** its sender is a user you blocked: the excerpt is not sent */
  hidden?: true;
}

export interface ReactionView {
  emoji: string;
  count: number;
  /** you are among them */
  me: boolean;
}

/**
 * An entry as the server shows it. `history` shows messages folded to their current state
 * (edited_at, deleted, reactions); `sync` and pushes show every entry raw, with its `kind` and,
 * for an event, its `target`. docs/protocol.md has the fields of each kind.
 */
export interface MessageView {
  conversation: string;
  seq: number;
  /** sync entries (and entries the client made from pushes); absent in history, where every entry is a message */
  kind?: EntryKind;
  /** an event's target seq */
  target?: number;
  /** '' when the sender's account was deleted (then from_deleted is true) */
  from: string;
  /** the sender deleted their account since; no name is shown that someone could register */
  from_deleted?: true;
  to?: string;
  group?: string;
  /** a message's current text; an edit's new text; '' for a deletion, a reaction or a deleted message */
  text: string;
  /** a reaction entry */
  emoji?: string;
  /** a reaction entry that took the reaction back */
  removed?: true;
  ts: string;
  edited_at?: string;
  deleted?: true;
  reply_to?: ReplyView;
  /** a message: the members it mentions (absent when none); never a deleted account's name */
  mentions?: string[];
  /** history only */
  reactions?: ReactionView[];
  client_msg_id?: string;
  /**
   * The sender is a user you blocked: the entry keeps its place (seq, kind, target, from, ts) and
   * nothing of its content (text is '', no emoji, reply, reactions or client id). A hidden event
   * changes nothing it targets.
   */
  hidden?: true;
}

/** A search hit: the message as history shows it, and a short part of its text around the match. */
export interface SearchResultView extends MessageView {
  snippet: string;
}

export interface ConversationView {
  conversation: string;
  with?: string;
  group?: string;
  delivered: number;
  read: number;
  last_seq: number;
  unread: number;
  /** of the unread messages, how many mention you (absent from servers before mentions) */
  mentions?: number;
  /**
   * Which new messages notify this user: all, mentions of them, or none (muted). Every server
   * sends it; optional because a client may talk to an older server, which means `all`.
   */
  notify?: NotifyLevel;
}

/** `creator` is the owner: the name stays on the wire, since the contract only grows. */
export type GroupRole = 'creator' | 'admin' | 'member';
export type HistoryVisibility = 'shared' | 'joined';

export type GroupEventKind =
  | 'joined' | 'left' | 'creator' | 'deleted'
  | 'kicked' | 'banned' | 'unbanned' | 'role' | 'topic' | 'settings';

/**
 * A change in a group. `user` is whom it is about (for topic and settings: who made the change);
 * `by` is the moderator who made it; the rest say what it is now.
 */
export interface GroupEventPush {
  type: 'group_event';
  group: string;
  user: string;
  event: GroupEventKind;
  by?: string;
  role?: GroupRole;
  desc?: string;
  private?: boolean;
  history?: HistoryVisibility;
}

/** A resume token of the account, and the connection that holds it now, if any (`sessions`). */
export interface SessionView {
  /** names the token without revealing it (`sessions_revoke`) */
  id: string;
  /** the session that asked */
  current: boolean;
  /** a connection holds it now */
  live: boolean;
  /** the client's name from `hello`, of the last session that used it */
  client: string | null;
  node: string | null;
  address: string | null;
  /** when the password login that made the token happened */
  login: string;
  last_used: string;
  expires: string;
}

export interface Results {
  hello: { version: number; server: string; node: string; max_line: number };
  register: { user_id: number; user: string };
  login: { user_id: number; user: string; token: string; token_expires: string };
  logout: { revoked?: number };
  passwd: { revoked: number };
  sessions: { sessions: SessionView[] };
  sessions_revoke: { session: string };
  account_delete: { user: string };
  ping: { ts: string };
  friends: {
    friends: { name: string; online: boolean }[];
    requests: { name: string; direction: 'in' | 'out' }[];
  };
  friend_add: { user: string; status: 'pending' | 'accepted'; conversation?: string };
  friend_accept: { user: string; conversation: string };
  friend_decline: { user: string };
  friend_remove: { user: string };
  groups: {
    groups: { name: string; desc: string; role: GroupRole; members: number; private: boolean; history: HistoryVisibility }[];
    /** pending invitations, oldest first */
    invites: { group: string; desc: string; from: string }[];
  };
  group_create: { group: string; desc: string; conversation: string; private: boolean; history: HistoryVisibility };
  group_join: { group: string; conversation: string; seq: number };
  group_leave: { group: string };
  group_members: { group: string; members: { name: string; role: GroupRole; online: boolean }[] };
  group_invite: { group: string; user: string };
  group_decline: { group: string };
  group_kick: { group: string; user: string };
  group_ban: { group: string; user: string };
  group_unban: { group: string; user: string };
  group_role: { group: string; user: string; role: 'admin' | 'member' };
  group_transfer: { group: string; user: string };
  group_topic: { group: string; desc: string };
  group_set: { group: string; private: boolean; history: HistoryVisibility };
  group_delete: { group: string };
  /** `next`: pass it as `after` for the next page; absent on the last page */
  groups_public: { groups: { name: string; desc: string; members: number }[]; next?: string };
  send: { conversation: string; seq: number; ts: string; duplicate: boolean };
  edit: { conversation: string; seq: number; target: number; ts: string; duplicate: boolean };
  delete: { conversation: string; seq: number; target: number; ts: string; duplicate: boolean };
  /** changed false: the reaction was already there (or already gone); nothing was stored, seq is null */
  react: { conversation: string; seq: number | null; target: number; ts: string; duplicate: boolean; changed: boolean };
  /** last_seq: the conversation's last seq when the page was read (events up to it are folded in) */
  history: { conversation: string; messages: MessageView[]; last_seq: number };
  sync: { conversation: string; messages: MessageView[]; more: boolean };
  ack: { conversation: string; delivered: number };
  read: { conversation: string; read: number };
  /** mentions: of the `count` unread messages, how many mention you (absent from servers before mentions) */
  unread: { unread: { conversation: string; with?: string; group?: string; count: number; mentions?: number; notify?: NotifyLevel }[] };
  conversations: { conversations: ConversationView[] };
  mute: { conversation: string; with?: string; group?: string; notify: NotifyLevel };
  /** unfriended: the block ended a friendship */
  block: { user: string; blocked: true; unfriended: boolean };
  /** was_blocked: false when there was no block (unblocking twice is no error) */
  unblock: { user: string; blocked: false; was_blocked: boolean };
  blocked: { blocked: { name: string }[] };
  /** forwarded: false when this session's last notice for the conversation was under 2 s ago */
  typing: { conversation: string; forwarded: boolean };
  /** the other members whose read cursor is at or past seq, and how many others there are */
  receipts: { conversation: string; seq: number; read: number; of: number; members: string[] };
  search: { results: SearchResultView[]; next_cursor?: string };
}

export type PushFrame =
  | ({ type: 'message' } & MessageView)
  | ({ type: EventKind } & Omit<MessageView, 'kind'>)
  | { type: 'presence'; user: string; online: boolean }
  | { type: 'friend_request'; from: string }
  | { type: 'typing'; conversation: string; from: string; group?: string }
  | { type: 'receipt'; conversation: string; from: string; read: number }
  | { type: 'notify_level'; conversation: string; with?: string; group?: string; notify: NotifyLevel }
  | { type: 'blocked_changed'; user: string; blocked: boolean }
  | { type: 'friend_update'; user: string; status: 'accepted' | 'declined' | 'removed' }
  | { type: 'group_invite'; group: string; from: string; desc: string }
  | GroupEventPush;
