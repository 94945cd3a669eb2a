// The TUI's state and the one function that changes it. Pure: no blessed, no sockets, no timers.
// The controller feeds it actions from a queue; the views draw whatever it holds.
import type { ConnectionState } from '../client/session.ts';
import type { ConversationView, EventKind, MessageView, NotifyLevel, PushFrame, Results, SearchResultView } from '../protocol/messages.ts';
import { applyCandidate, candidates, type Names } from './complete.ts';
import * as ed from './editor.ts';
import { mentionsMe } from './mention.ts';
import type { Editor } from './editor.ts';
import { HEAD, lowerBound, type Anchor } from './viewport.ts';
import { anchorIndex, dropNewest, firstNewIndex, keepNewest, MAX_LOADED, PAGE, startsConversation, unloaded } from './window.ts';

export { anchorIndex, firstNewIndex, MAX_LOADED, PAGE, PREFETCH } from './window.ts';


export type Pane = 'list' | 'input';

export interface Conversation {
  /** `@name` for a friend, `#name` for a group */
  key: string;
  kind: 'direct' | 'group';
  name: string;
  /** the server's opaque id, once known */
  id?: string;
  /** oldest first, one per seq: a window of the conversation without gaps */
  messages: Shown[];
  /** my messages sent but not answered yet, oldest first: shown after `messages` until stored (or refused) */
  pending: PendingMessage[];
  read: number;
  lastSeq: number;
  unread: number;
  /** how many of the unread messages mention me (the server's `mentions`): shown in the hotlist */
  mentions?: number | undefined;
  /** while open: the first seq that arrived unread, marked as new */
  newFrom?: number | undefined;
  /** the window holds the newest page (or, after a jump, the page at `around`) */
  historyLoaded: boolean;
  /** what lies before the window: more to fetch, a fetch under way, or the first message */
  older: 'more' | 'loading' | 'start';
  /** after the window: nothing (it ends at the newest), dropped pages to fetch again, a fetch under way */
  newer: 'none' | 'more' | 'loading';
  /** load the window starting at this seq instead of the newest page (jump to the first unread) */
  around?: number | undefined;
  /** the last entry (message or event) of the sync pages that make the window's end: where the next page starts */
  syncedTo?: number | undefined;
  /** the server-stored notification level (mute); what the bell and notifications obey */
  notify: NotifyLevel;
  /** seqs of events applied to loaded messages (each once: my own come back in a sync page or gap fill too) */
  applied: number[];
  /** the events applied lately, in order: applied again to a message a history read replaces */
  recent?: MessageView[] | undefined;
  /** who is typing here, each until a time (ms since the epoch) the controller's clock gave */
  typing?: { from: string; until: number }[] | undefined;
  /** 1:1: the peer's read cursor as far as known (receipt pushes, or the receipts asked on open) */
  peerRead?: number | undefined;
}

/** How long a typing notice shows unless it is renewed (docs/protocol.md). */
export const TYPING_SHOWN_MS = 5000;

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
  /** null follows the newest message; else the top row of the view, by message (see viewport.ts) */
  scroll: Anchor | null;
  newBelow: boolean;
  notice: { text: string; error: boolean } | null;
  /** the terminal has focus (focus events; true where the terminal sends none) */
  terminalFocused: boolean;
  /** conversations with unread messages, in the order they became active (WeeChat's hotlist) */
  hotlist: string[];
  /** member names of groups, fetched when a group is opened (for `@` completion) */
  members: Record<string, string[]>;
  /** Tab's cycle through candidates: the input before it, and what the last Tab made of it */
  completion: { start: number; options: string[]; index: number; original: Editor; applied: Editor } | null;
  /** what was typed before, per conversation key ('' with none open), oldest first */
  sent: Record<string, string[]>;
  /** walking that history (Ctrl-↑/↓): the entry shown, and the draft to come back to */
  recall: { key: string; index: number; draft: string } | null;
  /** help or members, scrolled to `top` (its first line shown) */
  overlay: { title: string; lines: string[]; top?: number } | null;
  /** the results of /search, newest first, while the list is shown */
  search: { query: string; results: SearchResultView[]; selected: number; more: boolean } | null;
  /** a search result shown at the top of the open conversation, marked, until it is scrolled */
  found: { key: string; seq: number } | null;
  /** message selection mode: the seq of the picked message of the open conversation, or null */
  pick: number | null;
  /** the picked message waits for a `y` to be deleted */
  confirmDelete: boolean;
  compose: Compose | null;
  /**
   * /passwd asks for passwords in the input line: shown masked, never remembered (Ctrl-↑), never
   * completed, never announced as typing. The step says which one the line holds now.
   */
  secret: { purpose: 'passwd'; step: SecretStep } | null;
}

/** /passwd's three prompts: the current password, the new one, the new one again. */
export type SecretStep = 'current' | 'new' | 'again';

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
  | { t: 'secret'; step: SecretStep }
  | { t: 'secret_end' }
  | { t: 'page_loading'; key: string; dir: 'older' | 'newer' }
  | { t: 'page_failed'; key: string; dir: 'older' | 'newer' }
  | { t: 'older'; key: string; before: number; messages: MessageView[]; lastSeq?: number | undefined }
  | { t: 'newer'; key: string; after: number; messages: MessageView[]; more: boolean }
  | { t: 'window'; key: string; around: number; messages: MessageView[]; more: boolean }
  | { t: 'jump'; to: 'newest' | 'oldest' | 'unread' }
  | { t: 'open'; key: string }
  | { t: 'close_conversation' }
  | { t: 'select'; delta: number }
  | { t: 'focus'; pane: Pane }
  | { t: 'scroll'; to: Anchor | null }
  | { t: 'push'; frame: Exclude<PushFrame, { type: 'message' | EventKind }> }
  | { t: 'notice'; text: string; error?: boolean }
  | { t: 'overlay'; title: string; lines: string[] }
  | { t: 'close_overlay' }
  | { t: 'overlay_scroll'; top: number }
  | { t: 'search_results'; query: string; results: SearchResultView[]; more: boolean }
  | { t: 'search_select'; delta: number }
  | { t: 'close_search' }
  | { t: 'show_result'; key: string; seq: number }
  | { t: 'terminal_focus'; focused: boolean }
  | { t: 'members'; group: string; names: string[] }
  | { t: 'complete'; delta: 1 | -1 }
  | { t: 'remember'; key: string; text: string }
  | { t: 'recall'; delta: -1 | 1 }
  /** `now`: the controller's clock, so that the reducer stays pure */
  | { t: 'typing'; key: string; from: string; now: number }
  | { t: 'tick'; now: number }
  | { t: 'peer_read'; key: string; read: number }
  | { t: 'refold'; key: string; messages: MessageView[]; lastSeq: number };

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
    terminalFocused: true,
    hotlist: [],
    members: {},
    completion: null,
    sent: {},
    recall: null,
    overlay: null,
    search: null,
    found: null,
    pick: null,
    confirmDelete: false,
    compose: null,
    secret: null,
  };
}

/** Inputs remembered per conversation for Ctrl-↑. */
export const SENT_KEPT = 100;

/** What Tab can complete from: friends, groups, requests, and the open group's members. */
export function namesOf(s: State): Names {
  const group = s.open?.startsWith('#') ? s.open.slice(1).toLowerCase() : undefined;
  return {
    friends: s.friends.map((f) => f.name),
    groups: s.groups.map((g) => g.name),
    requestsIn: s.requests.filter((r) => r.direction === 'in').map((r) => r.name),
    requestsOut: s.requests.filter((r) => r.direction === 'out').map((r) => r.name),
    members: (group && s.members[group]?.filter((m) => m !== s.me)) || [],
  };
}

/** Whether Tab completes here (else it switches focus): the cursor ends a word with candidates, or a cycle goes on. */
export function canComplete(s: State): boolean {
  if (s.screen !== 'chat' || s.focus !== 'input') return false;
  const c = s.completion;
  if (c && s.input.value === c.applied.value && s.input.cursor === c.applied.cursor) return true;
  return candidates(s.input, namesOf(s)) !== null;
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
  return { key, kind, name: key.slice(1), messages: [], pending: [], read: 0, lastSeq: 0, unread: 0, historyLoaded: false, older: 'more', newer: 'none', notify: 'all', applied: [] };
}

export const isEvent = (m: MessageView) => m.kind !== undefined && m.kind !== 'message';

/**
 * A message as the state holds it. `foldedTo`: the events up to this seq are folded into it
 * already (a history page's last_seq; absent for a raw entry, which holds none but itself).
 * `editSeq`: the edit its text comes from, so that an older edit arriving late does not win.
 */
export interface Shown extends MessageView {
  foldedTo?: number | undefined;
  editSeq?: number | undefined;
}

/** The applied event seqs kept per conversation (enough for any gap fill or page overlap). */
const APPLIED_KEPT = 2000;

/** A history page, folded as of `lastSeq`. */
function foldedTo(page: readonly MessageView[], lastSeq: number | undefined): Shown[] {
  const msgs = page.filter((m) => !isEvent(m));
  return lastSeq === undefined ? msgs : msgs.map((m) => ({ ...m, foldedTo: lastSeq }));
}

/** Where the window's sync pages end: the next page of newer entries starts after it. */
export function windowEnd(c: Conversation): number {
  return Math.max(c.messages.at(-1)?.seq ?? 0, c.syncedTo ?? 0);
}

/**
 * Applies an event to the loaded message it names, once: not when that message already holds it
 * (folded into a history page), nor twice (a push and a sync page both bring it). An event whose
 * target is not loaded is not marked: a later raw page that loads the target brings it again.
 */
export function applyEvent(c: Conversation, e: MessageView, me: string): Conversation {
  // a hidden event (by a user I blocked) changes nothing it targets
  if (e.target === undefined || e.hidden || c.applied.includes(e.seq)) return c;
  const target = c.messages[lowerBound(c.messages.length, (i) => c.messages[i]!.seq, e.target)];
  if (!target || target.seq !== e.target || e.seq <= (target.foldedTo ?? target.seq)) return c;
  const applied = [...c.applied, e.seq].slice(-APPLIED_KEPT);
  if (e.kind === 'edit' && e.seq <= (target.editSeq ?? 0)) return { ...c, applied };
  return { ...c, messages: foldEvent(c.messages, e, me), applied, recent: [...(c.recent ?? []), e].slice(-APPLIED_KEPT) };
}

/**
 * Replaces loaded messages with their folded state from a history read (as of `lastSeq`): a
 * window read with sync has no reactions from before it or after its end, and an edit of its own
 * may have put an older text over the one stored. Events after `lastSeq` that were applied
 * meanwhile are applied again to the new versions.
 */
export function refold(c: Conversation, page: readonly MessageView[], lastSeq: number, me: string): Conversation {
  const bySeq = new Map(page.filter((m) => !isEvent(m)).map((m) => [m.seq, m]));
  if (!c.messages.some((m) => bySeq.has(m.seq))) return c;
  let messages: Shown[] = c.messages.map((m) => {
    const f = bySeq.get(m.seq);
    return f ? { ...f, foldedTo: Math.max(lastSeq, m.foldedTo ?? 0) } : m;
  });
  for (const e of c.recent ?? []) {
    if (e.seq > lastSeq && e.target !== undefined && bySeq.has(e.target)) messages = foldEvent(messages, e, me);
  }
  return { ...c, messages };
}

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
export function foldEvent(list: Shown[], e: MessageView, me: string): Shown[] {
  const i = list.findIndex((m) => m.seq === e.target);
  if (i === -1) return list;
  const m: Shown = { ...list[i]! };
  if (m.deleted) return list;
  if (e.kind === 'edit') {
    m.text = e.text;
    m.edited_at = e.ts;
    m.editSeq = e.seq;
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
  return withHotlist({ ...s, conversations: { ...s.conversations, [key]: f(c) } }, key);
}

/** Keeps `key`'s place in the hotlist in step with its unread count: joins at the end, leaves when read. */
function withHotlist(s: State, key: string): State {
  const unread = (s.conversations[key]?.unread ?? 0) > 0;
  const listed = s.hotlist.includes(key);
  if (unread === listed) return s;
  return { ...s, hotlist: unread ? [...s.hotlist, key] : s.hotlist.filter((k) => k !== key) };
}

export function reduce(s: State, a: Action): State {
  switch (a.t) {
    case 'edit': {
      if (a.target === 'input') return { ...s, input: applyEdit(s.input, a.op), completion: null };
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
          // A roster read before a message that was pushed meanwhile is older than what is shown:
          // its counts would take that message off the unread count and the hotlist.
          const stale = conv.lastSeq > c.last_seq;
          return {
            ...conv, id: c.conversation, lastSeq, read: open ? lastSeq : Math.max(conv.read, c.read),
            unread: open ? 0 : stale ? conv.unread : c.unread,
            mentions: open ? 0 : stale ? (conv.mentions ?? 0) : (c.mentions ?? conv.mentions ?? 0),
            notify: c.notify ?? 'all',
          };
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
          const conv = { ...c, id: m.conversation, lastSeq: Math.max(c.lastSeq, m.seq) };
          // A deleted message is no longer one to read, as the server counts (once: an event
          // pushed again after a re-sync is at or below lastSeq).
          if (m.kind === 'delete' && !m.hidden && m.seq > c.lastSeq && m.target !== undefined && m.target > c.read && c.unread > 0) {
            const shown = c.messages.find((x) => x.seq === m.target);
            if (!shown || (shown.from !== s.me && !shown.hidden && !shown.deleted)) {
              conv.unread = c.unread - 1;
              if (shown && mentionsMe(shown, s.me) && (c.mentions ?? 0) > 0) conv.mentions = c.mentions! - 1;
            }
          }
          // a window that stops short of the newest gets its events in order, with the pages after it
          return c.newer === 'none' ? applyEvent(conv, m, s.me) : conv;
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
        // A window that stops short of the newest message gets it when it pages down to it, and
        // one that starts after it when it pages back (a backlog being synced, oldest first,
        // would otherwise leave a gap in the window).
        const first = c.messages[0]?.seq;
        const fits = c.newer === 'none' && (!c.historyLoaded || first === undefined || m.seq >= first);
        let conv: Conversation = { ...c, id: m.conversation, messages: fits ? mergeMessages(c.messages, [m]) : c.messages, pending: stillPending(c.pending, [m], s.me) };
        // their message is what they were typing
        if (c.typing?.some((x) => x.from === m.from)) conv.typing = c.typing.filter((x) => x.from !== m.from);
        if (!open || s.scroll === null) conv = keepNewest(conv, c.historyLoaded ? MAX_LOADED : PAGE);
        else conv = dropNewest(conv, anchorIndex(conv, s.scroll));
        if (m.seq > c.lastSeq) {
          conv.lastSeq = m.seq;
          if (mine || open) {
            // the server moves the sender's read cursor to their message: everything before is read
            conv.read = Math.max(c.read, m.seq);
            conv.unread = 0;
            conv.mentions = 0;
          } else if (m.seq > c.read && !m.hidden) {
            // a placeholder (a user I blocked) takes its seq but is never unread, as on the server
            conv.unread = c.unread + 1;
            if (mentionsMe(m, s.me)) conv.mentions = (c.mentions ?? 0) + 1;
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
      // the newest page replaces the window: pushes from before it may have left gaps
      return withConversation(s, a.key, (c) => {
        const lastSeq = Math.max(c.lastSeq, ...a.messages.map((m) => m.seq));
        const id = a.messages[0]?.conversation ?? c.id;
        const last = a.messages.at(-1)?.seq ?? 0;
        const later = c.newer === 'none' ? c.messages.filter((m) => m.seq > last) : [];
        // the page is folded as of its read (last_seq): only events after it are applied to it
        const upTo = a.lastSeq ?? 0;
        return {
          ...c, ...(id ? { id } : {}),
          messages: mergeMessages(foldedTo(a.messages, a.lastSeq), later), pending: stillPending(c.pending, a.messages, s.me),
          historyLoaded: true, older: startsConversation(a.messages) ? 'start' : 'more', newer: 'none', around: undefined, syncedTo: undefined,
          lastSeq: Math.max(lastSeq, upTo), read: s.open === a.key ? Math.max(lastSeq, upTo) : c.read,
          applied: c.applied.filter((seq) => seq > upTo),
        };
      });
    case 'page_loading':
      return withConversation(s, a.key, (c) => (a.dir === 'older' ? { ...c, older: 'loading' } : { ...c, newer: 'loading' }));
    case 'page_failed':
      return withConversation(s, a.key, (c) => (a.dir === 'older' ? { ...c, older: c.older === 'loading' ? 'more' : c.older } : { ...c, newer: c.newer === 'loading' ? 'more' : c.newer }));
    case 'older': {
      const c = s.conversations[a.key];
      if (!c) return s;
      // a window replaced meanwhile (jump, reconnect) has no use for this page
      if (c.messages[0]?.seq !== a.before) return withConversation(s, a.key, (x) => ({ ...x, older: x.older === 'loading' ? 'more' : x.older }));
      let conv: Conversation = { ...c, messages: mergeMessages(c.messages, foldedTo(a.messages, a.lastSeq)), older: startsConversation(a.messages) ? 'start' : 'more' };
      let scroll = s.scroll;
      // the view stood on the line above the old first message: it still does, now a message's row
      if (s.open === a.key && scroll?.seq === HEAD && a.messages.length > 0) scroll = { seq: a.before, line: scroll.line - 1 };
      conv = dropNewest(conv, s.open === a.key && scroll ? anchorIndex(conv, scroll) : 0);
      return { ...s, scroll, conversations: { ...s.conversations, [a.key]: conv } };
    }
    case 'newer':
    case 'window': {
      const c = s.conversations[a.key];
      if (!c) return s;
      if (a.t === 'newer' && windowEnd(c) !== a.after) return withConversation(s, a.key, (x) => ({ ...x, newer: x.newer === 'loading' ? 'more' : x.newer }));
      if (a.t === 'window' && c.around !== a.around) return s;
      const lastSeq = Math.max(c.lastSeq, ...a.messages.map((m) => m.seq));
      // sync pages are raw entries: the messages join the window, the events fold into it
      const msgs = a.messages.filter((m) => !isEvent(m));
      const syncedTo = a.messages.at(-1)?.seq ?? (a.t === 'window' ? undefined : c.syncedTo);
      let conv: Conversation = a.t === 'window'
        ? { ...c, messages: msgs, applied: [], recent: [], historyLoaded: true, around: undefined, older: startsConversation(msgs) && a.around <= 1 ? 'start' : 'more', newer: a.more ? 'more' : 'none', lastSeq, syncedTo }
        : { ...c, messages: mergeMessages(c.messages, msgs), newer: a.more ? 'more' : 'none', lastSeq, syncedTo };
      for (const e of a.messages) if (isEvent(e)) conv = applyEvent(conv, e, s.me);
      if (conv.newer === 'none') conv = { ...conv, pending: stillPending(conv.pending, msgs, s.me) };
      if (conv.messages.length > MAX_LOADED) {
        // drop the oldest pages, far above the view
        const at = s.open === a.key && s.scroll ? anchorIndex(conv, s.scroll) : conv.messages.length;
        const drop = Math.min(conv.messages.length - MAX_LOADED, Math.max(0, at - PAGE));
        if (drop > 0) conv = { ...conv, messages: conv.messages.slice(drop), older: 'more' };
      }
      const scroll = a.t === 'window' && s.open === a.key ? { seq: a.around, line: 0 } : s.scroll;
      return { ...s, scroll, conversations: { ...s.conversations, [a.key]: conv } };
    }
    case 'jump': {
      const key = s.open;
      const c = key ? s.conversations[key] : undefined;
      if (!key || !c) return s;
      if (a.to === 'newest') return reduce(s, { t: 'scroll', to: null });
      if (a.to === 'oldest') return c.historyLoaded && c.messages.length > 0 ? { ...s, scroll: { seq: HEAD, line: 0 } } : s;
      if (c.newFrom === undefined) return { ...s, notice: { text: 'Nothing unread here.', error: false } };
      const at = firstNewIndex(c, s.me);
      if (at !== -1) return { ...s, scroll: { seq: c.messages[at]!.seq, line: 0 } };
      // the first unread message is not loaded: load the window that starts there
      return { ...s, scroll: { seq: c.newFrom, line: 0 }, conversations: { ...s.conversations, [key]: unloaded(c, c.newFrom) } };
    }
    case 'open': {
      let left = s;
      const prev = s.open && s.open !== a.key ? s.conversations[s.open] : undefined;
      // the conversation left keeps only its newest page
      if (prev) left = withConversation(s, prev.key, (c) => (c.newer === 'none' ? keepNewest(c, PAGE) : unloaded(c)));
      const next = withConversation(left, a.key, (c) => ({
        ...c,
        newFrom: c.unread > 0 ? c.read + 1 : undefined,
        read: c.lastSeq,
        unread: 0,
        mentions: 0,
      }));
      return { ...next, open: a.key, selected: a.key, scroll: null, newBelow: false, overlay: null, recall: null, completion: null, found: null, pick: null, confirmDelete: false, compose: null };
    }
    case 'close_conversation':
      return { ...s, open: null, scroll: null, newBelow: false, found: null, pick: null, confirmDelete: false, compose: null };
    case 'pick': {
      const list = s.open ? (s.conversations[s.open]?.messages ?? []) : [];
      if (list.length === 0) return { ...s, pick: null, confirmDelete: false };
      const i = s.pick === null ? list.length : list.findIndex((m) => m.seq === s.pick);
      const j = Math.min(list.length - 1, Math.max(0, (i === -1 ? list.length : i) + a.delta));
      return { ...s, pick: list[j]!.seq, confirmDelete: false };
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
    case 'scroll': {
      const c = s.open ? s.conversations[s.open] : undefined;
      // back to the newest from a window that stops short of it: load the newest page again
      if (a.to === null && c && c.newer !== 'none') return { ...s, scroll: null, newBelow: false, found: null, conversations: { ...s.conversations, [c.key]: unloaded(c) } };
      return { ...s, scroll: a.to, newBelow: a.to === null ? false : s.newBelow, found: null };
    }
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
      // typing comes as a 'typing' action (it needs the clock); a receipt moves the peer's cursor
      if (f.type === 'typing') return s;
      if (f.type === 'blocked_changed') {
        return { ...s, notice: { text: `${f.user} ${f.blocked ? 'blocked' : 'unblocked'} (from another session)`, error: false } };
      }
      if (f.type === 'receipt') return reduce(s, { t: 'peer_read', key: directKey(f.from), read: f.read });
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
    case 'typing': {
      if (a.from === s.me) return s;
      const until = a.now + TYPING_SHOWN_MS;
      return withConversation(s, a.key, (c) => ({ ...c, typing: [...(c.typing ?? []).filter((x) => x.from !== a.from && x.until > a.now), { from: a.from, until }] }));
    }
    case 'tick': {
      let next = s;
      for (const c of Object.values(s.conversations)) {
        if (!c.typing?.length) continue;
        const left = c.typing.filter((x) => x.until > a.now);
        if (left.length !== c.typing.length) next = withConversation(next, c.key, (x) => ({ ...x, typing: left }));
      }
      return next;
    }
    case 'refold':
      return s.conversations[a.key] ? withConversation(s, a.key, (c) => refold(c, a.messages, a.lastSeq, s.me)) : s;
    case 'peer_read':
      return withConversation(s, a.key, (c) => (a.read > (c.peerRead ?? 0) ? { ...c, peerRead: a.read } : c));
    case 'overlay_scroll':
      return s.overlay ? { ...s, overlay: { ...s.overlay, top: Math.max(0, a.top) } } : s;
    case 'search_results':
      return { ...s, overlay: null, search: { query: a.query, results: a.results, selected: 0, more: a.more } };
    case 'search_select': {
      if (!s.search || s.search.results.length === 0) return s;
      const selected = Math.min(s.search.results.length - 1, Math.max(0, s.search.selected + a.delta));
      return { ...s, search: { ...s.search, selected } };
    }
    case 'close_search':
      return { ...s, search: null };
    case 'show_result': {
      const c = s.conversations[a.key];
      if (s.open !== a.key || !c) return s;
      const found = { key: a.key, seq: a.seq };
      // shown at the top of the view, from the loaded window or from one loaded to start there
      if (c.historyLoaded && c.messages.some((m) => m.seq === a.seq)) return { ...s, found, scroll: { seq: a.seq, line: 0 }, newBelow: false };
      return { ...s, found, scroll: { seq: a.seq, line: 0 }, newBelow: false, conversations: { ...s.conversations, [a.key]: unloaded(c, a.seq) } };
    }
    case 'terminal_focus':
      return { ...s, terminalFocused: a.focused };
    case 'members':
      return { ...s, members: { ...s.members, [a.group.toLowerCase()]: a.names } };
    case 'secret':
      return { ...s, secret: { purpose: 'passwd', step: a.step }, input: ed.emptyEditor, completion: null, recall: null, compose: null, pick: null, confirmDelete: false, focus: 'input' };
    case 'secret_end':
      return { ...s, secret: null, input: ed.emptyEditor };
    case 'complete': {
      if (s.secret) return s;
      const c = s.completion;
      if (c && s.input.value === c.applied.value && s.input.cursor === c.applied.cursor) {
        const index = (c.index + a.delta + c.options.length) % c.options.length;
        const applied = applyCandidate(c.original, c.start, c.original.cursor, c.options[index]!, c.options.length === 1);
        return { ...s, input: applied, completion: { ...c, index, applied } };
      }
      const found = candidates(s.input, namesOf(s));
      if (!found) return s;
      const index = a.delta > 0 ? 0 : found.options.length - 1;
      const applied = applyCandidate(s.input, found.start, s.input.cursor, found.options[index]!, found.options.length === 1);
      return { ...s, input: applied, completion: { start: found.start, options: found.options, index, original: s.input, applied } };
    }
    case 'remember': {
      if (s.secret) return s; // a password never enters the input history
      const list = (s.sent[a.key] ?? []).filter((t) => t !== a.text);
      return { ...s, sent: { ...s.sent, [a.key]: [...list, a.text].slice(-SENT_KEPT) }, recall: null };
    }
    case 'recall': {
      if (s.secret) return s;
      const key = s.open ?? '';
      const list = s.sent[key] ?? [];
      const r = s.recall?.key === key ? s.recall : null;
      if (!r) {
        if (a.delta > 0 || list.length === 0) return s;
        const text = list.at(-1)!;
        return { ...s, recall: { key, index: list.length - 1, draft: s.input.value }, input: { value: text, cursor: text.length }, completion: null };
      }
      const index = r.index + a.delta;
      if (index < 0) return s;
      if (index >= list.length) return { ...s, recall: null, input: { value: r.draft, cursor: r.draft.length }, completion: null };
      const text = list[index]!;
      return { ...s, recall: { ...r, index }, input: { value: text, cursor: text.length }, completion: null };
    }
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
