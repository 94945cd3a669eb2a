// How a mysql2 error is classified decides what MysqlStore does with it: replace the
// connection, retry, or hand the client a stable code.
import { ChatError } from '../protocol/errors.ts';

interface MysqlError {
  code?: string;
  errno?: number;
  fatal?: boolean;
  message?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
]);

/** The connection is unusable (or could not be made): it must be destroyed, not reused. */
export function isConnectionError(err: unknown): boolean {
  const e = err as MysqlError | null;
  if (!e || typeof e !== 'object') return false;
  return e.fatal === true || (e.code !== undefined && CONNECTION_CODES.has(e.code)) || neverSent(err);
}

/**
 * mysql2 refuses a command on a connection it already knows is closed. The command never left
 * the process, so even a non-idempotent write can be retried on another connection.
 */
export function neverSent(err: unknown): boolean {
  const message = (err as MysqlError | null)?.message;
  return typeof message === 'string' && message.includes("Can't add new command when connection is in closed state");
}

/** Deadlock or lock wait timeout: the transaction did not take effect and may be re-run. */
export function isLockConflict(err: unknown): boolean {
  const errno = (err as MysqlError | null)?.errno;
  return errno === 1213 || errno === 1205;
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as MysqlError | null)?.errno === 1062;
}

/** "Too many connections": the server is up but full, which is contention, not an outage. */
export function isServerFull(err: unknown): boolean {
  return (err as MysqlError | null)?.errno === 1040;
}

/** What a failure that survived the retry policy looks like to a client. */
export function toStoreError(err: unknown): Error {
  if (err instanceof ChatError) return err;
  if (isConnectionError(err)) return new ChatError('CHAT_ERR_DB_UNAVAILABLE');
  if (isLockConflict(err) || isServerFull(err)) return new ChatError('CHAT_ERR_DB_BUSY');
  return err instanceof Error ? err : new Error(String(err));
}
