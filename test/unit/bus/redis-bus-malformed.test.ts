// RedisBus drops an envelope it cannot read, but not silently: each one is counted (stats and
// onMalformed), and through reporter() (what `chat serve` wires it to) logged at most once per
// interval. A fake Transport hands the bus its messages; a fake clock moves the interval.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent } from '../../../lib/bus/bus.ts';
import { RedisBus } from '../../../lib/bus/redis-bus.ts';
import type { Transport } from '../../../lib/bus/redis-transport.ts';
import { REPORT_INTERVAL_MS, reporter } from '../../../lib/report.ts';
import { fakeLog } from '../../helpers/fake-log.ts';

async function setup() {
  const listeners = new Map<string, (message: string) => void>();
  const transport: Transport = {
    call: async () => [],
    publish: async () => {},
    subscribe: async (channel, listener) => void listeners.set(channel, listener),
    onReconnect: () => {},
    onError: () => {},
    close: async () => {},
    destroy: () => {},
  };
  const { log, lines } = fakeLog();
  let now = 1_000_000;
  let counted = 0;
  const onMalformed = reporter(log, 'warn', 'bus envelope dropped', { now: () => now, count: () => void counted++ });
  const bus = new RedisBus(transport, { nodeId: 'b', prefix: 't', onMalformed });
  await bus.start();
  const got: BusEvent[] = [];
  bus.subscribe((e) => void got.push(e));
  const receive = (text: string) => listeners.get('t:all')!(text);
  return {
    bus, lines, got, receive,
    counted: () => counted,
    advance: (ms: number) => void (now += ms),
  };
}

const malformed = suite('RedisBus: envelopes it cannot read');

malformed('each is counted, and logged once per interval with how many were held back', async () => {
  const { bus, lines, got, receive, counted, advance } = await setup();
  try {
    receive('garbage');
    receive('{"o":"a","u":[1],"f":"x"'); // cut short
    receive('[1,2,3]');
    receive('{"o":"a","t":1}'); // no events
    assert.is(counted(), 4);
    assert.is(bus.stats.malformed, 4);
    assert.equal(lines, [{ level: 'warn', fields: { reason: 'not JSON', bytes: 7 }, msg: 'bus envelope dropped' }]);
    assert.equal(got, [], 'nothing was delivered');

    advance(REPORT_INTERVAL_MS);
    receive('null');
    assert.is(lines.length, 2);
    assert.equal(lines[1]!.fields, { reason: 'not an envelope', bytes: 4, suppressed: 3 });
  } finally {
    await bus.close();
  }
});

malformed('the readable events of an envelope are delivered, the unreadable one is counted', async () => {
  const { bus, lines, got, receive, counted } = await setup();
  try {
    receive(JSON.stringify({ o: 'a', b: [{ u: [1], f: 'one\n' }, { u: 'not a list', f: 'two\n' }, { u: [3], f: 'three\n' }], t: Date.now() }));
    assert.equal(got.map((e) => e.frame), ['one\n', 'three\n']);
    assert.is(counted(), 1);
    assert.equal(lines[0]!.fields.reason, '1 of 3 events unreadable');
  } finally {
    await bus.close();
  }
});

malformed('a good envelope is not counted', async () => {
  const { bus, got, receive, counted } = await setup();
  try {
    receive(JSON.stringify({ o: 'a', u: [1], f: 'hi\n', t: Date.now() }));
    assert.equal(got.map((e) => e.frame), ['hi\n']);
    assert.is(counted(), 0);
    assert.is(bus.stats.malformed, 0);
  } finally {
    await bus.close();
  }
});

malformed.run();
