/** settledStatus: the lease bucket's configuration is taken only once the cluster settled it (settled-bucket-status.ts). */
import { describe, expect, it } from "vitest";
import { BucketNotSettledError, settledStatus, type BucketStatus } from "../../src/replication/settled-bucket-status.js";

const status = (description: string, created: string, cluster?: { leader?: string }): BucketStatus => ({ description, streamInfo: { created, ...(cluster ? { cluster } : {}) } });
const reads = (...answers: BucketStatus[]) => {
  let i = 0;
  return () => Promise.resolve(answers[i++]!);
};

describe("settledStatus", () => {
  it("takes a status whose stream names a leader and which a second read confirms", async () => {
    const settled = status("base 1", "t1", { leader: "n2" });
    expect(await settledStatus(reads(settled, settled))).toEqual(settled);
  });

  it("takes a single server's status (no cluster section: no such race)", async () => {
    const single = status("base 1", "t1");
    expect(await settledStatus(reads(single, single))).toEqual(single);
  });

  it("refuses a status without a leader, or two reads that disagree (a losing create's answer)", async () => {
    const ghost = status("base 9", "t9", {});
    const settled = status("base 1", "t1", { leader: "n2" });
    await expect(settledStatus(reads(ghost, settled))).rejects.toThrow(new BucketNotSettledError("its stream names no leader yet (a create may still be settling)"));
    const disagree = new BucketNotSettledError("two reads of its configuration disagree (a create may still be settling)");
    await expect(settledStatus(reads(status("base 9", "t9", { leader: "n1" }), settled))).rejects.toThrow(disagree);
    await expect(settledStatus(reads(settled, status("base 1", "t2", { leader: "n2" })))).rejects.toThrow(disagree);
    await expect(settledStatus(reads(settled, ghost))).rejects.toThrow(disagree);
  });
});
