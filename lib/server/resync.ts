// Re-sync after the bus may have lost wake-ups: every local session is pushed the messages after
// its user's delivered cursor, straight from storage. Clients drop what they already have (by
// seq) and fill any gap with `sync`, so an extra push costs nothing and a missed one is repaired
// without any client change. At most one page per conversation is pushed; a client that is
// further behind catches up through its own gap fill on the next message.
// This is the server's job, not the bus's: the bus only reports that it reconnected (onResync).
import type { Store } from '../db/store.ts';
import { messageViewPush } from '../protocol/frames.ts';
import type { SessionUser } from './connection.ts';
import { messageView } from './handlers/common.ts';

export interface ResyncSession {
  user: SessionUser;
  send(frame: string): void;
}

export const RESYNC_PAGE = 200;

/** Pushes each user's undelivered messages to all of that user's sessions; returns how many frames went out. */
export async function resyncSessions(store: Store, sessions: Iterable<ResyncSession>): Promise<number> {
  const byUser = new Map<number, ResyncSession[]>();
  for (const s of sessions) {
    let list = byUser.get(s.user.id);
    if (!list) byUser.set(s.user.id, (list = []));
    list.push(s);
  }
  let sent = 0;
  for (const list of byUser.values()) {
    const user = list[0]!.user;
    for (const row of await store.conversationsOf(user.id)) {
      if (row.lastSeq <= row.delivered) continue;
      for (const m of await store.messagesAfter(row.conversationId, row.delivered, RESYNC_PAGE)) {
        const frame = messageViewPush(messageView(m, row, user, true));
        for (const s of list) s.send(frame);
        sent += list.length;
      }
    }
  }
  return sent;
}
