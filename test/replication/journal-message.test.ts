/** Epoch markers: the default group's (kind 2, as before ownership groups) and a group's, which names it. */
import { describe, expect, it } from "vitest";
import { decodeJournalMessage, encodeEpochMessage } from "../../src/replication/journal-message.js";

describe("epoch markers", () => {
  it("the default group's marker keeps its layout (kind 2) and decodes without a group", () => {
    const m = encodeEpochMessage(7n, 42n, "sidecar-a");
    expect(m.readUInt16LE(6)).toBe(2);
    expect(m.length).toBe(16 + 8 + "sidecar-a".length);
    expect(decodeJournalMessage(m)).toEqual({ kind: "epoch", epoch: 7n, firstSequence: 42n, instanceId: "sidecar-a", group: undefined });
  });

  it("a group's marker (kind 3) names the group; a truncated group is refused", () => {
    const m = encodeEpochMessage(9n, 1n, "b-1", "2-3");
    expect(m.readUInt16LE(6)).toBe(3);
    expect(decodeJournalMessage(m)).toEqual({ kind: "epoch", epoch: 9n, firstSequence: 1n, instanceId: "b-1", group: "2-3" });
    expect(() => decodeJournalMessage(m.subarray(0, 16 + 8 + 3))).toThrow("epoch marker's group is truncated");
  });
});
