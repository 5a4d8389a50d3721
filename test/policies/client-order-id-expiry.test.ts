/**
 * ClientOrderIdPolicy's expiry queue against a from-scratch model (the plain insertion-ordered
 * map pruned from the front, as the policy did before the queue) over random sequences of
 * orders, commits, rollbacks, final reports, time steps, retention changes and restores.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { Price, Quantity, type AccountId } from "../../src/param/index.js";
import { ClientOrderIdPolicy } from "../../src/policies/index.js";
import { seededRandom } from "../../bench/workload.js";
import { AAPL_USD, ACCOUNT, OTHER_ACCOUNT } from "../helpers/start-policies.js";

const IDS = ["A", "B", "C", "D", "E", "F"];
const ACCOUNTS = [ACCOUNT, OTHER_ACCOUNT];
const RETENTIONS = [0, 300, 1_000];

/** The model: key → since, in insertion order; expired entries leave from the front when an order is checked. */
class Model {
  readonly known = new Map<string, { accountId: AccountId; clientOrderId: string; since: number }>();
  constructor(public retentionMs: number) {}
  key(accountId: AccountId, id: string): string {
    return `${accountId}/${id}`;
  }
  expired(since: number, now: number): boolean {
    return this.retentionMs > 0 && now - since >= this.retentionMs;
  }
  prune(now: number): void {
    for (const [k, e] of this.known) {
      if (!this.expired(e.since, now)) return;
      this.known.delete(k);
    }
  }
}

const order = (accountId: AccountId, clientOrderId: string): Order => ({
  operation: { instrument: AAPL_USD, accountId, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString("1")), price: Price.fromString("1") },
  clientOrderId,
});

describe("ClientOrderIdPolicy expiry", () => {
  it("matches the from-scratch model over random sequences", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const clock = new ManualClock(0);
      const policy = new ClientOrderIdPolicy({ retentionMs: pick(RETENTIONS) });
      const engine = Engine.builder().clock(clock).policy(policy).build();
      const model = new Model(policy.settingsDraft().retentionMs);
      let rejected = 0;
      for (let step = 0; step < 400; step++) {
        const r = random();
        const accountId = pick(ACCOUNTS);
        const id = pick(IDS);
        if (r < 0.55) {
          const now = clock.nowMs();
          model.prune(now);
          const known = model.known.has(model.key(accountId, id));
          const result = engine.executePreTrade(order(accountId, id));
          expect(result.ok).toBe(!known);
          if (!result.ok) {
            rejected++;
            continue;
          }
          model.known.set(model.key(accountId, id), { accountId, clientOrderId: id, since: now });
          if (random() < 0.3) {
            result.reservation.rollback();
            model.known.delete(model.key(accountId, id));
          } else result.reservation.commit();
        } else if (r < 0.7) {
          engine.applyExecutionReport({ operation: { instrument: AAPL_USD, accountId, side: "BUY" }, fill: { isFinal: true, leavesQuantity: Quantity.fromString("1") }, clientOrderId: id });
          model.known.delete(model.key(accountId, id));
        } else if (r < 0.9) {
          clock.advance(Math.floor(random() * 400));
        } else if (r < 0.95) {
          const retentionMs = pick(RETENTIONS);
          policy.publishSettings({ retentionMs }, clock.nowMs());
          // What the old retention forgot stays forgotten (found by review: it came back).
          model.prune(clock.nowMs());
          model.retentionMs = retentionMs;
        } else {
          policy.restoreState(policy.snapshotState());
        }
        const snapshot = policy.snapshotState().known.map((e) => [e.accountId, e.clientOrderId, e.since]);
        expect(snapshot).toEqual([...model.known.values()].map((e) => [e.accountId, e.clientOrderId, e.since]));
        expect(policy.size).toBe(model.known.size);
      }
      expect(rejected).toBeGreaterThan(0);
    }
  });
});
