/**
 * Found by review (diff35a): a safe retry was answered with its first decision's reservation
 * while that handle was in the channel's table, also once its TTL had passed and the sweep's
 * tick had not come yet: {accepted, reservation_id R, committed false}, and the gateway's
 * commit of R was then refused HANDLE_CONSUMED "expired (its TTL passed) and was rolled back".
 * Past its TTL the reservation is the sweep's, as a commit already treats it: the retry rolls it
 * back as the sweep would (the channel told handlesExpired), the id is freed, and the retry
 * runs as a new order; when a report had named the order (the rollback commits it), the retry
 * is answered committed. A journal replay answers it alike (the door stamps the retry).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ManualClock } from "../../src/engine/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { AccountId } from "../../src/param/index.js";
import type { Order } from "../../src/model/index.js";
import type { ChannelCommand } from "../../src/state/commands.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { RecordingJournal } from "../state/recording-journal.js";
import { stable } from "../state/door-workload.js";
import { expectSameState } from "../state/same-state.js";
import { ACCOUNT, seed, startHarness, type Harness } from "./harness.js";
import { as, errorOf, fill, handleId, json, nextNotice, NoticeTap } from "./results.js";
import { execute, retryConfig } from "./retry-helpers.js";

const CONFIG = retryConfig({ limits: { reservationTtlMs: 500 } });
const commit = (reservationId: bigint) => ({ case: "commitReservation", value: { reservationId } }) as const;

describe("a safe retry of a reservation past its TTL, before the sweep came", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
    // No sweep tick: its timer runs on real time, the clock here is moved by hand.
    h.server.state.sweepExpired = () => {};
  });
  afterEach(async () => {
    await h.close();
  });

  it("rolls it back as the sweep would and runs as a new order, whose reservation commits", async () => {
    const tap = new NoticeTap();
    const c = h.channel(tap.onNotice);
    await c.send(seed("USD", "10000"));
    const first = await c.one(execute({ qty: "1", clientOrderId: "t-1" }));
    const r1 = handleId(1n, 1n);
    expect(as(first, "execute").reservationId).toBe(r1);
    h.clock.advance(499);
    expect(json(await c.one(execute({ qty: "1", clientOrderId: "t-1", retry: true })))).toEqual(json(first)); // still open
    h.clock.advance(1); // due; no sweep has run
    const expired = nextNotice(tap, "handlesExpired");
    const again = await c.one(execute({ qty: "1", clientOrderId: "t-1", retry: true }));
    // A new reservation, the same lock and outcomes (the first one's holds were released).
    const r2 = handleId(1n, 2n);
    const { reservationId: _, ...decided } = (json(first) as { execute: Record<string, unknown> }).execute;
    expect(json(again)).toEqual({ execute: { ...decided, reservationId: r2.toString() } });
    expect((await expired).reservationIds).toEqual([r1]);
    expect(as(await c.one(commit(r2)), "finalize").id).toBe(r2);
    expect(errorOf(await c.one(commit(r1))).code).toBe(ErrorCode.HANDLE_CONSUMED);
    const s = await h.admin<{ openReservations: unknown[] }>("getAccountState", { accountId: ACCOUNT });
    expect(s.openReservations).toEqual([]);
  });

  it("answered committed when a report had named its order (the expiry commits it)", async () => {
    const tap = new NoticeTap();
    const c = h.channel(tap.onNotice);
    await c.send(seed("USD", "10000"));
    const first = await c.one(execute({ qty: "2", clientOrderId: "t-2" }));
    const r1 = as(first, "execute").reservationId;
    await h.feed().publish({ ...fill({ qty: "1", price: "100" }), isFinal: false, leavesQuantity: "1", clientOrderId: "t-2" });
    h.clock.advance(500);
    const expired = nextNotice(tap, "handlesExpired");
    const again = await c.one(execute({ qty: "2", clientOrderId: "t-2", retry: true }));
    const { reservationId: _, ...decided } = (json(first) as { execute: Record<string, unknown> }).execute;
    expect(json(again)).toEqual({ execute: { ...decided, committed: true } });
    expect((await expired).reservationIds).toEqual([r1]);
  });
});

describe("a safe retry past its TTL, replayed", () => {
  const A = AccountId.fromU64(1);
  const door = (clock: ManualClock) => {
    const state = buildState(parseSidecarConfig(CONFIG), clock);
    const journal = new RecordingJournal();
    state.attachJournal(journal);
    return { state, journal };
  };
  const withId = (retry: boolean): Order => ({ ...buy("1", "100", { account: A }), clientOrderId: "X", ...(retry ? { retry: true } : {}) });

  it("gives the same answers and state from the journal", () => {
    const clock = new ManualClock(1_000);
    const live = door(clock);
    const answers: string[] = [];
    live.state.onCommand = (outcome) => answers.push(stable(outcome));
    const ch = live.state.openChannel().channelId;
    const run = (...commands: ChannelCommand[]) => live.state.runChannel(ch, commands);
    run({ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "10000"] })] });
    const [first] = run({ kind: "execute", order: withId(false), commitOnAccept: false });
    clock.advance(500);
    const [again] = run({ kind: "execute", order: withId(true), commitOnAccept: false });
    expect(again).toMatchObject({ kind: "executeAccepted", committed: false, reservationId: (first as { reservationId: bigint }).reservationId + 1n });
    const replayed = door(new ManualClock(0));
    expect(live.journal.records.map((p) => stable(replayed.state.replay(p)))).toEqual(answers);
    expectSameState(replayed.state, live.state, "replayed");
  });
});
