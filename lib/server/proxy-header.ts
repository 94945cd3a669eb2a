// The PROXY protocol (haproxy's proxy-protocol.txt, v1 text and v2 binary). A proxy in front of
// the nodes (nginx `proxy_protocol on`) opens every connection with a header naming the client's
// address, so the per-address limits, the login throttle and the logs see the client instead of
// the proxy. Only proxies in --trusted-proxies may send one; anyone else could name any address.
import { isIPv4, isIPv6, type BlockList, type Socket } from 'node:net';
import { AddressFamilyType, Command, INETProtocol, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import type { Logger } from '../logger.ts';
import { refuse } from './refuse.ts';

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** the spec's bound for a v1 line, CRLF included */
const V1_MAX_BYTES = 107;
/** signature, version/command, family/transport, 16-bit length; the length's bytes follow */
const V2_FIXED_BYTES = 16;
/** how long a peer may take to send its header (the TLS handshake gets as long) */
export const PROXY_HEADER_TIMEOUT_MS = 10_000;

/** The connection is refused; the message says why. */
export class ProxyHeaderError extends Error {
  override name = 'ProxyHeaderError';
}

/**
 * What a connection's first bytes are. `more` means they are still a prefix of a signature.
 * A chat client's first byte is `{`, so a client that sends no header is told apart at once.
 */
export function headerVersion(bytes: Buffer): 'v1' | 'v2' | 'none' | 'more' {
  if (startsWith(bytes, V1_PREFIX)) return 'v1';
  if (startsWith(bytes, V2_SIGNATURE)) return 'v2';
  return startsWith(V1_PREFIX, bytes) || startsWith(V2_SIGNATURE, bytes) ? 'more' : 'none';
}

export type HeaderScan =
  /** the client's address (null: the header names none, use the socket's), and the bytes after the header */
  | { address: string | null; rest: Buffer }
  /** more bytes are needed */
  | null;

/**
 * Looks at everything received so far. A trusted peer must start with a whole header; anyone
 * else must not send one. Throws ProxyHeaderError when the bytes break that; an untrusted peer
 * that sent no header gets `{ address: null, rest: bytes }`.
 */
export function scanHeader(bytes: Buffer, trusted: boolean): HeaderScan {
  const version = headerVersion(bytes);
  if (version === 'more') return null;
  if (version === 'none') {
    if (trusted) throw new ProxyHeaderError('a trusted proxy must start the connection with a PROXY header');
    return { address: null, rest: bytes };
  }
  if (!trusted) throw new ProxyHeaderError('a PROXY header from an address not in --trusted-proxies');
  const length = version === 'v1' ? v1Length(bytes) : v2Length(bytes);
  if (length === 0) return null;
  const header = bytes.subarray(0, length);
  return { address: version === 'v1' ? v1Address(header) : v2Address(header), rest: bytes.subarray(length) };
}

function v1Length(bytes: Buffer): number {
  const crlf = bytes.subarray(0, V1_MAX_BYTES).indexOf('\r\n');
  if (crlf >= 0) return crlf + 2;
  if (bytes.length >= V1_MAX_BYTES) throw new ProxyHeaderError(`a PROXY v1 header longer than ${V1_MAX_BYTES} bytes`);
  return 0;
}

function v2Length(bytes: Buffer): number {
  if (bytes.length < V2_FIXED_BYTES) return 0;
  const length = V2_FIXED_BYTES + bytes.readUInt16BE(14);
  return bytes.length >= length ? length : 0;
}

function v1Address(header: Buffer): string | null {
  const text = header.toString('latin1');
  // UNKNOWN: the proxy does not know the client (the spec says to use the socket's address).
  if (text.startsWith('PROXY UNKNOWN')) return null;
  let parsed: V1ProxyProtocol;
  try {
    parsed = V1ProxyProtocol.parse(text);
  } catch {
    throw new ProxyHeaderError('a malformed PROXY v1 header');
  }
  const { inetProtocol, source, destination } = parsed;
  const isIP = inetProtocol === INETProtocol.TCP4 ? isIPv4 : isIPv6;
  const valid = [source, destination].every((p) => isIP(p.ipAddress) && p.port <= 65535);
  if (!valid) throw new ProxyHeaderError('a PROXY v1 header with a malformed address or port');
  return canonicalAddress(source.ipAddress);
}

function v2Address(header: Buffer): string | null {
  let parsed: V2ProxyProtocol;
  try {
    parsed = V2ProxyProtocol.parse(header);
  } catch {
    throw new ProxyHeaderError('a malformed PROXY v2 header');
  }
  // LOCAL: the proxy's own connection (a health check); AF_UNSPEC/AF_UNIX name no IP address.
  if (parsed.command === Command.LOCAL) return null;
  const proxy = parsed.proxyAddress;
  if (parsed.addressFamilyType === AddressFamilyType.INET && 'sourcePort' in proxy) {
    return (proxy.sourceAddress.address as number[]).join('.');
  }
  if (parsed.addressFamilyType === AddressFamilyType.INET6 && 'sourcePort' in proxy) {
    const b = proxy.sourceAddress.address as number[];
    const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
    return canonicalAddress(groups.join(':'));
  }
  return null;
}

/**
 * One spelling per address, so one client is one key for the limits: IPv6 in its RFC 5952 form
 * (the URL serializer's), an IPv4-mapped IPv6 address as plain IPv4.
 */
function canonicalAddress(text: string): string {
  if (isIPv4(text)) return text;
  let host: string;
  try {
    host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    throw new ProxyHeaderError('a PROXY header with a malformed address');
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Reads each new connection's PROXY header before anything else reads the socket. */
export class ProxyHeaderReader {
  private readonly reading = new Set<Socket>();

  constructor(
    private readonly trusted: BlockList,
    private readonly log: Logger,
    private readonly timeoutMs = PROXY_HEADER_TIMEOUT_MS,
  ) {}

  /**
   * Resolves to the client's address once the header is read, with any bytes after it put back
   * for the next reader: a client may pipeline requests behind the proxy's header. Resolves to
   * null when the connection was refused (an error frame is sent) or went away; the socket is
   * then taken care of. An untrusted peer that sends no header keeps its own address; one that
   * is still silent at the timeout goes on with what it sent, as it would without a header.
   */
  clientAddress(socket: Socket): Promise<string | null> {
    const peer = socket.remoteAddress ?? 'unknown';
    const family = socket.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4';
    const trusted = socket.remoteAddress !== undefined && this.trusted.check(socket.remoteAddress, family);
    this.reading.add(socket);
    return new Promise((resolve) => {
      let received: Buffer = Buffer.alloc(0);
      const done = (address: string | null, rest?: Buffer) => {
        clearTimeout(timer);
        socket.off('readable', onReadable).off('end', onGone).off('close', onGone).off('error', onGone);
        this.reading.delete(socket);
        // Before the next reader's 'data' listener exists: it gets these bytes first.
        if (rest?.length) socket.unshift(rest);
        resolve(address);
      };
      const refused = (err: ProxyHeaderError) => {
        this.log.warn({ remote: peer, reason: err.message }, 'connection refused: PROXY protocol');
        refuse(socket, 'CHAT_ERR_PROXY_HEADER', err.message);
        done(null);
      };
      const onReadable = () => {
        for (let chunk: Buffer | null; (chunk = socket.read()) !== null; ) {
          received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
          let scan: HeaderScan;
          try {
            scan = scanHeader(received, trusted);
          } catch (err) {
            return refused(err as ProxyHeaderError);
          }
          if (scan) return done(scan.address ?? peer, scan.rest);
        }
      };
      const onGone = () => {
        socket.destroy();
        done(null);
      };
      const timer = setTimeout(() => {
        if (trusted) refused(new ProxyHeaderError(`no complete PROXY header within ${this.timeoutMs} ms`));
        else done(peer, received);
      }, this.timeoutMs);
      socket.on('readable', onReadable).on('end', onGone).on('close', onGone).on('error', onGone);
    });
  }

  /** Drops the connections still sending their header (the server is stopping). */
  destroyAll(): void {
    for (const socket of this.reading) socket.destroy();
  }
}
