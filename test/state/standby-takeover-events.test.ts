/**
 * Found by review.
 * A standby relays the events of the records it follows (SidecarState.follow). When it takes
 * over, resumeAfterReplay delivers the unannounced recovery rollbacks to its subscribers: the
 * ones it already relayed while following reach the same monitors a second time.
 */
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { SequencedEvent } from "../../src/state/event-hub.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { RecordingJournal } from "./recording-journal.js";

function door() {
  const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1_000));
  const journal = new RecordingJournal();
  state.attachJournal(journal);
  return { state, journal };
}

describe("standby takeover: relayed recovery rollbacks", () => {
  it("a monitor on the standby hears each rollback once across the takeover", () => {
    const accountId = AccountId.fromU64(ACCOUNT);
    // The first primary: a reservation left open, then it dies.
    const first = door();
    const channel = first.state.openChannel().channelId;
    first.state.runChannel(channel, [{ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["abs", "1000"] })] }]);
    first.state.runChannel(channel, [{ kind: "execute", order: buy("2", "100", { account: accountId }), commitOnAccept: false }]);

    // A second primary recovers it: rolls the reservation back (journaled), and dies before `served`.
    const second = door();
    for (const p of first.journal.records) second.state.replay(p);
    second.state.resumeAfterReplay();
    second.state.closeRecoveredChannels();
    const records = [...first.journal.records, ...second.journal.records];

    // A standby follows the whole journal; a monitor listens to it.
    const standby = door();
    const heard: SequencedEvent[] = [];
    standby.state.events.subscribe((e) => heard.push(e));
    const resumed: SequencedEvent[] = [];
    standby.state.events.resume(0n, (e) => resumed.push(e));
    for (const p of records) standby.state.follow(p);
    const rollbacks = (l: SequencedEvent[]) => l.filter((e) => e.event.kind === "reservationsRolledBack").map((e) => e.sequence);
    expect(rollbacks(heard)).toHaveLength(1);

    // It takes over (journal-replica takeOver → resumeServing → resumeAfterReplay).
    standby.state.resumeAfterReplay();
    expect(rollbacks(heard)).toHaveLength(1);
    expect(rollbacks(resumed)).toHaveLength(1);
  });
});
