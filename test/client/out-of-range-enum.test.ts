/**
 * Found by review: the hand-written OpenRequest encoder took an enum value protobuf-es's
 * toBinary refuses ("invalid int32") and wrote bytes no decoder reads (a varint longer than
 * ten bytes). The sidecar could not read such a message's correlation id and answered it with
 * id 0, which the client took for a notice: the send's promise never settled. With Infinity
 * the encoder never returned: the gateway's event loop hung. Now the encoder refuses both,
 * as toBinary does, and the send is refused alone.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, connect } from "../../src/client/index.js";
import { OpenRequestSchema, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { encodeOpenRequest } from "../../src/transport/wire/index.js";
import { order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";

describe("a request the encoder cannot encode correctly", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(testConfig());
  });
  afterEach(async () => {
    await h.close();
  });

  it("an out-of-range enum is refused alone, never left pending, and no answer is taken for a notice", async () => {
    const clients = connect(h.address);
    const notices: OpenResponse[] = [];
    const ch = new AccountChannel(clients.channel, (n) => notices.push(n));
    try {
      let settled = false;
      const bad = ch.send({ case: "executePreTrade", value: { order: order({ side: 1e30 as never }) } });
      bad.then(
        () => (settled = true),
        () => (settled = true),
      );
      // Answers come in order: once the next message is answered, the first one was too.
      await ch.send(seed("USD", "1"));
      await Promise.resolve();
      expect({ settled, inFlight: ch.inFlight, answersTakenForNotices: notices.filter((n) => n.notice === undefined).length }).toEqual({
        settled: true,
        inFlight: 0,
        answersTakenForNotices: 0,
      });
    } finally {
      ch.cancel();
      clients.close();
    }
  });

  it("the encoder refuses what toBinary refuses (1e30, Infinity, 1.5, past int32) and returns", () => {
    for (const side of [1e30, Infinity, -Infinity, Number.NaN, 1.5, 2 ** 31, -(2 ** 31) - 1]) {
      const m = create(OpenRequestSchema, { correlationId: 1n, commands: [{ command: { case: "executePreTrade", value: { order: order({ side: side as never }) } } }] });
      expect(() => toBinary(OpenRequestSchema, m), String(side)).toThrow(/invalid int32/);
      expect(() => encodeOpenRequest(m), String(side)).toThrow(`invalid int32: ${side}`);
    }
  });
});
