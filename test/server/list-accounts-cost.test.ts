/**
 * ListAccounts runs on the event loop every order waits behind: a page costs one pass over the
 * open handles, not one per account of the page (found by review: a page of 1000 accounts over
 * 100 000 open reservations held the loop for 15 s, and gateways' keepalives lapsed). Counted,
 * not timed: the handle tables' walks during one page.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { HandleTable } from "../../src/state/handle-table.js";
import { order, seed, startHarness, testConfig, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

describe("ListAccounts over open reservations", () => {
  it("walks each channel's handles once per page, and counts each account's reservations exactly", async () => {
    h = await startHarness(testConfig({ syncMode: "fullSync" }));
    const accounts = Array.from({ length: 20 }, (_, i) => BigInt(i + 1));
    const channels = [h.channel(), h.channel(), h.channel()];
    await channels[0]!.send(...accounts.map((a) => seed("USD", "1000", a)));
    // Account n holds n reservations on channel n % 3, and one more on the next channel for even n.
    const reserve = (accountId: bigint) => ({ case: "executePreTrade", value: { order: order({ accountId, qty: "1", price: "1" }) } }) as const;
    for (const a of accounts) {
      await channels[Number(a % 3n)]!.send(...Array.from({ length: Number(a) }, () => reserve(a)));
      if (a % 2n === 0n) await channels[Number((a + 1n) % 3n)]!.send(reserve(a));
    }
    const walks = vi.spyOn(HandleTable.prototype, "entries");
    const page = await h.admin<op.ListAccountsResponse>("listAccounts", { limit: 20 });
    expect(walks).toHaveBeenCalledTimes(3);
    expect(page.accounts.map((a) => [a.accountId, a.openReservations])).toEqual(accounts.map((a) => [a, Number(a) + (a % 2n === 0n ? 1 : 0)]));
  });

  it("pages in ascending order whatever order the accounts came in: every page the smallest ids past the cursor", async () => {
    h = await startHarness();
    // 47 accounts made in a scrambled order (ids 1..47 visited by a stride coprime to 47).
    const ids = Array.from({ length: 47 }, (_, i) => BigInt(((i * 19) % 47) + 1));
    await h.channel().send(...ids.map((a) => seed("USD", a % 5n === 0n ? "0" : "1", a)));
    for (const [filter, expected] of [
      [{}, ids.map(Number).sort((a, b) => a - b)],
      [{ hasHoldings: true }, ids.map(Number).filter((a) => a % 5 !== 0).sort((a, b) => a - b)],
    ] as const) {
      const seen: number[] = [];
      let after = 0n;
      for (;;) {
        const page = await h.admin<op.ListAccountsResponse>("listAccounts", { ...filter, limit: 4, afterAccountId: after });
        expect(page.total).toBe(BigInt(expected.length));
        seen.push(...page.accounts.map((a) => Number(a.accountId)));
        if (!page.more) break;
        after = page.accounts.at(-1)!.accountId;
      }
      expect(seen).toEqual(expected);
    }
  });
});
