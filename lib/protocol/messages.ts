import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const HISTORY_MAX_LIMIT = 500;
export const CLIENT_MSG_ID_MAX = 64;

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
  group_create: z.object({ group: name, desc: z.string().max(1024).optional() }),
  group_join: aboutGroup,
  group_leave: aboutGroup,
  group_members: aboutGroup,
  send: z.object({
    to: name.optional(),
    group: name.optional(),
    text: z.string().min(1),
    client_msg_id: z.string().min(1).max(CLIENT_MSG_ID_MAX).optional(),
  }),
  history: z.object({ ...target, before: seq.optional(), limit: limit.optional() }),
  sync: z.object({ conversation, after: seq.optional(), limit: limit.optional() }),
  ack: cursorMove,
  read: cursorMove,
  unread: empty,
  conversations: empty,
} as const;

export type RequestType = keyof typeof requestSchemas;
export type RequestOf<T extends RequestType> = z.infer<(typeof requestSchemas)[T]>;
export const REQUEST_TYPES = Object.keys(requestSchemas) as RequestType[];

/** Requests a connection may make before it logs in. */
export const ANONYMOUS_TYPES: ReadonlySet<RequestType> = new Set(['hello', 'register', 'login', 'ping']);

// ---- what the server sends back ----

export interface MessageView {
  conversation: string;
  seq: number;
  /** '' when the sender's account was deleted (then from_deleted is true) */
  from: string;
  /** the sender deleted their account since; no name is shown that someone could register */
  from_deleted?: true;
  to?: string;
  group?: string;
  text: string;
  ts: string;
  client_msg_id?: string;
}

export interface ConversationView {
  conversation: string;
  with?: string;
  group?: string;
  delivered: number;
  read: number;
  last_seq: number;
  unread: number;
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
  groups: { groups: { name: string; desc: string; role: 'creator' | 'member'; members: number }[] };
  group_create: { group: string; desc: string; conversation: string };
  group_join: { group: string; conversation: string; seq: number };
  group_leave: { group: string };
  group_members: { group: string; members: { name: string; role: 'creator' | 'member'; online: boolean }[] };
  send: { conversation: string; seq: number; ts: string; duplicate: boolean };
  history: { conversation: string; messages: MessageView[] };
  sync: { conversation: string; messages: MessageView[]; more: boolean };
  ack: { conversation: string; delivered: number };
  read: { conversation: string; read: number };
  unread: { unread: { conversation: string; with?: string; group?: string; count: number }[] };
  conversations: { conversations: ConversationView[] };
}

export type PushFrame =
  | ({ type: 'message' } & MessageView)
  | { type: 'presence'; user: string; online: boolean }
  | { type: 'friend_request'; from: string }
  | { type: 'friend_update'; user: string; status: 'accepted' | 'declined' | 'removed' }
  | { type: 'group_event'; group: string; user: string; event: 'joined' | 'left' | 'creator' | 'deleted' };
