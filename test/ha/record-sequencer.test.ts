/** The replicated journal's reader puts records back into journal order and settles epochs. */
import { describe, expect, it } from "vitest";
import { RecordSequencer } from "../../src/replication/record-sequencer.js";

const rec = (seq: number) => ({ seq: BigInt(seq), payload: new Uint8Array([seq]) });

function collect(next = 1n, epoch = 0n) {
  const out: string[] = [];
  const s = new RecordSequencer(next, epoch, (r, e) => out.push(`${r.seq}@${e}`));
  return { s, out };
}

describe("RecordSequencer", () => {
  it("delivers records in journal order across messages that reached the stream out of order", () => {
    const { s, out } = collect();
    s.offer(1n, [rec(2), rec(4)]);
    expect(out).toEqual([]);
    s.offer(1n, [rec(1), rec(3)]);
    expect(out).toEqual(["1@1", "2@1", "3@1", "4@1"]);
    expect(s.lastDelivered).toBe(4n);
    expect(s.heldCount).toBe(0);
  });

  it("skips what a snapshot covers and delivers each record once", () => {
    const { s, out } = collect(5n, 1n);
    s.offer(1n, [rec(3), rec(4), rec(5)]);
    s.offer(1n, [rec(5), rec(6)]);
    expect(out).toEqual(["5@1", "6@1"]);
  });

  it("after a takeover, drops the old writer's records past its gap and its older epoch", () => {
    const { s, out } = collect();
    // Writer of epoch 1 got 1, 2 and (behind a gap at 3) 4 and 5 into the stream.
    s.offer(1n, [rec(1), rec(2)]);
    s.offer(1n, [rec(4), rec(5)]);
    expect(out).toEqual(["1@1", "2@1"]);
    // Epoch 2 continues at 3 and writes its own 4 and 5.
    s.offer(2n, [rec(3)]);
    expect(out).toEqual(["1@1", "2@1", "3@2"]);
    expect(s.lastDelivered).toBe(3n);
    s.offer(2n, [rec(4), rec(5)]);
    expect(out).toEqual(["1@1", "2@1", "3@2", "4@2", "5@2"]);
    // A late message of epoch 1 changes nothing.
    s.offer(1n, [rec(6)]);
    expect(out.at(-1)).toBe("5@2");
    expect(s.epoch).toBe(2n);
    expect(s.maxEpochSeen).toBe(2n);
  });

  it("prefers the newer epoch's record when both hold the same sequence", () => {
    const { s, out } = collect();
    s.offer(1n, [rec(2)]);
    s.offer(2n, [rec(2)]);
    s.offer(2n, [rec(1)]);
    expect(out).toEqual(["1@2", "2@2"]);
  });
});
