// The client's config file (config.toml) and how it joins env and flags: flags > env > file >
// defaults. Pure: bin/cli.ts finds and reads the file and gathers env and flags; this module
// parses, checks and resolves them. A bad file is a CHAT_ERR_CONFIG naming the file, the line
// and the key, and what is allowed there (`chat` exits 2).
import { isAbsolute, join, dirname } from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { z } from 'zod';
import { ChatError } from './protocol/errors.ts';
import { ACTIONS, DEFAULT_KEYS, isKeyName, resolveKeyMap, unbindable, type KeyAction, type KeyTable } from './tui/keys.ts';
import { COLOR_NAMES, DEFAULT_COLORS, isColor, THEME_ROLES, type ThemeColors } from './tui/theme.ts';
import { badTimeField, DEFAULT_TIME_FORMATS, TIME_FIELDS, type TimeFormats } from './tui/time-format.ts';

export const DEFAULT_SERVER = '127.0.0.1:6000';

// ---- where the file is ----

export interface ConfigLocation {
  /** the file to read, or null when the config is skipped */
  path: string | null;
  /** named by CHAT_CONFIG: then a missing file is an error, not "no config" */
  explicit: boolean;
  /** why there is no path */
  skipped?: '--no-config' | 'CHAT_CONFIG=';
}

/** `--no-config` and `CHAT_CONFIG=` skip the file; `CHAT_CONFIG=PATH` names one; else $XDG_CONFIG_HOME/chat/config.toml or ~/.config/chat/config.toml. */
export function locateConfig(o: { noConfig: boolean; chatConfig: string | undefined; xdgConfigHome: string | undefined; home: string }): ConfigLocation {
  if (o.noConfig) return { path: null, explicit: false, skipped: '--no-config' };
  if (o.chatConfig === '') return { path: null, explicit: false, skipped: 'CHAT_CONFIG=' };
  if (o.chatConfig !== undefined) return { path: o.chatConfig, explicit: true };
  // XDG: a relative XDG_CONFIG_HOME is invalid and is ignored
  const base = o.xdgConfigHome && isAbsolute(o.xdgConfigHome) ? o.xdgConfigHome : join(o.home, '.config');
  return { path: join(base, 'chat', 'config.toml'), explicit: false };
}

// ---- the file's schema ----

const colorList = `a colour name (${COLOR_NAMES.filter((c) => !c.startsWith('bright-')).join(', ')}), 0-255 or #rrggbb`;
const color = z.string({ error: `must be ${colorList}` }).refine(isColor, { error: `must be ${colorList}` });
const timeFormat = z
  .string({ error: `must be a string of ${TIME_FIELDS.join(' ')} and text` })
  .refine((f) => badTimeField(f) === null, { error: (i) => `${badTimeField(String(i.input))} is not a field: use ${TIME_FIELDS.join(' ')}` });
const bool = (what: string) => z.boolean({ error: `must be true or false (${what})` });
const keyList = z
  .array(z.string().refine(isKeyName, { error: 'is not a key name: use C-x (Ctrl), M-x (Alt), S-tab, pageup, f1…f12, a letter or a symbol' }), {
    error: 'must be a list of key names, e.g. ["C-n", "down"]',
  })
  .min(1, { error: 'must list at least one key' });

const fileSchema = z.strictObject({
  server: z.string({ error: 'must be "HOST:PORT"' }).regex(/^(\[[^\]]+\]|[^:\s]+)(:\d{1,5})?$/, { error: 'must be "HOST:PORT" (or "[v6]:PORT", or a bare host)' }).optional(),
  user: z.string({ error: 'must be a user name in quotes' }).min(1, { error: 'must not be empty' }).optional(),
  tls: bool('connect with TLS and verify the server').optional(),
  ca: z.string({ error: 'must be the path of a PEM file' }).min(1, { error: 'must not be empty' }).optional(),
  mouse: bool('wheel scrolls, a click opens a conversation').optional(),
  time: z.strictObject({ today: timeFormat.optional(), older: timeFormat.optional() }, { error: 'must be a table: [time]' }).optional(),
  theme: z.strictObject(Object.fromEntries(THEME_ROLES.map((r) => [r, color.optional()])) as Record<(typeof THEME_ROLES)[number], z.ZodOptional<typeof color>>, { error: 'must be a table: [theme]' }).optional(),
  keys: z.strictObject(Object.fromEntries(ACTIONS.map((a) => [a, keyList.optional()])) as Record<KeyAction, z.ZodOptional<typeof keyList>>, { error: 'must be a table: [keys]' }).optional(),
  notifications: z
    .strictObject({
      bell: bool('ring the terminal bell').optional(),
      direct: bool('notify on direct messages').optional(),
      mentions: bool('notify when named in a group').optional(),
      desktop: z.enum(['off', 'osc777', 'osc9', 'command'], { error: 'must be one of "off", "osc777", "osc9", "command"' }).optional(),
      command: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list: the program, then its arguments, e.g. ["notify-send", "{sender}", "{text}"]' }).min(1, { error: 'must name the program' }).optional(),
    }, { error: 'must be a table: [notifications]' })
    .refine((n) => n.desktop !== 'command' || n.command !== undefined, { error: 'desktop = "command" needs command = ["program", "arg", …]', path: ['desktop'] })
    .optional(),
});

export type FileConfig = z.infer<typeof fileSchema>;

/** Keys the schema lists, for the "allowed" part of an unknown-key error. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  const unwrap = (t: z.ZodType): z.ZodType => (t instanceof z.ZodOptional ? unwrap(t.unwrap() as z.ZodType) : t);
  let shape: z.ZodType = fileSchema;
  for (const p of path) {
    shape = unwrap(shape);
    if (!(shape instanceof z.ZodObject)) return [];
    shape = shape.shape[p as string] as z.ZodType;
  }
  shape = unwrap(shape);
  return shape instanceof z.ZodObject ? Object.keys(shape.shape) : [];
}

/** Parses and checks the file's text. Throws CHAT_ERR_CONFIG: "config PATH:LINE: KEY: what is allowed". */
export function parseConfigFile(text: string, path: string): FileConfig {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    if (err instanceof TomlError) throw fileError(path, err.line, null, `not valid TOML: ${err.message.split('\n')[0]}`);
    throw err;
  }
  const result = fileSchema.safeParse(data);
  if (result.success) {
    const keys = result.data.keys;
    if (keys) {
      for (const [action, list] of Object.entries(keys) as [KeyAction, string[] | undefined][]) {
        const i = list?.findIndex((k) => unbindable(action, k) !== null) ?? -1;
        if (i !== -1) throw fileError(path, lineOf(text, ['keys', action]), `keys.${action}[${i}]`, unbindable(action, list![i]!)!);
      }
      const { clash } = resolveKeyMap(keys);
      if (clash) {
        const [a, b] = clash.actions;
        const which = keys[b]?.includes(clash.key) ? b : a;
        throw fileError(path, lineOf(text, ['keys', which]), `keys.${which}`, `"${clash.key}" is already bound to ${which === b ? a : b}: give each key one action`);
      }
    }
    return result.data;
  }
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const at = [...issue.path, key];
    const allowed = allowedKeys(issue.path);
    const why = key === 'password' && issue.path.length === 0
      ? 'passwords do not go in the config file: use --password-stdin or CHAT_PASSWORD'
      : `unknown key; allowed here: ${allowed.join(', ')}`;
    throw fileError(path, lineOf(text, at), dotted(at), why);
  }
  throw fileError(path, lineOf(text, issue.path), dotted(issue.path), issue.message);
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function fileError(path: string, line: number, key: string | null, why: string): ChatError {
  return new ChatError('CHAT_ERR_CONFIG', `config ${path}:${line}:${key ? ` ${key}:` : ''} ${why}`);
}

/** A TOML key as written: bare, or "quoted" / 'quoted'. */
const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const HEADER = new RegExp(String.raw`^\s*\[\[?\s*(${KEY}(?:\s*\.\s*${KEY})*)\s*\]\]?`);
const ASSIGN = new RegExp(String.raw`^\s*(${KEY}(?:\s*\.\s*${KEY})*)\s*=`);

function splitKey(text: string): string[] {
  return [...text.matchAll(new RegExp(KEY, 'g'))].map((m) => m[0].replace(/^["']|["']$/g, ''));
}

/**
 * The line (1-based) where the value at `path` is written: the `key =` line inside its table,
 * else the table's header, else line 1. Only locates, after smol-toml has parsed the text: table
 * headers and `key =` at the start of a line are all it needs to recognise.
 */
export function lineOf(text: string, path: readonly PropertyKey[]): number {
  const want = path.filter((p) => typeof p === 'string') as string[];
  let table: string[] = [];
  let best = { line: 1, depth: 0 };
  const lines = text.split('\n');
  let inMultiline: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = null;
      continue;
    }
    const header = HEADER.exec(line);
    let full: string[] | null = null;
    if (header) {
      table = splitKey(header[1]!);
      full = table;
    } else {
      const assign = ASSIGN.exec(line);
      if (assign) full = [...table, ...splitKey(assign[1]!)];
      const quote = /=\s*("""|''')/.exec(line);
      if (quote && line.split(quote[1]!).length === 2) inMultiline = quote[1]!;
    }
    if (!full) continue;
    let depth = 0;
    while (depth < full.length && depth < want.length && full[depth] === want[depth]) depth++;
    if (depth === full.length && depth > best.depth) best = { line: i + 1, depth };
    if (depth === want.length && depth === full.length) return i + 1;
  }
  return best.line;
}

// ---- resolving ----

export type DesktopNotifications = 'off' | 'osc777' | 'osc9' | 'command';

export interface NotificationConfig {
  bell: boolean;
  direct: boolean;
  mentions: boolean;
  desktop: DesktopNotifications;
  /** desktop = "command": argv, run without a shell; {sender}, {conversation}, {text} are filled in */
  command: string[] | null;
}

/** What the TUI gets: its slice of the resolved config. */
export interface TuiConfig {
  mouse: boolean;
  time: TimeFormats;
  theme: { colors: ThemeColors; monochrome: boolean };
  keys: KeyTable;
  notifications: NotificationConfig;
}

export interface ClientConfig {
  /** the file read, if any */
  file: { path: string | null; loaded: boolean; skipped?: string | undefined };
  server: string;
  user: string | undefined;
  password: string | undefined;
  tls: boolean;
  ca: string | undefined;
  tui: TuiConfig;
}

/** What bin/ gathered: each field undefined when not given there. */
export interface ClientSources {
  file: FileConfig;
  location: ConfigLocation;
  loaded: boolean;
  env: { server?: string | undefined; user?: string | undefined; password?: string | undefined; tls?: boolean | undefined; ca?: string | undefined; noColor: boolean };
  flags: { server?: string | undefined; user?: string | undefined; password?: string | undefined; tls?: boolean | undefined; ca?: string | undefined };
  /** for `~/` in the file's paths */
  home: string;
}

const given = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

/** flags > env > file > defaults, per key. */
export function resolveClientConfig(src: ClientSources): ClientConfig {
  const { file, env, flags } = src;
  const fileCa = file.ca === undefined ? undefined : filePath(file.ca, src.location.path, src.home);
  const ca = given(flags.ca) ?? given(env.ca) ?? fileCa;
  const n = file.notifications ?? {};
  return {
    file: { path: src.location.path, loaded: src.loaded, skipped: src.location.skipped },
    server: given(flags.server) ?? given(env.server) ?? file.server ?? DEFAULT_SERVER,
    user: given(flags.user) ?? given(env.user) ?? file.user,
    password: given(flags.password) ?? given(env.password),
    // --ca implies --tls wherever it comes from
    tls: (flags.tls ?? env.tls ?? file.tls ?? false) || ca !== undefined,
    ca,
    tui: {
      mouse: file.mouse ?? true,
      time: { ...DEFAULT_TIME_FORMATS, ...dropUndefined(file.time ?? {}) },
      theme: { colors: { ...DEFAULT_COLORS, ...dropUndefined(file.theme ?? {}) }, monochrome: env.noColor },
      keys: { ...DEFAULT_KEYS, ...dropUndefined(file.keys ?? {}) } as KeyTable,
      notifications: {
        bell: n.bell ?? true,
        direct: n.direct ?? true,
        mentions: n.mentions ?? true,
        desktop: n.desktop ?? 'off',
        command: n.command ?? null,
      },
    },
  };
}

/** `~/x` from home, a relative path from the config file's directory. */
function filePath(p: string, configPath: string | null, home: string): string {
  if (p === '~' || p.startsWith('~/')) return join(home, p.slice(1));
  if (isAbsolute(p) || !configPath) return p;
  return join(dirname(configPath), p);
}

/**
 * The resolved config for `chat config show`, shaped like the file (so it can be pasted into
 * one), plus where it came from. The password is left out: only whether one is set.
 */
export function showableConfig(c: ClientConfig): Record<string, unknown> {
  const { colors, monochrome } = c.tui.theme;
  const { command, ...notifications } = c.tui.notifications;
  return dropUndefined({
    file: c.file.path,
    file_loaded: c.file.loaded,
    ...(c.file.skipped ? { file_skipped: c.file.skipped } : {}),
    server: c.server,
    user: c.user,
    password_set: c.password !== undefined,
    tls: c.tls,
    ca: c.ca,
    mouse: c.tui.mouse,
    no_color: monochrome,
    time: c.tui.time,
    theme: colors,
    keys: c.tui.keys,
    notifications: command ? { ...notifications, command } : notifications,
  });
}

/** showableConfig as TOML, for people. */
export function showableToml(c: ClientConfig): string {
  const { file, file_loaded, file_skipped, ...rest } = showableConfig(c);
  const from = file_skipped ? `# no config file (skipped by ${file_skipped})` : file_loaded ? `# from ${file}` : `# ${file} does not exist: defaults`;
  return `${from}, then env, then flags\n${stringify(rest)}`;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
