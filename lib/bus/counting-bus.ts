import type { Bus, BusEvent } from './bus.ts';

/** A Bus that counts what this node publishes (for metrics) and otherwise passes through. */
export function countingBus(bus: Bus, onPublish: () => void): Bus {
  return {
    publish(event: BusEvent) {
      onPublish();
      bus.publish(event);
    },
    subscribe: (handler) => bus.subscribe(handler),
    sessionOpened: (userId) => bus.sessionOpened(userId),
    sessionClosed: (userId) => bus.sessionClosed(userId),
    onlineAmong: (userIds) => bus.onlineAmong(userIds),
    ...(bus.onResync ? { onResync: (handler: () => void | Promise<void>) => bus.onResync!(handler) } : {}),
    close: () => bus.close(),
  };
}
