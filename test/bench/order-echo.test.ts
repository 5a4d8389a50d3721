/**
 * The order-shaped echo (bench/order-echo.ts): every request is answered with the recorded
 * answer for its size, under the request's own correlation id, so the generated client
 * pairs and decodes it exactly as it does the sidecar's answer.
 */
import { EventEmitter } from "node:events";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpenRequestSchema, OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { correlationIdEnd, orderEchoHandler } from "../../bench/order-echo.js";
import { orderCommand } from "../../bench/wire.js";
import { INSTRUMENTS } from "../../bench/bench-config.js";

const commands = [orderCommand(10_000n, INSTRUMENTS[0]!, "BUY", 10)];
const request = (correlationId: bigint) => Buffer.from(toBinary(OpenRequestSchema, create(OpenRequestSchema, { correlationId, commands })));
const answer = create(OpenResponseSchema, {
  correlationId: 0n,
  results: [{ result: { case: "error", value: { code: 3, message: "recorded" } } }],
});
const answerBody = Buffer.from(toBinary(OpenResponseSchema, answer));
const bodyBytes = request(0n).length;

class FakeCall extends EventEmitter {
  written: Buffer[] = [];
  destroyed: Error | undefined;
  write(b: Buffer): boolean {
    this.written.push(b);
    return true;
  }
  destroy(e: Error): void {
    this.destroyed = e;
  }
}

function serve(): FakeCall {
  const call = new FakeCall();
  orderEchoHandler(new Map([[bodyBytes, answerBody]]))(call as never);
  return call;
}

describe("order-shaped echo", () => {
  it("answers the recorded answer under each request's correlation id (1- to 5-byte varints)", () => {
    const call = serve();
    const ids = [1n, 127n, 128n, 100_000n, 2n ** 32n];
    for (const id of ids) call.emit("data", request(id));
    expect(call.destroyed).toBeUndefined();
    expect(call.written.map((b) => fromBinary(OpenResponseSchema, b))).toEqual(ids.map((correlationId) => ({ ...answer, correlationId })));
  });

  it("finds where the leading correlation id ends, and 0 when the request does not start with it", () => {
    expect(correlationIdEnd(request(5n))).toBe(2);
    expect(correlationIdEnd(request(300n))).toBe(3);
    expect(correlationIdEnd(request(0n))).toBe(0);
    expect(correlationIdEnd(Buffer.alloc(0))).toBe(0);
  });

  it("fails the stream on a request it holds no answer for (a harness bug, never a guess)", () => {
    const call = serve();
    call.emit("data", request(0n));
    expect(call.destroyed?.message).toBe(`no recorded answer for a ${bodyBytes}-byte request`);
    const other = serve();
    other.emit("data", Buffer.concat([request(7n), Buffer.from([0x10, 0x01])]));
    expect(other.destroyed?.message).toBe(`no recorded answer for a ${bodyBytes + 4}-byte request`);
    expect(other.written).toEqual([]);
  });
});
