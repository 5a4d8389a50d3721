import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpenRequestSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { correlationIdOf, malformedCorrelationId } from "../../src/transport/correlation-id.js";
import { MalformedMessage } from "../../src/transport/service-definition.js";

const bytes = (...b: number[]) => Uint8Array.from(b);
/** A `commands` field (2, length-delimited) whose contents do not decode: a string field cut short. */
const BROKEN_COMMANDS = [0x12, 0x03, 0x0a, 0x05, 0x01];

describe("the correlation id of an undecodable message, read from its bytes", () => {
  it("reads field 1 as a uint64 varint, up to 2^64 − 1", () => {
    const max = toBinary(OpenRequestSchema, create(OpenRequestSchema, { correlationId: 2n ** 64n - 1n }));
    expect(correlationIdOf(max)).toBe(2n ** 64n - 1n);
    expect(correlationIdOf(bytes(0x08, 0x96, 0x01))).toBe(150n);
  });

  it("finds field 1 after other fields, and before or after the broken one", () => {
    expect(correlationIdOf(bytes(...BROKEN_COMMANDS, 0x08, 0x09))).toBe(9n);
    expect(correlationIdOf(bytes(0x08, 0x09, ...BROKEN_COMMANDS))).toBe(9n);
    // fixed64 (wire type 1) and fixed32 (wire type 5) fields are stepped over.
    expect(correlationIdOf(bytes(0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x08, 0x2a))).toBe(42n);
  });

  it("the last occurrence wins, as protobuf's for a scalar field", () => {
    expect(correlationIdOf(bytes(0x08, 0x01, 0x08, 0x02))).toBe(2n);
  });

  it("keeps what it found before the bytes stop making sense", () => {
    expect(correlationIdOf(bytes(0x08, 0x07, 0x12, 0x7f, 0x00))).toBe(7n); // a length past the end
    expect(correlationIdOf(bytes(0x08, 0x07, 0x0b, 0x08, 0x09))).toBe(7n); // a group: nothing after it is trusted
    expect(correlationIdOf(bytes(0x08, 0x07, 0x00, 0x08, 0x09))).toBe(7n); // field number 0
  });

  it("is 0 when field 1 cannot be read", () => {
    expect(correlationIdOf(bytes())).toBe(0n);
    expect(correlationIdOf(bytes(0xff, 0xff, 0xff))).toBe(0n); // a tag cut short
    expect(correlationIdOf(bytes(0x08, 0x80))).toBe(0n); // the value cut short
    expect(correlationIdOf(bytes(0x08, ...Array<number>(10).fill(0x80), 0x01))).toBe(0n); // a varint over ten bytes
    expect(correlationIdOf(bytes(0x09, 1, 2, 3, 4, 5, 6, 7, 8))).toBe(0n); // field 1 with the wrong wire type
    expect(correlationIdOf(bytes(...BROKEN_COMMANDS))).toBe(0n);
  });

  it("a MalformedMessage made without bytes (the console's) answers with 0", () => {
    expect(malformedCorrelationId(new MalformedMessage("bad"))).toBe(0n);
    expect(malformedCorrelationId(new MalformedMessage("bad", bytes(0x08, 0x05)))).toBe(5n);
  });
});
