/**
 * The hand answer encoders write the generated encoder's bytes for texts of every length
 * class (length prefixes of one to three bytes, the writer growing), multi-byte UTF-8 and
 * lone surrogates. (Written by a review; passed as it was.)
 */
import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpenResponseSchema } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { channelAnswerMessage, encodeChannelAnswers } from "../../../src/server/codec/index.js";
import { encodeOpenResponse } from "../../../src/transport/wire/index.js";
import { CommandError } from "../../../src/state/command-error.js";

describe("hand answers with big texts", () => {
  const texts = ["", "a", "x".repeat(127), "y".repeat(128), "é".repeat(70), "z".repeat(20000), "\ud800", "a\udc00b", "😀".repeat(5000), "q".repeat(300000)];
  it("rejects and errors", () => {
    for (const t of texts) {
      const answers = [
        { kind: "executeRejected" as const, rejects: [{ policy: t, code: "Other" as const, reason: "r", details: t, scope: "order" as const }] },
        { kind: "startRejected" as const, rejects: [{ policy: "p", code: "Custom" as const, reason: t, details: t + t, scope: "account" as const }] },
        { kind: "error" as const, error: new CommandError("INVALID_VALUE", t, t) },
      ];
      for (const a of answers) {
        const hand = encodeChannelAnswers(12345n, [a as never, a as never]).bytes;
        const gen = toBinary(OpenResponseSchema, { $typeName: "openpit.sidecar.v1.OpenResponse", correlationId: 12345n, results: [channelAnswerMessage(a as never), channelAnswerMessage(a as never)] } as never);
        expect(Buffer.from(hand).equals(Buffer.from(gen))).toBe(true);
        const tr = encodeOpenResponse({ $typeName: "openpit.sidecar.v1.OpenResponse", correlationId: 12345n, results: [channelAnswerMessage(a as never)] } as never);
        const gen1 = toBinary(OpenResponseSchema, { $typeName: "openpit.sidecar.v1.OpenResponse", correlationId: 12345n, results: [channelAnswerMessage(a as never)] } as never);
        expect(Buffer.from(tr).equals(Buffer.from(gen1))).toBe(true);
      }
    }
  });
});
