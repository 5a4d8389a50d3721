/** A channel message of more than COMMANDS_PER_SLICE commands runs a slice per turn (as the feed's big messages do). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMANDS_PER_SLICE } from "../../src/server/services/account-channel-service.js";
import { CLOSED_BY_POLICY_REFUSAL } from "../../src/state/channel-closing.js";
import type { CommandInit } from "../../src/client/index.js";
import { ACCOUNT, holdingsOf, order, OTHER_ACCOUNT, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { as, errorOf } from "./results.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { recordUntilFenced } from "./fence-notice.js";
import { controlsConfig } from "./controls-world.js";

const THROTTLE = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };

/** A buy of 1 at `price` (held until committed or rolled back). */
const buy = (price: string, accountId = ACCOUNT): CommandInit => ({ case: "executePreTrade", value: { order: order({ qty: "1", price, accountId }) } });

describe("a big channel message is run in slices", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("an order on another channel sent right after it is answered before it; every command runs, in order, with its own index", async () => {
    const big = h.channel();
    const other = h.channel();
    await big.send(seed("USD", "100000"));
    await other.send(seed("USD", "1000", OTHER_ACCOUNT));
    const n = COMMANDS_PER_SLICE * 4 + 5;
    const bad = COMMANDS_PER_SLICE * 3 + 2;
    // One order that cannot be decoded (a bad price), in a late slice: its error names its index in the message.
    const commands = Array.from({ length: n }, (_, i) => buy(i === bad ? "not a number" : "10"));
    const answered: string[] = [];
    const sent = big.send(...commands).then((r) => {
      answered.push("big");
      return r;
    });
    const decided = other.one(buy("10", OTHER_ACCOUNT)).then((r) => {
      answered.push("other");
      return r;
    });
    const [results, decision] = await Promise.all([sent, decided]);
    // The big message's remaining slices ran in later turns, after the other channel's order.
    expect(answered).toEqual(["other", "big"]);
    expect(as(decision, "execute").accepted).toBe(true);
    expect(results).toHaveLength(n);
    results.forEach((r, i) => expect(r.result.case, `command ${i}`).toBe(i === bad ? "error" : "execute"));
    expect(errorOf(results[bad])?.field).toMatch(new RegExp(`^commands\\[${bad}\\]`));
    // Reservation ids follow the commands' order across slices.
    const ids = results.filter((_, i) => i !== bad).map((r) => as(r, "execute").reservationId);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: String(100000 - (n - 1) * 10), held: String((n - 1) * 10) } });
  });

  // Found by review (session 31): a takeover between two slices rolled back reservations the
  // big message had opened, and its AccountsFenced notice reached the channel before the answer
  // that issued them: a gateway reading in order ignored the ids it did not know, then took
  // "accepted, reservation R" for a reservation already gone.
  it("a takeover between its slices: the AccountsFenced notice comes after the answer that issued the ids it names", async () => {
    const big = h.channel();
    const other = h.channel();
    await big.send(seed("USD", "100000"));
    await other.send(seed("USD", "1000", OTHER_ACCOUNT));
    const { wire, fenced: fenceNotice } = recordUntilFenced(big);
    const n = COMMANDS_PER_SLICE * 8;
    const sent = big.send(...Array.from({ length: n }, () => buy("1")));
    const bound = other.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } });
    const [results, bind] = await Promise.all([sent, bound]);
    expect(bind.result.case).toBe("bind");
    await fenceNotice;
    // The takeover landed between slices: the first slice ran before it, the last after it.
    const accepted = results.flatMap((r) => (r.result.case === "execute" && r.result.value.accepted ? [r.result.value.reservationId] : []));
    expect(accepted.length).toBeGreaterThanOrEqual(COMMANDS_PER_SLICE);
    expect(results.at(-1)?.result.case).toBe("error");
    const answerAt = wire.findIndex((m) => m.results.length === n);
    const fencedAt = wire.findIndex((m) => m.notice?.notice.case === "accountsFenced");
    expect(answerAt).toBeGreaterThanOrEqual(0);
    expect(fencedAt).toBeGreaterThan(answerAt);
    const fenced = wire[fencedAt]!.notice!.notice.value as { rolledBackReservationIds: bigint[] };
    const ascending = (ids: bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : 1));
    expect(ascending(fenced.rolledBackReservationIds)).toEqual(accepted);
    expect(await holdingsOf(h)).toMatchObject({ USD: { held: "0" } });
  });

  it("messages behind a big one on the same stream are answered after it, in order", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "1000"));
    const big = ch.send(...Array.from({ length: COMMANDS_PER_SLICE * 2 + 1 }, () => buy("1")));
    const small = ch.send(buy("2"));
    const answered: string[] = [];
    await Promise.all([big.then(() => answered.push("big")), small.then(() => answered.push("small"))]);
    expect(answered).toEqual(["big", "small"]);
    expect(await holdingsOf(h)).toMatchObject({ USD: { held: String(COMMANDS_PER_SLICE * 2 + 1 + 2) } });
  });

  it("a message of exactly COMMANDS_PER_SLICE commands runs in one turn", async () => {
    const big = h.channel();
    const other = h.channel();
    await big.send(seed("USD", "1000"));
    await other.send(seed("USD", "1000", OTHER_ACCOUNT));
    const answered: string[] = [];
    const sent = big.send(...Array.from({ length: COMMANDS_PER_SLICE }, () => buy("1"))).then(() => answered.push("big"));
    const decided = other.one(buy("1", OTHER_ACCOUNT)).then(() => answered.push("other"));
    await Promise.all([sent, decided]);
    expect(answered).toEqual(["big", "other"]);
  });
});

describe("a big channel message after the door closed its channel", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("every command after the closing one is refused SHUTTING_DOWN, in its slice and the later ones, as a later message's would be", async () => {
    h = await startHarness(controlsConfig([THROTTLE]));
    const ch = h.channel();
    const n = COMMANDS_PER_SLICE * 2 + 3;
    const results = await ch.send(...Array.from({ length: n }, () => buy("1")));
    expect(results).toHaveLength(n);
    // The hard limit (3 orders) tripped at the fourth command, in the first slice: the door
    // refused the rest of that slice (session 34: they used to run) and the service every
    // command of the later slices.
    const first = results.slice(0, 4).map((r) => as(r, "execute").rejects.map((x) => x.reason));
    expect(first).toEqual([[], [], ["throttle soft limit exceeded"], ["throttle hard limit exceeded"]]);
    for (let i = 4; i < n; i++) {
      expect(errorOf(results[i]), `command ${i}`).toMatchObject({ code: ErrorCode.SHUTTING_DOWN, message: CLOSED_BY_POLICY_REFUSAL });
    }
    expect(h.server.state.channels.size).toBe(0);
  });
});

describe("a big channel message with the queue bound reached behind it", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it("every message pipelined behind it is answered: reading resumes when the queue empties, with no 'drain' to wait for", async () => {
    h = await startHarness(testConfig({ limits: { maxQueuedMessages: 2 } }));
    const ch = h.channel();
    await ch.send(seed("USD", "100000"));
    const big = ch.send(...Array.from({ length: COMMANDS_PER_SLICE * 8 }, () => buy("1")));
    const small = Array.from({ length: 6 }, () => ch.send(buy("1")).then((r) => r, (e: unknown) => e));
    // Before the fix the stream stayed paused: the last messages were never read and this waited forever.
    const [bigResults, ...smallAnswers] = await Promise.all([big, ...small]);
    expect(bigResults).toHaveLength(COMMANDS_PER_SLICE * 8);
    for (const a of smallAnswers) {
      const r = (a as Awaited<ReturnType<typeof ch.send>>)[0];
      // Queued ones run; one arriving with the queue full is refused, never left unread.
      if (r?.result.case === "error") expect(errorOf(r)?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
      else expect(as(r, "execute").accepted).toBe(true);
    }
  });
});
