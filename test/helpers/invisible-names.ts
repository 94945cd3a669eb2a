// Characters that render as nothing, each of which let `alice` + it register as a second account
// that showed as "alice" (issue 14). Ranges are given by both ends.
export const INVISIBLE_CODE_POINTS: readonly number[] = [
  0xe0020, 0xe007f, // tag characters (U+E0020 tag space … U+E007F cancel tag)
  0xe0001, // language tag
  0xfe00, 0xfe0f, // variation selectors
  0xe0100, 0xe01ef, // variation selectors supplement
  0x206a, 0x206f, // deprecated format characters
  0xfff9, 0xfffb, // interlinear annotation characters (format, but not default-ignorable)
  0x1bca0, 0x1bca3, // shorthand format controls
  0x1d173, 0x1d17a, // musical symbol beam and tie controls
  0x17b4, 0x17b5, // Khmer inherent vowels
  0x2800, // Braille pattern blank (neither white space nor default-ignorable)
  0x3164, 0xffa0, 0x115f, 0x1160, // Hangul fillers
];

export const hex = (cp: number) => 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
