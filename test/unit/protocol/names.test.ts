// The naming rule (users and groups) and the password length rule.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkName, checkNewName, checkPassword, nameKey, NAME_MAX_CODE_POINTS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
} from '../../../lib/protocol/names.ts';
import { hex as hexOf, INVISIBLE_CODE_POINTS } from '../../helpers/invisible-names.ts';

function accepted(raw: string): { name: string; key: string } {
  const r = checkName(raw);
  assert.ok(r.ok, `expected ${JSON.stringify(raw)} to be accepted`);
  return r.ok ? r : { name: '', key: '' };
}

// Everything the lookup rule refuses, the rule for new names refuses too.
function rejected(raw: string, label = JSON.stringify(raw)): void {
  assert.is(checkName(raw).ok, false, `expected ${label} to be rejected`);
  assert.is(checkNewName(raw).ok, false, `expected ${label} to be rejected as a new name`);
}

const hex = (s: string) => [...s].map((c) => 'U+' + c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')).join(' ');

// ---------------------------------------------------------------------------------------------

const normal = suite('checkName / nameKey: identity');

normal('decomposed and composed forms are the same name and the same key', () => {
  const composed = accepted('Jos\u00e9');
  const decomposed = accepted('Jose\u0301');
  assert.is(decomposed.name, 'Jos\u00e9', 'the name is stored in NFC');
  assert.is(decomposed.key, composed.key);
  assert.is(nameKey('Jose\u0301'), nameKey('Jos\u00e9'));
  // Hangul jamo compose too
  assert.is(accepted('\u1112\u1161\u11ab').name, '\ud55c');
});

normal('keys are case-insensitive', () => {
  const keys = ['Alice', 'ALICE', 'alice', 'aLiCe'].map((n) => accepted(n).key);
  assert.equal(new Set(keys), new Set(['alice']));
  assert.is(nameKey('ÉMILE'), nameKey('émile'));
  assert.is(nameKey('ΣΟΦΊΑ'), nameKey('σοφία'));
  assert.is(nameKey('ДМИТРИЙ'), nameKey('дмитрий'));
});

normal('ß, SS and capital ẞ share one key', () => {
  const key = nameKey('strasse');
  for (const n of ['straße', 'STRASSE', 'Strasse', 'STRAẞE', 'Straẞe']) assert.is(nameKey(n), key, `${n}`);
});

normal('nameKey is idempotent and the key of a key is itself', () => {
  for (const n of ['Alice', 'straße', 'STRAẞE', 'İstanbul', 'ǅemal', 'ΣΑΣ', '李雷', '😀']) {
    const key = nameKey(n);
    assert.is(nameKey(key), key, n);
    assert.is(nameKey(n.toUpperCase()), key, `${n} upper`);
    assert.is(nameKey(n.toLowerCase()), key, `${n} lower`);
  }
});

normal('the name keeps its case; only the key folds it', () => {
  const r = accepted('McAlister');
  assert.is(r.name, 'McAlister');
  assert.is(r.key, 'mcalister');
});

// ---------------------------------------------------------------------------------------------

const length = suite('checkName: length in code points');

length('50 code points pass, 51 fail', () => {
  assert.is(NAME_MAX_CODE_POINTS, 50);
  accepted('a'.repeat(50));
  rejected('a'.repeat(51), '51 × a');
});

length('50 emoji are 50 code points (100 UTF-16 units) and pass; 51 fail', () => {
  const fifty = '😀'.repeat(50);
  assert.is(fifty.length, 100);
  accepted(fifty);
  rejected('😀'.repeat(51), '51 emoji');
  accepted('𠜎'.repeat(50));
});

length('length is counted after NFC: 50 decomposed é pass', () => {
  const decomposed = 'e\u0301'.repeat(50); // 100 code points before NFC, 50 after
  assert.is(accepted(decomposed).name, '\u00e9'.repeat(50));
});

length('empty names fail', () => {
  rejected('');
});

// ---------------------------------------------------------------------------------------------

const chars = suite('checkName: forbidden characters');

chars('leading or trailing white space fails, inner spaces pass', () => {
  for (const space of [' ', '\u00a0', '\u3000', '\u2003', '\u1680']) {
    rejected(`${space}bob`, `leading ${hex(space)}`);
    rejected(`bob${space}`, `trailing ${hex(space)}`);
  }
  rejected(' ', 'a lone space');
  rejected('\u3000', 'a lone ideographic space');
  assert.is(accepted('Bob Smith').name, 'Bob Smith');
  accepted('山田\u3000太郎');
});

chars('C0 controls, DEL and C1 controls fail anywhere', () => {
  const controls = [0x00, 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f];
  for (const cp of controls) {
    const c = String.fromCodePoint(cp);
    for (const n of [`a${c}b`, `${c}ab`, `ab${c}`, c]) rejected(n, `${hex(c)} in ${JSON.stringify(n)}`);
  }
});

chars('bidi marks, embeddings, overrides and isolates fail', () => {
  const bidi = ['\u200e', '\u200f', '\u061c', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
  for (const c of bidi) rejected(`admin${c}x`, hex(c));
  rejected('\u202egnp.exe', 'RLO spoof');
});

chars('zero-width and invisible characters fail', () => {
  const invisible = ['\u200b', '\u200c', '\u200d', '\u2060', '\u2061', '\u2064', '\ufeff', '\u00ad', '\u034f', '\u180e', '\u3164', '\uffa0', '\u115f', '\u1160'];
  for (const c of invisible) {
    rejected(`bo${c}b`, hex(c));
    rejected(c, `${hex(c)} alone`);
  }
});

chars('line and paragraph separators fail', () => {
  rejected('a\u2028b', 'U+2028');
  rejected('a\u2029b', 'U+2029');
});

chars('lone surrogates fail', () => {
  for (const n of ['\ud800', 'a\udc00b', 'x\ud83d', '\ude00y']) rejected(n, hex(n));
});

chars('ordinary names in many scripts pass', () => {
  for (const n of ['alice', 'Zoë', '李雷', 'Дмитрий', 'محمد', 'שרה', 'नमस्ते', 'o\'brien', 'a.b-c_d', '😀 party', '🇫🇷', 'សុខា', '한글']) {
    accepted(n);
    assert.ok(checkNewName(n).ok, `expected ${n} to be accepted as a new name`);
  }
});

// ---------------------------------------------------------------------------------------------

const invisible = suite('checkNewName: characters that render as nothing');

invisible('every listed code point is refused in a new name, inside, at either end and alone', () => {
  for (const cp of INVISIBLE_CODE_POINTS) {
    const c = String.fromCodePoint(cp);
    for (const n of [`alice${c}`, `${c}alice`, `al${c}ice`, c]) {
      const r = checkNewName(n);
      assert.is(r.ok, false, `${hexOf(cp)} in ${JSON.stringify(n)}`);
      if (!r.ok && checkName(n).ok) assert.is(r.reason, 'contains a character that renders as nothing');
    }
  }
});

invisible('the lookup rule still takes a name made before the new one, and keeps it apart from its twin', () => {
  for (const cp of INVISIBLE_CODE_POINTS.filter((cp) => ![0x3164, 0xffa0, 0x115f, 0x1160].includes(cp))) {
    const twin = `alice${String.fromCodePoint(cp)}`;
    const r = checkName(twin);
    assert.ok(r.ok, `${hexOf(cp)}: an existing account named so must stay reachable`);
    if (r.ok) assert.is.not(r.key, nameKey('alice'), `${hexOf(cp)}: the twin has a key of its own`);
  }
});

invisible('the new-name rule is the lookup rule and nothing invisible: the name and key it gives are the same', () => {
  for (const n of ['Jose\u0301', 'STRAẞE', '😀 party']) assert.equal(checkNewName(n), checkName(n));
});

// ---------------------------------------------------------------------------------------------

const password = suite('checkPassword');

password('7 characters fail, 8 pass', () => {
  assert.is(PASSWORD_MIN_CHARS, 8);
  assert.type(checkPassword('1234567'), 'string');
  assert.is(checkPassword('12345678'), null);
  assert.type(checkPassword(''), 'string');
});

password('length is counted in code points', () => {
  assert.type(checkPassword('😀'.repeat(7)), 'string'); // 14 UTF-16 units, 7 characters
  assert.is(checkPassword('😀'.repeat(8)), null);
});

password('the upper bound holds', () => {
  assert.is(checkPassword('p'.repeat(PASSWORD_MAX_CHARS)), null);
  assert.type(checkPassword('p'.repeat(PASSWORD_MAX_CHARS + 1)), 'string');
});

normal.run();
length.run();
chars.run();
invisible.run();
password.run();
