import { MessageStream } from '../client/message-stream.ts';
import { ChatError } from '../protocol/errors.ts';
import type { MessageView } from '../protocol/messages.ts';
import type { CommandEnv } from './commands.ts';
import { EXIT } from './errors.ts';
import { withSession } from './session.ts';

export interface ListenArgs {
  count?: number | undefined;
  timeoutSeconds?: number | undefined;
}

/**
 * Prints the backlog (everything after the delivered cursor), then live messages from
 * others, and acks exactly what it printed, so the next listen starts right after it.
 * Resolves to the exit code: 4 when --count was not reached before --timeout.
 */
export async function listen({ target, creds, out }: CommandEnv, args: ListenArgs): Promise<number> {
  return withSession(target, creds, async (client, me) => {
    let printed = 0;
    const acks: Promise<unknown>[] = [];
    let finish!: (outcome: number | Error) => void;
    const done = new Promise<number | Error>((resolve) => (finish = resolve));
    const reached = () => args.count !== undefined && printed >= args.count;

    const onMessage = (m: MessageView) => {
      if (reached() || m.from === me.user) return; // own messages (from other terminals) are not news
      out.message(m);
      printed++;
      acks.push(client.request('ack', { conversation: m.conversation, seq: m.seq }));
      if (reached()) finish(EXIT.ok);
    };
    const stream = new MessageStream(client, onMessage, finish);
    client.onPush((frame) => {
      if (frame.type === 'message') stream.push(frame);
    });
    client.onClose((err) => finish(err ?? new ChatError('CHAT_ERR_DISCONNECTED', 'the server closed the connection')));
    const timer =
      args.timeoutSeconds === undefined
        ? null
        : setTimeout(() => finish(args.count === undefined ? EXIT.ok : EXIT.listenTimeout), args.timeoutSeconds * 1000);
    try {
      await stream.start();
      if (args.count === 0) finish(EXIT.ok);
      const outcome = await done;
      if (outcome instanceof Error) throw outcome;
      await Promise.all(acks);
      return outcome;
    } finally {
      if (timer) clearTimeout(timer);
    }
  });
}
