/**
 * Found by review: an account added to the file's `accounts.list` before a restart on an
 * existing data directory was admitted (strict list re-applied from the file) but the group
 * and currency its entry names were silently dropped (they only seeded a fresh state), so it
 * traded although its group was HALTED. Now an account the restart admits anew gets them, as
 * journaled admin commands, before serving; for an account the state already admitted the
 * journal's group and currency stay (runtime changes win) and a different entry is warned of.
 */
import { describe, expect, it } from "vitest";
import { sidecarsPerTest } from "./controls-world.js";
import { order, seed, testConfig } from "./harness.js";
import { as } from "./results.js";
import { closeObservedAfterEach, startObserved, tempDataDir } from "../observability/observed-sidecar.js";

const policies = (testConfig().policies as unknown[]).concat([
  { type: "TradingStatePolicy", settings: { states: [{ groupId: 7, state: "HALTED", reason: "desk 7 halted" }] } },
]);
const accounts = (strict: boolean, list: readonly object[]) => ({ policies, accounts: { strict, defaultCurrency: "USD", list } });

type Sidecar = { admin: <Res>(method: string, request: unknown) => Promise<Res>; channel(): { one(c: unknown): Promise<unknown> } };
async function groupCurrencyAccepted(d: Sidecar, accountId: bigint): Promise<{ groupId: number; currency: string; accepted: boolean }> {
  const state = await d.admin<{ groupId: number; currency: string }>("getAccountState", { accountId });
  const ch = d.channel();
  await ch.one(seed("USD", "100000", accountId));
  const decision = as((await ch.one({ case: "executePreTrade", value: { order: order({ accountId, qty: "1" }), commitOnAccept: true } })) as never, "execute");
  return { groupId: state.groupId, currency: state.currency, accepted: decision.accepted };
}

describe("accounts.list entries at a restart on an existing data directory", () => {
  const sidecars = sidecarsPerTest();

  it("strict: an account added to the list gets its entry's group and currency (its HALTED group refuses its orders)", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(testConfig(accounts(true, [{ id: 1 }])), dir, 1_000);
    await first.stop();
    const restarted = await sidecars.durable(testConfig(accounts(true, [{ id: 1 }, { id: 2, group: 7, currency: "EUR" }])), dir, 2_000);
    expect(restarted.sidecar.recovery).toMatchObject({ accountEntriesApplied: [2n], accountEntryDifferences: [] });
    expect(await groupCurrencyAccepted(restarted, 2n)).toEqual({ groupId: 7, currency: "EUR", accepted: false });
    // Journaled under the configuration's name.
    const audit = await restarted.admin<{ records: { actor: string; action: string }[] }>("queryAudit", { actor: "(configuration)" });
    expect(audit.records.map((r) => r.action)).toEqual(["applyAccountEntries"]);
  });

  it("strict: an account the state already admitted keeps the journal's group (moved at runtime), however the file's entry changes", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(testConfig(accounts(true, [{ id: 1 }, { id: 2, group: 3 }])), dir, 1_000);
    await first.admin("unregisterGroup", { accountIds: [2n], groupId: 3 });
    await first.admin("registerGroup", { accountIds: [2n], groupId: 7 });
    await first.stop();
    const restarted = await sidecars.durable(testConfig(accounts(true, [{ id: 1 }, { id: 2, group: 3 }])), dir, 2_000);
    expect(restarted.sidecar.recovery).toMatchObject({ accountEntriesApplied: [], accountEntryDifferences: [{ accountId: 2n, field: "group", file: "3", state: "7" }] });
    expect(await groupCurrencyAccepted(restarted, 2n)).toMatchObject({ groupId: 7, accepted: false });
  });

  it("not strict: an account the state has never seen gets its entry's group and currency; one it has seen keeps its own", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(testConfig(accounts(false, [])), dir, 1_000);
    await first.channel().one(seed("USD", "100", 3n)); // account 3 holds something: seen
    await first.stop();
    const restarted = await sidecars.durable(testConfig(accounts(false, [{ id: 2, group: 7, currency: "EUR" }, { id: 3, group: 7 }])), dir, 2_000);
    expect(restarted.sidecar.recovery).toMatchObject({ accountEntriesApplied: [2n], accountEntryDifferences: [{ accountId: 3n, field: "group", file: "7", state: undefined }] });
    expect(await groupCurrencyAccepted(restarted, 2n)).toEqual({ groupId: 7, currency: "EUR", accepted: false });
    expect(await groupCurrencyAccepted(restarted, 3n)).toEqual({ groupId: 0, currency: "USD", accepted: true });
  });
});

describe("the start-up log of accounts.list entries", () => {
  closeObservedAfterEach();

  it("names the accounts admitted anew, and warns of an entry the state overrides with the account and both values", async () => {
    const dataDir = tempDataDir();
    const first = await startObserved({ dataDir, config: accounts(true, [{ id: 1, currency: "USD" }]) });
    await first.admin("setAccountCurrency", { accountId: 1n, currency: "CHF" });
    await first.close();
    const o = await startObserved({ dataDir, config: accounts(true, [{ id: 1, currency: "USD" }, { id: 2, group: 7 }]) });
    expect(o.log.of("account_entries_applied")).toMatchObject([{ level: "info", accountIds: ["2"] }]);
    const [warning] = o.log.of("account_entry_differs");
    expect(warning).toMatchObject({ level: "warn", accountId: "1", field: "currency", file: "USD", state: "CHF" });
    expect(warning!.msg).toMatch(/account 1 has currency CHF .* names USD/);
    expect(o.log.of("accounts_not_listed")).toEqual([]);
  });

  // Found by review (session 43): a strict list that dropped an account the state keeps
  // something for made its orders and reports refused from then on, and the start said nothing.
  it("warns, naming them, of accounts the state keeps something for that a strict list no longer names", async () => {
    const dataDir = tempDataDir();
    const first = await startObserved({ dataDir, config: accounts(true, [{ id: 1 }, { id: 2 }, { id: 3 }]) });
    await first.admin("setAccountCurrency", { accountId: 2n, currency: "CHF" });
    await first.admin("blockAccount", { accountId: 3n, reason: "under review" });
    await first.close();
    const o = await startObserved({ dataDir, config: accounts(true, [{ id: 1 }]) });
    const [warning] = o.log.of("accounts_not_listed");
    expect(warning).toMatchObject({ level: "warn", count: 2, accountIds: ["2", "3"] });
    expect(warning!.msg).toBe(
      "accounts.strict: 2 accounts the durable state keeps something for (holdings, positions, P&L, a block, a group, a currency or a pin) are not on accounts.list: 2, 3; their orders and reports, and changes that set a control on them, are refused UNKNOWN_NAME until the list names them again",
    );
  });
});
