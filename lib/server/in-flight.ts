/**
 * Work a server starts and does not wait for (a closed session's sign-out: its presence
 * withdrawal and the end of its token's hold), which stop() must let finish before it closes
 * the bus and the store it runs on.
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Runs `work` to its end; its failure is the caller's to have handled. */
  track(work: Promise<unknown>): void {
    const settled = work.then(() => undefined, () => undefined).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  /** Resolves once everything tracked so far, and whatever that started meanwhile, has ended. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
