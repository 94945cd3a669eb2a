// `npm run bench:tui`: the TUI paging back through a conversation of 100 000 messages. The
// conversation is written straight into a SQLite file through the Store, a real `chat serve`
// serves it, and the TUI's own controller and view run in this process, drawing into a stream
// that counts bytes (no terminal). PgUp goes in as the bytes a terminal sends; every redraw is
// timed, and RSS and the V8 heap (after a forced GC when --expose-gc is given) are sampled as
// the view goes back. Prints a table and writes bench/results/<date>-tui.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { SqliteStore } from '../lib/db/sqlite-store.ts';
import { nameKey } from '../lib/protocol/names.ts';
import { hashPassword } from '../lib/server/credentials.ts';
import { Controller } from '../lib/tui/controller.ts';
import { MAX_LOADED } from '../lib/tui/state.ts';
import { View } from '../lib/tui/views/view.ts';
import { killAll, PASSWORD, ROOT, startChat, tempDb } from './lib/harness.ts';
import { machineInfo } from './lib/proc.ts';

const MESSAGES = Number(process.env.MESSAGES ?? 100_000);
const COLS = Number(process.env.COLS ?? 120);
const ROWS = Number(process.env.ROWS ?? 50);
const SAMPLE_EVERY = Math.max(1000, Math.floor(MESSAGES / 20));

class Screen extends Writable {
  bytes = 0;
  readonly isTTY = true;
  readonly columns = COLS;
  readonly rows = ROWS;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.bytes += chunk.length;
    done();
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number) => n / 1024 / 1024;

function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rssMiB: +mib(m.rss).toFixed(1), heapUsedMiB: +mib(m.heapUsed).toFixed(1) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function seedConversation(dbPath: string): Promise<void> {
  const store = SqliteStore.open(dbPath);
  try {
    const hash = await hashPassword(PASSWORD);
    const alice = await store.createUser('alice', nameKey('alice'), hash);
    const bob = await store.createUser('bob', nameKey('bob'), hash);
    await store.createFriendRequest(alice.id, bob.id);
    const conversationId = await store.acceptFriendRequest(bob.id, alice.id);
    const t0 = Date.now() - MESSAGES * 1000;
    for (let i = 0; i < MESSAGES; i += 1000) {
      await store.appendMessages(Array.from({ length: Math.min(1000, MESSAGES - i) }, (_, k) => {
        const n = i + k + 1;
        const from = n % 3 === 0 ? alice.id : bob.id;
        // lengths vary so that bubbles have one to four lines
        const text = `message ${n} ` + 'lorem ipsum dolor sit amet '.repeat(n % 7);
        return { conversationId, senderId: from, text, clientMsgId: null, ts: t0 + n * 1000 };
      }));
    }
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dbPath = tempDb();
  const seedStart = Date.now();
  await seedConversation(dbPath);
  const seedSeconds = (Date.now() - seedStart) / 1000;
  console.error(`seeded ${MESSAGES} messages in ${seedSeconds.toFixed(1)} s`);
  const server = await startChat(dbPath);

  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  const output = new Screen();
  const renders: number[] = [];
  /** CPU time of each redraw (user + system): what the redraw costs, without the waits of a shared box */
  const renderCpu: number[] = [];
  let rendered: (() => void) | null = null;
  let view: View | null = null;
  const controller = new Controller({
    server: `127.0.0.1:${server.port}`,
    user: 'alice',
    render: (state) => {
      const t = performance.now();
      const c = process.cpuUsage();
      view?.render(state);
      const used = process.cpuUsage(c);
      renders.push(performance.now() - t);
      renderCpu.push((used.user + used.system) / 1000);
      rendered?.();
    },
    exit: () => {},
  });
  view = new View(controller, { input, output });
  const nextRender = () => new Promise<void>((resolve) => (rendered = resolve));
  const until = async (test: () => boolean, what: string) => {
    const deadline = Date.now() + 60_000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await Promise.race([nextRender(), new Promise((r) => setTimeout(r, 50))]);
    }
  };

  controller.dispatch({ t: 'edit', target: 2, op: { insert: PASSWORD } });
  controller.login('login');
  await until(() => controller.state.screen === 'chat' && controller.state.friends.length > 0, 'login');
  controller.open('@bob');
  await until(() => controller.state.conversations['@bob']?.historyLoaded === true, 'the newest page');
  const before = memory();
  renders.length = 0;
  renderCpu.length = 0;

  const conv = () => controller.state.conversations['@bob']!;
  const samples: { pagedBack: number; loaded: number; rssMiB: number; heapUsedMiB: number }[] = [];
  let presses = 0;
  let maxLoaded = 0;
  let nextSample = SAMPLE_EVERY;
  const start = performance.now();
  while (!(conv().older === 'start' && controller.state.scroll?.line === 0 && conv().messages[0]?.seq === 1 && atHead())) {
    if (presses > MESSAGES * 2) throw new Error('did not reach the beginning');
    const wait = nextRender();
    input.write('\x1b[5~'); // PgUp
    presses++;
    // a press at the loaded top changes nothing until the page comes: wait for that render
    await Promise.race([wait, new Promise((r) => setTimeout(r, 200))]);
    maxLoaded = Math.max(maxLoaded, conv().messages.length);
    const top = controller.state.scroll;
    const back = MESSAGES - (top === null || top.seq < 0 ? (conv().messages[0]?.seq ?? MESSAGES) : top.seq);
    if (back >= nextSample) {
      samples.push({ pagedBack: back, loaded: conv().messages.length, ...memory() });
      console.error(`  ${back} messages back: ${conv().messages.length} loaded, ${samples.at(-1)!.rssMiB} MiB RSS, ${samples.at(-1)!.heapUsedMiB} MiB heap`);
      nextSample += SAMPLE_EVERY;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const after = memory();
  function atHead(): boolean {
    const s = controller.state.scroll;
    return s !== null && s.seq === -1;
  }

  const sorted = [...renders].sort((a, b) => a - b);
  const sortedCpu = [...renderCpu].sort((a, b) => a - b);
  const result = {
    machine: machineInfo(),
    messages: MESSAGES,
    terminal: `${COLS}x${ROWS}`,
    seedSeconds,
    presses,
    renders: renders.length,
    redrawMs: { p50: +percentile(sorted, 50).toFixed(2), p99: +percentile(sorted, 99).toFixed(2), max: +(sorted.at(-1) ?? 0).toFixed(2) },
    redrawCpuMs: { p50: +percentile(sortedCpu, 50).toFixed(2), p99: +percentile(sortedCpu, 99).toFixed(2), max: +(sortedCpu.at(-1) ?? 0).toFixed(2) },
    loadAverage: loadavg().map((n) => +n.toFixed(1)),
    secondsToBeginning: +seconds.toFixed(1),
    maxLoaded,
    maxLoadedLimit: MAX_LOADED,
    memory: { atNewest: before, atBeginning: after, peakRssMiB: Math.max(before.rssMiB, after.rssMiB, ...samples.map((s) => s.rssMiB)), peakHeapUsedMiB: Math.max(before.heapUsedMiB, after.heapUsedMiB, ...samples.map((s) => s.heapUsedMiB)) },
    gcForced: gc !== undefined,
    bytesDrawn: output.bytes,
    samples,
  };
  console.log(`\nTUI paging back through ${MESSAGES} messages (${COLS}x${ROWS}, ${result.machine.cpu}, ${result.machine.cores} cores)`);
  console.log(`  PgUp presses to the beginning   ${presses} (${renders.length} redraws, ${seconds.toFixed(1)} s)`);
  console.log(`  redraw time (wall)              p50 ${result.redrawMs.p50} ms · p99 ${result.redrawMs.p99} ms · max ${result.redrawMs.max} ms`);
  console.log(`  redraw CPU time                 p50 ${result.redrawCpuMs.p50} ms · p99 ${result.redrawCpuMs.p99} ms · max ${result.redrawCpuMs.max} ms`);
  console.log(`  load average at the end         ${result.loadAverage.join(' ')}`);
  console.log(`  messages loaded at most         ${maxLoaded} (limit ${MAX_LOADED})`);
  console.log(`  RSS                             ${before.rssMiB} MiB at the newest → ${after.rssMiB} MiB at the beginning (peak ${result.memory.peakRssMiB})`);
  console.log(`  V8 heap used${gc ? ' (after GC)' : '            '}         ${before.heapUsedMiB} MiB → ${after.heapUsedMiB} MiB (peak ${result.memory.peakHeapUsedMiB})`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-tui.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`  → ${file}`);
  view.destroy();
  controller.quit();
  await server.stop();
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
