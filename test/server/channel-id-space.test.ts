/**
 * Found by review (session 41): on the wire, a stream whose channel would be opened past the
 * last channel id gets RESOURCE_EXHAUSTED for its commands, the stream stays up and the process
 * too (before: the first reservation's id was past uint64, its answer's encoding threw and the
 * sidecar exited); a channel opened before keeps trading.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { LAST_CHANNEL_ID } from "../../src/state/handle-table.js";
import { order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { as, errorOf, json } from "./results.js";

describe("channel id space on the wire", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it("a stream past the last channel id is refused command by command; the open channel keeps trading", async () => {
    h = await startHarness(testConfig());
    h.server.state.nextChannelId = LAST_CHANNEL_ID;
    const last = h.channel();
    await last.send(seed("USD", "10000"));
    const reservation = as(await last.one({ case: "executePreTrade", value: { order: order({ qty: "1" }) } }), "execute");
    expect(reservation.reservationId).toBe((LAST_CHANNEL_ID << 32n) | 1n);

    const refused = h.channel();
    for (let i = 0; i < 2; i++) {
      expect(errorOf(await refused.one({ case: "executePreTrade", value: { order: order({ qty: "1" }) } }))).toMatchObject({
        code: ErrorCode.RESOURCE_EXHAUSTED,
        message: `this sidecar's state has issued every channel id (1 to 4294967295): no channel can be opened; the channels already open keep working (docs/operating.md, "Channel ids")`,
      });
    }
    // The first channel is untouched: its reservation commits.
    expect(json(await last.one({ case: "commitReservation", value: { reservationId: reservation.reservationId } }))).toEqual({ finalize: { id: reservation.reservationId.toString() } });
  });
});
