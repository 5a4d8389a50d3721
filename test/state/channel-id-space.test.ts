/**
 * Found by review (session 41): a handle id is `channelId << 32 | seq` and goes on the wire as
 * a uint64, and the channel counter lives as long as the deployment (every snapshot carries it,
 * every restart and takeover continues it). Nothing bounded it: the 2^32-th channel's first
 * reservation got an id past 2^64 − 1, its answer could not be encoded, the process exited,
 * and every restart did the same again. The door now refuses to open a channel past the last
 * id, before anything is recorded.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { AccountId } from "../../src/param/index.js";
import { CommandError } from "../../src/state/command-error.js";
import { LAST_CHANNEL_ID } from "../../src/state/handle-table.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "./recording-journal.js";

const A = AccountId.fromU64(5n);
const UINT64_MAX = (1n << 64n) - 1n;

function stateAt(nextChannelId: bigint) {
  const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1_000));
  const journal = new RecordingJournal();
  state.attachJournal(journal);
  state.nextChannelId = nextChannelId;
  return { state, journal };
}

describe("channel id space", () => {
  it("the last channel id opens, and its reservation ids still fit in a uint64", () => {
    const { state } = stateAt(LAST_CHANNEL_ID);
    const ch = state.openChannel().channelId;
    expect(ch).toBe(0xffff_ffffn);
    state.runChannel(ch, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "1000"] })] }]);
    const [r] = state.runChannel(ch, [{ kind: "execute", order: buy("1", "10", { account: A }), commitOnAccept: false }]);
    expect(r).toMatchObject({ kind: "executeAccepted" });
    const id = (r as { reservationId: bigint }).reservationId;
    expect(id).toBe((0xffff_ffffn << 32n) | 1n);
    expect(id <= UINT64_MAX).toBe(true);
  });

  it("past it, opening a channel is refused RESOURCE_EXHAUSTED and nothing is recorded", () => {
    const { state, journal } = stateAt(LAST_CHANNEL_ID + 1n);
    const before = journal.records.length;
    let refused: unknown;
    try {
      state.openChannel();
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(CommandError);
    expect(refused).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message: `this sidecar's state has issued every channel id (1 to 4294967295): no channel can be opened; the channels already open keep working (docs/operating.md, "Channel ids")`,
    });
    expect(journal.records.length).toBe(before);
    expect(state.nextChannelId).toBe(LAST_CHANNEL_ID + 1n);
  });
});
