// Rings for an Alert: BEL to the terminal (tmux and ssh pass it on; tmux turns it into its
// window bell), optionally an OSC 777 or OSC 9 desktop notification for the terminals that
// show them, or a command (such as notify-send) run with execFile, never through a shell, with
// the title and the first line of the message as its last two arguments (or, where its arguments
// name them, {sender}, {conversation} and {text} filled in). The config file's [notifications]
// sets these options (notifyOptionsFrom).
import { execFile } from 'node:child_process';
import { stripControls } from '../client/sanitize.ts';
import type { NotificationConfig } from '../client-config.ts';
import type { Alert } from './notify.ts';

export interface NotifyOptions {
  /** BEL on every alert (default on) */
  bell?: boolean | undefined;
  /** an escape sequence the terminal turns into a desktop notification */
  osc?: 'none' | '777' | '9' | undefined;
  /** argv of a command to run per alert, e.g. ['notify-send', '--app-name=chat']: title and line are appended, unless it names {sender}, {conversation} or {text} */
  command?: readonly string[] | undefined;
  /** alert for direct messages (default on) */
  direct?: boolean | undefined;
  /** alert for mentions of me in a group (default on) */
  mentions?: boolean | undefined;
}

/** The config file's [notifications], as the notifier takes them. */
export function notifyOptionsFrom(n: NotificationConfig): NotifyOptions {
  return {
    bell: n.bell,
    direct: n.direct,
    mentions: n.mentions,
    osc: n.desktop === 'osc777' ? '777' : n.desktop === 'osc9' ? '9' : 'none',
    command: n.desktop === 'command' && n.command ? n.command : undefined,
  };
}

const PLACEHOLDER = /\{(sender|conversation|text)\}/g;

export type Run = (file: string, args: string[], done: (err: Error | null) => void) => void;

const defaultRun: Run = (file, args, done) => {
  execFile(file, args, { timeout: 10_000, windowsHide: true }, (err) => done(err));
};

/** Text for inside an OSC: no controls (they would end it early), no `;` (777's separator), bounded. */
function oscText(text: string): string {
  return stripControls(text).replace(/[\n\t;]/g, ' ').slice(0, 200);
}

export function titleOf(alert: Alert): string {
  return alert.key.startsWith('#') ? `${alert.from} in ${alert.key}` : alert.from;
}

export class Notifier {
  private commandFailed = false;

  constructor(
    private readonly options: NotifyOptions,
    private readonly write: (bytes: string) => void,
    private readonly run: Run = defaultRun,
    private readonly onCommandError: (err: Error) => void = () => {},
  ) {}

  notify(alert: Alert): void {
    if (alert.mention ? this.options.mentions === false : this.options.direct === false) return;
    const title = titleOf(alert);
    let out = this.options.bell === false ? '' : '\x07';
    if (this.options.osc === '777') out += `\x1b]777;notify;${oscText(`chat: ${title}`)};${oscText(alert.line)}\x1b\\`;
    if (this.options.osc === '9') out += `\x1b]9;${oscText(`${title}: ${alert.line}`)}\x1b\\`;
    if (out) this.write(out);
    const cmd = this.options.command;
    if (cmd && cmd.length > 0) {
      const fill: Record<string, string> = { sender: stripControls(alert.from), conversation: stripControls(alert.key), text: stripControls(alert.line) };
      const args = cmd.slice(1).some((a) => a.match(PLACEHOLDER) !== null)
        ? cmd.slice(1).map((a) => a.replace(PLACEHOLDER, (_, name: string) => fill[name]!))
        : [...cmd.slice(1), `chat: ${stripControls(title)}`, stripControls(alert.line)];
      this.run(cmd[0]!, args, (err) => {
        if (err && !this.commandFailed) {
          this.commandFailed = true; // said once, not per message
          this.onCommandError(err);
        }
      });
    }
  }
}
