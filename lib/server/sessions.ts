import type { BusEvent } from '../bus/bus.ts';
import type { Connection } from './connection.ts';

/** Who is logged in on this node: a user may have many sessions, and each gets every push. */
export class Sessions {
  private byUser = new Map<number, Set<Connection>>();

  add(userId: number, conn: Connection): void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(conn);
  }

  remove(userId: number, conn: Connection): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.byUser.delete(userId);
  }

  /** Writes a bus event's frame to every local session of its users; returns how many. */
  deliver(event: BusEvent): number {
    let sent = 0;
    for (const userId of event.users) {
      const set = this.byUser.get(userId);
      if (!set) continue;
      for (const conn of set) {
        if (conn.id === event.exceptConn) continue;
        conn.send(event.frame);
        sent++;
      }
    }
    return sent;
  }

  get userCount(): number {
    return this.byUser.size;
  }
}
