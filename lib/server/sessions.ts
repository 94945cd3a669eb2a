import type { BusEvent } from '../bus/bus.ts';
import { hiddenPush, hiddenQuotePush } from '../protocol/frames.ts';
import type { ServerSession } from './session.ts';

/** Who is logged in on this node: a user may have many sessions, and each gets every push. */
export class Sessions {
  private byUser = new Map<number, Set<ServerSession>>();
  private count = 0;

  add(userId: number, session: ServerSession): void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    if (set.has(session)) return;
    set.add(session);
    this.count++;
  }

  remove(userId: number, session: ServerSession): void {
    const set = this.byUser.get(userId);
    if (!set?.delete(session)) return;
    this.count--;
    if (set.size === 0) this.byUser.delete(userId);
  }

  /**
   * Writes a bus event's frame to every local session of its users; returns how many. An event
   * that closes sessions (BusEvent.close) ends each one it reaches after its frame.
   */
  deliver(event: BusEvent): number {
    let sent = 0;
    const close = event.close;
    const { sender, block } = event;
    /** built once, for the first session that blocked the sender */
    let hidden: string | null = null;
    let quoteHidden: string | null = null;
    const { quoted } = event;
    for (const userId of event.users) {
      const set = this.byUser.get(userId);
      if (!set) continue;
      for (const session of close ? [...set] : set) {
        // Every session of the user, the one that made the change too: it is the set that is
        // updated here, not only what is sent.
        if (block !== undefined) session.user?.blocked?.[block.blocked ? 'add' : 'delete'](block.id);
        if (session.id === event.exceptConn) continue;
        if (close) {
          if (close.tokens && !close.tokens.includes(session.user?.tokenHash ?? '')) continue;
          session.end(event.frame);
        } else if (sender !== undefined && (session.user?.blocked?.size ?? 0) > 0 && session.user!.blocked!.has(sender)) {
          if (event.blockedGet === 'nothing') continue;
          session.send((hidden ??= hiddenPush(event.frame)));
        } else if (quoted !== undefined && (session.user?.blocked?.size ?? 0) > 0 && session.user!.blocked!.has(quoted)) {
          session.send((quoteHidden ??= hiddenQuotePush(event.frame)));
        } else {
          session.send(event.frame);
        }
        sent++;
      }
    }
    return sent;
  }

  /** The local sessions of one user (a copy: closing them changes the table). */
  of(userId: number): ServerSession[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** every signed-in session */
  *all(): IterableIterator<ServerSession> {
    for (const set of this.byUser.values()) yield* set;
  }

  get userCount(): number {
    return this.byUser.size;
  }

  /** signed-in sessions */
  get size(): number {
    return this.count;
  }
}
