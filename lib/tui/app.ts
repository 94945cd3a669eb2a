// `chat` with no command: the terminal UI. Wires the controller (network, state) to the view.
import type { ClientTls } from '../client/client.ts';
import { Controller } from './controller.ts';
import { KeyMap, type KeyTable } from './keys.ts';
import { Notifier, type NotifyOptions } from './notifier.ts';
import { View } from './views/view.ts';

export interface TuiOptions {
  server: string;
  user?: string | undefined;
  /** connect with TLS (from --tls / --ca) */
  tls?: ClientTls | undefined;
  /** key bindings (lib/tui/keys.ts: action name → keys); the defaults when absent */
  keys?: KeyTable | undefined;
  /** bell, OSC desktop notifications, a notification command (default: the bell alone) */
  notify?: NotifyOptions | undefined;
}

export function runTui(options: TuiOptions): Promise<number> {
  return new Promise((resolve) => {
    let view: View | null = null;
    const keys = new KeyMap(options.keys);
    const notifier = new Notifier(options.notify ?? {}, (bytes) => view?.writeRaw(bytes), undefined, (err) =>
      controller.dispatch({ t: 'notice', text: `notification command: ${err.message}`, error: true }));
    const controller = new Controller({
      keys,
      alert: (a) => notifier.notify(a),
      server: options.server,
      user: options.user,
      ...(options.tls ? { session: { clientOptions: { tls: options.tls } } } : {}),
      render: (state) => view?.render(state),
      exit: (code) => {
        view?.destroy();
        view = null;
        // blessed leaves stdin flowing; let the process end
        process.stdin.pause();
        if (process.stdin.isTTY) process.stdin.setRawMode(false);
        resolve(code);
      },
    });
    view = new View(controller, { keys });
    process.once('SIGTERM', () => controller.quit());
    process.once('SIGHUP', () => controller.quit());
    view.render(controller.state);
  });
}
