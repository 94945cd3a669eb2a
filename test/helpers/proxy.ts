// PROXY protocol headers built by hand (haproxy's proxy-protocol.txt), for tests that play the proxy.
import { isIPv4 } from 'node:net';

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export function proxyV1(source: string, sourcePort = 40000, dest = '127.0.0.1', destPort = 6000): Buffer {
  return Buffer.from(`PROXY ${isIPv4(source) ? 'TCP4' : 'TCP6'} ${source} ${dest} ${sourcePort} ${destPort}\r\n`, 'latin1');
}

export interface V2Options {
  /** 0x20 | command: 0x21 PROXY (default), 0x20 LOCAL */
  verCmd?: number;
  /** family << 4 | transport; default TCP over the source's family */
  famProto?: number;
  /** bytes after the addresses (TLVs), counted in the length */
  tlv?: Buffer;
  /** overrides the length field */
  length?: number;
}

/** A v2 header for a TCP connection from `source` (IPv4 or IPv6) to `dest` of the same family. */
export function proxyV2(source: string, sourcePort = 40000, dest?: string, destPort = 6000, options: V2Options = {}): Buffer {
  const v4 = isIPv4(source);
  const addr = (ip: string) => (v4 ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip));
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sourcePort, 0);
  ports.writeUInt16BE(destPort, 2);
  const body = Buffer.concat([addr(source), addr(dest ?? (v4 ? '127.0.0.1' : '::1')), ports, options.tlv ?? Buffer.alloc(0)]);
  const fixed = Buffer.alloc(4);
  fixed[0] = options.verCmd ?? 0x21;
  fixed[1] = options.famProto ?? (v4 ? 0x11 : 0x21);
  fixed.writeUInt16BE(options.length ?? body.length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, body]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}
