/**
 * Found by review (session 40, of 36c7692): an account dropped from a strict `accounts.list` at a restart that
 * still holds a P&L line must be clearable so it can be retired ("changes that only undo stay
 * open, for an account a restart dropped from the list", docs/configuration.md). Setting its
 * P&L back to 0 is such an undo, but the P&L setters are refused UNKNOWN_NAME whatever the
 * value, and RetireAccount refuses NON_ZERO_STATE: the state can never be cleared short of
 * re-listing the account and restarting.
 */
import { describe, expect, it } from "vitest";
import type * as rt from "../../gen/openpit/sidecar/v1/retirement_pb.js";
import { testConfig } from "./harness.js";
import { sidecarsPerTest } from "./controls-world.js";

const config = (list: readonly object[]) => testConfig({ accounts: { strict: true, defaultCurrency: "USD", list } });

describe("strict list: an account dropped at a restart, holding a P&L line", () => {
  const sidecars = sidecarsPerTest();

  it("SpotFunds: its P&L can be set back to 0 and it can then be retired", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(config([{ id: 1 }, { id: 2 }]), dir, 1_000);
    await first.admin("setSpotFundsAccountPnl", { policyName: "SpotFundsPolicy", accountId: 2n, state: { state: { case: "value", value: "-5" } } });
    await first.stop();
    const restarted = await sidecars.durable(config([{ id: 1 }]), dir, 2_000);
    expect(await restarted.admin<rt.RetireAccountResponse>("retireAccount", { accountId: 2n })).toMatchObject({ retired: false });
    await restarted.admin("setSpotFundsAccountPnl", { policyName: "SpotFundsPolicy", accountId: 2n, state: { state: { case: "value", value: "0" } } });
    expect(await restarted.admin<rt.RetireAccountResponse>("retireAccount", { accountId: 2n })).toMatchObject({ retired: true, refusals: [] });
  });

  it("PnlBoundsKillSwitch: its accumulator can be set back to 0 and it can then be retired", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(config([{ id: 1 }, { id: 2 }]), dir, 1_000);
    await first.admin("setPnlAccumulator", { policyName: "PnlBoundsKillSwitchPolicy", accountId: 2n, settlementAsset: "USD", pnl: "-5" });
    await first.stop();
    const restarted = await sidecars.durable(config([{ id: 1 }]), dir, 2_000);
    await restarted.admin("setPnlAccumulator", { policyName: "PnlBoundsKillSwitchPolicy", accountId: 2n, settlementAsset: "USD", pnl: "0" });
    expect(await restarted.admin<rt.RetireAccountResponse>("retireAccount", { accountId: 2n })).toMatchObject({ retired: true, refusals: [] });
  });
});
