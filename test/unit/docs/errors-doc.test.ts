// Keeps docs/errors.md and docs/protocol.md in step with the code: every error code is
// documented, no documented code is made up, and every request type is described.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../../lib/protocol/errors.ts';
import { REQUEST_TYPES } from '../../../lib/protocol/messages.ts';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const errorsDoc = read('../../../docs/errors.md');
const protocolDoc = read('../../../docs/protocol.md');

const KNOWN: readonly string[] = Object.keys(ERROR_CODES);
// Digits are allowed: with [A-Z_]+ alone, CHAT_ERR_BAD_UTF8 would be read as an unknown CHAT_ERR_BAD_UTF.
const CODE_PATTERN = /\bCHAT_ERR_[A-Z0-9_]+\b/g;

/** Codes in ERROR_CODES that the text does not name in backticks. */
function undocumented(text: string): string[] {
  return KNOWN.filter((code) => !text.includes('`' + code + '`'));
}

/** CHAT_ERR_ codes the text names that ERROR_CODES does not define. */
function unknownCodes(text: string): string[] {
  return [...new Set(text.match(CODE_PATTERN) ?? [])].filter((code) => !KNOWN.includes(code));
}

/** Request types that are neither in a heading nor in a code span. */
function undescribed(text: string): string[] {
  return REQUEST_TYPES.filter((type) => {
    const heading = new RegExp(`^#{1,6} .*\\b${type}\\b`, 'm');
    return !heading.test(text) && !text.includes('`' + type + '`');
  });
}

test('every code in ERROR_CODES is documented in docs/errors.md, in backticks', () => {
  const missing = undocumented(errorsDoc);
  assert.equal(missing, [], `add these codes to docs/errors.md: ${missing.join(', ')}`);
});

test('docs/errors.md names no code that does not exist', () => {
  const unknown = unknownCodes(errorsDoc);
  assert.equal(unknown, [], `docs/errors.md names codes missing from ERROR_CODES: ${unknown.join(', ')}`);
});

test('docs/protocol.md names no code that does not exist', () => {
  const unknown = unknownCodes(protocolDoc);
  assert.equal(unknown, [], `docs/protocol.md names codes missing from ERROR_CODES: ${unknown.join(', ')}`);
});

test('every request type in REQUEST_TYPES appears in docs/protocol.md as a heading or a code span', () => {
  const missing = undescribed(protocolDoc);
  assert.equal(missing, [], `document these request types in docs/protocol.md: ${missing.join(', ')}`);
});

// The checks above must be able to fail: run them on documents that are wrong on purpose.
test('the checks catch a missing code, a made-up code and a missing request type', () => {
  const all = KNOWN.map((code) => '`' + code + '`').join('\n');
  const dropped = KNOWN.find((code) => code === 'CHAT_ERR_BAD_UTF8')!;
  assert.equal(undocumented(all), []);
  assert.equal(undocumented(all.replace('`' + dropped + '`', '')), [dropped]);
  assert.equal(unknownCodes(all), []);
  assert.equal(unknownCodes(`${all}\nsee CHAT_ERR_NO_SUCH_THING.`), ['CHAT_ERR_NO_SUCH_THING']);
  assert.equal(unknownCodes('CHAT_ERR_BAD_UTF8'), [], 'a code with a digit is read whole');
  const types = REQUEST_TYPES.map((type) => `### \`${type}\``).join('\n');
  assert.equal(undescribed(types), []);
  assert.equal(undescribed(types.replace('### `group_join`', '')), ['group_join']);
});

test.run();
