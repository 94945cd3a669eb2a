// The metrics endpoint of a `chat serve` started with --metrics-port 0.
import * as assert from 'uvu/assert';
import type { RunningServer } from './server.ts';

/** The port the server logged in its `metrics listening` line. */
export function metricsPort(server: RunningServer): number {
  const line = server.logs.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((e) => e.msg === 'metrics listening');
  assert.ok(line, 'the metrics port is logged');
  return line.port;
}

export async function scrape(port: number, path = '/metrics'): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

/** The value of one sample, e.g. value(text, 'chat_sessions'). */
export function value(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} is exposed`);
  return Number(m![1]);
}
