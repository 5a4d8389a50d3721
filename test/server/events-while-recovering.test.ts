/**
 * Found by review (session 34): Subscribe was served while the state was still being
 * recovered (a replicated start reading its snapshot, a file replay): the events kept for
 * resume were not there yet, so `after_sequence` 0 missed them without a word and a resume
 * was refused AHEAD, as if its number came from another sidecar. It is refused UNAVAILABLE
 * while recovering, as the reads are, and served once serving.
 */
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { EventEmitter } from "node:events";
import { expect, it } from "vitest";
import { SubscribeRequestSchema } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { eventsService } from "../../src/server/services/events-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { ServingPhase } from "../../src/server/services/service-context.js";
import { testConfig } from "./harness.js";

/** A server stream double: what Subscribe emits and whether it went on to subscribe. */
function subscribeCall(afterSequence: bigint) {
  const call = Object.assign(new EventEmitter(), {
    request: create(SubscribeRequestSchema, { afterSequence }),
    errors: [] as { code?: number; details?: string }[],
    headersSent: false,
    sendMetadata() {
      call.headersSent = true;
    },
    write: () => true,
    end() {},
  });
  call.on("error", (e: { code?: number; details?: string }) => call.errors.push(e));
  return call;
}

it("Subscribe is refused UNAVAILABLE while the state is recovered, and served once serving", () => {
  const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
  let phase: ServingPhase = "recovering";
  const events = eventsService({ state, streams: new LiveStreams(), phase: () => phase, channelWriters: new Map() }, { maxQueuedEvents: 100 });
  const subscribe = events.subscribe as (call: unknown) => void;
  for (const after of [0n, 5n]) {
    const call = subscribeCall(after);
    subscribe(call);
    expect({ after, errors: call.errors, subscribed: call.headersSent, subscribers: state.events.subscriberCount }).toEqual({
      after,
      errors: [{ code: status.UNAVAILABLE, details: "the sidecar is recovering its state; retry shortly" }],
      subscribed: false,
      subscribers: 0,
    });
  }
  phase = "serving";
  const call = subscribeCall(0n);
  subscribe(call);
  expect({ errors: call.errors, subscribed: call.headersSent, subscribers: state.events.subscriberCount }).toEqual({ errors: [], subscribed: true, subscribers: 1 });
});
