/**
 * grpc-js's server stream as the services use it, without sockets: what the service writes is
 * kept (through `decode`, as a client would read it, when given), `write` returns `writable`
 * (false: the stream's buffer is full, as grpc-js says it), reading can be paused and resumed,
 * and it answers the metadata and peer lookups the service guard makes.
 */
import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import { OpenRequestSchema, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { PublishRequestSchema, type PublishResponse } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport } from "../../gen/openpit/sidecar/v1/types_pb.js";
import type { CommandInit } from "../../src/client/index.js";
import { decodeOpenResponse, decodePublishResponse, encodeOpenResponse, encodePublishResponse } from "../../src/transport/wire/index.js";
import type { EncodedMessage } from "../../src/transport/wire/encoded-message.js";
import { feeReport } from "./results.js";

export class FakeServerCall<Out> extends EventEmitter {
  readonly written: Out[] = [];
  writable = true;
  paused = false;
  ended = false;
  readonly metadata = { get: (): unknown[] => [] };
  constructor(private readonly decode: (m: never) => Out = (m) => m as Out) {
    super();
  }
  getPeer(): string {
    return "test";
  }
  write(m: never): boolean {
    this.written.push(this.decode(m));
    return this.writable;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
}

/** An AccountChannel stream: answers read back as OpenResponse; `send` delivers one request. */
export class FakeChannelCall extends FakeServerCall<OpenResponse> {
  constructor() {
    super((m: OpenResponse | EncodedMessage) => decodeOpenResponse(encodeOpenResponse(m)));
  }
  send(correlationId: bigint, ...commands: CommandInit[]): void {
    this.emit("data", create(OpenRequestSchema, { correlationId, commands: commands.map((command) => ({ command })) }));
  }
  get correlationIds(): bigint[] {
    return this.written.map((m) => m.correlationId);
  }
}

/** A feed stream: answers read back as PublishResponse; `publish` delivers `reports` reports (a fee of 1 each, unless given). */
export class FakeFeedCall extends FakeServerCall<PublishResponse> {
  constructor() {
    super((m: PublishResponse | EncodedMessage) => decodePublishResponse(encodePublishResponse(m)));
  }
  publish(correlationId: bigint, reports: number, report: () => ExecutionReport = () => feeReport("1")): void {
    this.emit("data", create(PublishRequestSchema, { correlationId, reports: Array.from({ length: reports }, report) }));
  }
}
