/**
 * The refusals of one message's commands, recorded as one audit record per kind of command.
 *
 * Every refusal is journaled and announced to monitors as an `audit_recorded` event once
 * durable. Recorded one by one, a single message of 4 096 out-of-scope commands (the default
 * `maxCommandsPerMessage`) made 4 096 records and events in one burst, and a monitor reading
 * as fast as it could was dropped as a reader that had stopped (more than
 * `maxQueuedEventsPerSubscriber` waiting): any gateway could cut every monitor off (found by
 * review, session 30). Collected per message (per slice of a long one, which runs in its own
 * turn), a refused message costs one record per kind, like any other command. Nothing is
 * lost but past a bound: the record names the accounts the refused commands named
 * (`accountIds`, the first 1000: audit-denial.ts) and says how many commands it stands for;
 * the first refusal's words are its detail.
 */
import type { AccountId } from "../../param/index.js";
import type { Denial } from "../services/service-context.js";
import type { CommandScope } from "./account-scope.js";

interface Collected {
  readonly first: Denial;
  count: number;
  readonly accounts: Set<AccountId>;
}

export class MessageDenials {
  /** By action (`…/Open orders`, `…/Open bind`…), in the order first refused. */
  private readonly byAction = new Map<string, Collected>();

  constructor(private readonly record: (denial: Denial) => void) {}

  /** A refusal of one of the message's commands (bound: passed as `CommandScope.onDenied`). */
  readonly add = (denial: Denial): void => {
    const collected = this.byAction.get(denial.action);
    if (collected === undefined) {
      this.byAction.set(denial.action, { first: denial, count: 1, accounts: new Set(denial.accountIds) });
      return;
    }
    collected.count++;
    for (const id of denial.accountIds ?? []) collected.accounts.add(id);
  };

  /** Records what was collected (one record per action) and starts over. */
  flush(): void {
    if (this.byAction.size === 0) return;
    const all = [...this.byAction.values()];
    this.byAction.clear();
    for (const { first, count, accounts } of all) {
      if (count === 1) {
        this.record(first);
        continue;
      }
      const more = count - 1;
      const { accountIds: _named, ...rest } = first;
      this.record({
        ...rest,
        detail: `${first.detail}; ${more} more in the same message refused alike${accounts.size > 0 ? " (account_ids: every account they named)" : ""}`,
        ...(accounts.size === 0 ? {} : { accountIds: [...accounts] }),
        // The metric counts every refusal, not every record.
        count,
      });
    }
  }
}

/** `scope` with its refusals collected for one message, and the collection to flush after it (none when nothing records refusals). */
export function collectingDenials(scope: CommandScope): { readonly scope: CommandScope; readonly denials: MessageDenials | undefined } {
  if (scope.onDenied === undefined) return { scope, denials: undefined };
  const denials = new MessageDenials(scope.onDenied);
  return { scope: { ...scope, onDenied: denials.add }, denials };
}
