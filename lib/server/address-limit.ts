/** Open connections per client address, so one host cannot take every file descriptor. */
export class AddressLimit {
  private open = new Map<string, number>();

  /** @param max 0 turns the limit off */
  constructor(private readonly max: number) {}

  tryAdd(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(address, n + 1);
    return true;
  }

  remove(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }
}
