/**
 * A monitor resuming after the last event number it holds (EventHub.resume): the kept events
 * after it, then live ones, each number once; refused, never silently short, when the hub
 * cannot hand over every event after it.
 */
import { describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { EventHub, EventResumeError, type SequencedEvent, type SidecarEvent } from "../../src/state/event-hub.js";

const event = (n: number): SidecarEvent => ({ kind: "reservationsRolledBack", accountId: AccountId.fromU64(BigInt(n)), reservationIds: [], reason: "expired" });
/** Numbers and delivers `count` events (live, durable at once). */
const publish = (hub: EventHub, count: number) => {
  for (let i = 0; i < count; i++) hub.deliver(hub.number(event(i)));
};
const collect = (hub: EventHub, after: bigint) => {
  const seen: bigint[] = [];
  const stop = hub.resume(after, (e: SequencedEvent) => seen.push(e.sequence));
  return { seen, stop };
};
const refusal = (hub: EventHub, after: bigint) => {
  try {
    hub.resume(after, () => {});
  } catch (e) {
    if (e instanceof EventResumeError) return [e.kind, e.message];
    throw e;
  }
  throw new Error("resumed");
};

describe("resuming after an event number", () => {
  it("hands over the kept events after it, then the live ones", () => {
    const hub = new EventHub(100);
    publish(hub, 5);
    const { seen, stop } = collect(hub, 3n);
    expect(seen).toEqual([4n, 5n]);
    publish(hub, 2);
    expect(seen).toEqual([4n, 5n, 6n, 7n]);
    stop();
    publish(hub, 1);
    expect(seen).toHaveLength(4);
    // After the last number: live only; after 0 on a fresh hub: everything.
    expect(collect(hub, 8n).seen).toEqual([]);
    expect(collect(hub, 0n).seen).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  });

  it("an event numbered but not yet durable comes when it is delivered, once", () => {
    const hub = new EventHub(100);
    publish(hub, 2);
    const pending = hub.number(event(3));
    const early = collect(hub, 1n);
    // The monitor already holds 3 (another instance told it): it is not told again.
    const holds3 = collect(hub, 3n);
    expect(early.seen).toEqual([2n]);
    hub.deliver(pending);
    expect(early.seen).toEqual([2n, 3n]);
    expect(holds3.seen).toEqual([]);
  });

  it("events pushed out of the ring: refused NOT_KEPT, not resumed with a hole", () => {
    const hub = new EventHub(3);
    publish(hub, 5);
    expect(refusal(hub, 1n)).toEqual([
      "NOT_KEPT",
      "events after 1 are no longer all kept (the oldest kept is 3; this sidecar keeps the last 3 it saw since it started, limits.eventsKeptForResume): reconcile through QueryAudit and the state reads, then subscribe without after_sequence",
    ]);
    expect(collect(hub, 2n).seen).toEqual([3n, 4n, 5n]);
  });

  it("past the last number this hub gave: refused AHEAD", () => {
    const hub = new EventHub(100);
    publish(hub, 2);
    expect(refusal(hub, 3n)).toEqual([
      "AHEAD",
      "after_sequence 3 is past the last event this sidecar has numbered (2): it is behind the one that event came from (a standby, or state restored from an older point); subscribe where the accounts are served",
    ]);
  });

  it("a replay's events are kept and durable; restored from a snapshot, the kept ones go on and older ones are refused", () => {
    const live = new EventHub(4);
    publish(live, 6);
    const replayed = new EventHub(4);
    for (let i = 0; i < 6; i++) replayed.replayed(replayed.number(event(i)));
    expect(replayed.keptEvents()).toEqual(live.keptEvents());
    expect(collect(replayed, 2n).seen).toEqual([3n, 4n, 5n, 6n]);

    const restored = new EventHub(4);
    restored.restore(live.lastSequence, live.keptEvents());
    expect(collect(restored, 2n).seen).toEqual([3n, 4n, 5n, 6n]);
    expect(refusal(restored, 1n)[0]).toBe("NOT_KEPT");
    // A snapshot from before events were kept: nothing up to its number can be resumed.
    const old = new EventHub(4);
    old.restore(6n, undefined);
    expect(refusal(old, 5n)[0]).toBe("NOT_KEPT");
    expect(collect(old, 6n).seen).toEqual([]);
    // A smaller ring than the snapshot's: its newest events.
    const smaller = new EventHub(2);
    smaller.restore(live.lastSequence, live.keptEvents());
    expect(smaller.keptEvents().map((e) => e.sequence)).toEqual([5n, 6n]);
    expect(refusal(smaller, 3n)[0]).toBe("NOT_KEPT");
  });

  it("keeping none: a resume after the last delivered number only", () => {
    const hub = new EventHub(0);
    publish(hub, 3);
    expect(refusal(hub, 2n)[0]).toBe("NOT_KEPT");
    const { seen } = collect(hub, 3n);
    publish(hub, 1);
    expect(seen).toEqual([4n]);
  });
});
