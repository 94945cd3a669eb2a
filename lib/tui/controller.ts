// Owns the network side of the TUI. Session events (the receive loop) and the views' intents
// become actions in one queue; the queue is drained into the reducer, effects that need the
// network run after, and the views are asked to render at most once per tick.
import { outcomeUnknown, sendMessage, writeWithRetry } from '../client/send-message.ts';
import { Session, type SessionOptions, type StateInfo } from '../client/session.ts';
import { parseServerAddress } from '../config.ts';
import { ChatError } from '../protocol/errors.ts';
import { MENTIONS_MAX, type EventKind, type MessageView, type NotifyLevel } from '../protocol/messages.ts';
import { helpLines, parseInput, type Command } from './commands.ts';
import { KeyMap } from './keys.ts';
import { mentionedNames } from './mention.ts';
import { alertFor, type Alert } from './notify.ts';
import { anchorIndex, directKey, groupKey, initialState, keyOfMessage, lastOwnMessage, PAGE, PREFETCH, namesOf, reduce, windowEnd, type Action, type Compose, type Conversation, type State } from './state.ts';

/** How many public groups /list shows at once; more are found by a longer prefix. */
const LIST_PAGE = 50;

/** What a view may ask for. Views hold no socket and no session: only this. */
export interface Intents {
  /** the newest state (keys must act on it, not on the last one drawn: several keys can arrive in one read) */
  readonly state: State;
  dispatch(action: Action): void;
  login(mode: 'login' | 'register'): void;
  submit(): void;
  open(key: string): void;
  /** opens the conversation of the selected search result, at that message */
  openSearchResult(): void;
  retryNow(): void;
  quit(): void;
  /** ↑ in an empty input: edit my newest message */
  editLast(): void;
  /** selection mode: act on the picked message */
  actOnPick(action: 'reply' | 'edit' | 'react' | 'delete'): void;
  /** Esc in a /passwd prompt */
  cancelSecret(): void;
}

export interface ControllerOptions {
  server: string;
  user?: string | undefined;
  /** called once per tick at most, with the newest state */
  render: (state: State) => void;
  /** called after the session is closed */
  exit: (code: number) => void;
  session?: Partial<Omit<SessionOptions, 'host' | 'port'>>;
  /** the key bindings, for /help */
  keys?: KeyMap;
  /** a message that should ring arrived (at most once per drained queue: a backlog rings once) */
  alert?: (alert: Alert) => void;
}

const NOTIFY_TEXT: Record<NotifyLevel, string> = {
  all: 'every new message notifies you',
  mentions: 'only mentions of you notify you',
  none: 'muted, nothing notifies you',
};
/** How often a `typing` goes out while the user types (the server shows it 5 s unless renewed). */
const TYPING_EVERY_MS = 3000;
/** Results listed by /search. */
const SEARCH_LIMIT = 50;

const FRIENDLY: Partial<Record<string, string>> = {
  CHAT_ERR_AUTH_FAILED: 'Wrong user name or password.',
  CHAT_ERR_NAME_TAKEN: 'That name is already taken.',
  CHAT_ERR_CONNECT: 'The server cannot be reached.',
  CHAT_ERR_BAD_PASSWORD: 'Passwords are 8 to 1024 characters.',
};

export function describeError(err: unknown): string {
  if (err instanceof ChatError) return FRIENDLY[err.code] ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

export class Controller implements Intents {
  state: State;
  private queue: Action[] = [];
  private draining = false;
  private renderScheduled: NodeJS.Immediate | null = null;
  private session: Session | null = null;
  private readSent = new Map<string, number>();
  private historyRequested = new Set<string>();
  private rosterPending = false;
  private rosterAgain = false;
  private quitting = false;
  private tickTimer: NodeJS.Timeout | null = null;
  /** when I last sent `typing`, per conversation key */
  private typingSent = new Map<string, number>();
  /** /passwd: what the earlier prompts were answered with (kept here, never in the state) */
  private passwords: { current?: string; next?: string } = {};

  constructor(private readonly options: ControllerOptions) {
    this.state = initialState({ server: options.server, user: options.user });
  }

  // ---- the queue ----

  dispatch(action: Action): void {
    this.queue.push(action);
    if (this.draining) return;
    this.draining = true;
    let alert: Alert | null = null;
    try {
      while (this.queue.length > 0) {
        const a = this.queue.shift()!;
        const before = this.state;
        if (a.t === 'message') alert = alertFor(before, a.message) ?? alert;
        this.state = reduce(this.state, a);
        this.effects(a, before);
      }
    } finally {
      this.draining = false;
    }
    if (alert) this.options.alert?.(alert);
    this.requestRender();
  }

  requestRender(): void {
    this.renderScheduled ??= setImmediate(() => {
      this.renderScheduled = null;
      this.options.render(this.state);
    });
  }

  /** Network work that follows from a state change. */
  private effects(a: Action, before: State): void {
    const key = this.state.open;
    if (key && (a.t === 'open' || a.t === 'roster' || a.t === 'history' || a.t === 'message' || a.t === 'scroll' || a.t === 'jump' || a.t === 'show_result' || a.t === 'older' || a.t === 'newer' || a.t === 'window')) {
      this.syncOpen(key);
      this.pageOpen(key);
    }
    if (a.t === 'open' && before.open !== a.key) {
      this.readSent.delete(a.key);
      if (a.key.startsWith('#')) this.fetchMembers(a.key.slice(1));
    }
    if (a.t === 'edit' && a.target === 'input' && typeof a.op === 'object') this.typing();
    if (a.t === 'history' && a.key === key) this.askPeerRead(a.key);
    // someone joined or left: the names `@` completes change
    if (a.t === 'push' && a.frame.type === 'group_event' && this.state.members[a.frame.group.toLowerCase()]) this.fetchMembers(a.frame.group);
  }

  /** Loads the open conversation's history once, and moves its read cursor to the newest message. */
  private syncOpen(key: string): void {
    const conv = this.state.conversations[key];
    if (!conv || !this.session || this.session.state !== 'connected') return;
    if (!conv.historyLoaded && !this.historyRequested.has(key)) {
      this.historyRequested.add(key);
      const around = conv.around;
      // a window that starts at a seq (the first unread, a search result) is read with sync: raw
      // entries, whose events the reducer folds; the newest page with history, folded already
      const page = around !== undefined && conv.id
        ? this.session.request('sync', { conversation: conv.id, after: around - 1, limit: PAGE }).then((r) => ({ t: 'window', key, around, messages: r.messages, more: r.more }) as const)
        : this.session.request('history', { ...targetOf(conv), limit: PAGE }).then((r) => ({ t: 'history', key, messages: r.messages, lastSeq: r.last_seq }) as const);
      page
        .then((action) => {
          this.historyRequested.delete(key);
          this.dispatch(action);
          if (action.t === 'window') this.refoldPage(key, action.messages);
        })
        .catch((err) => {
          this.historyRequested.delete(key);
          this.dispatch({ t: 'notice', text: `history: ${describeError(err)}`, error: true });
        });
    }
    if (conv.id && conv.lastSeq > (this.readSent.get(key) ?? 0)) {
      this.readSent.set(key, conv.lastSeq);
      this.session.request('read', { conversation: conv.id, seq: conv.lastSeq }).catch(() => this.readSent.delete(key));
    }
  }

  /**
   * A sync page's messages, read again with history (folded to now). Sync shows a message with
   * its text and deletion as stored, but without reactions, and the page's own edits, applied in
   * order, can put an older text over the newest one; the events after the page's end would only
   * come with the pages after it. The history read settles all of it at once.
   */
  private refoldPage(key: string, page: readonly MessageView[]): void {
    const msgs = page.filter((m) => m.kind === undefined || m.kind === 'message');
    const conv = this.state.conversations[key];
    const session = this.session;
    if (msgs.length === 0 || !conv || !session || session.state !== 'connected') return;
    session.request('history', { ...targetOf(conv), before: msgs.at(-1)!.seq + 1, limit: msgs.length }).then(
      (r) => typeof r.last_seq === 'number' && this.dispatch({ t: 'refold', key, messages: r.messages, lastSeq: r.last_seq }),
      () => {}, // the pages after it bring the events in order anyway
    );
  }

  /** A block or unblock changes what the server shows of the loaded messages: read them again. */
  private reloadOpen(): void {
    const key = this.state.open;
    const conv = key ? this.state.conversations[key] : undefined;
    if (key && conv) this.refoldPage(key, conv.messages);
  }

  /** The members of a group, for `@` completion. */
  private fetchMembers(group: string): void {
    const session = this.session;
    if (!session || session.state !== 'connected') return;
    session.request('group_members', { group }).then(
      (r) => this.dispatch({ t: 'members', group: r.group, names: r.members.map((m) => m.name) }),
      () => {}, // completion goes without them
    );
  }

  /** Fetches the page before (or after) the window once the view comes near its end. */
  private pageOpen(key: string): void {
    const conv = this.state.conversations[key];
    const scroll = this.state.scroll;
    const session = this.session;
    if (!conv || !conv.historyLoaded || scroll === null || !session || session.state !== 'connected') return;
    const at = anchorIndex(conv, scroll);
    const first = conv.messages[0];
    if (conv.older === 'more' && first && at < PREFETCH) {
      const before = first.seq;
      this.dispatch({ t: 'page_loading', key, dir: 'older' });
      session.request('history', { ...targetOf(conv), before, limit: PAGE }).then(
        (r) => this.dispatch({ t: 'older', key, before, messages: r.messages, lastSeq: r.last_seq }),
        (err) => {
          this.dispatch({ t: 'page_failed', key, dir: 'older' });
          this.dispatch({ t: 'notice', text: `history: ${describeError(err)}`, error: true });
        },
      );
    }
    const last = conv.messages.at(-1);
    if (conv.newer === 'more' && last && conv.id && at > conv.messages.length - PREFETCH) {
      const after = windowEnd(conv);
      this.dispatch({ t: 'page_loading', key, dir: 'newer' });
      session.request('sync', { conversation: conv.id, after, limit: PAGE }).then(
        (r) => {
          this.dispatch({ t: 'newer', key, after, messages: r.messages, more: r.more });
          this.refoldPage(key, r.messages);
        },
        (err) => {
          this.dispatch({ t: 'page_failed', key, dir: 'newer' });
          this.dispatch({ t: 'notice', text: `history: ${describeError(err)}`, error: true });
        },
      );
    }
  }

  // ---- intents ----

  login(mode: 'login' | 'register'): void {
    if (this.state.login.busy || this.session) return;
    const [serverField, userField, passwordField] = this.state.login.fields;
    const server = serverField.value.trim();
    const user = userField.value.trim();
    const password = passwordField.value;
    if (!user) return this.dispatch({ t: 'login_failed', error: 'Enter a user name.' });
    if (!password) return this.dispatch({ t: 'login_failed', error: 'Enter a password.' });
    let target: { host: string; port: number };
    try {
      target = parseServerAddress(server);
    } catch (err) {
      return this.dispatch({ t: 'login_failed', error: describeError(err) });
    }
    this.dispatch({ t: 'login_busy' });
    const session = new Session({ ...this.options.session, ...target });
    this.wire(session);
    (mode === 'register' ? session.register(user, password) : session.login(user, password)).then(
      (me) => {
        this.session = session;
        this.dispatch({ t: 'logged_in', user: me.user, server });
        this.dispatch({ t: 'connection', state: 'connected' });
        this.refreshRoster();
        if (mode === 'register') this.dispatch({ t: 'notice', text: `Welcome, ${me.user}! /add NAME to add a friend, /help for more.` });
      },
      (err) => {
        this.session = null;
        this.dispatch({ t: 'login_failed', error: `${describeError(err)}${err instanceof ChatError && err.code === 'CHAT_ERR_CONNECT' ? ` (${server})` : ''}` });
      },
    );
  }

  /** The receive loop: every session event becomes an action in the queue. */
  private wire(session: Session): void {
    session.on('message', (message: MessageView) => this.dispatch({ t: 'message', message }));
    session.on('push', (frame) => {
      if (frame.type === 'typing') {
        const key = frame.group !== undefined ? groupKey(frame.group) : directKey(frame.from);
        this.dispatch({ t: 'typing', key, from: frame.from, now: Date.now() });
        return this.scheduleTick();
      }
      this.dispatch({ t: 'push', frame });
      if (frame.type === 'blocked_changed') this.reloadOpen();
      if (frame.type !== 'presence' && frame.type !== 'receipt') this.refreshRoster();
    });
    session.on('state', (info: StateInfo) => {
      if (!this.session) return; // the login screen reports its own errors
      this.dispatch({ t: 'connection', state: info.state, detail: stateDetail(info) });
    });
    session.on('ready', (resumed) => {
      if (!resumed) return;
      this.historyRequested.clear();
      this.refreshRoster();
    });
    session.on('error', (err) => this.dispatch({ t: 'notice', text: describeError(err), error: true }));
  }

  /** Ends typing notices on time: a tick at the earliest end of one still shown. */
  private scheduleTick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    const ends = Object.values(this.state.conversations).flatMap((c) => (c.typing ?? []).map((x) => x.until));
    if (ends.length === 0 || this.quitting) return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.dispatch({ t: 'tick', now: Date.now() });
      this.scheduleTick();
    }, Math.max(0, Math.min(...ends) - Date.now()) + 20);
    this.tickTimer.unref?.();
  }

  /** Tells the open conversation that I am typing: at most every TYPING_EVERY_MS, never for a command. */
  private typing(): void {
    const key = this.state.open;
    const session = this.session;
    if (!key || !session || session.state !== 'connected' || this.state.secret || this.state.input.value.startsWith('/')) return;
    const now = Date.now();
    if (now - (this.typingSent.get(key) ?? 0) < TYPING_EVERY_MS) return;
    this.typingSent.set(key, now);
    const conv = this.state.conversations[key];
    session.request('typing', conv ? targetOf(conv) : key.startsWith('#') ? { group: key.slice(1) } : { with: key.slice(1) }).catch(() => {});
  }

  /** 1:1: whether the peer has read my newest loaded message (receipt pushes say the rest). */
  private askPeerRead(key: string): void {
    const conv = this.state.conversations[key];
    const session = this.session;
    if (!conv || conv.kind !== 'direct' || !session || session.state !== 'connected') return;
    const mine = lastOwnMessage(conv, this.state.me);
    if (!mine || mine.seq <= (conv.peerRead ?? 0)) return;
    session.request('receipts', { with: conv.name, seq: mine.seq }).then(
      (r) => r.read > 0 && this.dispatch({ t: 'peer_read', key, read: r.seq }),
      () => {}, // the marks wait for a receipt push
    );
  }

  /** friends + groups + conversations, one at a time (a request arriving meanwhile runs once more after). */
  refreshRoster(): void {
    const session = this.session;
    if (!session || session.state !== 'connected') return;
    if (this.rosterPending) {
      this.rosterAgain = true;
      return;
    }
    this.rosterPending = true;
    Promise.all([session.request('friends', {}), session.request('groups', {}), session.request('conversations', {})])
      .then(([friends, groups, { conversations }]) => this.dispatch({ t: 'roster', friends, groups, conversations }))
      .catch(() => {}) // a dropped connection refreshes again once it is back
      .finally(() => {
        this.rosterPending = false;
        if (this.rosterAgain) {
          this.rosterAgain = false;
          this.refreshRoster();
        }
      });
  }

  open(key: string): void {
    if (key.startsWith('?')) {
      const name = key.slice(1);
      const r = this.state.requests.find((x) => x.name === name);
      this.dispatch({
        t: 'notice',
        text: r?.direction === 'out' ? `Waiting for ${name} to accept.` : `${name} wants to be friends: /accept ${name} or /decline ${name}`,
      });
      return;
    }
    if (key.startsWith('+')) {
      const group = key.slice(1);
      const from = this.state.invites.find((i) => i.group === group)?.from ?? 'someone';
      this.dispatch({ t: 'notice', text: `${from} invites you to #${group}: /join ${group} or /decline #${group}` });
      return;
    }
    this.dispatch({ t: 'open', key });
    this.dispatch({ t: 'focus', pane: 'input' });
  }

  editLast(): void {
    const m = this.state.open ? lastOwnMessage(this.state.conversations[this.state.open], this.state.me) : undefined;
    if (!m) return this.dispatch({ t: 'notice', text: 'No message of yours here to edit.', error: true });
    this.dispatch({ t: 'compose', mode: 'edit', seq: m.seq, text: m.text });
  }

  actOnPick(action: 'reply' | 'edit' | 'react' | 'delete'): void {
    const seq = this.state.pick;
    const m = this.state.open && seq !== null ? this.state.conversations[this.state.open]?.messages.find((x) => x.seq === seq) : undefined;
    if (!m) return;
    if (m.deleted && action !== 'reply') return this.dispatch({ t: 'notice', text: 'That message was deleted.', error: true });
    const mine = m.from === this.state.me;
    if (action === 'edit' && !mine) return this.dispatch({ t: 'notice', text: 'Only the author may edit a message.', error: true });
    if (action === 'delete') {
      if (!this.state.confirmDelete) return this.dispatch({ t: 'confirm_delete', on: true });
      this.dispatch({ t: 'pick_end' });
      return this.writeEvent('delete', m.seq, {});
    }
    this.dispatch({ t: 'compose', mode: action, seq: m.seq, ...(action === 'edit' ? { text: m.text } : { text: '' }) });
  }

  /** Stores an edit, deletion or reaction, and shows it at once (the server pushes it to everyone else). */
  private writeEvent(type: 'edit' | 'delete' | 'react', seq: number, fields: { text?: string; emoji?: string; remove?: boolean }, restore?: () => void): void {
    const key = this.state.open;
    const s = this.sessionOrNotice();
    if (!key || !s) return restore?.();
    const name = key.slice(1);
    const where = key.startsWith('#') ? { group: name } : { with: name };
    const { done } = writeWithRetry(s, type, { ...where, seq, ...fields } as never);
    done.then(
      (r) => {
        const result = r as { conversation: string; seq: number | null; target: number; ts: string };
        if (result.seq === null) return; // a reaction that was already so
        const kind: EventKind = type === 'react' ? 'reaction' : type;
        const view: MessageView = { conversation: result.conversation, seq: result.seq, kind, target: result.target, from: this.state.me, text: fields.text ?? '', ts: result.ts };
        if (key.startsWith('#')) view.group = name;
        else view.to = name;
        if (fields.emoji !== undefined) view.emoji = fields.emoji;
        if (fields.remove) view.removed = true;
        this.dispatch({ t: 'message', message: view });
      },
      (err) => {
        this.dispatch({ t: 'notice', text: `${type}: ${describeError(err)}`, error: true });
        restore?.();
      },
    );
  }

  private submitCompose(text: string, compose: Compose, restore: () => void): void {
    this.dispatch({ t: 'compose_end' });
    if (compose.mode === 'reply') return this.send(text, restore, compose.seq);
    if (compose.mode === 'edit') return this.writeEvent('edit', compose.seq, { text }, restore);
    const emoji = text.trim();
    const target = this.state.open ? this.state.conversations[this.state.open]?.messages.find((m) => m.seq === compose.seq) : undefined;
    // The same emoji again takes it back: a reaction toggles.
    const remove = target?.reactions?.some((r) => r.emoji === emoji && r.me) ?? false;
    this.writeEvent('react', compose.seq, remove ? { emoji, remove: true } : { emoji }, restore);
  }

  /** Esc in a /passwd prompt: nothing is changed, and nothing typed is kept. */
  cancelSecret(): void {
    this.passwords = {};
    this.dispatch({ t: 'secret_end' });
    this.dispatch({ t: 'notice', text: '/passwd: cancelled, nothing was changed.' });
  }

  /** Enter in a /passwd prompt: the next prompt, or the request once all three are in. */
  private submitSecret(step: 'current' | 'new' | 'again', value: string): void {
    this.dispatch({ t: 'edit', target: 'input', op: 'clear' });
    if (value === '') return;
    if (step === 'current') {
      this.passwords = { current: value };
      return this.dispatch({ t: 'secret', step: 'new' });
    }
    if (step === 'new') {
      this.passwords.next = value;
      return this.dispatch({ t: 'secret', step: 'again' });
    }
    const { current, next } = this.passwords;
    this.passwords = {};
    this.dispatch({ t: 'secret_end' });
    if (current === undefined || next === undefined) return;
    if (value !== next) return this.dispatch({ t: 'notice', text: '/passwd: the two new passwords differ; nothing was changed.', error: true });
    const s = this.sessionOrNotice();
    if (!s) return;
    s.request('passwd', { password: current, new_password: next }).then(
      (r) => this.dispatch({ t: 'notice', text: `Password changed; ${r.revoked} other session${r.revoked === 1 ? '' : 's'} ended.` }),
      (err) => this.dispatch({ t: 'notice', text: `/passwd: ${describeError(err)}`, error: true }),
    );
  }

  submit(): void {
    const text = this.state.input.value;
    if (this.state.secret) return this.submitSecret(this.state.secret.step, text);
    if (text.trim() === '') return;
    this.dispatch({ t: 'remember', key: this.state.open ?? '', text });
    this.dispatch({ t: 'edit', target: 'input', op: 'clear' });
    const restore = () => {
      if (this.state.input.value === '') this.dispatch({ t: 'edit', target: 'input', op: { insert: text } });
    };
    if (this.state.compose) return this.submitCompose(text, this.state.compose, restore);
    const command = parseInput(text);
    switch (command.cmd) {
      case 'error':
        return this.dispatch({ t: 'notice', text: command.message, error: true });
      case 'help':
        return this.dispatch({ t: 'overlay', title: 'Help', lines: helpLines(this.options.keys ?? new KeyMap()) });
      case 'quit':
        return this.quit();
      case 'passwd':
        if (!this.sessionOrNotice()) return;
        this.passwords = {};
        return this.dispatch({ t: 'secret', step: 'current' });
      case 'send':
        return this.send(command.text, restore);
    }
    const run = <T>(p: Promise<T>, ok: (r: T) => string) =>
      p.then(
        (r) => {
          this.dispatch({ t: 'notice', text: ok(r) });
          this.refreshRoster();
        },
        (err) => {
          this.dispatch({ t: 'notice', text: `/${command.cmd}: ${describeError(err)}`, error: true });
          restore();
        },
      );
    const s = this.sessionOrNotice();
    if (!s) return restore();
    const openGroup = this.state.open?.startsWith('#') ? this.state.open.slice(1) : undefined;
    switch (command.cmd) {
      case 'add':
        return void run(s.request('friend_add', { user: command.name }), (r) =>
          r.status === 'accepted' ? `${r.user} and you are now friends.` : `Friend request sent to ${r.user}.`);
      case 'accept':
        return void run(s.request('friend_accept', { user: command.name }), (r) => {
          this.open(directKey(r.user));
          return `${r.user} and you are now friends.`;
        });
      case 'decline':
        return void run(s.request('friend_decline', { user: command.name }), (r) => `Declined ${r.user}.`);
      case 'remove':
        return void run(s.request('friend_remove', { user: command.name }), (r) => `Removed ${r.user}.`);
      case 'block':
        return void run(s.request('block', { user: command.name }), (r) => {
          this.reloadOpen();
          return `Blocked ${r.user}${r.unfriended ? ' (no longer friends)' : ''}: their messages show as hidden.`;
        });
      case 'unblock':
        return void run(s.request('unblock', { user: command.name }), (r) => {
          this.reloadOpen();
          return r.was_blocked ? `Unblocked ${r.user}: their messages show again.` : `${r.user} was not blocked.`;
        });
      case 'create':
        return void run(s.request('group_create', { group: command.name, ...(command.desc ? { desc: command.desc } : {}) }), (r) => {
          this.open(groupKey(r.group));
          return `Created #${r.group}.`;
        });
      case 'join':
        return void run(s.request('group_join', { group: command.name }), (r) => {
          this.open(groupKey(r.group));
          return `Joined #${r.group}.`;
        });
      case 'leave': {
        const group = command.name ?? openGroup;
        if (!group) return this.dispatch({ t: 'notice', text: '/leave: open a group first, or /leave GROUP', error: true });
        return void run(s.request('group_leave', { group }), (r) => {
          if (this.state.open === groupKey(r.group)) this.dispatch({ t: 'close_conversation' });
          return `Left #${r.group}.`;
        });
      }
      case 'mute': {
        const key = this.state.open;
        if (!key) return this.dispatch({ t: 'notice', text: '/mute: open a conversation first', error: true });
        const target = key.startsWith('#') ? { group: key.slice(1) } : { with: key.slice(1) };
        return void run(s.request('mute', { ...target, level: command.level }), (r) => {
          this.dispatch({ t: 'push', frame: { type: 'notify_level', ...r } });
          return `${key}: ${NOTIFY_TEXT[r.notify]}.`;
        });
      }
      case 'search':
        s.request('search', { query: command.query, limit: SEARCH_LIMIT }).then(
          (r) => {
            if (r.results.length === 0) return this.dispatch({ t: 'notice', text: `/search: nothing found for “${command.query}”` });
            this.dispatch({ t: 'search_results', query: command.query, results: r.results, more: r.next_cursor !== undefined });
          },
          (err) => {
            this.dispatch({ t: 'notice', text: `/search: ${describeError(err)}`, error: true });
            restore();
          },
        );
        return;
      case 'sessions':
        s.request('sessions', {}).then(
          (r) => this.dispatch({ t: 'overlay', title: `Your sessions · ${r.sessions.length}`, lines: [
            ...r.sessions.map((x) => [x.id, x.current ? 'this session' : x.live ? 'live' : 'token', x.client ?? '-', x.node ?? '-', x.address ?? '-', `last used ${x.last_used}`].join('  ')),
            '', '/revoke ID ends one; /logout-all ends them all.',
          ] }),
          (err) => this.dispatch({ t: 'notice', text: `/sessions: ${describeError(err)}`, error: true }),
        );
        return;
      case 'revoke':
        return void run(s.request('sessions_revoke', { session: command.id }), (r) => `Session ${r.session} ended.`);
      case 'logout_all':
        s.request('logout', { all: true }).then(
          () => this.quit(), // this session is signed out too
          (err) => this.dispatch({ t: 'notice', text: `/logout-all: ${describeError(err)}`, error: true }),
        );
        return;
      case 'decline_invite':
        return void run(s.request('group_decline', { group: command.name }), (r) => `Declined the invitation to #${r.group}.`);
      case 'invite': case 'kick': case 'ban': case 'unban': case 'op': case 'deop': case 'topic': case 'private': case 'public': {
        if (!openGroup) return this.dispatch({ t: 'notice', text: `/${command.cmd}: open a group first`, error: true });
        return void run(this.moderate(s, openGroup, command), (text) => text);
      }
      case 'list': {
        const prefix = command.prefix;
        s.request('groups_public', { ...(prefix === undefined ? {} : { prefix }), limit: LIST_PAGE }).then(
          (r) => {
            const lines = r.groups.map((g) => `#${g.name} · ${g.members} ${g.members === 1 ? 'member' : 'members'}${g.desc ? ' · ' + g.desc : ''}`);
            if (lines.length === 0) lines.push(prefix === undefined ? 'No public groups yet: /create GROUP makes one.' : `No public group starts with "${prefix}".`);
            if (r.next !== undefined) lines.push('', `… more: narrow it with /list PREFIX`);
            lines.push('', '/join GROUP joins one.');
            this.dispatch({ t: 'overlay', title: prefix === undefined ? 'Public groups' : `Public groups: ${prefix}…`, lines });
          },
          (err) => this.dispatch({ t: 'notice', text: `/list: ${describeError(err)}`, error: true }),
        );
        return;
      }
      case 'members': {
        const group = command.name ?? openGroup;
        if (!group) return this.dispatch({ t: 'notice', text: '/members: open a group first, or /members GROUP', error: true });
        s.request('group_members', { group }).then(
          (r) => {
            const desc = this.state.groups.find((g) => g.name === r.group)?.desc;
            const lines = r.members.map((m) => `${m.online ? '●' : '○'} ${m.name}${m.role === 'member' ? '' : `  (${m.role})`}`);
            this.dispatch({ t: 'overlay', title: `#${r.group} · ${r.members.length} members`, lines: desc ? [desc, '', ...lines] : lines });
          },
          (err) => this.dispatch({ t: 'notice', text: `/members: ${describeError(err)}`, error: true }),
        );
        return;
      }
    }
  }

  /** Opens the selected result's conversation with that message at the top (a window loaded around it when it is not loaded). */
  openSearchResult(): void {
    const found = this.state.search?.results[this.state.search.selected];
    if (!found) return;
    const key = keyOfMessage(found, this.state.me);
    this.dispatch({ t: 'close_search' });
    this.open(key);
    this.dispatch({ t: 'show_result', key, seq: found.seq });
  }

  /** A moderator's command on the open group; answers the notice to show. */
  private async moderate(s: Session, group: string, c: Extract<Command, { cmd: 'invite' | 'kick' | 'ban' | 'unban' | 'op' | 'deop' | 'topic' | 'private' | 'public' }>): Promise<string> {
    switch (c.cmd) {
      case 'invite': return `Invited ${(await s.request('group_invite', { group, user: c.user })).user} to #${group}.`;
      case 'kick': return `Kicked ${(await s.request('group_kick', { group, user: c.user })).user} from #${group}.`;
      case 'ban': return `Banned ${(await s.request('group_ban', { group, user: c.user })).user} from #${group}.`;
      case 'unban': return `Unbanned ${(await s.request('group_unban', { group, user: c.user })).user} from #${group}.`;
      case 'op': return `${(await s.request('group_role', { group, user: c.user, role: 'admin' })).user} is now an admin of #${group}.`;
      case 'deop': return `${(await s.request('group_role', { group, user: c.user, role: 'member' })).user} is now a member of #${group}.`;
      case 'topic': return `Topic of #${(await s.request('group_topic', { group, desc: c.text })).group} set.`;
      case 'private': case 'public':
        await s.request('group_set', { group, private: c.cmd === 'private' });
        return `#${group} is now ${c.cmd}.`;
      default: {
        const never: never = c;
        return never;
      }
    }
  }

  private sessionOrNotice(): Session | null {
    if (this.session && this.session.state === 'connected') return this.session;
    this.dispatch({ t: 'notice', text: 'Not connected: wait for the connection to come back (Ctrl-R retries now).', error: true });
    return null;
  }

  private send(text: string, restore: () => void, replyTo?: number): void {
    const key = this.state.open;
    if (!key) {
      this.dispatch({ t: 'notice', text: 'Open a conversation first: Tab to the list, pick one, Enter.', error: true });
      return restore();
    }
    const s = this.sessionOrNotice();
    if (!s) return restore();
    const conv = this.state.conversations[key];
    const name = key.slice(1);
    const target = key.startsWith('#') ? { group: name } : { to: name };
    // Shown as pending, under its client_msg_id, until the server answers: across a reconnect
    // it is sent again with that id, never re-typed under a new one.
    // The names the text mentions (completed with Tab or typed out): names may hold spaces, so
    // they travel in `mentions`, and the server keeps the members among them.
    const mentions = mentionedNames(text, mentionable(this.state, key)).slice(0, MENTIONS_MAX);
    const { clientMsgId, done } = sendMessage(s, target, text, undefined, { replyTo, mentions });
    this.dispatch({ t: 'sending', key, pending: { clientMsgId, text } });
    if (this.state.scroll !== null) this.dispatch({ t: 'scroll', to: null });
    done.then(
      (r) => {
        const message: MessageView = { conversation: r.conversation, seq: r.seq, from: this.state.me, ...target, text, ts: r.ts, client_msg_id: clientMsgId };
        if (mentions.length > 0) message.mentions = mentions;
        if (!key.startsWith('#')) message.to = conv?.name ?? name;
        const quoted = replyTo === undefined ? undefined : this.state.conversations[key]?.messages.find((m) => m.seq === replyTo);
        if (replyTo !== undefined) {
          message.reply_to = quoted?.deleted || !quoted
            ? { seq: replyTo, from: quoted?.from ?? '', excerpt: '', ...(quoted?.deleted ? { deleted: true as const } : {}) }
            : { seq: replyTo, from: quoted.from, excerpt: [...quoted.text.replace(/\s+/g, ' ').trim()].slice(0, 80).join('') };
        }
        this.dispatch({ t: 'message', message });
      },
      (err) => {
        this.dispatch({ t: 'send_failed', key, clientMsgId });
        this.dispatch({ t: 'notice', text: `${outcomeUnknown(err) ? 'Not confirmed' : 'Not sent'}: ${describeError(err)}`, error: true });
        restore();
      },
    );
  }

  retryNow(): void {
    this.session?.retryNow();
  }

  quit(): void {
    if (this.quitting) return;
    this.quitting = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    const session = this.session;
    const done = () => this.options.exit(0);
    if (!session) return done();
    // Logging out revokes the token; a hung server must not keep the terminal.
    const timer = setTimeout(done, 2000);
    session.close().finally(() => {
      clearTimeout(timer);
      done();
    });
  }
}

/** Whom a message in conversation `key` can mention: the group's members as known (else my friends, whom the server filters), or the peer. */
function mentionable(s: State, key: string): string[] {
  if (!key.startsWith('#')) return [key.slice(1)];
  const names = namesOf(s);
  return names.members.length > 0 ? [...names.members] : [...names.friends];
}

function targetOf(conv: Conversation): { group: string } | { with: string } {
  return conv.kind === 'group' ? { group: conv.name } : { with: conv.name };
}

function stateDetail(info: StateInfo): string {
  if (info.state === 'reconnecting') {
    const secs = Math.max(1, Math.round((info.retryInMs ?? 0) / 1000));
    return info.attempt === 0 ? 'retrying' : `attempt ${info.attempt + 1}, next in ${secs}s`;
  }
  if (info.state === 'offline' && info.error) return describeError(info.error);
  return '';
}
