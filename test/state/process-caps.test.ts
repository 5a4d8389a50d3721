/**
 * Process-wide caps in the door: open handles over all channels (limits.maxOpenHandles)
 * and accounts pinned per owner (limits.maxPinnedAccountsPerOwner). Past a cap a command
 * gets RESOURCE_EXHAUSTED and changes nothing; the caps are execution settings, so a
 * replay decides exactly as the live run did; owners survive the journal and snapshots.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import type { ChannelCommand } from "../../src/state/commands.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { ChannelResult } from "../../src/state/results.js";
import type { StateSnapshot } from "../../src/state/sidecar-state.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "./recording-journal.js";
import { stable } from "./door-workload.js";

const account = (n: number) => AccountId.fromU64(n);

function door(limits: Record<string, number> = {}, clock = new ManualClock(1_000)) {
  const state = buildState(parseSidecarConfig(testConfig({ limits })), clock);
  const journal = new RecordingJournal();
  state.attachJournal(journal);
  const run = (channel: bigint, ...commands: ChannelCommand[]) => state.runChannel(channel, commands);
  const seed = (channel: bigint, a: AccountId) =>
    run(channel, { kind: "adjust", accountId: a, adjustments: [balanceAdjustment("USD", { balance: ["abs", "1000000"] })] })[0]!;
  const reserve = (channel: bigint, a: AccountId) => run(channel, { kind: "execute", order: buy("1", "100", { account: a }), commitOnAccept: false })[0]!;
  return { state, journal, run, seed, reserve };
}

function errorOf(r: ChannelResult | undefined) {
  if (r?.kind !== "error") throw new Error(`expected an error, got ${r?.kind}`);
  return { code: r.error.code, field: r.error.field, message: r.error.message };
}

const kinds = (rs: readonly ChannelResult[]) => rs.map((r) => r.kind);

describe("process-wide caps in the door", () => {
  it("a reservation flood over three channels stops at limits.maxOpenHandles; refused commands change nothing", () => {
    const d = door({ maxOpenHandles: 10, maxOpenHandlesPerChannel: 8 });
    const channels = [1, 2, 3].map((n) => {
      const id = d.state.openChannel().channelId;
      d.seed(id, account(n));
      return id;
    });
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (const [i, id] of channels.entries()) outcomes.push(d.reserve(id, account(i + 1)).kind);
    }
    expect(outcomes.filter((k) => k === "executeAccepted")).toHaveLength(10);
    expect(outcomes.filter((k) => k === "error")).toHaveLength(8);
    expect(d.state.openHandleCount()).toBe(10);
    // The refusal names the cap and changes nothing: the next one is refused the same way.
    expect(errorOf(d.reserve(channels[0]!, account(1)))).toEqual({
      code: "RESOURCE_EXHAUSTED",
      field: "commands[0]",
      message: "commands[0]: 10 requests/reservations are open on this sidecar (limits.maxOpenHandles); commit, roll back or discard some first",
    });
    expect(d.state.openHandleCount()).toBe(10);
    // Starts count too; dry runs and committed executes open nothing and still run.
    expect(kinds(d.run(channels[1]!, { kind: "start", order: buy("1", "100", { account: account(2) }) }))).toEqual(["error"]);
    expect(kinds(d.run(channels[1]!, { kind: "executeDryRun", order: buy("1", "100", { account: account(2) }) }))).toEqual(["dryRun"]);
    expect(kinds(d.run(channels[1]!, { kind: "execute", order: buy("1", "100", { account: account(2) }), commitOnAccept: true }))).toEqual(["executeAccepted"]);
    // A channel that ends gives its handles back to everyone.
    d.state.closeChannel(channels[0]!, "disconnect");
    expect(d.state.openHandleCount()).toBeLessThan(10);
    expect(d.reserve(channels[2]!, account(3)).kind).toBe("executeAccepted");
  });

  it("pins per owner: first use and bind are capped per principal; another principal has its own budget", () => {
    const d = door({ maxPinnedAccountsPerOwner: 3 });
    const alice1 = d.state.openChannel("alice").channelId;
    const alice2 = d.state.openChannel("alice").channelId;
    const bob = d.state.openChannel("bob").channelId;
    expect(d.state.channels.get(alice1)!.owner).toBe("alice");
    expect(kinds([d.seed(alice1, account(1)), d.seed(alice1, account(2)), d.seed(alice2, account(3))])).toEqual([
      "adjustment",
      "adjustment",
      "adjustment",
    ]);
    expect(d.state.pinnedAccountCount("alice")).toBe(3);
    expect(errorOf(d.seed(alice2, account(4)))).toEqual({
      code: "RESOURCE_EXHAUSTED",
      field: "commands[0].apply_account_adjustment.account_id",
      message:
        "commands[0].apply_account_adjustment.account_id: 3 accounts are pinned to this principal's channels and at most 3 may be (limits.maxPinnedAccountsPerOwner); release some first",
    });
    expect(d.state.pins.ownerOf(account(4))).toBeUndefined();
    // A bind over the cap changes nothing, not even the accounts that would have fitted.
    expect(errorOf(d.run(alice2, { kind: "bind", accountIds: [account(5), account(6)], takeover: false })[0]).message).toBe(
      "commands[0].bind_accounts.account_ids: 3 accounts are pinned to this principal's channels and at most 3 may be (limits.maxPinnedAccountsPerOwner); release some first",
    );
    expect(d.state.pins.ownerOf(account(5))).toBeUndefined();
    // Moving an account between one owner's channels adds nothing.
    expect(kinds(d.run(alice2, { kind: "bind", accountIds: [account(1), account(1)], takeover: true }))).toEqual(["bind"]);
    expect(d.state.pins.ownerOf(account(1))?.channelId).toBe(alice2);
    // Bob has a budget of his own; taking over one of Alice's accounts moves it to his count.
    expect(kinds(d.run(bob, { kind: "bind", accountIds: [account(7), account(8), account(2)], takeover: true }))).toEqual(["bind"]);
    expect([d.state.pinnedAccountCount("alice"), d.state.pinnedAccountCount("bob")]).toEqual([2, 3]);
    expect(d.seed(alice1, account(4)).kind).toBe("adjustment");
    // Releasing frees the budget.
    d.run(bob, { kind: "release", accountIds: [account(7)] });
    expect(d.seed(bob, account(9)).kind).toBe("adjustment");
  });

  it("replay decides as live did; owners and caps live in the journal and snapshots", () => {
    const d = door({ maxOpenHandles: 4, maxPinnedAccountsPerOwner: 2 });
    const live: string[] = [];
    d.state.onCommand = (o) => live.push(stable(o));
    const a = d.state.openChannel("alice").channelId;
    const b = d.state.openChannel("bob").channelId;
    for (const n of [1, 2, 3]) d.seed(a, account(n));
    for (const n of [4, 5]) d.seed(b, account(n));
    for (let i = 0; i < 3; i++) {
      d.reserve(a, account(1));
      d.reserve(b, account(4));
    }
    expect(d.state.openHandleCount()).toBe(4);

    // A door configured with the defaults, put under the live run's settings (as a journal's settings record would).
    const replayed = door({}, new ManualClock(0));
    replayed.state.applySettings(d.state.executionSettings());
    const again = d.journal.records.map((payload) => stable(replayed.state.replay(payload)));
    expect(again).toEqual(live);
    expect(live.filter((o) => o.includes("RESOURCE_EXHAUSTED"))).toHaveLength(1 + 2); // account 3 (pins), reservations 5 and 6
    expect(replayed.state.channels.get(a)!.owner).toBe("alice");
    expect(replayed.state.openHandleCount()).toBe(4);

    const snapshot = decodePlain(encodePlain(d.state.snapshot())) as StateSnapshot;
    expect(snapshot.channels.map((c) => c.owner)).toEqual(["alice", "bob"]);
    expect(snapshot.settings).toMatchObject({ maxOpenHandles: 4, maxPinnedAccountsPerOwner: 2 });
    const restored = door({}, new ManualClock(0));
    restored.state.restore(snapshot);
    expect([restored.state.pinnedAccountCount("alice"), restored.state.pinnedAccountCount("bob")]).toEqual([2, 2]);
    expect(errorOf(restored.reserve(b, account(4))).code).toBe("RESOURCE_EXHAUSTED");
  });

  it("old journals: an openChannel without an owner is 'local'; settings without the caps mean no caps", () => {
    const d = door({ maxOpenHandles: 1 });
    d.state.replay(encodeCommand({ kind: "settings", ts: 1_000, settings: { maxOpenHandlesPerChannel: 100, reservationTtlMs: 0, knownAccounts: undefined, pinning: true } }));
    expect(d.state.limits.maxOpenHandles).toBeUndefined();
    d.state.replay(encodeCommand({ kind: "openChannel", ts: 1_000 }));
    const channel = [...d.state.channels.values()][0]!;
    expect(channel.owner).toBe("local");
    d.seed(channel.channelId, account(1));
    expect(kinds([d.reserve(channel.channelId, account(1)), d.reserve(channel.channelId, account(1))])).toEqual(["executeAccepted", "executeAccepted"]);
    // A snapshot written before owners restores its channels as 'local'.
    const snapshot = d.state.snapshot();
    const old = { ...snapshot, channels: snapshot.channels.map(({ owner: _owner, ...rest }) => rest) };
    const restored = door({}, new ManualClock(0));
    restored.state.restore(old);
    expect([...restored.state.channels.values()].map((c) => c.owner)).toEqual(["local"]);
    expect(restored.state.pinnedAccountCount("local")).toBe(1);
  });
});
