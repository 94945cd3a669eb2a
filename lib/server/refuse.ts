import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '../protocol/errors.ts';
import { errorFrame } from '../protocol/frames.ts';

/** Sends a connection that is not served its one error frame, and closes it. */
export function refuse(socket: Socket, code: ErrorCode, message: string = ERROR_CODES[code]): void {
  socket.on('error', () => {}); // a peer that resets meanwhile is not a server error
  socket.end(errorFrame(null, code, message));
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 2000).unref();
}
