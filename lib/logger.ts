import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stderr, so stdout stays free for command output. Passwords never reach a log call. */
export function createLogger(level: string, nodeId?: string): Logger {
  return pino(
    { level, base: nodeId ? { node: nodeId } : {}, redact: ['password', '*.password', 'token', '*.token'] },
    pino.destination({ dest: 2, sync: true }),
  );
}
