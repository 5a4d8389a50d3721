/**
 * The console of an instance that does not own every account: one of several active owners
 * (`ownership.shards` a subset) and a standby (owns nothing). Every instance serves the
 * console and a standby delivers the events it applies (docs/high-availability.md), but the
 * page showed no accounts at all (one row refused NOT_OWNER failed the whole table) and never
 * started its live events (found by review, session 34). A standby refuses the reads that
 * name no account too (ListAccounts, QueryAudit, GetPolicySettings: its state may be behind
 * the owner's; found by review, session 37): its page says so, naming the owner, with the
 * status bar and the live events still there. The gate is the real LeaseOwnershipGate over a
 * stand-in for the leases (no NATS), attached as start-failover.ts attaches it.
 */
import { describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { LeaseOwnershipGate } from "../../src/replication/lease-ownership-gate.js";
import { shardOf } from "../../src/replication/shard-of.js";
import type { ShardLeases } from "../../src/replication/shard-leases.js";
import { testConfig } from "../server/harness.js";
import { chromiumReady, useConsolePage } from "./console-page.js";
import { consoleAdmin } from "./console-http.js";

const SHARDS = 4;
/** Two configured accounts on different shards. */
const MINE = 1n;
const THEIRS = [...Array(40).keys()].map((i) => BigInt(i + 2)).find((id) => shardOf(id, SHARDS) !== shardOf(MINE, SHARDS))!;
const OTHER = { owner: "b", address: "127.0.0.1:2" };

/** A gate that owns `owned` (none: a standby) and names instance b as every other shard's owner. */
function gate(owned: number | undefined): LeaseOwnershipGate {
  const leases = {
    owns: (s: number) => s === owned,
    heldShards: () => (owned === undefined ? [] : [owned]),
    ownerOf: (s: number) => (s === owned ? { owner: "a", address: "127.0.0.1:1" } : OTHER),
  } as unknown as ShardLeases;
  const several = owned !== undefined;
  return new LeaseOwnershipGate({ leases, shardCount: SHARDS, instanceId: "a", severalOwners: several, perInstance: several });
}

describe.runIf(chromiumReady)("web console on an instance that does not own every account", () => {
  const c = useConsolePage(() => testConfig({ accounts: { defaultCurrency: "USD", strict: true, list: [{ id: Number(MINE) }, { id: Number(THEIRS) }] } }));

  /** `owned` undefined: a standby, whose replication status says so (the status bar reads it). */
  const attach = (owned: number | undefined) =>
    c.h.server.attachReplication(gate(owned), {
      status: () =>
        (owned === undefined
          ? { role: "standby", instanceId: "a", advertisedAddress: "127.0.0.1:1", shardCount: SHARDS, shards: [], appliedSequence: 0n }
          : {}) as never,
      stepDown: () => Promise.reject(new Error("no")),
    });
  const row = (id: bigint) => c.page.locator(`tr[data-account="${id}"]`);
  /** The gate's refusal of a read that names no account on a standby (it owns no shard). */
  const OWNED_ELSEWHERE = "this instance ('a') owns no shard: instance 'b' at 127.0.0.1:2 does; send it there";
  const refusedText = (id: bigint) => new RegExp(`account ${id} is on shard \\d, which this instance \\('a'\\) does not own: owned by instance 'b' at 127\\.0\\.0\\.1:2; send it there$`);

  it("one of several owners: its own account shows, another's row says who owns it, and the page follows the events", async () => {
    const { h, port, page } = c;
    attach(shardOf(MINE, SHARDS));
    // The doors as the page uses them: both accounts listed, the other's marked with its owner, its state refused.
    expect(((await consoleAdmin(port, "ListAccounts", { limit: 200 })).json as { accounts: { accountId: string }[] }).accounts).toEqual([
      expect.objectContaining({ accountId: String(MINE) }),
      expect.objectContaining({ accountId: String(THEIRS), ownedElsewhere: { instanceId: "b", address: "127.0.0.1:2" } }),
    ]);
    expect((await consoleAdmin(port, "GetAccountState", { accountId: String(THEIRS) })).status).toBe(409);

    // An account handed to another instance after the list was read (here: the list's mark
    // taken out) is refused when its state is read: that row shows the refusal, the rest stand.
    let handedOverSince = true;
    await page.route("**/console/api/admin/ListAccounts", async (route) => {
      if (!handedOverSince) return route.continue();
      const listed = (await (await route.fetch()).json()) as { accounts: Record<string, unknown>[] };
      for (const a of listed.accounts) delete a.ownedElsewhere;
      await route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(listed) });
    });
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await row(THEIRS).locator(".refused").waitFor({ timeout: 10_000 });
    expect(await row(THEIRS).locator(".refused").textContent()).toMatch(refusedText(THEIRS));
    expect([await row(MINE).locator(".refused").count(), await row(MINE).locator("td").nth(4).textContent()]).toEqual([0, "—"]);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });

    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#message").isHidden()).toBe(true);

    // A change to its own account reaches the row and the event list. The list, read as it
    // is again, marks the other's row: whose it is, its state not read.
    handedOverSince = false;
    await h.admin("blockAccount", { accountId: MINE, reason: "compliance hold" });
    await row(MINE).locator(".badge.block", { hasText: "blocked: compliance hold" }).waitFor({ timeout: 10_000 });
    await page.locator("#events li", { hasText: `accountBlocked account ${MINE}` }).waitFor({ timeout: 10_000 });
    await row(THEIRS).locator(".badge.elsewhere").waitFor({ timeout: 10_000 });
    expect(await row(THEIRS).locator("td").allTextContents()).toEqual([String(THEIRS), "owned elsewhere (instance 'b' at 127.0.0.1:2)", "—", "—", "served by its owner", ""]);
  });

  it("a standby: the page says the accounts, policies and audit trail are read at the owner, naming it, and follows the status and the events the standby applies", async () => {
    const { h, port, page } = c;
    attach(undefined);
    // The doors as the page uses them: the reads naming no account are refused, the status answers.
    for (const method of ["ListAccounts", "QueryAudit", "GetPolicySettings"]) {
      const refused = await consoleAdmin(port, method, method === "GetPolicySettings" ? { policyName: "RateLimitPolicy" } : {});
      expect([method, refused.status, refused.json]).toEqual([method, 409, { code: "FAILED_PRECONDITION", kind: "NOT_OWNER", message: OWNED_ELSEWHERE }]);
    }
    expect((await consoleAdmin(port, "GetServerStatus", {})).status).toBe(200);

    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#message", { hasText: OWNED_ELSEWHERE }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#message").textContent()).toBe(
      `the accounts, the policy settings and the audit trail are read at the owner only (this instance's state follows its journal and may be behind): ${OWNED_ELSEWHERE}`,
    );
    expect([await page.locator("#accounts tbody tr").count(), await page.locator("#audit tbody tr").count()]).toEqual([0, 0]);
    // The status bar is the standby's own, and read: its phase says it takes no command, as
    // `openpit status` does ("serving" alone read as an instance that serves; found by review).
    await page.locator("#status dd.alarm", { hasText: "standby, takes no command (server phase: serving)" }).waitFor({ timeout: 10_000 });
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // An event as a standby delivers it: applied from the shared journal, the owner's number.
    const sequence = h.server.state.events.lastSequence + 1n;
    h.server.state.events.relay({ sequence, event: { kind: "reservationsRolledBack", accountId: AccountId.fromU64(THEIRS), reservationIds: [5n], reason: "expired" } });
    await page.locator("#events li", { hasText: `#${sequence} reservationsRolledBack account ${THEIRS}` }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#message").textContent()).toContain(OWNED_ELSEWHERE);

    // It takes a shard over (an owner now): the next refresh lists the accounts and clears the error.
    attach(shardOf(MINE, SHARDS));
    await h.admin("blockAccount", { accountId: MINE, reason: "compliance hold" });
    await row(MINE).locator(".badge.block", { hasText: "blocked: compliance hold" }).waitFor({ timeout: 10_000 });
    await page.locator("#audit tbody tr", { hasText: "blockAccount" }).waitFor({ timeout: 10_000 });
    await page.locator("#message").waitFor({ state: "hidden", timeout: 10_000 });

    // It owns nothing again (fenced, say): the rows and records it showed go with the next refresh, the refusal is shown.
    attach(undefined);
    h.server.state.events.relay({ sequence: h.server.state.events.lastSequence + 1n, event: { kind: "reservationsRolledBack", accountId: AccountId.fromU64(MINE), reservationIds: [7n], reason: "expired" } });
    await page.locator("#message", { hasText: OWNED_ELSEWHERE }).waitFor({ timeout: 10_000 });
    await row(MINE).waitFor({ state: "detached", timeout: 10_000 });
    expect([await page.locator("#accounts tbody tr").count(), await page.locator("#audit tbody tr").count()]).toEqual([0, 0]);
  });

  it("a first refresh that fails for another reason than the token still starts the live events", async () => {
    const { h, port, page } = c;
    // The audit trail cannot be read the first time (a sidecar still recovering answers 503).
    let refused = false;
    await page.route("**/console/api/admin/QueryAudit", async (route) => {
      if (refused) return route.continue();
      refused = true;
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "UNAVAILABLE", message: "the sidecar is recovering" }) });
    });
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#message", { hasText: "the sidecar is recovering" }).waitFor({ timeout: 10_000 });
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // The next event refreshes the page, the audit trail included.
    await h.admin("blockAccount", { accountId: MINE, reason: "compliance hold" });
    await page.locator("#audit tbody tr", { hasText: "blockAccount" }).waitFor({ timeout: 10_000 });
  });

  // Found by review (session 37): the tables were emptied, and the policy editor kept showing
  // the limits it loaded while the instance was active, unmarked.
  it("fenced with the page open: the policy editor is emptied too, and loaded again once the instance owns a shard", async () => {
    const { h, port, page } = c;
    attach(shardOf(MINE, SHARDS));
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    await page.locator("#policy").selectOption("OrderSizeLimitPolicy");
    await expect.poll(() => page.locator("#settings").inputValue(), { timeout: 10_000 }).toContain('"maxQuantity": "1000"');
    // Fenced: the next refresh (an event) is refused NOT_OWNER.
    attach(undefined);
    h.server.state.events.relay({ sequence: h.server.state.events.lastSequence + 1n, event: { kind: "reservationsRolledBack", accountId: AccountId.fromU64(MINE), reservationIds: [7n], reason: "expired" } });
    await page.locator("#message", { hasText: OWNED_ELSEWHERE }).waitFor({ timeout: 10_000 });
    await row(MINE).waitFor({ state: "detached", timeout: 10_000 });
    expect(await page.locator("#settings").inputValue()).toBe("");
    // Owning a shard again, the next refresh loads the editor.
    attach(shardOf(MINE, SHARDS));
    h.server.state.events.relay({ sequence: h.server.state.events.lastSequence + 1n, event: { kind: "reservationsRolledBack", accountId: AccountId.fromU64(MINE), reservationIds: [8n], reason: "expired" } });
    await expect.poll(() => page.locator("#settings").inputValue(), { timeout: 10_000 }).toContain('"maxQuantity": "1000"');
  });
});
