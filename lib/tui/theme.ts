// The TUI's colours, as blessed tags per role. The config file's [theme] names a colour per role;
// NO_COLOR, or a terminal with fewer than 8 colours, selects the monochrome theme, which marks
// the same roles with bold, underline and inverse instead. 256-colour and #rrggbb values are
// passed to blessed, which reduces them to what the terminal's terminfo says it can show.
// Pure: no blessed.

export const THEME_ROLES = ['own', 'others', 'highlight', 'status_fg', 'status_bg', 'focus', 'muted'] as const;
export type ThemeRole = (typeof THEME_ROLES)[number];
export type ThemeColors = Record<ThemeRole, string>;

export const DEFAULT_COLORS: ThemeColors = {
  own: 'cyan',
  others: 'white',
  highlight: 'yellow',
  status_fg: 'white',
  status_bg: 'blue',
  focus: 'cyan',
  muted: 'gray',
};

const BASE = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
export const COLOR_NAMES: readonly string[] = [...BASE, ...BASE.map((c) => `light-${c}`), ...BASE.map((c) => `bright-${c}`), 'gray', 'grey', 'default'];

/** A colour blessed understands in a tag: a name, 0-255, or #rgb / #rrggbb. */
export function isColor(value: string): boolean {
  return COLOR_NAMES.includes(value) || /^(?:\d|[1-9]\d|1\d\d|2[0-4]\d|25[0-5])$/.test(value) || /^#(?:[0-9a-f]{3}){1,2}$/i.test(value);
}

export interface Style {
  open: string;
  close: string;
}

/** What the view draws with: a tag pair per role, and plain colour values for widget styles. */
export interface Theme {
  monochrome: boolean;
  /** `button` is the focused button on the login screen */
  tag: Record<'own' | 'others' | 'highlight' | 'focus' | 'muted' | 'status' | 'button', Style>;
  /** a widget border: focused, not, or an overlay's; undefined leaves the terminal's default */
  border: { focus: string | undefined; idle: string | undefined; overlay: string | undefined };
  status: { fg: string | undefined; bg: string | undefined };
}

const fg = (c: string): Style => ({ open: `{${c}-fg}`, close: `{/${c}-fg}` });
const attr = (a: string): Style => ({ open: `{${a}}`, close: `{/${a}}` });
const none: Style = { open: '', close: '' };

export function resolveTheme(colors: Partial<ThemeColors>, monochrome: boolean): Theme {
  if (monochrome) {
    return {
      monochrome,
      tag: { own: attr('bold'), others: none, highlight: attr('underline'), focus: attr('bold'), muted: none, status: attr('inverse'), button: attr('inverse') },
      border: { focus: undefined, idle: undefined, overlay: undefined },
      status: { fg: undefined, bg: undefined },
    };
  }
  const c = { ...DEFAULT_COLORS, ...colors };
  return {
    monochrome,
    tag: {
      own: fg(c.own), others: fg(c.others), highlight: fg(c.highlight), focus: fg(c.focus), muted: fg(c.muted), status: none,
      button: { open: `{black-fg}{${c.focus}-bg}`, close: `{/${c.focus}-bg}{/black-fg}` },
    },
    border: { focus: c.focus, idle: c.muted, overlay: c.highlight },
    status: { fg: c.status_fg, bg: c.status_bg },
  };
}

/** `text` (already escaped) in a role's style. */
export function paint(style: Style, text: string): string {
  return style.open === '' ? text : style.open + text + style.close;
}
