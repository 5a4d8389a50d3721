/** An in-process gRPC double of AccountChannelService.Open, scripted by the test. */
import { Server, ServerCredentials, type ServerDuplexStream } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { AccountChannelService, OpenResponseSchema, CommandResultSchema, type OpenRequest, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";

export type OpenCall = ServerDuplexStream<OpenRequest, OpenResponse>;

export interface Double {
  readonly address: string;
  readonly server: Server;
  readonly calls: OpenCall[];
  close(): void;
}

export async function startDouble(onRequest: (call: OpenCall, req: OpenRequest, callIndex: number) => void, endOnHalfClose = true): Promise<Double> {
  const server = new Server();
  const calls: OpenCall[] = [];
  server.addService(serviceDefinition(AccountChannelService), {
    open: (call: OpenCall) => {
      const idx = calls.push(call) - 1;
      call.on("data", (req: OpenRequest) => onRequest(call, req, idx));
      call.on("end", () => endOnHalfClose && call.end());
      call.on("error", () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, server, calls, close: () => server.forceShutdown() };
}

export const executeAccepted = (correlationId: bigint, reservationId: bigint): OpenResponse =>
  create(OpenResponseSchema, {
    correlationId,
    results: [create(CommandResultSchema, { result: { case: "execute", value: { accepted: true, committed: false, reservationId } } })],
  });

export const finalized = (correlationId: bigint, id: bigint): OpenResponse =>
  create(OpenResponseSchema, { correlationId, results: [create(CommandResultSchema, { result: { case: "finalize", value: { id } as never } })] });

export const fenced = (reservationIds: bigint[]): OpenResponse =>
  create(OpenResponseSchema, { correlationId: 0n, notice: { notice: { case: "accountsFenced", value: { accountIds: [1n], rolledBackReservationIds: reservationIds } } } });

export const channelClosing = (): OpenResponse =>
  create(OpenResponseSchema, { correlationId: 0n, notice: { notice: { case: "channelClosing", value: { reason: "throttle" } } } });

import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
export const notOwner = (correlationId: bigint, ownerAddress: string): OpenResponse =>
  create(OpenResponseSchema, {
    correlationId,
    results: [create(CommandResultSchema, { result: { case: "error", value: { code: ErrorCode.NOT_OWNER, message: "not owner", ownerAddress } } })],
  });
