import { Session } from '../client/session.ts';
import { ChatError } from '../protocol/errors.ts';
import type { MessageView } from '../protocol/messages.ts';
import type { CommandEnv } from './commands.ts';
import { EXIT } from './errors.ts';
import { safe } from './output.ts';
import { clientTls, requireCredentials } from './session.ts';

export interface ListenArgs {
  count?: number | undefined;
  timeoutSeconds?: number | undefined;
}

/** How long the end of a listen waits for a reconnect to deliver its last acks. */
const FINAL_ACK_WAIT_MS = 10_000;

/**
 * Prints the backlog (everything after the delivered cursor), then live messages from
 * others, and their edits, deletions and reactions as lines of their own type, and acks exactly what it printed, so the next listen starts right after it.
 * Resolves to the exit code: 4 when --count was not reached before --timeout.
 *
 * It runs on the reconnecting Session (lib/client/session.ts), like the terminal UI: when its
 * connection drops (its node died, say) it reconnects with backoff and jitter, resumes with its
 * token and syncs from the last message it printed, so every message is printed exactly once.
 */
export async function listen({ target, creds, out }: CommandEnv, args: ListenArgs): Promise<number> {
  const { user, password } = requireCredentials(creds);
  // Acks are ours to send: only what was printed, never a message past --count.
  const session = new Session({ host: target.host, port: target.port, ack: false, clientOptions: { tls: clientTls(target) } });
  let printed = 0;
  let finish!: (outcome: number | Error) => void;
  const done = new Promise<number | Error>((resolve) => (finish = resolve));
  const reached = () => args.count !== undefined && printed >= args.count;
  /** the highest printed seq per conversation, and what the server has confirmed */
  const printedUpTo = new Map<string, number>();
  const ackedUpTo = new Map<string, number>();

  const sendAcks = async (): Promise<void> => {
    await Promise.all(
      [...printedUpTo].map(async ([conversation, seq]) => {
        if ((ackedUpTo.get(conversation) ?? 0) >= seq) return;
        try {
          const r = await session.request('ack', { conversation, seq });
          ackedUpTo.set(conversation, Math.max(ackedUpTo.get(conversation) ?? 0, r.delivered));
        } catch (err) {
          // Disconnected: sent again on the next connection (the `ready` below).
          if (!(err instanceof ChatError && (err.code === 'CHAT_ERR_DISCONNECTED' || err.code === 'CHAT_ERR_TIMEOUT'))) throw err;
        }
      }),
    );
  };
  const allAcked = () => [...printedUpTo].every(([c, s]) => (ackedUpTo.get(c) ?? 0) >= s);

  session.on('message', (m: MessageView) => {
    if (reached() || m.from === user) return; // own messages (from other terminals) are not news
    out.message(m);
    // --count counts messages; edits, deletions and reactions are printed (and acked) but not counted
    if (m.kind === undefined || m.kind === 'message') printed++;
    printedUpTo.set(m.conversation, Math.max(printedUpTo.get(m.conversation) ?? 0, m.seq));
    sendAcks().catch(finish);
    if (reached()) finish(EXIT.ok);
  });
  session.on('push', (frame) => {
    // A receipt is news to a script watching its sent messages; it is not a message for --count.
    if (frame.type === 'receipt') out.emit({ ...frame }, `${safe(frame.from)} read up to #${frame.read}`);
  });
  session.on('ready', (resumed) => {
    if (resumed) sendAcks().catch(finish);
  });
  session.on('state', (info) => {
    // Gave up (the account is gone, or the password changed): nothing more can come.
    if (info.state === 'offline' && info.error) finish(info.error);
  });

  const timer =
    args.timeoutSeconds === undefined
      ? null
      : setTimeout(() => finish(args.count === undefined ? EXIT.ok : EXIT.listenTimeout), args.timeoutSeconds * 1000);
  try {
    await session.login(user, password);
    if (args.count === 0) finish(EXIT.ok);
    const outcome = await done;
    if (outcome instanceof Error) throw outcome;
    // What was printed is acked before we exit, across a reconnect if one is under way.
    const deadline = Date.now() + FINAL_ACK_WAIT_MS;
    for (;;) {
      await sendAcks();
      if (allAcked() || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return outcome;
  } finally {
    if (timer) clearTimeout(timer);
    await session.close();
  }
}
