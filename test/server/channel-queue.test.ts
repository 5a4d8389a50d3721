import { beforeEach, describe, expect, it } from "vitest";
import { type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ManualClock } from "../../src/engine/index.js";
import type { AccountId } from "../../src/param/index.js";
import { SpotFundsPolicy } from "../../src/policies/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { accountChannelService, COMMANDS_PER_SLICE } from "../../src/server/services/account-channel-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { MalformedMessage } from "../../src/transport/service-definition.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import type { ServingPhase } from "../../src/server/services/service-context.js";
import { ACCOUNT, order, seed, testConfig } from "./harness.js";
import { as, errorOf } from "./results.js";
import { FakeChannelCall } from "./fake-server-call.js";

const buy = () => ({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }) as const;

describe("account channel queue (no sockets)", () => {
  let sidecar: SidecarState;
  let streams: LiveStreams;
  let call: FakeChannelCall;
  let phase: ServingPhase;

  beforeEach(() => {
    sidecar = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
    streams = new LiveStreams();
    phase = "serving";
    const service = accountChannelService({ state: sidecar, streams, phase: () => phase, channelWriters: new Map() }, { maxQueuedMessages: 2 });
    call = new FakeChannelCall();
    (service.open as (c: unknown) => void)(call);
    // Funds for exactly two orders of 1 @ 100.
    call.send(1n, seed("USD", "200"));
  });

  const usd = () => {
    const h = (sidecar.engine.policy("SpotFundsPolicy") as SpotFundsPolicy).holdings(ACCOUNT as AccountId).get("USD")!;
    return { available: h.available.toString(), held: h.held.toString() };
  };
  const accepted = (m: OpenResponse | undefined) => as(m?.results[0], "execute").accepted;

  /** Answers message 2 and then reports the client as no longer reading. */
  function blockAfterOneOrder(): void {
    call.writable = false;
    call.send(2n, buy());
    expect(call.correlationIds).toEqual([1n, 2n]);
  }

  it("writes an order's answer before the 'data' handler returns: no event-loop hop between decision and write (ephemeral)", () => {
    // The closed loop's latency depends on it (docs/performance.md, "Session 5: perf5-latency"):
    // grpc-js flushes what was written during a socket read's callbacks at the end of that
    // read, so an answer deferred to a later turn (setImmediate, a timer) would leave later.
    let writtenBeforeReturn = 0;
    const write = call.write.bind(call);
    call.write = (m) => {
      writtenBeforeReturn++;
      return write(m);
    };
    call.send(2n, buy());
    expect(writtenBeforeReturn).toBe(1);
    expect(call.correlationIds).toEqual([1n, 2n]);
    expect(as(call.written[1]!.results[0], "execute").accepted).toBe(true);
  });

  it("holds messages while the client does not read, refuses past the bound, and pauses reading", () => {
    blockAfterOneOrder();
    call.send(3n, buy());
    call.send(4n, buy());
    // Queued, not run: the engine has seen only message 2.
    expect(call.correlationIds).toEqual([1n, 2n]);
    expect(usd()).toEqual({ available: "100", held: "100" });
    expect(call.paused).toBe(false);

    call.send(5n, buy(), buy());
    const refused = call.written.at(-1)!;
    expect(refused.correlationId).toBe(5n);
    expect(refused.results.map((r) => errorOf(r))).toMatchObject([
      { code: ErrorCode.RESOURCE_EXHAUSTED, message: "channel queue is full; read responses before sending more" },
      { code: ErrorCode.RESOURCE_EXHAUSTED, message: "channel queue is full; read responses before sending more" },
    ]);
    expect(call.paused).toBe(true);
    expect(usd()).toEqual({ available: "100", held: "100" });
  });

  it("keeps answering while grpc-js holds fewer than the bound of answers, even when it reports full", () => {
    // grpc-js reports "full" at 16 buffered answers; the channel runs orders on until the
    // answers it holds reach `maxQueuedMessages` (2 here), so orders are not held unrun.
    const buffered = Object.assign(call, { writableLength: 1 });
    blockAfterOneOrder();
    call.send(3n, buy());
    expect(call.correlationIds).toEqual([1n, 2n, 3n]);
    expect(usd()).toEqual({ available: "0", held: "200" });
    buffered.writableLength = 2;
    call.send(4n, buy());
    call.send(5n, buy());
    // The answer to 4 reached the bound: 5 waits in the queue, unrun.
    expect(call.correlationIds).toEqual([1n, 2n, 3n, 4n]);
  });

  it("past the bound, a malformed message still gets its decode error", () => {
    blockAfterOneOrder();
    call.send(3n, buy());
    call.send(4n, buy());
    call.emit("data", new MalformedMessage("premature EOF"));
    const answer = call.written.at(-1)!;
    expect(answer.correlationId).toBe(0n);
    expect(answer.results.map((r) => errorOf(r))).toMatchObject([
      { code: ErrorCode.INVALID_VALUE, message: "message could not be decoded: premature EOF" },
    ]);
    expect(call.paused).toBe(true);
  });

  it("after drain runs the queue in arrival order and resumes reading", () => {
    blockAfterOneOrder();
    call.send(3n, buy());
    call.send(4n, buy());
    call.send(5n, buy());
    expect(call.paused).toBe(true);

    call.writable = true;
    call.emit("drain");
    expect(call.correlationIds).toEqual([1n, 2n, 5n, 3n, 4n]);
    // Arrival order per account: 3 takes the last 100, 4 finds nothing left.
    expect(accepted(call.written[3])).toBe(true);
    expect(accepted(call.written[4])).toBe(false);
    expect(call.paused).toBe(false);

    // With the queue empty, messages are answered on arrival again.
    call.send(6n, buy());
    expect(call.correlationIds.at(-1)).toBe(6n);
  });

  it("resumes reading once the inbox empties behind a sliced message, though no write was refused and no 'drain' comes", async () => {
    // The inbox fills while a big message runs a slice per turn, not because the client
    // stopped reading: every write is accepted, so grpc-js never emits 'drain'.
    call.send(2n, ...Array.from({ length: COMMANDS_PER_SLICE * 3 }, () => ({ case: "rollbackReservation", value: { reservationId: 1n } }) as const));
    call.send(3n, buy());
    call.send(4n, buy());
    call.send(5n, buy());
    expect(call.paused).toBe(true);
    while (call.correlationIds.length < 5) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(call.correlationIds).toEqual([1n, 5n, 2n, 3n, 4n]);
    expect(call.paused).toBe(false);
    // Reading again: a new message is answered on arrival.
    call.send(6n, buy());
    expect(call.correlationIds.at(-1)).toBe(6n);
  });

  it("stops again when a drain's writes fill the stream, and finishes on the next drain", () => {
    blockAfterOneOrder();
    call.send(3n, buy());
    call.send(4n, buy());
    call.send(5n, buy());

    // The first queued answer fills the stream again: the rest wait, reading stays paused.
    call.emit("drain");
    expect(call.correlationIds).toEqual([1n, 2n, 5n, 3n]);
    expect(call.paused).toBe(true);

    call.writable = true;
    call.emit("drain");
    expect(call.correlationIds).toEqual([1n, 2n, 5n, 3n, 4n]);
    expect(call.paused).toBe(false);
  });

  it("a half-close answers the queue, then rolls the channel's reservations back", () => {
    blockAfterOneOrder();
    call.send(3n, buy());
    call.emit("end");
    expect(call.correlationIds).toEqual([1n, 2n, 3n]);
    expect(accepted(call.written[2])).toBe(true);
    expect(call.ended).toBe(true);
    expect(usd()).toEqual({ available: "200", held: "0" });
    expect(sidecar.pins.size).toBe(0);
    expect(streams.size).toBe(0);
  });

  it("shutdown answers what was already received under the drain's rules, says so, rolls back, and answers late messages until the client half-closes", () => {
    blockAfterOneOrder();
    const reservationId = as(call.written[1]!.results[0], "execute").reservationId;
    call.send(3n, buy());
    call.send(4n, { case: "rollbackReservation", value: { reservationId } });

    phase = "stopping";
    streams.drainAll();
    // Received before the close: answered, a new order refused, a rollback run.
    expect(call.correlationIds).toEqual([1n, 2n, 3n, 4n, 0n]);
    expect(errorOf(call.written[2]!.results[0])).toMatchObject({
      code: ErrorCode.SHUTTING_DOWN,
      message: "the sidecar is shutting down: no new orders or binds; commits, rollbacks, releases and reports still run",
    });
    expect(call.written[3]!.results[0]!.result.case).toBe("finalize");
    expect(call.written[4]!.notice?.notice.case).toBe("shuttingDown");
    expect(usd()).toEqual({ available: "200", held: "0" });
    expect(sidecar.channels.size).toBe(0);

    // Sent before the client read the notice: refused, never dropped; the stream stays up.
    call.writable = true;
    call.emit("drain");
    call.send(5n, buy(), buy());
    expect(call.correlationIds).toEqual([1n, 2n, 3n, 4n, 0n, 5n]);
    expect(call.written[5]!.results.map((r) => errorOf(r))).toMatchObject([
      { code: ErrorCode.SHUTTING_DOWN, message: "the sidecar is shutting down" },
      { code: ErrorCode.SHUTTING_DOWN, message: "the sidecar is shutting down" },
    ]);
    expect(call.ended).toBe(false);
    call.emit("end");
    expect(call.ended).toBe(true);
    expect(usd()).toEqual({ available: "200", held: "0" });
  });

  it("a cancelled stream releases the channel at once and ignores late messages", () => {
    call.send(2n, buy());
    expect(usd()).toEqual({ available: "100", held: "100" });
    call.emit("cancelled");
    expect(usd()).toEqual({ available: "200", held: "0" });
    expect(sidecar.channels.size).toBe(0);
    call.send(3n, buy());
    expect(call.correlationIds).toEqual([1n, 2n]);
  });
});
