/**
 * Found by review: a handle id naming a channel the door never opened (2^64 - 1: channel
 * 2^32 - 1) was answered FOREIGN_HANDLE "belongs to another channel". It is UNKNOWN_HANDLE;
 * FOREIGN_HANDLE is for a channel the door opened (its id below the door's next channel id).
 * That id is part of the state (snapshotted; each journaled open moves it), so a replay and a
 * start from a snapshot answer as the live run did. An open channel's id it has not issued is
 * UNKNOWN_HANDLE too; a closed channel's, FOREIGN_HANDLE (session 44).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { ChannelCommand } from "../../src/state/commands.js";
import type { StateSnapshot } from "../../src/state/sidecar-state.js";
import { balanceAdjustment } from "../helpers/spot-funds.js";
import { RecordingJournal } from "./recording-journal.js";
import { ACCOUNTS, doorOn, stable } from "./door-workload.js";

const U64_MAX = (1n << 64n) - 1n;
const commit = (reservationId: bigint): ChannelCommand => ({ kind: "commit", reservationId });
const codes = (results: readonly { kind: string; error?: { code: string } }[]) => results.map((r) => (r.kind === "error" ? r.error!.code : r.kind));

describe("a handle naming a channel the door never opened", () => {
  it("is UNKNOWN_HANDLE, live, in a replay and after a snapshot; another opened channel's stays FOREIGN_HANDLE", () => {
    const journal = new RecordingJournal();
    const live = doorOn(journal);
    const answers: string[] = [];
    live.state.onCommand = (o) => answers.push(stable(o));
    const one = live.state.openChannel().channelId;
    const two = live.state.openChannel().channelId;
    live.state.runChannel(one, [{ kind: "adjust", accountId: ACCOUNTS[0]!, adjustments: [balanceAdjustment("USD", { balance: ["abs", "10000"] })] }]);
    const three = ((two + 1n) << 32n) | 1n;
    const probe = [commit(U64_MAX), commit(three), commit((two << 32n) | 1n)];
    // Open, channel two has issued nothing: its first id is no one's yet (found by review, session 43).
    expect(codes(live.state.runChannel(one, probe))).toEqual(["UNKNOWN_HANDLE", "UNKNOWN_HANDLE", "UNKNOWN_HANDLE"]);
    // Closed, how far it got is not kept: any of its ids may have been issued.
    live.state.closeChannel(two, "ended");
    expect(codes(live.state.runChannel(one, probe))).toEqual(["UNKNOWN_HANDLE", "UNKNOWN_HANDLE", "FOREIGN_HANDLE"]);

    // A replay of the journal decides the same.
    const replayed = doorOn(new RecordingJournal(), new ManualClock(0));
    expect(journal.records.map((p) => stable(replayed.state.replay(p)))).toEqual(answers);

    // A snapshot carries the next channel id: restored, the same answers; a channel opened after it makes its ids foreign.
    const resumed = doorOn(new RecordingJournal());
    resumed.state.restore(decodePlain(encodePlain(live.state.snapshot())) as StateSnapshot);
    expect(codes(resumed.state.runChannel(one, probe))).toEqual(["UNKNOWN_HANDLE", "UNKNOWN_HANDLE", "FOREIGN_HANDLE"]);
    expect(resumed.state.openChannel().channelId).toBe(two + 1n);
    expect(codes(resumed.state.runChannel(one, probe))).toEqual(["UNKNOWN_HANDLE", "UNKNOWN_HANDLE", "FOREIGN_HANDLE"]);
    resumed.state.closeChannel(two + 1n, "ended");
    expect(codes(resumed.state.runChannel(one, probe))).toEqual(["UNKNOWN_HANDLE", "FOREIGN_HANDLE", "FOREIGN_HANDLE"]);
  });
});
