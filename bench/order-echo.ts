/**
 * The order-shaped echo floor for the closed loop and the pipelined throughput (issue 10).
 *
 * The bytes-only echo (echo-service.ts) prices grpc-js and the loopback, but its client
 * does nothing per message, while an order's client (src/client: `AccountChannel`)
 * encodes the request, decodes the answer into messages and pairs it by correlation id.
 * Measured (bench/latency-probe.ts, docs/performance.md "Session 5: perf5-latency"), that
 * client work was a large part of the order/echo gap, in the generator, not the sidecar.
 *
 * So the echo these two sections compare with is served on the channel's own method
 * path and answers every request with a real order answer's bytes (recorded from the
 * sidecar at start-up) carrying the request's correlation id. The generator drives it with
 * the same `AccountChannel` and the same requests as the orders: both sides do the same
 * client work, and the difference left is what the sidecar does. The echo server reads
 * only the request's leading correlation id field and copies it in front of the recorded
 * answer (no protobuf decoding or encoding).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { ServerDuplexStream, ServiceDefinition } from "@grpc/grpc-js";
import { AccountChannelService, OpenRequestSchema, OpenResponseSchema } from "../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel, connect } from "../src/client/index.js";
import type { ChildHandle } from "./ipc.js";
import { answeringHandler, bytesMethod } from "./echo-service.js";
import type { Oracle } from "./oracle.js";
import type { DeepChannel } from "./world.js";

export const ORDER_ECHO_SERVICE: ServiceDefinition = {
  open: bytesMethod(`/${AccountChannelService.typeName}/${AccountChannelService.method.open.name}`, "open"),
};

/** A recorded answer: for requests whose bytes after the correlation id are `requestBodyBytes` long, answer `answerBody` (an OpenResponse without its correlation id). */
export interface RecordedAnswer {
  readonly requestBodyBytes: number;
  /** Base64 (it crosses the IPC channel as JSON). */
  readonly answerBody: string;
}

/** Sends `orders` orders on `deep` and records the answer (checked by the oracle) for the echo. */
export async function recordAnswer(deep: DeepChannel, orders: number, oracle: Oracle): Promise<RecordedAnswer> {
  const commands = Array.from({ length: orders }, deep.next);
  const response = await deep.channel.sendRaw(commands);
  response.results.forEach((r) => oracle.checkDeepAccept(r));
  // Correlation id 0 is not written (proto3): what is left is the part after it.
  const requestBody = toBinary(OpenRequestSchema, create(OpenRequestSchema, { correlationId: 0n, commands }));
  const answerBody = toBinary(OpenResponseSchema, create(OpenResponseSchema, { correlationId: 0n, results: response.results }));
  return { requestBodyBytes: requestBody.length, answerBody: Buffer.from(answerBody).toString("base64") };
}

/** Where the leading correlation id field (field 1, varint) of an encoded request ends; 0 when it does not lead. */
export function correlationIdEnd(request: Buffer): number {
  if (request.length === 0 || request[0] !== 0x08) return 0;
  for (let i = 1; i < request.length && i <= 10; i++) if ((request[i]! & 0x80) === 0) return i + 1;
  return 0;
}

/** The echo server's handler: each request answered with the recorded answer of its size, under the request's correlation id. */
export function orderEchoHandler(answers: ReadonlyMap<number, Buffer>): (call: ServerDuplexStream<Buffer, Buffer>) => void {
  return answeringHandler((request) => {
    const idEnd = correlationIdEnd(request);
    const body = answers.get(request.length - idEnd);
    if (idEnd === 0 || !body) return undefined;
    const answer = Buffer.allocUnsafe(idEnd + body.length);
    request.copy(answer, 0, 0, idEnd);
    body.copy(answer, idEnd);
    return answer;
  }, "recorded answer");
}

/** What `openOrderEcho` opened: one echo channel per deep channel, each sending that channel's requests. */
export interface OrderEcho {
  readonly channels: readonly DeepChannel[];
  close(): Promise<void>;
}

/**
 * Records the answers of one order and of a batch of `batch` on `deep[0]`, gives them to
 * the echo process, and opens an echo channel beside every deep channel through the same
 * client code (`connect(...).channel`, `AccountChannel`) as the sidecar's.
 */
export async function openOrderEcho(address: string, echo: ChildHandle, deep: readonly DeepChannel[], batch: number, oracle: Oracle): Promise<OrderEcho> {
  const recorded = [await recordAnswer(deep[0]!, 1, oracle), await recordAnswer(deep[0]!, batch, oracle)];
  await echo.call("answers", { recorded });
  const clients = connect(address);
  const channels = deep.map((d) => ({ channel: new AccountChannel(clients.channel), next: d.next }));
  return {
    channels,
    async close() {
      try {
        await Promise.all(channels.map((c) => c.channel.end()));
      } finally {
        clients.close();
      }
    },
  };
}
