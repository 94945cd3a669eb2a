import type { MessageView, RequestOf, Results } from '../protocol/messages.ts';

/** The part of ChatClient the stream needs, so tests can drive it with a fake. */
export interface SyncSource {
  request(type: 'sync', body: RequestOf<'sync'>): Promise<Results['sync']>;
  request(type: 'conversations', body: RequestOf<'conversations'>): Promise<Results['conversations']>;
}

interface ConversationState {
  /** highest seq handed out; undefined until the server told us where this conversation starts */
  last: number | undefined;
  filling: boolean;
  held: MessageView[];
}

const MAX_FILL_PAGES = 10_000;

/**
 * Turns the login backlog plus live pushes into one stream with no duplicates and no gaps,
 * in seq order per conversation. A push we already handed out is dropped; a push that skips
 * ahead (7 after 5) is held while the gap is fetched with `sync`, never skipped.
 */
export class MessageStream {
  private states = new Map<string, ConversationState>();
  private started = false;
  private early: MessageView[] = [];

  constructor(
    private readonly source: SyncSource,
    private readonly emit: (message: MessageView) => void,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** Loads cursors and hands out every message after each delivered cursor, one conversation at a time. */
  async start(): Promise<void> {
    const { conversations } = await this.source.request('conversations', {});
    for (const c of conversations) this.states.set(c.conversation, { last: c.delivered, filling: false, held: [] });
    for (const c of conversations) if (c.last_seq > c.delivered) await this.fill(c.conversation);
    this.started = true;
    const early = this.early;
    this.early = [];
    for (const m of early) this.push(m);
  }

  /** Feeds one live message push. */
  push(message: MessageView): void {
    if (!this.started) {
      this.early.push(message);
      return;
    }
    const state = this.state(message.conversation);
    if (state.filling || state.last === undefined) {
      state.held.push(message);
      if (!state.filling) void this.fill(message.conversation).catch(this.onError);
      return;
    }
    if (message.seq <= state.last) return;
    if (message.seq === state.last + 1) {
      state.last = message.seq;
      this.emit(message);
      // Pushes still held from a fill that failed may follow on from this one.
      if (state.held.length > 0) void this.fill(message.conversation).catch(this.onError);
      return;
    }
    state.held.push(message);
    void this.fill(message.conversation).catch(this.onError);
  }

  /** The last seq handed out per conversation. */
  positions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, s] of this.states) if (s.last !== undefined) out.set(id, s.last);
    return out;
  }

  private state(conversation: string): ConversationState {
    let state = this.states.get(conversation);
    if (!state) this.states.set(conversation, (state = { last: undefined, filling: false, held: [] }));
    return state;
  }

  private async fill(conversation: string): Promise<void> {
    const state = this.state(conversation);
    if (state.filling) return;
    state.filling = true;
    try {
      for (let page = 0; page < MAX_FILL_PAGES; page++) {
        // Without a known position the server starts from our delivered cursor.
        const body = state.last === undefined ? { conversation } : { conversation, after: state.last };
        const { messages, more } = await this.source.request('sync', body);
        const before = state.last;
        for (const m of messages) {
          if (state.last === undefined || m.seq > state.last) {
            state.last = m.seq;
            this.emit(m);
          }
        }
        if (more && state.last !== before) continue;
        // Held pushes that the sync did not cover are at or below the delivered cursor.
        const held = state.held.sort((a, b) => a.seq - b.seq);
        state.held = [];
        if (state.last === undefined && held.length > 0) state.last = held[held.length - 1]!.seq;
        let gap = false;
        for (const m of held) {
          if (m.seq <= state.last!) continue;
          if (m.seq === state.last! + 1) {
            state.last = m.seq;
            this.emit(m);
          } else {
            state.held.push(m);
            gap = true;
          }
        }
        // A page that moved nothing forward will not be followed by one that does: the server
        // does not have what the held pushes skip over. Keep them held for the next fill
        // instead of asking again up to MAX_FILL_PAGES times.
        if (!gap || state.last === before) break;
      }
    } finally {
      state.filling = false;
    }
  }
}
