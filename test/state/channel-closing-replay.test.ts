/**
 * Found by review (session 34): a channel message stops at the reject that closes its channel
 * (the two-tier throttle's hard tier); the commands after it are refused, not run. The message
 * is one journal record and the door decides where it stops, so a replay stops at the same
 * command: the same answers and the same state, the later account's order never placed.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { RecordingJournal } from "./recording-journal.js";
import { expectSameState } from "./same-state.js";
import { doorOn, stable, ACCOUNTS } from "./door-workload.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { CLOSED_BY_POLICY_REFUSAL } from "../../src/state/channel-closing.js";
import type { ChannelCommand } from "../../src/state/commands.js";

const THROTTLE = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };
const [A, B] = [ACCOUNTS[0]!, ACCOUNTS[1]!];
const order = (account: typeof A, commitOnAccept: boolean): ChannelCommand => ({ kind: "execute", order: buy("1", "100", { account }), commitOnAccept });

describe("a channel message whose command closes the channel", () => {
  it("refuses the rest of the message, live and in a replay alike", () => {
    const journal = new RecordingJournal();
    const live = doorOn(journal, new ManualClock(1_000), [THROTTLE]);
    const answers: string[] = [];
    live.state.onCommand = (o) => answers.push(stable(o));
    const ch = live.state.openChannel().channelId;
    live.state.runChannel(ch, [A, B].map((accountId) => ({ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["abs", "10000"] })] })));
    live.state.runChannel(ch, [order(A, false), order(A, true), order(A, true)]);
    const closing = live.state.runChannel(ch, [order(A, true), order(B, true), order(B, false)]);
    expect(closing.map((r) => (r.kind === "error" ? [r.error.code, r.error.field, r.error.message] : r.kind === "executeRejected" ? r.rejects.map((x) => x.reason) : r.kind))).toEqual([
      ["throttle hard limit exceeded"],
      ["SHUTTING_DOWN", "", CLOSED_BY_POLICY_REFUSAL],
      ["SHUTTING_DOWN", "", CLOSED_BY_POLICY_REFUSAL],
    ]);
    expect(live.state.engine.book.openOrders(B)).toBe(0);
    expect(live.state.channels.size).toBe(0);

    // openChannel, the seeds, two messages of orders: every record answered.
    expect(answers).toHaveLength(4);
    expect(journal.records).toHaveLength(4);
    const replayed = doorOn(new RecordingJournal(), new ManualClock(0), [THROTTLE]);
    expect(journal.records.map((p) => stable(replayed.state.replay(p)))).toEqual(answers);
    expectSameState(replayed.state, live.state, "replayed from empty");
    expect(replayed.state.engine.book.openOrders(B)).toBe(0);
  });
});
