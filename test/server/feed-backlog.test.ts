/**
 * The feed's backlog: messages that arrive while a big one is applied slice by slice wait
 * in the stream's queue. Past limits.maxQueuedMessages of them reading stops (grpc-js then
 * stops reading the HTTP/2 stream and flow control holds the publisher) until they have all
 * been applied; reading also stays stopped while the client does not read its answers. It
 * used to queue whatever the publisher sent (found by review).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { feedService, REPORTS_PER_SLICE } from "../../src/server/services/feed-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { testConfig } from "./harness.js";
import { FakeFeedCall } from "./fake-server-call.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("feed backlog (no sockets)", () => {
  let call: FakeFeedCall;

  beforeEach(() => {
    const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
    const service = feedService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, { maxQueuedMessages: 2 });
    call = new FakeFeedCall();
    (service.publish as (c: unknown) => void)(call);
  });

  async function applied(answers: number): Promise<void> {
    for (let turn = 0; turn < 20 && call.written.length < answers; turn++) await nextTurn();
    expect(call.written.length).toBe(answers);
  }

  it("stops reading past the bound of messages behind a sliced one, and reads again once they are applied", async () => {
    call.publish(1n, REPORTS_PER_SLICE * 3); // three slices: two more turns
    call.publish(2n, 1);
    call.publish(3n, 1);
    expect(call.paused).toBe(false); // two waiting: at the bound
    call.publish(4n, 1); // three waiting: past it
    expect(call.paused).toBe(true);
    await applied(4);
    expect(call.paused).toBe(false);
    expect(call.written.map((r) => [r.correlationId, r.results.length])).toEqual([
      [1n, REPORTS_PER_SLICE * 3],
      [2n, 1],
      [3n, 1],
      [4n, 1],
    ]);
  });

  it("a backlog gone while the client does not read its answers keeps reading stopped until they drain", async () => {
    call.writable = false;
    call.publish(1n, REPORTS_PER_SLICE * 2);
    for (let id = 2n; id <= 4n; id++) call.publish(id, 1);
    expect(call.paused).toBe(true);
    await applied(4);
    expect(call.paused).toBe(true); // the answers have not left
    call.writable = true;
    call.emit("drain");
    expect(call.paused).toBe(false);
  });

  it("small messages with nothing ahead of them are applied as they come and never stop reading", () => {
    for (let id = 1n; id <= 10n; id++) call.publish(id, 1);
    expect([call.written.length, call.paused]).toEqual([10, false]);
  });
});
