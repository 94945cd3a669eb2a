// Rings for an Alert: BEL to the terminal (tmux and ssh pass it on; tmux turns it into its
// window bell), optionally an OSC 777 or OSC 9 desktop notification for the terminals that
// show them, or a command (such as notify-send) run with execFile, never through a shell, with
// the title and the first line of the message as its last two arguments.
import { execFile } from 'node:child_process';
import { stripControls } from '../client/sanitize.ts';
import type { Alert } from './notify.ts';

export interface NotifyOptions {
  /** BEL on every alert (default on) */
  bell?: boolean | undefined;
  /** an escape sequence the terminal turns into a desktop notification */
  osc?: 'none' | '777' | '9' | undefined;
  /** argv of a command to run per alert, e.g. ['notify-send', '--app-name=chat']: title and line are appended */
  command?: readonly string[] | undefined;
}

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
    const title = titleOf(alert);
    let out = this.options.bell === false ? '' : '\x07';
    if (this.options.osc === '777') out += `\x1b]777;notify;${oscText(`chat: ${title}`)};${oscText(alert.line)}\x1b\\`;
    if (this.options.osc === '9') out += `\x1b]9;${oscText(`${title}: ${alert.line}`)}\x1b\\`;
    if (out) this.write(out);
    const cmd = this.options.command;
    if (cmd && cmd.length > 0) {
      this.run(cmd[0]!, [...cmd.slice(1), `chat: ${stripControls(title)}`, stripControls(alert.line)], (err) => {
        if (err && !this.commandFailed) {
          this.commandFailed = true; // said once, not per message
          this.onCommandError(err);
        }
      });
    }
  }
}
