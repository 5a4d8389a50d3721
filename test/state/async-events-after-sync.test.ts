/**
 * Found by review (session 37): in `async` durability an answer leaves before the fdatasync of
 * its batch (a crash may lose the batches in flight, as docs/durability.md says), and the
 * events to monitors left with it. An event whose record a crash then lost left monitors
 * holding a number that the restarted sidecar gave to another event, and a monitor resuming
 * after that number missed the other one: the event numbers promise never to be handed out
 * twice. Events now wait for the batch's fdatasync in every mode; answers in async mode still
 * do not.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import type { SequencedEvent } from "../../src/state/event-hub.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { nextTurn, releaseUntilDurable, type HeldFsync } from "./journal/journal-test-helpers.js";
import { useStateOnHeldJournal } from "./held-journal-state.js";

describe("events to monitors in async durability", () => {
  const held = useStateOnHeldJournal("async");
  let state: SidecarState;
  let fsync: HeldFsync;
  let journal: FileJournal;
  beforeEach(() => {
    ({ state, fsync, journal } = held());
  });

  it("an operator's change is answered at once, and its event leaves only once its record is on disk", async () => {
    const heard: SequencedEvent[] = [];
    state.events.subscribe((e) => heard.push(e));
    let answered = false;
    state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(42n), reason: "review" });
    state.afterDurable(() => (answered = true));
    expect(answered).toBe(true);
    await nextTurn();
    expect(fsync.count()).toBe(1);
    expect(heard).toEqual([]);
    await releaseUntilDurable(journal, fsync);
    expect(heard.map((e) => [e.sequence, e.event.kind])).toEqual([
      [1n, "accountBlocked"],
      [2n, "cancelWorkingOrdersSent"],
      [3n, "auditRecorded"],
    ]);
  });
});
