import { ChatError } from '../protocol/errors.ts';

/** Exit codes are part of the CLI contract (README). */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, listenTimeout: 4 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ChatError) {
    if (err.code === 'CHAT_ERR_CONFIG') return EXIT.usage;
    if (err.code === 'CHAT_ERR_CONNECT') return EXIT.unreachable;
    return EXIT.refused;
  }
  return EXIT.refused;
}

/**
 * For the commands that open the database themselves (`chat admin`, `chat db`), an unreachable
 * database is what an unreachable server is to the client commands: exit 3. (`chat serve` keeps
 * exiting 1 when its database is unreachable at start.)
 */
export function exitCodeForDbCommand(err: unknown): number {
  if (err instanceof ChatError && err.code === 'CHAT_ERR_DB_UNAVAILABLE') return EXIT.unreachable;
  return exitCodeFor(err);
}

/** One line on stderr: the stable code first, so scripts can match it. */
export function describe(err: unknown): string {
  if (err instanceof ChatError) return `${err.code}: ${err.message}`;
  if (err instanceof UsageError) return `usage: ${err.message}`;
  return `error: ${(err as Error)?.message ?? String(err)}`;
}
