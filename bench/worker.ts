// A load-generator worker: its own process, never the server's. The runner forks several and
// drives them over IPC (lib/ipc.ts). The same code drives the chat server and both relays;
// only the login and the frame a receiver unwraps differ. Against chat serve it sends what
// lib/client sends: a client_msg_id (UUIDv7) on every send, and from every receiver one `ack`
// per conversation per tick with the last seq it received (lib/client/session.ts, queueAck).
//
// Every message text is "SENDER K SENT_US xxx…" padded to the message size, so a receiver can
// check order per sender (lost, duplicated, reordered) and measure latency without any state
// shared with the sender.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { newClientMsgId } from '../lib/client/client-msg-id.ts';
import { record, type Hist } from './lib/hist.ts';
import type { Account, FlowSpec, FromWorker, ReceiveStats, ReceiverSpec, Target, ToWorker } from './lib/ipc.ts';

const MAX_LIFETIME_MS = 30 * 60_000; // a worker whose runner vanished still ends
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
process.on('disconnect', () => process.exit(0));

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const send = (m: FromWorker) => process.send!(m);

// ---- one connection: line framing, writes joined once per tick ----

const dirty = new Set<Peer>();
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  for (const p of dirty) p.flush();
  dirty.clear();
}

class Peer {
  socket!: Socket;
  private buf = '';
  private out = '';
  private nextId = 1;
  private waiting = new Map<number, (frame: any) => void>();
  onFrame: (frame: any) => void = () => {};
  closed = false;

  constructor(readonly account: Account) {}

  open(target: Target, localAddress: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port, ...(localAddress ? { localAddress } : {}), noDelay: true });
      this.socket = socket;
      socket.setEncoding('utf8');
      const timer = setTimeout(() => reject(new Error('connect timeout')), 20_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.on('close', () => (this.closed = true));
      socket.on('data', (chunk: string) => this.data(chunk));
    });
  }

  private data(chunk: string): void {
    let text = this.buf.length > 0 ? this.buf + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      const frame = JSON.parse(line);
      if (typeof frame.id === 'number' && frame.id < 0) {
        const w = this.waiting.get(frame.id);
        if (w) {
          this.waiting.delete(frame.id);
          w(frame);
          continue;
        }
      }
      this.onFrame(frame);
    }
    this.buf = start === text.length ? '' : text.slice(start);
  }

  write(line: string): void {
    if (this.out.length === 0) {
      dirty.add(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    this.out += line;
  }

  flush(): void {
    if (this.out.length === 0 || this.closed) return;
    this.socket.write(this.out);
    this.out = '';
  }

  /** A setup request with a negative id, answered outside the measured traffic. */
  request(frame: Record<string, unknown>, timeoutMs = 30_000): Promise<any> {
    const id = -this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${String(frame.type)} timed out`)), timeoutMs);
      this.waiting.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.write(JSON.stringify({ ...frame, id }) + '\n');
    });
  }

  nextAckId = 1;

  async login(kind: 'token' | 'password' | 'relay', relayTarget: string): Promise<void> {
    if (kind === 'relay') {
      this.write(`@${this.account.name} ${relayTarget}\n`);
      return;
    }
    const body = kind === 'token' ? { token: this.account.token } : { user: this.account.name, password: this.account.password };
    const reply = await this.request({ type: 'login', ...body });
    if (!reply.ok) throw new Error(`login ${this.account.name}: ${reply.code}`);
  }

  destroy(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}

// ---- traffic ----

interface Track {
  expect: number;
  missing: Set<number>;
}

/** Receivers with acks to send this tick: one immediate sends them all, as lib/client's per session. */
const acking = new Set<Receiver>();
let ackScheduled = false;
function sendAcks(): void {
  ackScheduled = false;
  for (const r of acking) r.sendAcks();
  acking.clear();
  flushAll();
}

class Receiver {
  tracks = new Map<number, Track>();
  /** flows paced by this receiver, by sender index */
  paces = new Map<number, Flow>();
  /** conversation → the highest seq pushed since the last ack went out */
  private toAck = new Map<string, number>();
  outstandingAcks = 0;
  /** conversation → the delivered cursor the last ack reply answered */
  delivered = new Map<string, number>();
  constructor(readonly peer: Peer, private readonly chat: boolean, private readonly acks: boolean) {
    peer.onFrame = (frame) => this.frame(frame);
  }

  get acksPending(): boolean {
    return this.outstandingAcks > 0 || this.toAck.size > 0;
  }

  sendAcks(): void {
    for (const [conversation, seq] of this.toAck) {
      this.outstandingAcks++;
      this.peer.write(`{"id":${this.peer.nextAckId++},"type":"ack","conversation":${JSON.stringify(conversation)},"seq":${seq}}\n`);
    }
    this.toAck.clear();
  }

  private queueAck(conversation: string, seq: number): void {
    if (seq > (this.toAck.get(conversation) ?? 0)) this.toAck.set(conversation, seq);
    acking.add(this);
    if (!ackScheduled) {
      ackScheduled = true;
      setImmediate(sendAcks);
    }
  }

  private ackReply(frame: any): void {
    this.outstandingAcks--;
    if (!frame.ok) {
      stats.errors.push(`receiver ${this.peer.account.name}: ack ${frame.code} ${frame.message}`);
      return;
    }
    const { conversation, delivered } = frame.result as { conversation: string; delivered: number };
    const before = this.delivered.get(conversation) ?? 0;
    if (delivered < before) stats.errors.push(`receiver ${this.peer.account.name}: delivered cursor ${delivered} after ${before}`);
    else this.delivered.set(conversation, delivered);
  }

  private frame(frame: any): void {
    let text: string;
    if (this.chat) {
      if (frame.type !== 'message') {
        if (typeof frame.id === 'number' && frame.id > 0) this.ackReply(frame);
        else if (frame.ok === false) stats.errors.push(`receiver got ${frame.code}`);
        return; // presence and other pushes are not part of the traffic
      }
      text = frame.text;
      if (this.acks) this.queueAck(frame.conversation, frame.seq);
    } else {
      text = frame.text;
    }
    const s1 = text.indexOf(' ');
    const s2 = text.indexOf(' ', s1 + 1);
    const s3 = text.indexOf(' ', s2 + 1);
    const index = Number(text.slice(0, s1));
    const k = Number(text.slice(s1 + 1, s2));
    const sentUs = Number(text.slice(s2 + 1, s3));
    const now = nowUs();
    const us = now - sentUs;
    record(stats.hist, us);
    if (us > stats.maxUs) stats.maxUs = us;
    stats.deliveries++;
    stats.lastDeliveryAt = now / 1000;
    let t = this.tracks.get(index);
    if (!t) this.tracks.set(index, (t = { expect: 0, missing: new Set() }));
    if (k === t.expect) {
      t.expect++;
      stats.distinct[index] = (stats.distinct[index] ?? 0) + 1;
    } else if (k > t.expect) {
      for (let m = t.expect; m < k; m++) t.missing.add(m);
      t.expect = k + 1;
      stats.reordered++;
      stats.distinct[index] = (stats.distinct[index] ?? 0) + 1;
    } else if (t.missing.delete(k)) {
      stats.distinct[index] = (stats.distinct[index] ?? 0) + 1;
    } else {
      stats.duplicated++;
    }
    const flow = this.paces.get(index);
    if (flow) {
      flow.probeReceived++;
      flow.pump();
    }
  }
}

class Flow {
  sent = 0;
  acked = 0;
  probeReceived = 0;
  window = 1;
  running = false;
  lastSeq = 0;
  conversation = '';
  private readonly head: string;
  private readonly pad: string;
  /** acks: the target answers each send (chat serve, the persisting relay) */
  constructor(readonly spec: FlowSpec, readonly peer: Peer, acks: boolean, textBytes: number, private readonly clientIds: boolean) {
    const to = 'to' in spec.to ? `"to":${JSON.stringify(spec.to.to)}` : `"group":${JSON.stringify(spec.to.group)}`;
    this.head = `,"type":"send",${to},"text":"`;
    this.pad = 'x'.repeat(textBytes);
    peer.onFrame = (frame) => {
      if (!acks) return;
      if (typeof frame.id !== 'number') return; // pushes of its own are not expected
      if (frame.ok) {
        this.acked++;
        const seq = frame.result.seq as number;
        this.conversation = frame.result.conversation;
        if (seq <= this.lastSeq) stats.errors.push(`sender ${spec.index}: ack seq ${seq} after ${this.lastSeq}`);
        this.lastSeq = seq;
      } else {
        stats.errors.push(`sender ${spec.index}: ${frame.code} ${frame.message}`);
      }
    };
  }

  pump(): void {
    while (this.running && this.sent - this.probeReceived < this.window) {
      const k = this.sent++;
      const prefix = `${this.spec.index} ${k} ${nowUs()} `;
      const text = prefix + this.pad.slice(prefix.length);
      const id = this.clientIds ? `,"client_msg_id":"${newClientMsgId()}"` : '';
      this.peer.write(`{"id":${k + 1}${this.head}${text}"${id}}\n`);
    }
  }
}

const stats = {
  deliveries: 0,
  distinct: {} as Record<number, number>,
  duplicated: 0,
  reordered: 0,
  lastDeliveryAt: 0,
  hist: {} as Hist,
  maxUs: 0,
  errors: [] as string[],
};

let flows: Flow[] = [];
let receivers: Receiver[] = [];
let peers: Peer[] = [];
let pinger: NodeJS.Timeout | null = null;
let chatMode = false;
/** the target acks sends: chat serve and the persisting relay */
let sendsAcked = false;
/** sender indices each receiver expects, by receiver name */
let expectFrom = new Map<string, number[]>();

async function openAll(target: Target, accounts: { account: Account; relayTarget: string }[], localAddresses: string[], concurrency: number, auth: 'token' | 'password' | 'relay') {
  const out: Peer[] = new Array(accounts.length);
  const errors: string[] = [];
  let next = 0;
  let failed = 0;
  let firstAt = 0;
  let lastAt = 0;
  const one = async () => {
    for (let i = next++; i < accounts.length; i = next++) {
      const peer = new Peer(accounts[i]!.account);
      try {
        await peer.open(target, localAddresses.length ? localAddresses[i % localAddresses.length] : undefined);
        await peer.login(auth, accounts[i]!.relayTarget);
        const t = Date.now();
        if (!firstAt) firstAt = t;
        lastAt = t;
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push(String((err as Error).message ?? err));
        peer.destroy();
      }
      out[i] = peer;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, one));
  return { peers: out, failed, firstAt, lastAt, errors };
}

function startPings(chat: boolean): void {
  if (!chat || pinger) return;
  // The server closes connections silent for its idle timeout (90 s); real clients ping at 30 s.
  pinger = setInterval(() => {
    for (const p of peers) if (!p.closed) p.request({ type: 'ping' }).catch(() => {});
  }, 25_000);
  pinger.unref();
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.cmd) {
    case 'setup': {
      const chat = msg.target.kind === 'chat';
      chatMode = chat;
      sendsAcked = chat || msg.target.kind === 'persist';
      expectFrom = new Map(msg.receivers.map((r) => [r.account.name, r.from]));
      const auth = chat ? 'token' : 'relay';
      const recv = await openAll(msg.receiverTarget ?? msg.target, msg.receivers.map((r) => ({ account: r.account, relayTarget: r.relayTarget })), msg.localAddresses, 32, auth);
      // Only chat serve gets acks from receivers: the relays have no cursor to move.
      receivers = recv.peers.map((p) => new Receiver(p, chat, chat && msg.acks));
      const byName = new Map(receivers.map((r) => [r.peer.account.name, r]));
      const relayTo = (f: FlowSpec) => ('to' in f.to ? f.to.to : `#${f.to.group}`);
      const snd = await openAll(msg.target, msg.flows.map((f) => ({ account: f.sender, relayTarget: relayTo(f) })), msg.localAddresses, 32, auth);
      flows = msg.flows.map((f, i) => new Flow(f, snd.peers[i]!, sendsAcked, msg.textBytes, msg.clientIds));
      for (const f of flows) {
        const probe = byName.get(f.spec.probe);
        if (!probe) throw new Error(`probe ${f.spec.probe} is not in this worker`);
        probe.paces.set(f.spec.index, f);
      }
      peers = [...recv.peers, ...snd.peers];
      startPings(chat);
      const failed = recv.failed + snd.failed;
      // relay: give the relay a moment to read every naming line before traffic starts
      if (!chat) await new Promise((r) => setTimeout(r, 200));
      send({ ev: 'ready', connected: peers.length - failed, failed, ...(failed ? { error: [...recv.errors, ...snd.errors].join('; ') } : {}) });
      return;
    }
    // A phase's counters are zeroed in every worker before any worker sends: a group message
    // from another worker's sender must not arrive here and then be wiped by our own 'run'.
    case 'reset': {
      stats.deliveries = 0;
      stats.hist = {};
      stats.maxUs = 0;
      stats.lastDeliveryAt = 0;
      send({ ev: 'reset', runId: msg.runId });
      return;
    }
    case 'run': {
      for (const f of flows) {
        f.window = msg.window;
        f.running = true;
      }
      for (const f of flows) f.pump();
      flushAll();
      await new Promise((r) => setTimeout(r, msg.durationMs));
      for (const f of flows) f.running = false;
      // Wait (bounded) for this worker's own flows to drain: every send acked and received.
      const deadline = Date.now() + msg.drainMs;
      const acked_ = sendsAcked;
      while (Date.now() < deadline && flows.some((f) => f.probeReceived < f.sent || (acked_ && f.acked < f.sent))) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const sent: Record<number, number> = {};
      const acked: Record<number, number> = {};
      const last: Record<number, { conversation: string; seq: number }> = {};
      for (const f of flows) {
        sent[f.spec.index] = f.sent;
        acked[f.spec.index] = f.acked;
        if (chatMode && f.conversation) last[f.spec.index] = { conversation: f.conversation, seq: f.lastSeq };
      }
      send({ ev: 'stopped', runId: msg.runId, sent, acked, last, errors: stats.errors.splice(0) });
      return;
    }
    case 'collect': {
      const deadline = Date.now() + msg.timeoutMs;
      const done = () => receivers.every((r) => {
        if (r.acksPending) return false;
        for (const index of expectFrom.get(r.peer.account.name) ?? []) {
          const want = msg.expected[index] ?? 0;
          const t = r.tracks.get(index);
          if (want > 0 && (!t || t.expect < want || t.missing.size > 0)) return false;
        }
        return true;
      });
      while (Date.now() < deadline && !done()) await new Promise((r) => setTimeout(r, 5));
      const out: ReceiveStats = {
        deliveries: stats.deliveries, distinct: stats.distinct, duplicated: stats.duplicated, reordered: stats.reordered,
        lastDeliveryAt: stats.lastDeliveryAt, hist: stats.hist, maxUs: stats.maxUs,
      };
      const cursors: Record<string, Record<string, number>> = {};
      for (const r of receivers) if (r.delivered.size > 0) cursors[r.peer.account.name] = Object.fromEntries(r.delivered);
      send({ ev: 'collected', runId: msg.runId, stats: out, drained: done(), cursors, errors: stats.errors.splice(0) });
      return;
    }
    case 'connect': {
      const chat = msg.target.kind === 'chat';
      for (const p of peers) if (!p.closed) p.destroy();
      const r = await openAll(msg.target, msg.accounts.map((a) => ({ account: a, relayTarget: a.name })), msg.localAddresses, msg.concurrency, msg.auth);
      peers = r.peers;
      startPings(chat);
      send({ ev: 'connected', ok: msg.accounts.length - r.failed, failed: r.failed, firstAt: r.firstAt, lastAt: r.lastAt, errors: r.errors });
      return;
    }
    case 'close': {
      for (const p of peers) p.destroy();
      peers = [];
      flows = [];
      receivers = [];
      send({ ev: 'closed' });
      return;
    }
  }
}

process.on('message', (msg: ToWorker) => {
  handle(msg).catch((err) => send({ ev: 'fatal', error: String((err as Error).stack ?? err) }));
});
