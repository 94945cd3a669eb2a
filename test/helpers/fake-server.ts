// Fake connections for unit tests of the client side (Session, sendMessage, the TUI controller):
// one conversation `c1` between `me` and `bob`, kept by a FakeServer that every FakeClient of a
// test shares, so a reconnect finds what the last connection left.
import type { SessionClient } from '../../lib/client/session.ts';
import type { ClientOptions } from '../../lib/client/client.ts';
import { ChatError } from '../../lib/protocol/errors.ts';
import type { MessageView, PushFrame } from '../../lib/protocol/messages.ts';

/** The server side the fake connections share: messages, cursors, valid tokens. */
export class FakeServer {
  messages: MessageView[] = [];
  delivered = 0;
  tokens = new Set<string>();
  password = 'pw-123456';
  up = true;
  connects = 0;
  requests: { type: string; body: any }[] = [];
  clients: FakeClient[] = [];
  nextToken = 1;
  /** the next `send` is stored, then its connection drops before the reply: the ack is lost */
  loseNextAck = false;
  /** the next `send` is refused with this code, and nothing is stored */
  refuseNextSend: string | null = null;

  add(text: string, from = 'bob', clientMsgId?: string): MessageView {
    const to = from === 'me' ? 'bob' : 'me';
    const m: MessageView = { conversation: 'c1', seq: this.messages.length + 1, from, to, text, ts: new Date().toISOString() };
    if (clientMsgId !== undefined) m.client_msg_id = clientMsgId;
    this.messages.push(m);
    return m;
  }

  /** The `connect` option of a Session: a new FakeClient, or CHAT_ERR_CONNECT while `up` is false. */
  readonly connect = async (_options?: ClientOptions): Promise<FakeClient> => {
    this.connects++;
    if (!this.up) throw new ChatError('CHAT_ERR_CONNECT');
    const c = new FakeClient(this);
    this.clients.push(c);
    return c;
  };
}

export class FakeClient implements SessionClient {
  private pushes = new Set<(f: PushFrame) => void>();
  private closes = new Set<(e?: Error) => void>();
  closed = false;
  constructor(private server: FakeServer) {}
  async request(type: string, body: any): Promise<any> {
    if (this.closed) throw new ChatError('CHAT_ERR_DISCONNECTED');
    const s = this.server;
    s.requests.push({ type, body });
    await Promise.resolve();
    const result = this.answer(type, body);
    // a request written before its connection dropped may have been done, but its reply is lost
    if (this.closed) throw new ChatError('CHAT_ERR_DISCONNECTED');
    return result;
  }
  private answer(type: string, body: any): any {
    const s = this.server;
    switch (type) {
      case 'login': {
        if ('token' in body) {
          if (!s.tokens.has(body.token)) throw new ChatError('CHAT_ERR_TOKEN_INVALID');
        } else if (body.password !== s.password) {
          throw new ChatError('CHAT_ERR_AUTH_FAILED');
        }
        const token = 'token' in body ? body.token : `t${s.nextToken++}`;
        s.tokens.add(token);
        return { user_id: 1, user: 'me', token, token_expires: '' };
      }
      case 'conversations': {
        const last = s.messages.length;
        return { conversations: [{ conversation: 'c1', with: 'bob', delivered: s.delivered, read: 0, last_seq: last, unread: 0 }] };
      }
      case 'sync': {
        const after = body.after ?? s.delivered;
        const limit = 2; // small pages, so paging is exercised
        const rest = s.messages.filter((m) => m.seq > after);
        return { conversation: 'c1', messages: rest.slice(0, limit), more: rest.length > limit };
      }
      case 'ack':
        s.delivered = Math.max(s.delivered, body.seq);
        return { conversation: body.conversation, delivered: s.delivered };
      case 'send': {
        if (s.refuseNextSend) {
          const code = s.refuseNextSend;
          s.refuseNextSend = null;
          throw new ChatError(code as any);
        }
        const earlier = s.messages.find((m) => m.from === 'me' && m.client_msg_id === body.client_msg_id);
        const m = earlier ?? s.add(body.text, 'me', body.client_msg_id);
        if (s.loseNextAck) {
          s.loseNextAck = false;
          this.destroy();
        }
        return { conversation: m.conversation, seq: m.seq, ts: m.ts, duplicate: earlier !== undefined };
      }
      case 'friends':
        return { friends: [{ name: 'bob', online: true }], requests: [] };
      case 'groups':
        return { groups: [] };
      case 'history':
        return { conversation: 'c1', messages: s.messages.filter((m) => body.before === undefined || m.seq < body.before).slice(-(body.limit ?? 50)) };
      case 'read':
        return { conversation: body.conversation, read: body.seq };
      default:
        return {};
    }
  }
  onPush(l: (f: PushFrame) => void) {
    this.pushes.add(l);
    return () => this.pushes.delete(l);
  }
  onClose(l: (e?: Error) => void) {
    this.closes.add(l);
    return () => this.closes.delete(l);
  }
  push(f: PushFrame) {
    for (const l of this.pushes) l(f);
  }
  async close() {
    this.destroy();
  }
  destroy() {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => {
      for (const l of this.closes) l();
    });
  }
}

/** Waits until `predicate` holds, polling; fails after `ms`. */
export async function until(predicate: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
