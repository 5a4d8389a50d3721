/**
 * Reflection's not-found answer is an in-band ErrorResponse, not a gRPC status, so the
 * server's bound on statuses (bounded-status.ts) does not see it: it quoted the requested
 * name whole, and a 100 000-character name came back in the error's text (found by review,
 * session 36; docs/security.md: an error quotes at most 64 characters of a refused value).
 */
import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ServerReflectionRequestSchema, type ServerReflectionResponse } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { AdminService } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { reflectionService } from "../../src/server/services/reflection-service.js";

/** A stand-in for the stream grpc-js hands the handler: what it writes is kept. */
class RecordingCall extends EventEmitter {
  readonly answers: ServerReflectionResponse[] = [];
  write(m: ServerReflectionResponse): boolean {
    this.answers.push(m);
    return true;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): void {}
}

function errorFor(kind: "fileContainingSymbol" | "fileByFilename", name: string): string {
  const call = new RecordingCall();
  const service = reflectionService([AdminService], new LiveStreams()) as { serverReflectionInfo(c: ServerDuplexStream<unknown, unknown>): void };
  service.serverReflectionInfo(call as unknown as ServerDuplexStream<unknown, unknown>);
  call.emit("data", create(ServerReflectionRequestSchema, { messageRequest: { case: kind, value: name } }));
  const r = call.answers[0]!.messageResponse;
  expect(r.case).toBe("errorResponse");
  return (r.value as { errorMessage: string }).errorMessage;
}

describe("reflection's not-found answer quotes the name it was asked for", () => {
  it("a short name whole, a 100 000-character one cut to 64 characters and its length", () => {
    expect(errorFor("fileContainingSymbol", "openpit.Nope")).toBe("symbol 'openpit.Nope' not found");
    expect(errorFor("fileByFilename", "nope.proto")).toBe("file 'nope.proto' not found");
    expect(errorFor("fileContainingSymbol", "x".repeat(100_000))).toBe(`symbol '${"x".repeat(64)}…' (100000 characters) not found`);
    expect(errorFor("fileByFilename", "y".repeat(100_000))).toBe(`file '${"y".repeat(64)}…' (100000 characters) not found`);
  });
});
