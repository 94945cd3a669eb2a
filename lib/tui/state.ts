// The TUI's state and the one function that changes it. Pure: no blessed, no sockets, no timers.
// The controller feeds it actions from a queue; the views draw whatever it holds.
import type { ConnectionState } from '../client/session.ts';
import type { ConversationView, EventKind, MessageView, NotifyLevel, PushFrame, Results, SearchResultView } from '../protocol/messages.ts';
import * as ed from './editor.ts';
import type { Editor } from './editor.ts';

export type Pane = 'list' | 'input';

export interface Conversation {
  /** `@name` for a friend, `#name` for a group */
  key: string;
  kind: 'direct' | 'group';
  name: string;
  /** the server's opaque id, once known */
  id?: string;
  /** oldest first, one per seq */
  messages: MessageView[];
  /** my messages sent but not answered yet, oldest first: shown after `messages` until stored (or refused) */
  pending: PendingMessage[];
  read: number;
  lastSeq: number;
  unread: number;
  /** while open: the first seq that arrived unread, marked as new */
  newFrom?: number | undefined;
  historyLoaded: boolean;
  /** the server-stored notification level (mute); what the bell and notifications obey */
  notify: NotifyLevel;
  /** events up to this seq are already folded into `messages` (the last seq when history was read) */
  foldedUpTo: number;
  /** seqs of events after foldedUpTo applied since (each once: my own come back from a gap fill too) */
  applied: number[];
}

/** What Enter does with the input besides sending it: replace a message's text, answer one, or react to one. */
export interface Compose {
  mode: 'edit' | 'reply' | 'react';
  seq: number;
}

export interface PendingMessage {
  clientMsgId: string;
  text: string;
}

export interface Entry {
  key: string;
  kind: 'request' | 'invite' | 'friend' | 'group';
  name: string;
  unread: number;
  online?: boolean;
  direction?: 'in' | 'out';
}

export type EditOp = { insert: string } | 'backspace' | 'delete' | 'left' | 'right' | 'home' | 'end' | 'word' | 'clear';

export interface State {
  screen: 'login' | 'chat';
  login: {
    /** server, user, password */
    fields: [Editor, Editor, Editor];
    /** 0-2 the fields, 3 the Login button, 4 the Register button */
    focus: number;
    busy: boolean;
    error: string | null;
  };
  me: string;
  server: string;
  connection: { state: ConnectionState; detail: string };
  friends: Results['friends']['friends'];
  requests: Results['friends']['requests'];
  groups: Results['groups']['groups'];
  invites: Results['groups']['invites'];
  conversations: Record<string, Conversation>;
  open: string | null;
  selected: string | null;
  focus: Pane;
  input: Editor;
  /** null follows the newest message; a number is the last visible line of the conversation */
  scroll: number | null;
  newBelow: boolean;
  notice: { text: string; error: boolean } | null;
  overlay: { title: string; lines: string[] } | null;
  /** the results of /search, newest first, while the list is shown */
  search: { query: string; results: SearchResultView[]; selected: number; more: boolean } | null;
  /** the open conversation is shown at this message (a search result) until it is scrolled */
  jump: { key: string; seq: number } | null;
  /** message selection mode: the seq of the picked message of the open conversation, or null */
  pick: number | null;
  /** the picked message waits for a `y` to be deleted */
  confirmDelete: boolean;
  compose: Compose | null;
}

export type Action =
  | { t: 'edit'; target: 'input' | 0 | 1 | 2; op: EditOp }
  | { t: 'login_focus'; focus: number }
  | { t: 'login_busy' }
  | { t: 'login_failed'; error: string }
  | { t: 'logged_in'; user: string; server: string }
  | { t: 'connection'; state: ConnectionState; detail?: string }
  | { t: 'roster'; friends: Results['friends']; groups: Results['groups']; conversations: ConversationView[] }
  | { t: 'message'; message: MessageView }
  | { t: 'sending'; key: string; pending: PendingMessage }
  | { t: 'send_failed'; key: string; clientMsgId: string }
  | { t: 'history'; key: string; messages: MessageView[]; lastSeq?: number | undefined }
  | { t: 'pick'; delta: number }
  | { t: 'pick_end' }
  | { t: 'confirm_delete'; on: boolean }
  | { t: 'compose'; mode: Compose['mode']; seq: number; text?: string }
  | { t: 'compose_end' }
  | { t: 'open'; key: string }
  | { t: 'close_conversation' }
  | { t: 'select'; delta: number }
  | { t: 'focus'; pane: Pane }
  | { t: 'scroll'; to: number | null }
  | { t: 'push'; frame: Exclude<PushFrame, { type: 'message' | EventKind }> }
  | { t: 'notice'; text: string; error?: boolean }
  | { t: 'overlay'; title: string; lines: string[] }
  | { t: 'close_overlay' }
  | { t: 'search_results'; query: string; results: SearchResultView[]; more: boolean }
  | { t: 'search_select'; delta: number }
  | { t: 'close_search' }
  | { t: 'jump'; key: string; seq: number };

export function initialState(prefill: { server: string; user?: string | undefined }): State {
  const field = (value: string): Editor => ({ value, cursor: value.length });
  return {
    screen: 'login',
    login: { fields: [field(prefill.server), field(prefill.user ?? ''), field('')], focus: prefill.user ? 2 : 1, busy: false, error: null },
    me: '',
    server: prefill.server,
    connection: { state: 'offline', detail: '' },
    friends: [],
    requests: [],
    groups: [],
    invites: [],
    conversations: {},
    open: null,
    selected: null,
    focus: 'input',
    input: ed.emptyEditor,
    scroll: null,
    newBelow: false,
    notice: null,
    overlay: null,
    search: null,
    jump: null,
    pick: null,
    confirmDelete: false,
    compose: null,
  };
}

export const directKey = (name: string) => `@${name}`;
export const groupKey = (name: string) => `#${name}`;

/** The conversation a message belongs to, from `me`'s side. */
export function keyOfMessage(m: MessageView, me: string): string {
  if (m.group !== undefined) return groupKey(m.group);
  return directKey(m.from === me ? (m.to ?? m.from) : m.from);
}

function emptyConversation(key: string): Conversation {
  const kind = key.startsWith('#') ? 'group' : 'direct';
  return { key, kind, name: key.slice(1), messages: [], pending: [], read: 0, lastSeq: 0, unread: 0, historyLoaded: false, notify: 'all', foldedUpTo: 0, applied: [] };
}

const isEvent = (m: MessageView) => m.kind !== undefined && m.kind !== 'message';

/** The start of a text as a reply quotes it: one line, at most 80 code points (as the server's excerpt). */
function excerptOf(text: string): string {
  const points = [...text.replace(/\s+/g, ' ').trim()];
  return points.length > 80 ? `${points.slice(0, 79).join('')}…` : points.join('');
}

/**
 * Folds an edit, deletion or reaction into the message it targets (and into the quotes of the
 * replies to it), as the server folds it for history. A target not loaded is left alone: the
 * history read when the conversation opens has it folded already.
 */
export function foldEvent(list: MessageView[], e: MessageView, me: string): MessageView[] {
  const i = list.findIndex((m) => m.seq === e.target);
  if (i === -1) return list;
  const m: MessageView = { ...list[i]! };
  if (m.deleted) return list;
  if (e.kind === 'edit') {
    m.text = e.text;
    m.edited_at = e.ts;
  } else if (e.kind === 'delete') {
    m.text = '';
    m.deleted = true;
    delete m.reactions;
    delete m.edited_at;
  } else if (e.emoji !== undefined) {
    const mine = e.from === me;
    const reactions = [...(m.reactions ?? [])];
    const at = reactions.findIndex((r) => r.emoji === e.emoji);
    if (e.removed) {
      if (at !== -1) {
        const r = reactions[at]!;
        if (r.count <= 1) reactions.splice(at, 1);
        else reactions[at] = { ...r, count: r.count - 1, me: mine ? false : r.me };
      }
    } else if (at === -1) reactions.push({ emoji: e.emoji, count: 1, me: mine });
    else reactions[at] = { ...reactions[at]!, count: reactions[at]!.count + 1, me: reactions[at]!.me || mine };
    if (reactions.length > 0) m.reactions = reactions;
    else delete m.reactions;
  }
  const out = list.slice();
  out[i] = m;
  if (e.kind === 'edit' || e.kind === 'delete') {
    for (let j = i + 1; j < out.length; j++) {
      const r = out[j]!;
      const quote = r.reply_to;
      if (quote === undefined || quote.seq !== e.target) continue;
      out[j] = { ...r, reply_to: e.kind === 'delete' ? { seq: quote.seq, from: quote.from, excerpt: '', deleted: true } : { ...quote, excerpt: excerptOf(e.text) } };
    }
  }
  return out;
}

/** The seq of my newest message in the conversation that is not deleted (↑ in an empty input edits it). */
export function lastOwnMessage(c: Conversation | undefined, me: string): MessageView | undefined {
  if (!c) return undefined;
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i]!;
    if (m.from === me && !m.deleted) return m;
  }
  return undefined;
}

function applyEdit(e: Editor, op: EditOp): Editor {
  if (typeof op === 'object') return ed.insert(e, op.insert);
  switch (op) {
    case 'backspace': return ed.backspace(e);
    case 'delete': return ed.del(e);
    case 'left': return ed.left(e);
    case 'right': return ed.right(e);
    case 'home': return ed.home(e);
    case 'end': return ed.end(e);
    case 'word': return ed.deleteWord(e);
    case 'clear': return ed.emptyEditor;
  }
}

/** Inserts messages into a seq-ordered list, dropping seqs already there. */
function mergeMessages(list: MessageView[], incoming: MessageView[]): MessageView[] {
  const seen = new Set(list.map((m) => m.seq));
  const fresh = incoming.filter((m) => !seen.has(m.seq) && (seen.add(m.seq), true));
  if (fresh.length === 0) return list;
  const last = list.at(-1);
  if (fresh.length === 1 && (!last || fresh[0]!.seq > last.seq)) return [...list, fresh[0]!];
  return [...list, ...fresh].sort((a, b) => a.seq - b.seq);
}

/**
 * The pending messages that none of `stored` settles. A message of mine carries the
 * client_msg_id it was sent with however it arrives (the send's answer, a sync after a
 * reconnect, a push from my other terminal), so a retried message is shown once.
 */
function stillPending(pending: PendingMessage[], stored: readonly MessageView[], me: string): PendingMessage[] {
  if (pending.length === 0) return pending;
  const ids = new Set(stored.filter((m) => m.from === me && m.client_msg_id !== undefined).map((m) => m.client_msg_id));
  const left = pending.filter((p) => !ids.has(p.clientMsgId));
  return left.length === pending.length ? pending : left;
}

/** The conversation list: anything unread first, then requests and invitations, friends (online first) and groups. */
export function entries(s: State): Entry[] {
  const out: Entry[] = [];
  for (const r of s.requests) out.push({ key: `?${r.name}`, kind: 'request', name: r.name, unread: 0, direction: r.direction });
  for (const i of s.invites) out.push({ key: `+${i.group}`, kind: 'invite', name: i.group, unread: 0 });
  for (const f of s.friends) {
    const key = directKey(f.name);
    out.push({ key, kind: 'friend', name: f.name, unread: s.conversations[key]?.unread ?? 0, online: f.online });
  }
  for (const g of s.groups) {
    const key = groupKey(g.name);
    out.push({ key, kind: 'group', name: g.name, unread: s.conversations[key]?.unread ?? 0 });
  }
  const rank = (e: Entry) => (e.unread > 0 ? 0 : e.kind === 'request' ? (e.direction === 'in' ? 1 : 2) : e.kind === 'invite' ? 1 : e.kind === 'friend' ? 3 : 4);
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || (a.e.unread > 0 ? b.e.unread - a.e.unread : 0) || Number(b.e.online ?? 0) - Number(a.e.online ?? 0) || a.e.name.localeCompare(b.e.name) || a.i - b.i)
    .map(({ e }) => e);
}

function withConversation(s: State, key: string, f: (c: Conversation) => Conversation): State {
  const c = s.conversations[key] ?? emptyConversation(key);
  return { ...s, conversations: { ...s.conversations, [key]: f(c) } };
}

export function reduce(s: State, a: Action): State {
  switch (a.t) {
    case 'edit': {
      if (a.target === 'input') return { ...s, input: applyEdit(s.input, a.op) };
      const fields = [...s.login.fields] as State['login']['fields'];
      fields[a.target] = applyEdit(fields[a.target], a.op);
      return { ...s, login: { ...s.login, fields } };
    }
    case 'login_focus':
      return { ...s, login: { ...s.login, focus: ((a.focus % 5) + 5) % 5 } };
    case 'login_busy':
      return { ...s, login: { ...s.login, busy: true, error: null } };
    case 'login_failed':
      return { ...s, login: { ...s.login, busy: false, error: a.error } };
    case 'logged_in': {
      const fields = [...s.login.fields] as State['login']['fields'];
      fields[2] = ed.emptyEditor; // the password is not kept in the state once used
      return { ...s, screen: 'chat', me: a.user, server: a.server, login: { ...s.login, fields, busy: false, error: null }, focus: 'input' };
    }
    case 'connection':
      return { ...s, connection: { state: a.state, detail: a.detail ?? '' } };
    case 'roster': {
      let next: State = { ...s, friends: a.friends.friends, requests: a.friends.requests, groups: a.groups.groups, invites: a.groups.invites };
      for (const c of a.conversations) {
        const key = c.group !== undefined ? groupKey(c.group) : directKey(c.with ?? '?');
        next = withConversation(next, key, (conv) => {
          const open = next.open === key;
          const lastSeq = Math.max(conv.lastSeq, c.last_seq);
          return { ...conv, id: c.conversation, lastSeq, read: open ? lastSeq : Math.max(conv.read, c.read), unread: open ? 0 : c.unread, notify: c.notify ?? 'all' };
        });
      }
      if (next.open?.startsWith('#') && !next.groups.some((g) => groupKey(g.name) === next.open)) next = { ...next, open: null, scroll: null, newBelow: false };
      return next;
    }
    case 'message': {
      const m = a.message;
      const key = keyOfMessage(m, s.me);
      if (isEvent(m)) {
        // An event is never unread; it changes the message it names.
        return withConversation(s, key, (c) => {
          if (m.seq <= c.foldedUpTo || c.applied.includes(m.seq)) return c;
          return { ...c, id: m.conversation, lastSeq: Math.max(c.lastSeq, m.seq), messages: foldEvent(c.messages, m, s.me), applied: [...c.applied, m.seq] };
        });
      }
      const mine = m.from === s.me;
      const open = s.open === key;
      const before = s.conversations[key];
      if (before?.messages.some((x) => x.seq === m.seq)) {
        const pending = stillPending(before.pending, [m], s.me);
        return pending === before.pending ? s : withConversation(s, key, (c) => ({ ...c, pending }));
      }
      let next = withConversation(s, key, (c) => {
        const conv = { ...c, id: m.conversation, messages: mergeMessages(c.messages, [m]), pending: stillPending(c.pending, [m], s.me) };
        if (m.seq > c.lastSeq) {
          conv.lastSeq = m.seq;
          if (mine || open) {
            // the server moves the sender's read cursor to their message: everything before is read
            conv.read = Math.max(c.read, m.seq);
            conv.unread = 0;
          } else if (m.seq > c.read) {
            conv.unread = c.unread + 1;
          }
        }
        return conv;
      });
      if (open && s.scroll !== null && !mine) next = { ...next, newBelow: true };
      return next;
    }
    case 'sending':
      return withConversation(s, a.key, (c) => ({ ...c, pending: [...c.pending, a.pending] }));
    case 'send_failed':
      return withConversation(s, a.key, (c) => ({ ...c, pending: c.pending.filter((p) => p.clientMsgId !== a.clientMsgId) }));
    case 'history':
      return withConversation(s, a.key, (c) => {
        const lastSeq = Math.max(c.lastSeq, ...a.messages.map((m) => m.seq));
        const id = a.messages[0]?.conversation ?? c.id;
        // The page is folded as of its read: it replaces what the messages it holds showed.
        const bySeq = new Map(a.messages.map((m) => [m.seq, m]));
        const kept = c.messages.map((m) => bySeq.get(m.seq) ?? m);
        const foldedUpTo = Math.max(c.foldedUpTo, a.lastSeq ?? 0);
        return {
          ...c, ...(id ? { id } : {}), messages: mergeMessages(kept, a.messages), pending: stillPending(c.pending, a.messages, s.me), historyLoaded: true,
          lastSeq: Math.max(lastSeq, a.lastSeq ?? 0), read: s.open === a.key ? Math.max(lastSeq, a.lastSeq ?? 0) : c.read,
          foldedUpTo, applied: c.applied.filter((seq) => seq > foldedUpTo),
        };
      });
    case 'open': {
      const next = withConversation(s, a.key, (c) => ({
        ...c,
        newFrom: c.unread > 0 ? c.read + 1 : undefined,
        read: c.lastSeq,
        unread: 0,
      }));
      return { ...next, open: a.key, selected: a.key, scroll: null, newBelow: false, overlay: null, jump: null, pick: null, confirmDelete: false, compose: null };
    }
    case 'close_conversation':
      return { ...s, open: null, scroll: null, newBelow: false, jump: null, pick: null, confirmDelete: false, compose: null };
    case 'pick': {
      const list = s.open ? (s.conversations[s.open]?.messages ?? []) : [];
      if (list.length === 0) return { ...s, pick: null, confirmDelete: false };
      const i = s.pick === null ? list.length : list.findIndex((m) => m.seq === s.pick);
      const j = Math.min(list.length - 1, Math.max(0, (i === -1 ? list.length : i) + a.delta));
      return { ...s, pick: list[j]!.seq, confirmDelete: false, scroll: null };
    }
    case 'pick_end':
      return { ...s, pick: null, confirmDelete: false };
    case 'confirm_delete':
      return { ...s, confirmDelete: a.on };
    case 'compose': {
      const input = a.text === undefined ? s.input : { value: a.text, cursor: a.text.length };
      return { ...s, compose: { mode: a.mode, seq: a.seq }, input, pick: null, confirmDelete: false, focus: 'input' };
    }
    case 'compose_end':
      return { ...s, compose: null };
    case 'select': {
      const list = entries(s);
      if (list.length === 0) return s;
      const i = list.findIndex((e) => e.key === (s.selected ?? s.open));
      const j = i === -1 ? (a.delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + a.delta));
      return { ...s, selected: list[j]!.key };
    }
    case 'focus':
      return { ...s, focus: a.pane, selected: a.pane === 'list' ? (s.selected ?? s.open ?? entries(s)[0]?.key ?? null) : s.selected };
    case 'scroll':
      return { ...s, scroll: a.to, newBelow: a.to === null ? false : s.newBelow, jump: null };
    case 'push': {
      const f = a.frame;
      if (f.type === 'presence') return { ...s, friends: s.friends.map((x) => (x.name === f.user ? { ...x, online: f.online } : x)) };
      if (f.type === 'friend_request') {
        const requests = s.requests.some((r) => r.name === f.from) ? s.requests : [...s.requests, { name: f.from, direction: 'in' as const }];
        return { ...s, requests, notice: { text: `${f.from} wants to be friends: /accept ${f.from} or /decline ${f.from}`, error: false } };
      }
      if (f.type === 'friend_update') {
        const requests = s.requests.filter((r) => r.name !== f.user);
        let friends = s.friends.filter((x) => x.name !== f.user);
        if (f.status === 'accepted') friends = [...friends, { name: f.user, online: true }];
        return { ...s, requests, friends, notice: { text: `${f.user}: friend request ${f.status}`, error: false } };
      }
      if (f.type === 'notify_level') {
        const key = f.group !== undefined ? groupKey(f.group) : directKey(f.with ?? '?');
        return withConversation(s, key, (conv) => ({ ...conv, notify: f.notify }));
      }
      // Typing and receipts are drawn by the conversation view (see the 'typing'/'receipt' actions).
      if (f.type === 'typing' || f.type === 'receipt') return s;
      if (f.type === 'group_invite') {
        const invites = [...s.invites.filter((i) => i.group !== f.group), { group: f.group, desc: f.desc, from: f.from }];
        return { ...s, invites, notice: { text: `${f.from} invites you to #${f.group}: /join ${f.group} or /decline #${f.group}`, error: false } };
      }
      return groupEvent(s, f);
    }
    case 'notice':
      return { ...s, notice: { text: a.text, error: a.error ?? false } };
    case 'overlay':
      return { ...s, overlay: { title: a.title, lines: a.lines } };
    case 'close_overlay':
      return { ...s, overlay: null };
    case 'search_results':
      return { ...s, overlay: null, search: { query: a.query, results: a.results, selected: 0, more: a.more } };
    case 'search_select': {
      if (!s.search || s.search.results.length === 0) return s;
      const selected = Math.min(s.search.results.length - 1, Math.max(0, s.search.selected + a.delta));
      return { ...s, search: { ...s.search, selected } };
    }
    case 'close_search':
      return { ...s, search: null };
    case 'jump':
      return s.open === a.key ? { ...s, jump: { key: a.key, seq: a.seq }, scroll: null, newBelow: false } : s;
  }
}

type GroupEvent = Extract<PushFrame, { type: 'group_event' }>;

/** The group's line in my list, changed by `f`; null: I am no longer in it. */
function groupAfter(g: State['groups'][number], f: GroupEvent, me: string): State['groups'][number] | null {
  const aboutMe = f.user === me;
  switch (f.event) {
    case 'kicked': case 'banned': return aboutMe ? null : { ...g, members: Math.max(0, g.members - 1) };
    case 'left': return aboutMe ? null : { ...g, members: Math.max(0, g.members - 1) };
    case 'deleted': return null;
    case 'joined': return aboutMe ? g : { ...g, members: g.members + 1 };
    case 'creator': return aboutMe ? { ...g, role: 'creator' } : g;
    case 'role': return aboutMe && f.role !== undefined ? { ...g, role: f.role } : g;
    case 'topic': return { ...g, desc: f.desc ?? g.desc };
    case 'settings': return { ...g, private: f.private ?? g.private, history: f.history ?? g.history };
    case 'unbanned': return g;
  }
}

const EVENT_TEXT: Record<GroupEvent['event'], string> = {
  joined: 'joined', left: 'left', creator: 'is now the owner of', deleted: 'deleted', kicked: 'was kicked from', banned: 'was banned from',
  unbanned: 'was unbanned from', role: 'has a new role in', topic: 'set the topic of', settings: 'changed the settings of',
};

/** A group event: my list follows it, and a kick, ban or deletion closes the conversation at once. */
function groupEvent(s: State, f: GroupEvent): State {
  const key = groupKey(f.group);
  const before = s.groups.find((g) => g.name === f.group);
  const after = before === undefined ? undefined : groupAfter(before, f, s.me);
  let next: State = f.event === 'joined' && f.user === s.me ? { ...s, invites: s.invites.filter((i) => i.group !== f.group) } : s;
  if (after === null) {
    const { [key]: _gone, ...conversations } = next.conversations;
    next = { ...next, groups: next.groups.filter((g) => g.name !== f.group), conversations };
    if (s.open === key) next = { ...next, open: null, scroll: null, newBelow: false };
    if (s.selected === key) next = { ...next, selected: null };
  } else if (after !== undefined && after !== before) {
    next = { ...next, groups: next.groups.map((g) => (g.name === f.group ? after : g)) };
  }
  const by = f.by !== undefined ? ` by ${f.by}` : '';
  const role = f.event === 'role' ? ` (${f.role})` : '';
  const who = f.user === s.me && (f.event === 'kicked' || f.event === 'banned') ? 'you' : f.user;
  const what = who === 'you' ? EVENT_TEXT[f.event].replace(/^was /, 'were ') : EVENT_TEXT[f.event];
  return { ...next, notice: { text: `${who} ${what} #${f.group}${role}${by}`, error: false } };
}

/** The open group's header: its name, whether it is private, your role, then the topic (cut first when long). */
export function groupHeader(name: string, g: State['groups'][number] | undefined): string {
  if (!g) return `#${name}`;
  return `#${name} · ${g.private ? 'private' : 'public'} · you: ${g.role}${g.desc ? ' · ' + g.desc : ''}`;
}
