/**
 * Found by review: OwnerFollowingChannel.close() cleared its links but kept no closed state,
 * so a later send, or a send pausing for an owner when close() ran, opened a new channel that
 * nothing would end and ran commands (an accepted reservation) after close() had resolved.
 * Now a send after close() is refused, and a retry under way stops with what it has.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwnerFollowingChannel } from "../../src/client/index.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { SHARDS, TTL, reserve, stopTwoOwners, twoOwners, type OwnerNode, type TwoOwners } from "../replication/two-owners.js";
import type { ManualTimers, MemoryLeaseStore } from "../replication/lease-fakes.js";
import { ACCOUNT, seed } from "../server/harness.js";

describe("OwnerFollowingChannel after close()", () => {
  let w: TwoOwners | undefined;
  let a: OwnerNode;
  let timers: ManualTimers;
  let store: MemoryLeaseStore;
  beforeEach(async () => {
    w = await twoOwners([ACCOUNT]);
    ({ a, timers, store } = w);
  });
  afterEach(async () => {
    await stopTwoOwners(w);
  });

  it("a send after close() is refused, not run on a new connection", async () => {
    const ch = new OwnerFollowingChannel(a.h.address);
    await ch.send(seed("USD", "100000"));
    await ch.close();
    const openBefore = a.h.server.state.channels.size;
    const late = await ch.send(reserve(ACCOUNT)).then(
      () => "ran",
      () => "refused",
    );
    const openAfter = a.h.server.state.channels.size;
    await ch.close(); // cleans up what the late send opened
    expect({ late, newChannelsOnServer: openAfter - openBefore }).toEqual({ late: "refused", newChannelsOnServer: 0 });
  });

  it("a send pausing for an owner while close() runs does not reopen a channel once close() resolved", async () => {
    let closed: Promise<void> | undefined;
    const ch = new OwnerFollowingChannel(a.h.address, {
      // During the no-owner pause the gateway shuts down (close()), and A claims its shard back.
      pause: async () => {
        closed = ch.close();
        await closed;
        expect(await a.leases.claim(shardOf(ACCOUNT, SHARDS))).toBeGreaterThan(0);
      },
    });
    // Nobody owns ACCOUNT's shard for a moment.
    store.unreachable = true;
    await timers.advance(TTL);
    store.unreachable = false;
    const openBefore = a.h.server.state.channels.size;
    const outcome = await ch.send(reserve(ACCOUNT)).then(
      (r) => r[0]!.result.case,
      (e: Error) => `rejected: ${e.message}`,
    );
    await closed;
    const openAfter = a.h.server.state.channels.size;
    await ch.close(); // cleans up
    // After close() resolved, nothing may have been run on a new channel.
    expect({ outcome, newChannelsOnServer: openAfter - openBefore }).toEqual({ outcome: expect.stringMatching(/^rejected|^error$/), newChannelsOnServer: 0 });
  });
});
