import { readFileSync } from 'node:fs';
import { ChatClient, type ClientTls } from '../client/client.ts';
import { Session, type SessionOptions } from '../client/session.ts';
import type { Results } from '../protocol/messages.ts';
import { UsageError } from './errors.ts';

export interface Target {
  host: string;
  port: number;
  /** speak TLS; `ca` is a PEM file to verify the server with (default: the system's roots) */
  tls?: { ca?: string | undefined } | undefined;
}

/** The client's TLS settings for `target`, with the CA file read. */
export function clientTls(target: Target): ClientTls | undefined {
  return target.tls && { ca: target.tls.ca === undefined ? undefined : readFileSync(target.tls.ca) };
}

export function connectTo(target: Target): Promise<ChatClient> {
  return ChatClient.connect({ host: target.host, port: target.port, tls: clientTls(target) });
}

export interface Credentials {
  user?: string | undefined;
  password?: string | undefined;
}

export function requireCredentials(creds: Credentials): { user: string; password: string } {
  if (!creds.user) throw new UsageError('--user (or CHAT_USER) is required');
  if (creds.password === undefined) throw new UsageError('--password, --password-stdin or CHAT_PASSWORD is required');
  return { user: creds.user, password: creds.password };
}

/**
 * Connects, logs in, runs `fn`, then logs out so that one-shot commands leave no resume
 * token behind, also when `fn` fails. The connection is closed whatever happens.
 */
export async function withSession<T>(
  target: Target,
  creds: Credentials,
  fn: (client: ChatClient, me: Results['login']) => Promise<T>,
): Promise<T> {
  const { user, password } = requireCredentials(creds);
  const client = await connectTo(target);
  try {
    const me = await client.request('login', { user, password });
    try {
      return await fn(client, me);
    } finally {
      await client.request('logout', {}).catch(() => {});
    }
  } finally {
    await client.close();
  }
}

/**
 * Like `withSession`, on a Session (lib/client/session.ts) that reconnects when its connection
 * drops, so `fn` can retry across it. Closing logs out, as `withSession` does.
 */
export async function withReconnectingSession<T>(
  target: Target,
  creds: Credentials,
  options: Partial<Omit<SessionOptions, 'host' | 'port'>>,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const { user, password } = requireCredentials(creds);
  const session = new Session({ ...options, host: target.host, port: target.port, clientOptions: { tls: clientTls(target) } });
  try {
    await session.login(user, password);
    return await fn(session);
  } finally {
    await session.close();
  }
}
