/**
 * Found by review: on one of several owners (`ownership.shards` a subset, changes of shared
 * state declared per instance) ListAccounts lists accounts another instance owns, with the
 * block this instance's engine holds for them. This engine does not follow the other group's
 * journal (docs/high-availability.md), so that block is not the one in force where the account
 * trades: a group block made here applies to this instance's shards only, yet the page showed
 * the other owner's account blocked by it, offered Unblock on it, and listed it under "blocked
 * only". ListAccounts now marks such a row `owned_elsewhere` with its owner and no block, and
 * does not list it as blocked; the page shows whose it is, no block and no action, and does not
 * read its state (only its owner serves it). The gate is the real LeaseOwnershipGate over a
 * stand-in for the leases, as in console-browser-sharded.test.ts.
 */
import { describe, expect, it } from "vitest";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ShardLeases } from "../../src/replication/shard-leases.js";
import { testConfig } from "../server/harness.js";
import { chromiumReady, useConsolePage } from "./console-page.js";
import { consoleAdmin } from "./console-http.js";

const SHARDS = 4;
/** Two configured accounts of group 5, on different shards. */
const MINE = 1n;
const THEIRS = [...Array(40).keys()].map((i) => BigInt(i + 2)).find((id) => shardOf(id, SHARDS) !== shardOf(MINE, SHARDS))!;

/** A gate that owns MINE's shard alone and names instance b as every other shard's owner (several owners, declared per instance). */
function gate(): LeaseOwnershipGate {
  const owned = shardOf(MINE, SHARDS);
  const leases = {
    owns: (s: number) => s === owned,
    heldShards: () => [owned],
    ownerOf: (s: number) => (s === owned ? { owner: "a", address: "127.0.0.1:1" } : { owner: "b", address: "127.0.0.1:2" }),
  } as unknown as ShardLeases;
  return new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: "a", severalOwners: true, perInstance: true });
}

describe.runIf(chromiumReady)("the console page: rows of accounts another owner serves", () => {
  const c = useConsolePage(() =>
    testConfig({ accounts: { defaultCurrency: "USD", strict: true, list: [{ id: Number(MINE), group: 5 }, { id: Number(THEIRS), group: 5 }] } }),
  );
  const row = (id: bigint) => c.page.locator(`tr[data-account="${id}"]`);

  it("a group block made here (its shards only) shows on this instance's account alone; the other owner's row names its owner, offers no action, and is not 'blocked only'", async () => {
    const { h, port, page } = c;
    h.server.attachReplication(gate(), { status: () => ({}) as never, stepDown: () => Promise.reject(new Error("no")) });
    // Declared per instance: the group block applies to this group's engine only.
    expect((await consoleAdmin(port, "BlockGroup", { groupId: 5, reason: "desk closed" })).status).toBe(200);
    // The doors as the page uses them: the list marks the other owner's account, with no block, and leaves it out of "blocked".
    const listed = (await consoleAdmin(port, "ListAccounts", { limit: 200 })).json as { accounts: Record<string, unknown>[] };
    expect(listed.accounts).toEqual([
      expect.objectContaining({ accountId: String(MINE), blockScope: "BLOCK_SCOPE_GROUP" }),
      expect.objectContaining({ accountId: String(THEIRS), ownedElsewhere: { instanceId: "b", address: "127.0.0.1:2" } }),
    ]);
    expect(listed.accounts[1]).not.toHaveProperty("block");
    const blockedOnly = (await consoleAdmin(port, "ListAccounts", { blocked: true, limit: 200 })).json as { accounts: { accountId: string }[] };
    expect(blockedOnly.accounts.map((a) => a.accountId)).toEqual([String(MINE)]);
    expect((await consoleAdmin(port, "GetAccountState", { accountId: String(THEIRS) })).status).toBe(409);

    await page.goto(`http://127.0.0.1:${port}/console/`);
    await row(THEIRS).locator(".refused", { hasText: "served by its owner" }).waitFor({ timeout: 10_000 });
    await row(MINE).locator(".badge.block", { hasText: "blocked: desk closed (group 5's block)" }).waitFor({ timeout: 10_000 });
    expect(await row(MINE).locator('button[data-action="unblock"]').count()).toBe(1);
    // The other owner's row: whose it is, no block, no Block or Unblock.
    expect(await row(THEIRS).locator("td").nth(1).textContent()).toBe("owned elsewhere (instance 'b' at 127.0.0.1:2)");
    expect([await row(THEIRS).getAttribute("class"), await row(THEIRS).locator("button").count(), await row(THEIRS).locator("input").count()]).toEqual(["", 0, 0]);
    expect(await page.locator("#message").isHidden()).toBe(true);

    // "Blocked only": this instance's blocked account, not the other owner's.
    await page.locator("#blocked-only").check();
    await row(THEIRS).waitFor({ state: "detached", timeout: 10_000 });
    await page.locator('#accounts[data-in-flight="0"]').waitFor({ state: "attached" });
    expect(await page.locator("#accounts tbody tr td.num").allTextContents()).toEqual([String(MINE)]);
    // And back: the other owner's row again, still without a block.
    await page.locator("#blocked-only").uncheck();
    await row(THEIRS).locator(".badge.elsewhere").waitFor({ timeout: 10_000 });
    expect(await row(THEIRS).locator(".badge.block").count()).toBe(0);
  });
});
