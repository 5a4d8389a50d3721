/**
 * The reflection stream and a client that does not read: the stream stops reading its
 * requests while its answers wait (grpc-js then stops reading the HTTP/2 stream and flow
 * control holds the client), and resumes when they have left. Reflection is open to every
 * principal and an answer is hundreds of times its request, so answering everything a
 * client sends used to let the least-privileged credential grow the server's memory without
 * bound (found by review). Shutdown ends reflection streams with the other live ones.
 */
import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ServerReflectionRequestSchema, type ServerReflectionRequest, type ServerReflectionResponse } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { AdminService } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { reflectionService } from "../../src/server/services/reflection-service.js";
import { MalformedMessage } from "../../src/transport/service-definition.js";

/** A server duplex stream whose transport takes `capacity` answers, then reports full until `drain()`. */
class FakeCall extends EventEmitter {
  readonly answers: ServerReflectionResponse[] = [];
  paused = false;
  ended = 0;
  private held = 0;
  constructor(private readonly capacity: number) {
    super();
  }
  write(m: ServerReflectionResponse): boolean {
    this.answers.push(m);
    this.held++;
    return this.held < this.capacity;
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  end(): void {
    this.ended++;
  }
  drain(): void {
    this.held = 0;
    this.emit("drain");
  }
}

const request = (): ServerReflectionRequest =>
  create(ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: AdminService.typeName } });

function open(streams = new LiveStreams()): { call: FakeCall; streams: LiveStreams } {
  const call = new FakeCall(4);
  const service = reflectionService([AdminService], streams) as { serverReflectionInfo(c: ServerDuplexStream<unknown, unknown>): void };
  service.serverReflectionInfo(call as unknown as ServerDuplexStream<unknown, unknown>);
  return { call, streams };
}

describe("reflection: flow control and shutdown", () => {
  it("stops reading when the transport is full and reads again once it drained", () => {
    const { call } = open();
    for (let i = 0; i < 3; i++) call.emit("data", request());
    expect([call.answers.length, call.paused]).toEqual([3, false]);
    call.emit("data", request()); // the fourth fills the transport
    expect([call.answers.length, call.paused]).toEqual([4, true]);
    call.drain();
    expect(call.paused).toBe(false);
    for (const a of call.answers) expect(a.messageResponse.case).toBe("fileDescriptorResponse");
  });

  // Found by review (session 28): a request that did not decode was dropped without an answer.
  it("answers a request that does not decode with an error (INVALID_ARGUMENT), and goes on", () => {
    const { call } = open();
    call.emit("data", new MalformedMessage("premature EOF"));
    call.emit("data", request());
    expect(call.answers.map((a) => a.messageResponse.case)).toEqual(["errorResponse", "fileDescriptorResponse"]);
    expect(call.answers[0]!.messageResponse.value).toMatchObject({ errorCode: 3, errorMessage: "malformed request: premature EOF" });
  });

  it("is ended by shutdown with the other live streams, once, and answers nothing after", () => {
    const { call, streams } = open();
    expect(streams.size).toBe(1);
    streams.drainAll();
    expect(call.ended).toBe(1);
    expect(streams.size).toBe(0);
    call.emit("data", request());
    call.emit("end");
    expect([call.answers.length, call.ended]).toEqual([0, 1]);
  });

  it("leaves the live streams when its client goes", () => {
    for (const how of ["end", "cancelled", "close", "error"] as const) {
      const { call, streams } = open();
      call.emit(how, how === "error" ? new Error("reset") : undefined);
      expect([how, streams.size]).toEqual([how, 0]);
    }
  });
});
