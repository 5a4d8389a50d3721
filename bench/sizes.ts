/**
 * The sizes of our real messages, for the echo floor: an order request (one
 * `executePreTrade` command) and its response (an accepted, committed execute result,
 * with its lock and SpotFunds outcomes), and the same for a batched message. The
 * responses are real ones from the sidecar, re-encoded with the generated code; the
 * correlation id is set to a representative mid-run value (a 3-byte varint).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { OpenRequestSchema, OpenResponseSchema } from "../gen/openpit/sidecar/v1/channel_pb.js";
import type { Oracle } from "./oracle.js";
import type { DeepChannel } from "./world.js";

export interface MessageSize {
  readonly orders: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

const REPRESENTATIVE_ID = 100_000n;

export async function probeSize(deep: DeepChannel, orders: number, oracle: Oracle): Promise<MessageSize> {
  const commands = Array.from({ length: orders }, deep.next);
  const response = await deep.channel.sendRaw(commands);
  response.results.forEach((r) => oracle.checkDeepAccept(r));
  return {
    orders,
    requestBytes: toBinary(OpenRequestSchema, create(OpenRequestSchema, { correlationId: REPRESENTATIVE_ID, commands })).length,
    responseBytes: toBinary(OpenResponseSchema, create(OpenResponseSchema, { correlationId: REPRESENTATIVE_ID, results: response.results })).length,
  };
}
