import type { Bus, BusEvent } from './bus.ts';

/** The embedded default: one process, so delivery and presence are plain in-memory calls. */
export class LocalBus implements Bus {
  private handlers: ((event: BusEvent) => void)[] = [];
  private sessions = new Map<number, number>();

  publish(event: BusEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: (event: BusEvent) => void): void {
    this.handlers.push(handler);
  }

  async sessionOpened(userId: number): Promise<boolean> {
    const count = (this.sessions.get(userId) ?? 0) + 1;
    this.sessions.set(userId, count);
    return count === 1;
  }

  async sessionClosed(userId: number): Promise<boolean> {
    const count = (this.sessions.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.sessions.set(userId, count);
      return false;
    }
    return this.sessions.delete(userId);
  }

  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    return new Set(userIds.filter((id) => this.sessions.has(id)));
  }

  async close(): Promise<void> {
    this.handlers = [];
  }
}
