// Messages between the bench runner and its load-generator workers (child_process IPC).

/** chat: `chat serve`; relay: the naive relay (bench/relay.ts); persist: the bare persisting relay (bench/persist-relay.ts) */
export type TargetKind = 'chat' | 'relay' | 'persist';

export interface Target {
  kind: TargetKind;
  host: string;
  port: number;
}

export interface Account {
  name: string;
  token: string;
  password?: string;
}

/** One sender, where it sends, and the receiver in the same worker that paces it. */
export interface FlowSpec {
  /** global sender index, carried in every message text */
  index: number;
  sender: Account;
  /** chat: "to" a user or a "group"; relay: the peer name or #group */
  to: { to: string } | { group: string };
  /** the account, in this worker, whose receipts open the window */
  probe: string;
}

export interface ReceiverSpec {
  account: Account;
  /** relay only: where this connection's (unused) lines would go */
  relayTarget: string;
  /** sender indices whose every message this receiver must get */
  from: number[];
}

export type ToWorker =
  /** receiverTarget: where the receivers connect (a cluster's other node); the senders use target */
  | { cmd: 'setup'; target: Target; receiverTarget?: Target; flows: FlowSpec[]; receivers: ReceiverSpec[]; localAddresses: string[]; textBytes: number; clientIds: boolean; acks: boolean }
  | { cmd: 'reset'; runId: number }
  | { cmd: 'run'; runId: number; durationMs: number; window: number; drainMs: number }
  | { cmd: 'collect'; runId: number; expected: Record<number, number>; timeoutMs: number }
  | { cmd: 'connect'; target: Target; accounts: Account[]; localAddresses: string[]; concurrency: number; auth: 'token' | 'password' | 'relay' }
  | { cmd: 'close' };

export interface ReceiveStats {
  /** deliveries counted this run, over every receiver in the worker */
  deliveries: number;
  /** distinct messages per sender index, summed over receivers, since setup */
  distinct: Record<number, number>;
  duplicated: number;
  reordered: number;
  /** epoch ms of the last delivery this run */
  lastDeliveryAt: number;
  hist: Record<number, number>;
  maxUs: number;
}

export type FromWorker =
  | { ev: 'ready'; connected: number; failed: number; error?: string }
  | { ev: 'reset'; runId: number }
  /** last: per sender index, its conversation and the seq of its last acked send (chat only) */
  | { ev: 'stopped'; runId: number; sent: Record<number, number>; acked: Record<number, number>; last: Record<number, { conversation: string; seq: number }>; errors: string[] }
  /** cursors: per receiver name, per conversation, the delivered cursor its last ack reply answered */
  | { ev: 'collected'; runId: number; stats: ReceiveStats; drained: boolean; cursors: Record<string, Record<string, number>>; errors: string[] }
  | { ev: 'connected'; ok: number; failed: number; firstAt: number; lastAt: number; errors: string[] }
  | { ev: 'closed' }
  | { ev: 'fatal'; error: string };
