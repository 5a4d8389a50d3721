/**
 * Where an order's time goes without any transport: the same bytes the wire carries,
 * through the same codecs the client and the sidecar use (src/transport/wire), timed in
 * this process with `measure` (as `npm run bench:engine` does).
 *
 * - client encode: building and encoding the `OpenRequest` (the generator pays it);
 * - sidecar handle: decode + channel dispatch + engine (all five policies) + commit +
 *   result encoding — exactly what the sidecar does per message besides grpc-js;
 * - client decode: decoding the `OpenResponse` (the generator pays it).
 *
 * Subtracting these from the round trip and the echo floor splits the cost into ours and
 * the transport's (see docs/performance.md).
 */
import { decodeOpenRequest, decodeOpenResponse, encodeOpenRequest, encodeOpenResponse } from "../src/transport/wire/index.js";
import { buildSidecar } from "../src/app/build-sidecar.js";
import { runOpenRequest, type StreamChannel } from "../src/server/services/account-channel-service.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, benchSidecarConfig } from "./bench-config.js";
import { measure, type MeasurePlan, type MeasureResult } from "./measure.js";
import { balanceCommand, openRequest, orderCommand } from "./wire.js";

export function runInProcess(plan: MeasurePlan): MeasureResult[] {
  const server = buildSidecar(parseSidecarConfig(benchSidecarConfig() as never));
  const state = server.state;
  const session: StreamChannel = { channelId: undefined };
  const handle = (m: Parameters<typeof runOpenRequest>[2]) => runOpenRequest(state, session, m);
  const account = DEEP_ACCOUNT_BASE;
  handle(openRequest(1n, [balanceCommand(account, SETTLEMENT, { absolute: DEEP_FUNDS_USD })]));
  const command = orderCommand(account, INSTRUMENTS[0]!, "BUY", 10);
  const requestBytes = encodeOpenRequest(openRequest(100_000n, [command]));
  const responseBytes = encodeOpenResponse(handle(decodeOpenRequest(requestBytes)));
  let sink = 0;
  const results = [
    measure("client encode", () => (sink += encodeOpenRequest(openRequest(100_000n, [command])).length), plan),
    measure("sidecar decode+handle+encode", () => (sink += encodeOpenResponse(handle(decodeOpenRequest(requestBytes))).length), plan),
    measure("client decode", () => (sink += decodeOpenResponse(responseBytes).results.length), plan),
  ];
  state.closeChannel(session.channelId!, "disconnect");
  // The sink keeps the work observable so none of it can be optimised away.
  if (sink === 0) throw new Error("in-process bench did no work");
  return results;
}
