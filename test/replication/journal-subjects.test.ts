/**
 * Journal subjects per ownership group: the default group (every shard) keeps the original
 * layout, a group of some shards has its shards' subjects and a control subject of its own,
 * and records land in the group's lanes (a foreign shard's record stays in the group's
 * journal, on its control subject).
 */
import { describe, expect, it } from "vitest";
import type { AccountId } from "../../src/param/ids.js";
import type { Command } from "../../src/state/commands.js";
import { commandLane, controlSubject, groupName, groupShards, journalSubjects, laneOfShard } from "../../src/replication/journal-subjects.js";
import { snapshotObjectName } from "../../src/replication/object-snapshots.js";
import { shardOf } from "../../src/replication/shard-of.js";

const feed = (...accounts: bigint[]): Command => ({ kind: "feed", ts: 1, reports: accounts.map((a) => ({ operation: { accountId: a as AccountId } })) });
/** The first account id from 1 up on `shard` of 4. */
const onShard = (shard: number, skip = 0): bigint => {
  for (let id = 1n; ; id++) if (shardOf(id, 4) === shard && skip-- === 0) return id;
};

describe("journal subjects of an ownership group", () => {
  it("the default group (no shard list, or every shard listed) keeps <prefix>.<shard> and <prefix>.ctl", () => {
    const all = ["j.0", "j.1", "j.2", "j.3", "j.ctl"];
    expect(journalSubjects({ prefix: "j", shardCount: 4 })).toEqual(all);
    expect(journalSubjects({ prefix: "j", shardCount: 4, shards: [3, 1, 0, 2] })).toEqual(all);
    expect(groupName({ prefix: "j", shardCount: 4, shards: [3, 1, 0, 2] })).toBeUndefined();
    expect(snapshotObjectName("J")).toBe("J.state");
    expect([...laneOfShard({ prefix: "j", shardCount: 4 })]).toEqual([0, 1, 2, 3, 4]);
  });

  it("a group of some shards: its shards in order, then <prefix>.ctl.<group>; its snapshot object is named after it", () => {
    const g = { prefix: "j", shardCount: 4, shards: [1, 0] };
    expect(groupShards(g)).toEqual([0, 1]);
    expect(groupName(g)).toBe("0-1");
    expect(journalSubjects(g)).toEqual(["j.0", "j.1", "j.ctl.0-1"]);
    expect(journalSubjects({ prefix: "j", shardCount: 4, shards: [3, 2] })).toEqual(["j.2", "j.3", "j.ctl.2-3"]);
    expect(controlSubject("j", "2-3")).toBe("j.ctl.2-3");
    expect(snapshotObjectName("J", "0-1")).toBe("J.state.0-1");
    expect(() => groupShards({ prefix: "j", shardCount: 4, shards: [4] })).toThrow("shard 4 does not exist (4 shards)");
  });

  it("records go to the group's lane of their shard; several shards, no account or a foreign shard: the group's control lane", () => {
    const g = { prefix: "j", shardCount: 4, shards: [2, 3] };
    const lanes = laneOfShard(g);
    const subjects = journalSubjects(g);
    const subjectOf = (c: Command | undefined) => subjects[lanes[commandLane(c, 4)]!];
    expect(subjectOf(feed(onShard(2)))).toBe("j.2");
    expect(subjectOf(feed(onShard(3), onShard(3, 1)))).toBe("j.3");
    expect(subjectOf(feed(onShard(2), onShard(3)))).toBe("j.ctl.2-3");
    expect(subjectOf({ kind: "expireReservations", ts: 1 })).toBe("j.ctl.2-3");
    expect(subjectOf(undefined)).toBe("j.ctl.2-3");
    // The gate refuses another group's accounts before the door; were one to get in, it stays in this journal.
    expect(subjectOf(feed(onShard(0)))).toBe("j.ctl.2-3");
  });
});
