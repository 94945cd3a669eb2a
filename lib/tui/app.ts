// `chat` with no command: the terminal UI. Wires the controller (network, state) to the view.
import type { ClientTls } from '../client/client.ts';
import type { TuiConfig } from '../client-config.ts';
import { Controller } from './controller.ts';
import { KeyMap } from './keys.ts';
import { Notifier, notifyOptionsFrom, type NotifyOptions } from './notifier.ts';
import { View } from './views/view.ts';

export interface TuiOptions {
  server: string;
  user?: string | undefined;
  /** connect with TLS (from --tls / --ca) */
  tls?: ClientTls | undefined;
  /** the TUI's slice of the resolved config (theme, keys, mouse, timestamps, notifications) */
  config?: TuiConfig | undefined;
  /** overrides of the config's notifications (tests, embedders): bell, OSC, a command */
  notify?: NotifyOptions | undefined;
}

export function runTui(options: TuiOptions): Promise<number> {
  return new Promise((resolve) => {
    let view: View | null = null;
    const keys = new KeyMap(options.config?.keys);
    const notify = { ...(options.config ? notifyOptionsFrom(options.config.notifications) : {}), ...options.notify };
    const notifier = new Notifier(notify, (bytes) => view?.writeRaw(bytes), undefined, (err) =>
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
    view = new View(controller, { config: options.config, keys });
    process.once('SIGTERM', () => controller.quit());
    process.once('SIGHUP', () => controller.quit());
    view.render(controller.state);
  });
}
