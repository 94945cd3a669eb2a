// parseRequest: every request type, every field, and the frames a hostile client can send.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ErrorCode } from '../../../lib/protocol/errors.ts';
import fc from 'fast-check';
import { HISTORY_MAX_LIMIT, REQUEST_TYPES, requestSchemas, type RequestType } from '../../../lib/protocol/messages.ts';
import { parseRequest, type ParseResult } from '../../../lib/protocol/validate.ts';

type Kind = 'string' | 'number' | 'boolean';
interface Example {
  body: Record<string, unknown>;
  /** every field the type accepts, its JSON kind, and whether it is required */
  fields: Record<string, { kind: Kind; required: boolean }>;
}

const req = (kind: Kind) => ({ kind, required: true });
const opt = (kind: Kind) => ({ kind, required: false });
const none: Example = { body: {}, fields: {} };
const aboutUser: Example = { body: { user: 'bob' }, fields: { user: req('string') } };
const aboutGroup: Example = { body: { group: 'devs' }, fields: { group: req('string') } };
const aboutGroupMember: Example = { body: { group: 'devs', user: 'bob' }, fields: { group: req('string'), user: req('string') } };
const cursor: Example = { body: { conversation: 'c1', seq: 3 }, fields: { conversation: req('string'), seq: req('number') } };

/** One valid example of every request type. Login's token form is tested on its own below. */
const EXAMPLES: Record<RequestType, Example> = {
  hello: { body: { version: 1, client: 'unit' }, fields: { version: req('number'), client: opt('string') } },
  register: { body: { user: 'alice', password: 'correct horse' }, fields: { user: req('string'), password: req('string') } },
  login: { body: { user: 'alice', password: 'correct horse' }, fields: { user: req('string'), password: req('string') } },
  logout: { body: { all: true }, fields: { all: opt('boolean') } },
  passwd: {
    body: { password: 'old password', new_password: 'new password', keep_sessions: false },
    fields: { password: req('string'), new_password: req('string'), keep_sessions: opt('boolean') },
  },
  sessions: none,
  account_delete: { body: { password: 'the password' }, fields: { password: req('string') } },
  sessions_revoke: { body: { session: 's0123456789abcdef' }, fields: { session: req('string') } },
  ping: none,
  friends: none,
  friend_add: aboutUser,
  friend_accept: aboutUser,
  friend_decline: aboutUser,
  friend_remove: aboutUser,
  groups: none,
  group_create: { body: { group: 'devs', desc: 'the devs', private: true }, fields: { group: req('string'), desc: opt('string') } },
  group_join: aboutGroup,
  group_leave: aboutGroup,
  group_members: aboutGroup,
  group_invite: aboutGroupMember,
  group_decline: aboutGroup,
  group_kick: aboutGroupMember,
  group_ban: aboutGroupMember,
  group_unban: aboutGroupMember,
  group_role: { body: { group: 'devs', user: 'bob', role: 'admin' }, fields: { group: req('string'), user: req('string'), role: req('string') } },
  group_transfer: aboutGroupMember,
  group_topic: { body: { group: 'devs', desc: 'new topic' }, fields: { group: req('string'), desc: req('string') } },
  group_set: { body: { group: 'devs', private: false }, fields: { group: req('string') } },
  group_delete: aboutGroup,
  groups_public: { body: { prefix: 'de', after: 'dev', limit: 20 }, fields: { prefix: opt('string'), after: opt('string'), limit: opt('number') } },
  send: {
    body: { to: 'bob', text: 'hi 😀', client_msg_id: 'm-1' },
    fields: { to: opt('string'), group: opt('string'), text: req('string'), client_msg_id: opt('string'), reply_to: opt('number') },
  },
  edit: {
    body: { conversation: 'c1', seq: 3, text: 'fixed', client_msg_id: 'e-1' },
    fields: { with: opt('string'), group: opt('string'), conversation: opt('string'), seq: req('number'), text: req('string'), client_msg_id: opt('string') },
  },
  delete: {
    body: { group: 'devs', seq: 3, client_msg_id: 'd-1' },
    fields: { with: opt('string'), group: opt('string'), conversation: opt('string'), seq: req('number'), client_msg_id: opt('string') },
  },
  react: {
    body: { with: 'bob', seq: 3, emoji: '👍', client_msg_id: 'r-1' },
    fields: { with: opt('string'), group: opt('string'), conversation: opt('string'), seq: req('number'), emoji: req('string'), client_msg_id: opt('string') },
  },
  history: {
    body: { with: 'bob', before: 10, limit: 20 },
    fields: { with: opt('string'), group: opt('string'), conversation: opt('string'), before: opt('number'), limit: opt('number') },
  },
  sync: { body: { conversation: 'c1', after: 0, limit: 50 }, fields: { conversation: req('string'), after: opt('number'), limit: opt('number') } },
  ack: cursor,
  read: cursor,
  unread: none,
  conversations: none,
  typing: { body: { group: 'devs' }, fields: { with: opt('string'), group: opt('string'), conversation: opt('string') } },
  receipts: {
    body: { group: 'devs', seq: 4 },
    fields: { with: opt('string'), group: opt('string'), conversation: opt('string'), seq: req('number') },
  },
  block: aboutUser,
  unblock: aboutUser,
  blocked: none,
  mute: {
    body: { group: 'devs', level: 'mentions' },
    fields: { with: opt('string'), group: opt('string'), conversation: opt('string'), level: req('string') },
  },
  search: {
    body: { query: '会议', group: 'devs', from: 'bob', limit: 10, cursor: 'MTAuMi4z' },
    fields: {
      query: req('string'), with: opt('string'), group: opt('string'), conversation: opt('string'),
      from: opt('string'), limit: opt('number'), cursor: opt('string'),
    },
  },
};

const WRONG: Record<Kind, unknown[]> = {
  string: [5, 0, true, null, [], ['bob'], {}, { name: 'bob' }],
  number: ['5', '', true, null, [], [5], {}, { n: 5 }, 1.5],
  boolean: ['true', 1, 0, null, [], {}],
};

const frame = (type: string, body: Record<string, unknown>, id: unknown = 42) => JSON.stringify({ id, type, ...body });

function expectError(result: ParseResult, code: ErrorCode, id: string | number | null, label = ''): void {
  assert.is(result.ok, false, `${label}: expected ${code}`);
  if (result.ok) return;
  assert.is(result.code, code, label);
  assert.is(result.id, id, label);
}

// ---------------------------------------------------------------------------------------------

const types = suite('parseRequest: every request type');

types('the examples cover exactly REQUEST_TYPES', () => {
  assert.equal(Object.keys(EXAMPLES).sort(), [...REQUEST_TYPES].sort());
});

for (const type of REQUEST_TYPES) {
  const { body, fields } = EXAMPLES[type];

  types(`${type}: a valid frame parses with its type, id and body`, () => {
    const r = parseRequest(frame(type, body, 'abc'));
    assert.ok(r.ok, JSON.stringify(r));
    if (!r.ok) return;
    assert.is(r.request.type, type);
    assert.is(r.request.id, 'abc');
    assert.equal(r.request.body, body);
  });

  types(`${type}: required fields alone are enough`, () => {
    const minimal = Object.fromEntries(Object.entries(body).filter(([k]) => fields[k]?.required));
    const r = parseRequest(frame(type, minimal));
    assert.ok(r.ok, JSON.stringify(r));
  });

  for (const [field, { kind, required }] of Object.entries(fields)) {
    types(`${type}.${field}: every wrong JSON type gives CHAT_ERR_BAD_FIELD and echoes the id`, () => {
      for (const wrong of WRONG[kind]) {
        expectError(parseRequest(frame(type, { ...body, [field]: wrong }, 7)), 'CHAT_ERR_BAD_FIELD', 7, `${field}=${JSON.stringify(wrong)}`);
        expectError(parseRequest(frame(type, { ...body, [field]: wrong }, 'id-7')), 'CHAT_ERR_BAD_FIELD', 'id-7', `${field}=${JSON.stringify(wrong)}`);
      }
    });
    if (required) {
      types(`${type}.${field}: missing gives CHAT_ERR_BAD_FIELD`, () => {
        const { [field]: _dropped, ...rest } = body;
        expectError(parseRequest(frame(type, rest, 8)), 'CHAT_ERR_BAD_FIELD', 8, field);
      });
    }
  }
}

types('login: the token form parses, and wrong tokens are rejected', () => {
  const r = parseRequest(frame('login', { token: 'abc' }));
  assert.ok(r.ok && r.request.type === 'login' && 'token' in r.request.body && r.request.body.token === 'abc');
  for (const wrong of [...WRONG.string, '', 'x'.repeat(257)]) {
    expectError(parseRequest(frame('login', { token: wrong }, 3)), 'CHAT_ERR_BAD_FIELD', 3, JSON.stringify(wrong));
  }
  expectError(parseRequest(frame('login', {}, 3)), 'CHAT_ERR_BAD_FIELD', 3, 'empty login');
  expectError(parseRequest(frame('login', { password: 'x' }, 3)), 'CHAT_ERR_BAD_FIELD', 3, 'password only');
});

types('mute: a level outside all|mentions|none is refused', () => {
  for (const level of ['', 'off', 'ALL', 'muted']) {
    expectError(parseRequest(frame('mute', { group: 'devs', level }, 5)), 'CHAT_ERR_BAD_FIELD', 5, level);
  }
});

types('size bounds on strings are enforced', () => {
  const cases: [RequestType, Record<string, unknown>][] = [
    ['send', { to: 'bob', text: '' }],
    ['send', { to: 'bob', text: 'x', client_msg_id: '' }],
    ['send', { to: 'bob', text: 'x', client_msg_id: 'm'.repeat(65) }],
    ['send', { to: 'n'.repeat(257), text: 'x' }],
    ['register', { user: '', password: 'long enough' }],
    ['register', { user: 'alice', password: 'p'.repeat(4097) }],
    ['sync', { conversation: '' }],
    ['sync', { conversation: 'c'.repeat(65) }],
    ['group_create', { group: 'g', desc: 'd'.repeat(1025) }],
    ['hello', { version: 1, client: 'c'.repeat(129) }],
  ];
  for (const [type, body] of cases) expectError(parseRequest(frame(type, body, 1)), 'CHAT_ERR_BAD_FIELD', 1, `${type} ${JSON.stringify(body).slice(0, 60)}`);
});

// ---------------------------------------------------------------------------------------------

const frames = suite('parseRequest: malformed frames');

frames('an unknown type gives CHAT_ERR_UNKNOWN_TYPE and echoes the id', () => {
  for (const type of ['nope', 'HELLO', 'Send', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(10_000)]) {
    expectError(parseRequest(JSON.stringify({ id: 9, type })), 'CHAT_ERR_UNKNOWN_TYPE', 9, type.slice(0, 20));
    expectError(parseRequest(JSON.stringify({ id: 'q', type })), 'CHAT_ERR_UNKNOWN_TYPE', 'q', type.slice(0, 20));
  }
});

frames('non-JSON gives CHAT_ERR_BAD_JSON with id null', () => {
  for (const line of ['', ' ', '{', 'hello', '{"id":1,', "{'id':1,'type':'ping'}", '{"id":1,"type":"ping"} trailing', 'NaN', '{"id":1,"type":"ping",}', '\u0000']) {
    expectError(parseRequest(line), 'CHAT_ERR_BAD_JSON', null, JSON.stringify(line));
  }
});

frames('JSON that is not an object gives CHAT_ERR_BAD_FRAME with id null', () => {
  for (const line of ['[]', '[{"id":1,"type":"ping"}]', '42', '-1.5', '"ping"', 'null', 'true', 'false']) {
    expectError(parseRequest(line), 'CHAT_ERR_BAD_FRAME', null, line);
  }
});

frames('an object without a string type gives CHAT_ERR_BAD_FRAME and echoes the id', () => {
  for (const type of [undefined, null, 5, true, ['ping'], { ping: 1 }]) {
    expectError(parseRequest(JSON.stringify({ id: 4, type })), 'CHAT_ERR_BAD_FRAME', 4, JSON.stringify(type));
  }
});

frames('a bad id gives CHAT_ERR_BAD_FIELD with id null', () => {
  for (const id of [{}, { n: 1 }, [], [1], true, 1.5, -0.1, 2 ** 53, -(2 ** 53), 1e300, 'i'.repeat(65), 'i'.repeat(100_000)]) {
    expectError(parseRequest(JSON.stringify({ id, type: 'ping' })), 'CHAT_ERR_BAD_FIELD', null, JSON.stringify(id).slice(0, 30));
  }
});

frames('good ids are echoed as given; a missing or null id is null', () => {
  for (const id of [0, 1, -5, Number.MAX_SAFE_INTEGER, '', 'abc', 'i'.repeat(64), '😀']) {
    const r = parseRequest(JSON.stringify({ id, type: 'ping' }));
    assert.ok(r.ok);
    if (r.ok) assert.is(r.request.id, id);
  }
  for (const line of ['{"type":"ping"}', '{"id":null,"type":"ping"}']) {
    const r = parseRequest(line);
    assert.ok(r.ok);
    if (r.ok) assert.is(r.request.id, null);
  }
});

frames('huge or out-of-range numbers for seq, limit, before, after and version are rejected', () => {
  const huge = [2 ** 53, 1e300, -1, 1.5];
  const cases: [RequestType, Record<string, unknown>, string][] = [
    ['ack', { conversation: 'c1' }, 'seq'],
    ['read', { conversation: 'c1' }, 'seq'],
    ['sync', { conversation: 'c1' }, 'after'],
    ['sync', { conversation: 'c1' }, 'limit'],
    ['history', { with: 'bob' }, 'before'],
    ['history', { with: 'bob' }, 'limit'],
    ['hello', {}, 'version'],
  ];
  for (const [type, base, field] of cases) {
    for (const value of huge) {
      if (field === 'version' && (value === -1)) continue; // any integer is a version; the handler compares it
      expectError(parseRequest(frame(type, { ...base, [field]: value }, 1)), 'CHAT_ERR_BAD_FIELD', 1, `${type}.${field}=${value}`);
    }
  }
  for (const limit of [0, HISTORY_MAX_LIMIT + 1]) {
    expectError(parseRequest(frame('sync', { conversation: 'c1', limit }, 1)), 'CHAT_ERR_BAD_FIELD', 1, `limit ${limit}`);
    expectError(parseRequest(frame('history', { with: 'bob', limit }, 1)), 'CHAT_ERR_BAD_FIELD', 1, `limit ${limit}`);
  }
  assert.ok(parseRequest(frame('sync', { conversation: 'c1', limit: HISTORY_MAX_LIMIT })).ok);
  assert.ok(parseRequest(frame('ack', { conversation: 'c1', seq: Number.MAX_SAFE_INTEGER })).ok);
});

// ---------------------------------------------------------------------------------------------

const hostile = suite('parseRequest: hostile fields');

const SMUGGLED = ['from', 'sender', 'sender_id', 'user_id', 'userId', 'id', 'type', '__proto__', 'constructor', 'prototype', 'admin'];

function smuggle(type: RequestType, body: Record<string, unknown>): string {
  // Written by hand: JSON.stringify would not emit an own "__proto__" key from an object literal.
  const extra = '"from":"mallory","sender":"mallory","sender_id":1,"user_id":1,"userId":1,"admin":true,'
    + '"__proto__":{"polluted":"yes","admin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}';
  const fields = JSON.stringify(body).slice(1, -1);
  return `{"id":1,"type":${JSON.stringify(type)},${extra}${fields ? ',' + fields : ''}}`;
}

for (const type of REQUEST_TYPES) {
  hostile(`${type}: smuggled fields are dropped from the body`, () => {
    const r = parseRequest(smuggle(type, EXAMPLES[type].body));
    assert.ok(r.ok, JSON.stringify(r));
    if (!r.ok) return;
    // A field the type declares is its own (search's `from` filters by author), and the body's
    // value, written after the smuggled one, wins; the equality below checks that.
    for (const key of SMUGGLED.filter((k) => !Object.hasOwn(EXAMPLES[type].fields, k))) {
      assert.not.ok(Object.hasOwn(r.request.body, key), `${type} kept "${key}"`);
    }
    assert.equal(r.request.body, EXAMPLES[type].body);
    assert.is(Object.getPrototypeOf(r.request.body), Object.prototype);
    assert.is((r.request.body as Record<string, unknown>).polluted, undefined);
    assert.is((r.request.body as Record<string, unknown>).admin, undefined);
  });
}

hostile('login by token drops smuggled fields too', () => {
  const r = parseRequest(smuggle('login', { token: 'tok' }));
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.request.body, { token: 'tok' });
});

hostile('Object.prototype is not polluted', () => {
  const probe = {} as Record<string, unknown>;
  assert.is(probe.polluted, undefined);
  assert.is(probe.admin, undefined);
  assert.is(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

hostile('deep nesting returns a result instead of crashing', () => {
  for (const depth of [10_000, 30_000]) {
    const arrays = '['.repeat(depth) + ']'.repeat(depth);
    const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const lines = [
      arrays,
      `{"id":5,"type":"send","to":"bob","text":${arrays}}`,
      `{"id":5,"type":"send","to":"bob","text":${objects}}`,
      `{"id":5,"type":"login","user":${arrays},"password":"x"}`,
      `{"id":5,"type":${arrays}}`,
      `{"id":${arrays},"type":"ping"}`,
    ];
    for (const line of lines) {
      const r = parseRequest(line);
      assert.is(r.ok, false, `depth ${depth}: ${line.slice(0, 40)}`);
      if (!r.ok) assert.ok(['CHAT_ERR_BAD_FIELD', 'CHAT_ERR_BAD_JSON', 'CHAT_ERR_BAD_FRAME'].includes(r.code), r.code);
    }
    // deep nesting in an unknown field is simply dropped
    const r = parseRequest(`{"id":5,"type":"send","to":"bob","text":"hi","extra":${objects}}`);
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.request.body, { to: 'bob', text: 'hi' });
  }
});

// send, ack and read skip the schema when they can (validate.ts, the fast paths); whatever the
// frame, the answer must be the schema's.
const fast = suite('parseRequest: the fast paths agree with the schemas');

const anyValue = fc.oneof(
  fc.string({ maxLength: 70 }), fc.constantFrom('', 'c1', 'c42', 'x'.repeat(64), 'x'.repeat(65), 'bob', '\u0000'),
  fc.integer(), fc.constantFrom(0, -0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 1e300),
  fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}),
  fc.constantFrom(['bob'], ['bob', 'Carol Smith'], [''], [5], Array.from({ length: 51 }, (_, i) => `u${i}`)),
);

for (const type of ['send', 'ack', 'read'] as const) {
  const keys = type === 'send' ? ['to', 'group', 'text', 'client_msg_id', 'mentions'] : ['conversation', 'seq'];
  fast(`${type}: accepted and refused exactly as the schema does, with the same body`, () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...keys, 'extra'), anyValue), (fields) => {
      const frame = { id: 1, type, ...fields };
      const r = parseRequest(JSON.stringify(frame));
      const expected = requestSchemas[type].safeParse(JSON.parse(JSON.stringify(frame)));
      assert.is(r.ok, expected.success, JSON.stringify(frame));
      if (r.ok && expected.success) assert.equal(r.request.body, expected.data);
      if (!r.ok) assert.is(r.code, 'CHAT_ERR_BAD_FIELD');
    }), { numRuns: 3000 });
  });
}

fast('send: mentions are a list of at most 50 names, else CHAT_ERR_BAD_FIELD', () => {
  const ok = parseRequest(frame('send', { group: 'devs', text: 'hi', mentions: ['bob', 'Carol Smith'] }));
  assert.ok(ok.ok && ok.request.type === 'send');
  assert.equal(ok.ok && ok.request.body, { group: 'devs', text: 'hi', mentions: ['bob', 'Carol Smith'] });
  const fifty = Array.from({ length: 50 }, (_, i) => `u${i}`);
  assert.ok(parseRequest(frame('send', { to: 'bob', text: 'x', mentions: fifty })).ok);
  for (const mentions of ['bob', [5], [''], ['x'.repeat(257)], [...fifty, 'one more'], { 0: 'bob' }, null]) {
    expectError(parseRequest(frame('send', { to: 'bob', text: 'x', mentions })), 'CHAT_ERR_BAD_FIELD', 42, JSON.stringify(mentions).slice(0, 40));
  }
});

types.run();
frames.run();
hostile.run();
fast.run();
