/**
 * A monitor that stops reading: the sidecar holds at most
 * limits.maxQueuedEventsPerSubscriber events for it (plus what the transport already
 * took), then drops it with RESOURCE_EXHAUSTED. A monitor that reads is not affected.
 * Asserted on counts and statuses, not timings.
 */
import { create } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { AccountEventService, SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { fellBehind } from "../../src/server/services/events-service.js";
import { startHarness, testConfig, type Harness } from "./harness.js";

const BOUND = 50;
const MAX_EVENTS = 50_000;

let h: Harness | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await h?.close();
  h = undefined;
});

/** A subscriber on a connection of its own (its flow-control window is not shared with the other's). */
function subscribe(address: string, afterSequence?: bigint) {
  const Ctor = makeGenericClientConstructor(serviceDefinition(AccountEventService), AccountEventService.typeName);
  const client = new Ctor(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  closers.push(() => client.close());
  const call = (client as unknown as { subscribe(r: unknown): ClientReadableStream<SubscribeResponse> }).subscribe(create(SubscribeRequestSchema, afterSequence === undefined ? {} : { afterSequence }));
  const sequences: bigint[] = [];
  call.on("data", (m: SubscribeResponse) => sequences.push(m.event!.sequence));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    call.on("error", (e: ServiceError) => resolve(e));
    call.on("end", () => resolve(undefined));
  });
  return { call, sequences, ended };
}

/** Yields to I/O between publishes, so the transport can move what it can. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Publishes ~1 kB events while the one subscriber is there (it does not read); how many. */
async function publishUntilDropped(hub: Harness["server"]["state"]["events"]): Promise<number> {
  let published = 0;
  while (hub.subscriberCount === 1 && published < MAX_EVENTS) {
    hub.publish({ kind: "policyConfigured", policy: "P".repeat(1000) });
    published++;
    if (published % 10 === 0) await tick();
  }
  return published;
}

describe("a stalled event subscriber", () => {
  it("retained events (recovery's rollbacks) come on top of the bound: a new monitor gets them all", async () => {
    h = await startHarness(testConfig({ limits: { maxQueuedEventsPerSubscriber: BOUND } }));
    const hub = h.server.state.events;
    const retained = 3 * BOUND;
    for (let i = 0; i < retained; i++) hub.publish({ kind: "policyConfigured", policy: "P".repeat(1000) }, true);
    const monitor = subscribe(h.address);
    while (monitor.sequences.length < retained) await tick();
    expect(hub.subscriberCount).toBe(1);
    expect(monitor.sequences).toEqual(Array.from({ length: retained }, (_, i) => BigInt(i + 1)));
  });

  it("is dropped with RESOURCE_EXHAUSTED once it is BOUND events behind; a reading one gets every event", async () => {
    h = await startHarness(testConfig({ limits: { maxQueuedEventsPerSubscriber: BOUND } }));
    const hub = h.server.state.events;
    const slow = subscribe(h.address);
    slow.call.pause();
    const fast = subscribe(h.address);
    while (hub.subscriberCount < 2) await tick();

    // ~1 kB events: the HTTP/2 windows (64 kB) fill after a few dozen.
    const policy = "P".repeat(1000);
    let published = 0;
    // One at a time, each awaited by the reading subscriber: only the paused one falls behind.
    while (hub.subscriberCount === 2 && published < MAX_EVENTS) {
      hub.publish({ kind: "policyConfigured", policy });
      published++;
      while (fast.sequences.length < published) await tick();
    }
    expect(hub.subscriberCount).toBe(1);
    expect(published).toBeLessThan(MAX_EVENTS);
    const publishedAtDrop = published;

    // The fast one keeps going after the slow one is gone.
    for (let i = 0; i < 10; i++, published++) hub.publish({ kind: "policyConfigured", policy: "after" });
    while (fast.sequences.length < published) await tick();
    expect(fast.sequences).toEqual(Array.from({ length: published }, (_, i) => BigInt(i + 1)));

    // The slow one, once it reads: what the transport had taken, in order, then the status.
    slow.call.resume();
    const error = await slow.ended;
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error?.details).toBe(fellBehind(BOUND).details);
    expect(fellBehind(BOUND).details).toBe(
      "subscriber fell behind: more than 50 events were waiting to be read (limits.maxQueuedEventsPerSubscriber); subscribe again with after_sequence = the last sequence received",
    );
    // Exactly: everything handed to the transport arrives; BOUND were queued; one more dropped it.
    expect(slow.sequences.length).toBeGreaterThan(0);
    expect(slow.sequences.length + BOUND + 1).toBe(publishedAtDrop);
    expect(slow.sequences).toEqual(Array.from({ length: slow.sequences.length }, (_, i) => BigInt(i + 1)));
    // The metrics count the monitor dropped and the events it never got (the queue and the one that overflowed it).
    const metrics = await h.server.metrics.registry.metrics();
    expect(metrics).toContain("\nopenpit_event_subscribers_dropped_total 1\n");
    expect(metrics).toContain(`\nopenpit_events_dropped_total ${BOUND + 1}\n`);

    // It subscribes again after the last number it got, as the status says: every event it
    // missed, in order, none twice, then live ones.
    const again = subscribe(h.address, slow.sequences.at(-1)!);
    while (again.sequences.length < published - slow.sequences.length) await tick();
    hub.publish({ kind: "policyConfigured", policy: "live" });
    published++;
    while (again.sequences.length < published - slow.sequences.length) await tick();
    expect([...slow.sequences, ...again.sequences]).toEqual(Array.from({ length: published }, (_, i) => BigInt(i + 1)));
  }, 30_000);

  it("the events kept for resumes do not widen the bound of a monitor that does not resume (found by review)", async () => {
    h = await startHarness(testConfig({ limits: { maxQueuedEventsPerSubscriber: BOUND } }));
    const hub = h.server.state.events;
    // A history of 5 000 events kept for resumes; this monitor asks for none of them.
    for (let i = 0; i < 5_000; i++) hub.publish({ kind: "policyConfigured", policy: "old" });
    const slow = subscribe(h.address);
    slow.call.pause();
    while (hub.subscriberCount < 1) await tick();
    const published = await publishUntilDropped(hub);
    expect(hub.subscriberCount).toBe(0);
    slow.call.resume();
    expect((await slow.ended)?.details).toBe(fellBehind(BOUND).details);
    // Exactly what the transport took, BOUND queued, and the one that overflowed them.
    expect(slow.sequences.length + BOUND + 1).toBe(published);
  }, 30_000);

  // Found by review (session 28): the handed-over events widened the bound for the life of the
  // stream (limit + backlog, 450 here), and the status and log named that number as the limit.
  it("a resumed monitor's bound comes back to BOUND once the kept events it was handed are written", async () => {
    h = await startHarness(testConfig({ limits: { maxQueuedEventsPerSubscriber: BOUND } }));
    const hub = h.server.state.events;
    const handed = 8 * BOUND;
    for (let i = 0; i < handed; i++) hub.publish({ kind: "policyConfigured", policy: "old" });
    const slow = subscribe(h.address, 0n);
    while (slow.sequences.length < handed) await tick(); // it read every one of them
    slow.call.pause();
    const published = await publishUntilDropped(hub);
    expect(hub.subscriberCount).toBe(0);
    slow.call.resume();
    expect((await slow.ended)?.details).toBe(fellBehind(BOUND).details);
    // Exactly what the transport took, BOUND queued, and the one that overflowed them.
    expect(slow.sequences.length - handed + BOUND + 1).toBe(published);
  }, 30_000);
});
