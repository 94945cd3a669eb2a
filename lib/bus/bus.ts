// The bus only wakes sessions up: storage is the truth. A lost event is repaired by the
// client's next sync, so implementations may be fire-and-forget.

export interface BusEvent {
  /** users whose sessions should receive the frame */
  users: readonly number[];
  /** one encoded push line, shared by every recipient session */
  frame: string;
  /** the connection that caused it (`node:conn`), which already has the result */
  exceptConn?: string;
  /**
   * The frame is the server's last word (an error frame with id null): each recipient session is
   * closed after it, only those holding one of `tokens` (resume token hashes) when given.
   */
  close?: { tokens?: readonly string[] | undefined } | undefined;
  /**
   * The user whose entry the frame is (a message or an event): a recipient session that blocked
   * them gets a placeholder instead (hiddenPush in lib/protocol/frames.ts).
   */
  sender?: number | undefined;
  /** What a session that blocked `sender` gets: the placeholder (default), or nothing (typing). */
  blockedGet?: 'placeholder' | 'nothing' | undefined;
  /** A reply's quoted message is by this user: a session that blocked them gets the frame with hiddenQuotePush. */
  quoted?: number | undefined;
  /** A block (true) or unblock (false) of user `id` by the recipients: their sessions' blocked sets change before the frame goes out. */
  block?: { id: number; blocked: boolean } | undefined;
}

export interface Bus {
  publish(event: BusEvent): void;
  subscribe(handler: (event: BusEvent) => void): void;
  /** Counts a session; true when the user just came online. A rejection has counted nothing. */
  sessionOpened(userId: number): Promise<boolean>;
  /** Uncounts a session; true when the user just went offline. */
  sessionClosed(userId: number): Promise<boolean>;
  onlineAmong(userIds: number[]): Promise<Set<number>>;
  /**
   * Called when wake-ups may have been lost (a cluster bus reconnected to Redis, or another node
   * did): the server then re-syncs its sessions from storage. Optional: LocalBus never loses any.
   */
  onResync?(handler: () => void | Promise<void>): void;
  close(): Promise<void>;
}
