/**
 * Found by review, session 34: an account of `accounts.list` (no strict list) that the operator
 * took out of its group (UnregisterGroup), or whose currency the operator cleared
 * (SetAccountCurrency with none), was put back by the next start: holding nothing else, it
 * looked new, and its entry applied again as `applyAccountEntries` by (configuration). The
 * operator's change now stays, after a crash (replayed) and after a graceful stop (its last
 * snapshot, nothing replayed), as docs/durability.md promises.
 */
import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { testConfig } from "./harness.js";
import { DurableSidecars } from "./controls-helpers.js";

const CONFIG = testConfig({ accounts: { defaultCurrency: "USD", list: [{ id: 7, group: 5 }, { id: 8, currency: "EUR" }] } });
const sidecars = new DurableSidecars();
afterEach(() => sidecars.cleanup());

describe("an operator's group and currency changes of listed accounts survive a restart", () => {
  for (const mode of ["stop", "crash"] as const) {
    it(`UnregisterGroup and a cleared currency stay in force after a ${mode}, and the start applies no entry`, async () => {
      const dir = sidecars.dataDir();
      const first = await sidecars.start(dir, CONFIG, 10_000);
      expect((await first.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: 7n })).groupId).toBe(5);
      expect((await first.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: 8n })).currency).toBe("EUR");
      await first.admin("unregisterGroup", { accountIds: [7n], groupId: 5 });
      await first.admin("setAccountCurrency", { accountId: 8n, currency: "" });
      await first[mode]();
      const second = await sidecars.start(dir, CONFIG, 20_000);
      const seven = await second.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: 7n });
      const eight = await second.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: 8n });
      expect({ group7: seven.groupId, currency8: eight.currency }).toEqual({ group7: 0, currency8: "USD" });
      const state = second.sidecar.server.state;
      expect(state.audit.toData().records.map((r) => `${r.action} ${r.outcome}`)).toEqual(["unregisterGroup applied", "setAccountCurrency applied"]);
    }, 60_000);
  }
});
