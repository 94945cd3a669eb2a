/**
 * A session's blocked users. Sessions (the bus) adds and deletes as blocks and unblocks arrive;
 * login fills it from the store once the session is registered. `fill` keeps out an id that an
 * unblock deleted while that read ran, which a plain add of the read's rows would put back.
 */
export class BlockedSet extends Set<number> {
  private readonly deletedSinceCreated = new Set<number>();

  override delete(id: number): boolean {
    this.deletedSinceCreated.add(id);
    return super.delete(id);
  }

  override add(id: number): this {
    this.deletedSinceCreated?.delete(id); // undefined while Set's constructor runs
    return super.add(id);
  }

  /** The store's rows, read after the session was registered, merged with what arrived meanwhile. */
  fill(ids: Iterable<number>): void {
    for (const id of ids) if (!this.deletedSinceCreated.has(id)) super.add(id);
  }
}
