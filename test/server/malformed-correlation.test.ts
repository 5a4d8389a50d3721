/**
 * Found by review (session 28), fixed in session 29: a channel or feed message that does not
 * decode was answered with correlation id 0, so the client's request for it (the TypeScript
 * client's `send` or `publish`) matched no answer and never settled. The server now reads the
 * id from the message's bytes (its field 1 is usually readable when a nested field is not)
 * and echoes it.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor, type ClientDuplexStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { OpenResponseSchema, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { PublishResponseSchema, type PublishResponse } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { startHarness, type Harness } from "./harness.js";
import { errorOf, fill } from "./results.js";

/** Field 1 = 9, then a field 2 (commands / reports) whose contents do not decode: a string field cut short. */
const UNDECODABLE_WITH_ID_9 = Buffer.from([0x08, 0x09, 0x12, 0x03, 0x0a, 0x05, 0x01]);

/** One raw bidirectional call: bytes out, decoded answers in. */
function rawCall<Res>(h: Harness, path: string, decode: (b: Buffer) => Res): { call: ClientDuplexStream<Buffer, Res>; first: Promise<Res>; close(): void } {
  const Raw = makeGenericClientConstructor(
    {
      call: {
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: decode,
      },
    },
    "Raw",
  );
  const client = new Raw(h.address, credentials.createInsecure());
  const call = (client as unknown as { call(): ClientDuplexStream<Buffer, Res> }).call();
  const first = new Promise<Res>((resolve) => call.once("data", resolve));
  return {
    call,
    first,
    close() {
      call.end();
      client.close();
    },
  };
}

describe("an undecodable channel or feed message is answered with its own correlation id", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("on a channel", async () => {
    h = await startHarness();
    const raw = rawCall<OpenResponse>(h, "/openpit.sidecar.v1.AccountChannelService/Open", (b) => fromBinary(OpenResponseSchema, b));
    raw.call.write(UNDECODABLE_WITH_ID_9);
    const answer = await raw.first;
    expect(answer.correlationId).toBe(9n);
    expect(answer.results.map((r) => errorOf(r).code)).toEqual([ErrorCode.INVALID_VALUE]);
    expect(errorOf(answer.results[0]).message).toMatch(/^message could not be decoded: /);
    raw.close();
  });

  it("on the feed", async () => {
    h = await startHarness();
    const raw = rawCall<PublishResponse>(h, "/openpit.sidecar.v1.ExecutionReportFeedService/Publish", (b) => fromBinary(PublishResponseSchema, b));
    raw.call.write(UNDECODABLE_WITH_ID_9);
    const answer = await raw.first;
    expect(answer.correlationId).toBe(9n);
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]!.result.case === "error" && answer.results[0]!.result.value).toMatchObject({
      code: ErrorCode.INVALID_VALUE,
      message: expect.stringMatching(/^message could not be decoded: /),
    });
    raw.close();
  });

  it("ReportFeed.publish of a report the server cannot decode settles with the decode error, and the feed goes on", async () => {
    h = await startHarness();
    const feed = h.feed();
    // An unknown field the client passes through as it is, which the server reads as field 2 of the report: undecodable.
    const corrupt = { ...fill({ qty: "1", price: "100" }), $unknown: [{ no: 2, wireType: 2, data: Uint8Array.from([0x0a, 0x05, 0x01]) }] };
    const results = await feed.publish(corrupt);
    expect(results.map((r) => r.result.case === "error" && r.result.value.code)).toEqual([ErrorCode.INVALID_VALUE]);
    const next = await feed.publish(fill({ qty: "1", price: "100" }));
    expect(next).toHaveLength(1);
  });
});
