/**
 * The world and the messages of the safe-retry tests (retry-different-order, retry-other-command):
 * ClientOrderIdPolicy keeping ids for good, SpotFunds reserving, the three order commands, and the
 * two rejects a retry that is not its id's first command and order gets (exact, as on the wire).
 */
import { afterEach, describe, it } from "vitest";
import { order } from "./harness.js";
import { controlsConfig, DurableSidecars } from "./controls-helpers.js";

/** That world; `overrides` as controlsConfig takes them (limits, syncMode). */
export const retryConfig = (overrides: Record<string, unknown> = {}) =>
  controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }, { type: "SpotFundsPolicy", settings: {} }], overrides);
export const RETRY_CONFIG = retryConfig();

type OrderInit = Parameters<typeof order>[0];
export const execute = (init: OrderInit, commitOnAccept = false) => ({ case: "executePreTrade", value: { order: order(init), commitOnAccept } }) as const;
export const start = (init: OrderInit) => ({ case: "startPreTrade", value: { order: order(init) } }) as const;
export const dropCopy = (init: OrderInit, commitOnAccept = true) => ({ case: "executePreTradeDropCopy", value: { order: order(init), commitOnAccept } }) as const;

/** The reject a retry gets when its order is not the first one. */
export const DIFFERS = (id: string, field: string, now: string, was: string) => ({
  policy: "ClientOrderIdPolicy",
  code: "REJECT_CODE_DUPLICATE_CLIENT_ORDER_ID",
  reason: "retry differs from the first order",
  details: `the retried order differs from the one first sent with client order id '${id}': ${field} is ${now}, was ${was}; a retry must repeat the first order field for field`,
  scope: "REJECT_SCOPE_ORDER",
});

/** The reject a retry gets when it is not sent as the first order was. */
export const OTHER = (id: string, field: "command" | "commit_on_accept", now: string, was: string) => ({
  policy: "ClientOrderIdPolicy",
  code: "REJECT_CODE_DUPLICATE_CLIENT_ORDER_ID",
  reason: "retry differs from the first command",
  details: `the retried command differs from the one first sent with client order id '${id}': ${field} is ${now}, was ${was}; a retry must repeat the first command (the same command, the same commit_on_accept)`,
  scope: "REJECT_SCOPE_ORDER",
});

type DurableSidecar = Awaited<ReturnType<DurableSidecars["start"]>>;

/**
 * A describe with one test per way a durable sidecar restarts (a crash: the journal replayed;
 * a graceful stop: the snapshot): `before` runs on the first sidecar, `after` on the second,
 * started on the same directory, with what `before` returned.
 */
export function describeRestarts<T>(title: string, test: string, before: (first: DurableSidecar) => Promise<T>, after: (second: DurableSidecar, kept: T) => Promise<void>): void {
  describe(title, () => {
    const sidecars = new DurableSidecars();
    afterEach(async () => {
      await sidecars.cleanup();
    });
    for (const how of ["crash", "stop"] as const) {
      it(`${test} after a ${how === "crash" ? "crash (journal replay)" : "graceful stop (snapshot)"}`, async () => {
        const dir = sidecars.dataDir();
        const first = await sidecars.start(dir, RETRY_CONFIG, 1_000);
        const kept = await before(first);
        await (how === "crash" ? first.crash() : first.stop());
        await after(await sidecars.start(dir, RETRY_CONFIG, 2_000), kept);
      });
    }
  });
}
