// One outgoing message, from the moment it is written until the server answers for it. Its
// client_msg_id is made once, here, and every retry carries it. A connection that drops before
// the reply leaves the outcome unknown (the message may be stored and only its reply lost), so
// the message goes again, with the same id, on the session's next connection: the server stores
// it once and answers the retry with `duplicate:true` and the original seq. The TUI and
// `chat send` both send through here.
import { ChatError } from '../protocol/errors.ts';
import type { RequestOf, Results } from '../protocol/messages.ts';
import { newClientMsgId } from './client-msg-id.ts';
import type { Session } from './session.ts';

export type SendTarget = { to: string } | { group: string };

/** What sending needs of a session; Session is one. */
export type SendingSession = Pick<Session, 'state' | 'request' | 'on'>;

export interface Outgoing<T extends WriteType = 'send'> {
  readonly clientMsgId: string;
  /**
   * The server's answer. Rejects with the server's refusal (then nothing was stored), or, when
   * the session ends before an answer came, with why (then the outcome is unknown: see
   * `outcomeUnknown`).
   */
  readonly done: Promise<Results[T]>;
}

/** The requests that store something and carry a client_msg_id, so a retry is applied once. */
export type WriteType = 'send' | 'edit' | 'delete' | 'react';

/** True when the request may or may not have reached the server: only a retry with the same id can tell. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof ChatError && (err.code === 'CHAT_ERR_DISCONNECTED' || err.code === 'CHAT_ERR_TIMEOUT' || err.code === 'CHAT_ERR_CONNECT');
}

/**
 * Sends `text`, and sends it again with the same client_msg_id after every reconnect until the
 * server answers. Several messages waiting for a connection go out in the order they were made.
 */
export function sendMessage(
  session: SendingSession, target: SendTarget, text: string, clientMsgId: string = newClientMsgId(), options: SendOptions = {},
): Outgoing {
  const { replyTo, mentions } = options;
  return writeWithRetry(session, 'send', {
    ...target, text, ...(replyTo === undefined ? {} : { reply_to: replyTo }), ...(mentions === undefined || mentions.length === 0 ? {} : { mentions: [...mentions] }),
  }, clientMsgId);
}

export interface SendOptions {
  /** answer the message with this seq */
  replyTo?: number | undefined;
  /** the names the message mentions (names may hold spaces, so they are listed, not parsed from the text); the server keeps the members */
  mentions?: readonly string[] | undefined;
}

/**
 * Any write (send, edit, delete, react) with sendMessage's guarantee: one client_msg_id made
 * here, sent again after every reconnect until the server answers, so it is applied once.
 */
export function writeWithRetry<T extends WriteType>(
  session: SendingSession, type: T, fields: Omit<RequestOf<T>, 'client_msg_id'>, clientMsgId: string = newClientMsgId(),
): Outgoing<T> {
  const body = { ...fields, client_msg_id: clientMsgId } as RequestOf<T>;
  const done = (async (): Promise<Results[T]> => {
    for (;;) {
      if (session.state !== 'connected') await nextConnection(session);
      try {
        return await session.request(type, body);
      } catch (err) {
        if (!outcomeUnknown(err)) throw err;
        // A reply that timed out on a connection still up is asked for again on it; a dropped
        // connection is waited out (the session is reconnecting, or gives up and says so).
        if (!(err instanceof ChatError && err.code === 'CHAT_ERR_TIMEOUT' && session.state === 'connected')) await nextConnection(session);
      }
    }
  })();
  return { clientMsgId, done };
}

/** Resolves when the session is logged in on a new connection; rejects when it goes offline (closed, or gave up). */
function nextConnection(session: SendingSession): Promise<void> {
  if (session.state === 'offline') return Promise.reject(new ChatError('CHAT_ERR_DISCONNECTED', 'the session is closed'));
  return new Promise((resolve, reject) => {
    const offReady = session.on('ready', () => {
      off();
      resolve();
    });
    const offState = session.on('state', (info) => {
      if (info.state !== 'offline') return;
      off();
      reject(info.error instanceof ChatError ? info.error : new ChatError('CHAT_ERR_DISCONNECTED', info.error?.message ?? 'the session is closed'));
    });
    const off = () => {
      offReady();
      offState();
    };
  });
}
