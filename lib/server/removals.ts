import type { Store } from '../db/store.ts';

/**
 * The node's removals from groups (kick, ban, leave), so that a push can tell whether the member
 * list it read before its commit may have lost someone since. A group message reads its
 * recipients when it is queued, and commits a batch later: a kick that commits in between would
 * otherwise still reach the kicked user with that message, after their `group_event`.
 *
 * A message takes a mark() before it reads its member list. At push time, stale(mark) is false
 * unless a removal started on this node since (or is still under way); only then is the list
 * read again, after the removals under way have finished, and the push goes to the members that
 * are in both lists. The common path costs one integer read at queueing and two at push time.
 *
 * Node-local: a removal on another node of a cluster is not seen here (see docs/protocol.md).
 */
export class Removals {
  /** removals finished on this node */
  private finished = 0;
  private readonly running = new Set<Promise<unknown>>();

  mark(): number {
    return this.finished;
  }

  /** A removal may have committed since `mark` was taken. */
  stale(mark: number): boolean {
    return this.running.size > 0 || this.finished !== mark;
  }

  /** Runs a removal (the store call that ends a membership), counted from its start to its end. */
  track<T>(removal: Promise<T>): Promise<T> {
    const settled = removal.then(() => {}, () => {});
    this.running.add(settled);
    void settled.then(() => {
      this.finished++;
      this.running.delete(settled);
    });
    return removal;
  }

  /**
   * The recipients still members once the removals under way have finished: `recipients` (read
   * before the commit) less those the conversation's member list no longer has.
   */
  async stillMembers(store: Pick<Store, 'memberIds'>, conversationId: number, recipients: readonly number[]): Promise<number[]> {
    if (this.running.size > 0) await Promise.all([...this.running]);
    const now = new Set(await store.memberIds(conversationId));
    return recipients.filter((id) => now.has(id));
  }
}
