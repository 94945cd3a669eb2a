import type { AccountStore, AdminActionRow } from '../db/store.ts';
import type { Logger } from '../logger.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import { errorFrame, groupEventPush } from '../protocol/frames.ts';
import type { Sessions } from './sessions.ts';

/** What a node does about each kind of operator action: the sessions it closes, with which code. */
const CLOSES: Partial<Record<AdminActionRow['action'], { code: ErrorCode; why: string }>> = {
  suspend: { code: 'CHAT_ERR_SUSPENDED', why: 'an operator suspended this account' },
  reset_password: { code: 'CHAT_ERR_SESSION_REVOKED', why: 'an operator reset the password of this account' },
  delete_account: { code: 'CHAT_ERR_SESSION_REVOKED', why: 'this account was deleted' },
};

const PAGE = 100;

/**
 * Carries out `chat admin` on this node. The operator's command writes the database only (it
 * cannot reach an embedded node's in-process bus), so every node polls the admin_actions table:
 * one read of its highest id per interval, and the new rows when it moved. Suspending and
 * resetting a password revoke the tokens in the same transaction as the row, so a closed
 * session cannot resume; a login that races the row is caught by login.ts's check.
 */
export class AdminWatch {
  private seen = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<AccountStore, 'lastAdminActionId' | 'adminActionsAfter'>,
    private readonly sessions: Pick<Sessions, 'of'>,
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** a deleted account: the store's caches must forget its name (Store.forgetUsers) */
    private readonly forgetUsers: () => void = () => {},
  ) {}

  /** Starts from the actions already there: they were carried out before this node started. */
  async start(): Promise<void> {
    this.seen = await this.store.lastAdminActionId();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One check; a check still under way is not overlapped. */
  poll(): Promise<void> {
    this.running ??= this.check().finally(() => (this.running = null));
    return this.running;
  }

  private async check(): Promise<void> {
    try {
      if ((await this.store.lastAdminActionId()) <= this.seen) return;
      for (;;) {
        const page = await this.store.adminActionsAfter(this.seen, PAGE);
        for (const action of page) {
          this.apply(action);
          this.seen = action.id;
        }
        if (page.length < PAGE) return;
      }
    } catch (err) {
      this.log.warn({ err }, 'could not read the admin actions; trying again at the next check');
    }
  }

  private apply(a: AdminActionRow): void {
    const close = CLOSES[a.action];
    if (a.action === 'delete_account') this.forgetUsers();
    let closed = 0;
    if (a.action === 'delete_group') {
      // Every node reads the row, so each tells its own sessions of the former members.
      const members = Array.isArray(a.detail.members) ? (a.detail.members as unknown[]).filter((id): id is number => typeof id === 'number') : [];
      const frame = groupEventPush(a.target, 'operator', 'deleted');
      for (const id of members) for (const session of this.sessions.of(id)) session.send(frame);
    }
    if (close && a.targetId !== null) {
      const frame = errorFrame(null, close.code, close.why);
      for (const session of this.sessions.of(a.targetId)) {
        session.end(frame);
        closed++;
      }
    }
    this.log.info({ who: a.actor, what: a.action, target: a.target, targetId: a.targetId, when: new Date(a.at).toISOString(), closed }, 'admin action');
  }
}
