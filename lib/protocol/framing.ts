import { isUtf8 } from 'node:buffer';
import type { ErrorCode } from './errors.ts';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;

export type LineSink = (line: string) => void;

/**
 * Splits a byte stream into UTF-8 lines. Pure: it never touches a socket, so it can be fed
 * the same bytes split at every boundary in tests. Lines are decoded only once complete, so
 * a multi-byte character split across reads is never mangled. After a fatal error the
 * decoder stays failed: the caller is expected to close the connection.
 */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failedWith: ErrorCode | null = null;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  get failed(): ErrorCode | null {
    return this.failedWith;
  }

  /** Feeds a chunk; calls onLine for each complete non-empty line. Returns a fatal code, or null. */
  push(chunk: Buffer, onLine: LineSink): ErrorCode | null {
    if (this.failedWith) return this.failedWith;
    // The common case under load: a read that holds only whole lines, none of them too long.
    // One UTF-8 check and one decode for the chunk instead of a Buffer view, a check and a decode
    // per line. Anything else (a partial line, a bad byte) takes the general path below, which
    // reports errors at the exact line.
    if (this.pendingBytes === 0 && chunk.length <= this.maxLineBytes && chunk.length > 0 && chunk[chunk.length - 1] === NEWLINE && isUtf8(chunk)) {
      const text = chunk.toString('utf8');
      let at = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', at)) {
        const end = nl > at && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        if (end > at) onLine(text.slice(at, end));
        at = nl + 1;
      }
      return null;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      let line: Buffer;
      if (this.pendingBytes > 0) {
        if (this.pendingBytes + (nl - start) > this.maxLineBytes + 1) return this.fail('CHAT_ERR_LINE_TOO_LONG');
        this.pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        line = chunk.subarray(start, nl);
      }
      start = nl + 1;
      const err = this.emit(line, onLine);
      if (err) return err;
    }
    const rest = chunk.length - start;
    if (rest > 0) {
      // The +1 tolerates only a trailing CR of a line that is exactly at the limit: once more than
      // maxLineBytes are held and the last of them is not a CR, the line is too long whatever follows.
      const held = this.pendingBytes + rest;
      if (held > this.maxLineBytes + 1 || (held > this.maxLineBytes && chunk[chunk.length - 1] !== CR)) {
        return this.fail('CHAT_ERR_LINE_TOO_LONG');
      }
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += rest;
    }
    return null;
  }

  /** Bytes of an unfinished line held back. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private emit(line: Buffer, onLine: LineSink): ErrorCode | null {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--; // tolerate CRLF from telnet-style clients
    if (end > this.maxLineBytes) return this.fail('CHAT_ERR_LINE_TOO_LONG');
    if (end === 0) return null;
    const body = end === line.length ? line : line.subarray(0, end);
    if (!isUtf8(body)) return this.fail('CHAT_ERR_BAD_UTF8');
    onLine(body.toString('utf8'));
    return null;
  }

  private fail(code: ErrorCode): ErrorCode {
    this.failedWith = code;
    this.pending = [];
    this.pendingBytes = 0;
    return code;
  }
}

/**
 * One frame, one line. JSON.stringify escapes every C0 control character, so a frame never
 * contains a raw \n or \r byte. NEL, U+2028 and U+2029 stay raw (JSON allows them): they are not
 * frame separators, and escaping them would let a client inflate a stored message up to 3×
 * on the way out.
 */
export function encodeFrame(frame: object): string {
  return JSON.stringify(frame) + '\n';
}
