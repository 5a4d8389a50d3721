/**
 * Shutdown's close: feed messages already received and queued behind a sliced one must be
 * applied under the drain's rules (docs/security.md, "Process and shutdown", step 2; the
 * feed's drainAndClose says so too), not refused SHUTTING_DOWN: execution reports are
 * the venue's facts and must land.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ManualClock } from "../../src/engine/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { feedService, REPORTS_PER_SLICE } from "../../src/server/services/feed-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { ServingPhase } from "../../src/server/services/service-context.js";
import { testConfig } from "./harness.js";
import { FakeFeedCall } from "./fake-server-call.js";

describe("feed: shutdown's close with messages queued behind a sliced one", () => {
  it("applies them under the drain's rules instead of refusing them SHUTTING_DOWN", () => {
    const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
    let phase: ServingPhase = "serving";
    const streams = new LiveStreams();
    const service = feedService({ state, streams, phase: () => phase, channelWriters: new Map() }, { maxQueuedMessages: 1024 });
    const call = new FakeFeedCall();
    (service.publish as (c: unknown) => void)(call);
    call.publish(1n, REPORTS_PER_SLICE * 2); // first slice now, the second in a later turn
    call.publish(2n, 1); // received, queued behind it
    expect(call.written).toHaveLength(0);
    // SidecarServer.shutdown: the phase turns "stopping", then every stream is drained and closed.
    phase = "stopping";
    streams.drainAll();
    expect(call.written.map((r) => r.correlationId)).toEqual([1n, 2n]);
    const second = call.written[1]!;
    // Received before the close: applied (the fee lands), not refused.
    const r = second.results[0]!.result;
    expect(r.case === "error" ? `${ErrorCode[r.value.code]}: ${r.value.message}` : "applied").toBe("applied");
  });
});
