/**
 * Found by review (session 37): an account (or account+asset) barrier removed and re-added
 * within its window lost the orders already counted, so a flooding account got a fresh
 * budget. OpenPit keeps these sliding logs per account outside the settings (rate_limit.rs,
 * RateLimitSettings: "a removed account key leaves its idle log behind … and the log resumes
 * if the key is re-added").
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { AccountId, instrument, Price, Quantity } from "../../src/param/index.js";
import { RateLimitPolicy } from "../../src/policies/rate-limit/policy.js";
import type { RateLimitSettings } from "../../src/policies/rate-limit/settings.js";

const A = AccountId.fromU64(99224416);
const B = AccountId.fromU64(7);
const orderOf = (accountId: AccountId): Order => ({
  operation: { instrument: instrument("AAPL", "USD"), accountId, side: "BUY", tradeAmount: TradeAmount.quantity(Quantity.fromString("1")), price: Price.fromString("100") },
});
const LIMIT = { maxOrders: 2, windowMs: 60_000 };
const base = (): RateLimitSettings => ({ broker: { maxOrders: 1000, windowMs: 60_000 }, assetBarriers: [], accountBarriers: [], accountAssetBarriers: [] });

function setup(settings: RateLimitSettings) {
  const clock = new ManualClock(0);
  const policy = new RateLimitPolicy(settings);
  const engine = Engine.builder().clock(clock).policy(policy).build();
  const send = (accountId: AccountId = A) => {
    const r = engine.executePreTrade(orderOf(accountId));
    if (r.ok) r.reservation.commit();
    return r;
  };
  const retune = (f: (s: RateLimitSettings) => void) => engine.configure().update("RateLimitPolicy", RateLimitPolicy, f);
  return { clock, policy, engine, send, retune };
}

const rejects = (r: { rejects: readonly { code: string; reason: string; details: string; scope: string }[] }) =>
  r.rejects.map((x) => [x.code, x.reason, x.details, x.scope]);

describe("RateLimitPolicy: account-axis logs survive a barrier's removal", () => {
  it("an account barrier removed and re-added within its window still counts the orders already in its log", () => {
    const { clock, send, retune } = setup({ ...base(), accountBarriers: [{ accountId: A, limit: LIMIT }] });
    for (let i = 0; i < 2; i++) {
      expect(send().ok).toBe(true);
      clock.advance(1_000);
    }
    retune((s) => void (s.accountBarriers = []));
    retune((s) => void (s.accountBarriers = [{ accountId: A, limit: LIMIT }]));
    clock.advance(5_000);
    expect(rejects(send())).toEqual([
      ["RateLimitExceeded", "rate limit exceeded: account barrier", "submitted 3 orders in 60s window, max allowed: 2", "account"],
    ]);
  });

  it("an account+asset barrier removed and re-added within its window does too", () => {
    const pair = { accountId: A, settlementAsset: "USD", limit: LIMIT };
    const { clock, send, retune } = setup({ ...base(), accountAssetBarriers: [pair] });
    expect(send().ok).toBe(true);
    expect(send().ok).toBe(true);
    retune((s) => void (s.accountAssetBarriers = []));
    clock.advance(1_000);
    expect(send().ok).toBe(true); // no barrier: not counted on that axis
    retune((s) => void (s.accountAssetBarriers = [{ ...pair }]));
    expect(rejects(send())).toEqual([
      ["RateLimitExceeded", "rate limit exceeded: account+asset barrier", "submitted 3 orders in 60s window, max allowed: 2", "account"],
    ]);
  });

  it("an idle log survives a snapshot and restore, and resumes when the key is re-added", () => {
    const { clock, policy, send, retune } = setup({ ...base(), accountBarriers: [{ accountId: A, limit: LIMIT }] });
    expect(send().ok).toBe(true);
    clock.advance(500);
    expect(send().ok).toBe(true);
    retune((s) => void (s.accountBarriers = []));
    const snapshot = policy.snapshotState();
    expect(snapshot.idleAccounts).toEqual(new Map([[A, [0, 500]]]));
    expect(snapshot.idleAccountAssets).toBeUndefined();

    const restored = setup(base());
    restored.clock.advance(1_000);
    restored.policy.restoreState(snapshot);
    expect(restored.policy.snapshotState()).toEqual(snapshot);
    restored.retune((s) => void (s.accountBarriers = [{ accountId: A, limit: LIMIT }]));
    expect(rejects(restored.send())).toEqual([
      ["RateLimitExceeded", "rate limit exceeded: account barrier", "submitted 3 orders in 60s window, max allowed: 2", "account"],
    ]);
  });

  it("a snapshot without idle logs (an earlier build's) restores with none: a re-added key starts empty", () => {
    const { policy, send, retune } = setup({ ...base(), accountBarriers: [{ accountId: A, limit: LIMIT }] });
    send();
    send();
    retune((s) => void (s.accountBarriers = []));
    const { idleAccounts: _dropped, ...older } = policy.snapshotState();
    const restored = setup(base());
    restored.policy.restoreState(older);
    expect(restored.policy.snapshotState().idleAccounts).toBeUndefined();
    restored.retune((s) => void (s.accountBarriers = [{ accountId: A, limit: LIMIT }]));
    expect(restored.send().ok).toBe(true);
  });

  it("keeps only logs that counted something: a removed key that never counted leaves nothing; idle logs snapshot sorted by account", () => {
    const { send, retune, policy } = setup({ ...base(), accountBarriers: [{ accountId: A, limit: LIMIT }, { accountId: B, limit: LIMIT }, { accountId: AccountId.fromU64(5), limit: LIMIT }] });
    send(A);
    send(B);
    retune((s) => void (s.accountBarriers = []));
    expect([...(policy.snapshotState().idleAccounts ?? new Map()).keys()]).toEqual([B, A]);
  });

  it("retiring an account drops the idle logs its removed barriers left", () => {
    const { engine, retune, policy } = setup({ ...base(), accountBarriers: [{ accountId: A, limit: LIMIT }] });
    const r = engine.executePreTrade(orderOf(A));
    if (r.ok) r.reservation.rollback(); // counted all the same, and nothing left open to refuse retirement
    retune((s) => void (s.accountBarriers = []));
    expect(policy.snapshotState().idleAccounts?.size).toBe(1);
    expect(engine.retireAccount(A)).toEqual({ ok: true });
    expect(policy.snapshotState().idleAccounts).toBeUndefined();
  });
});
