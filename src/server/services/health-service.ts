/** grpc.health.v1: NOT_SERVING while recovering and during shutdown. */
import { create } from "@bufbuild/protobuf";
import { status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from "@grpc/grpc-js";
import {
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../../../gen/grpc/health/v1/health_pb.js";
import type { LiveStreams } from "./live-streams.js";

/**
 * grpc.health.v1 for the whole process ("") and each served service. Shutdown flips
 * everything to NOT_SERVING first, so load balancers stop sending before streams close.
 */
export class HealthState {
  private serving = true;
  private readonly watchers = new Set<() => void>();

  constructor(private readonly services: readonly string[]) {}

  setServing(serving: boolean): void {
    if (this.serving === serving) return;
    this.serving = serving;
    for (const w of this.watchers) w();
  }

  statusOf(service: string): ServingStatus | undefined {
    if (service !== "" && !this.services.includes(service)) return undefined;
    return this.serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }
}

/** Watch streams are live streams: shutdown ends them after NOT_SERVING went out. */
export function healthService(health: HealthState, streams: LiveStreams): UntypedServiceImplementation {
  const response = (s: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status: s });
  return {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) {
      const s = health.statusOf(call.request.service);
      if (s === undefined) callback({ code: status.NOT_FOUND, details: `unknown service '${call.request.service}'` });
      else callback(null, response(s));
    },
    watch(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      const send = () => call.write(response(health.statusOf(call.request.service) ?? ServingStatus.SERVICE_UNKNOWN));
      send();
      const unwatch = health.watch(send);
      const unregister = streams.add({
        drainAndClose() {
          stop();
          call.end();
        },
      });
      const stop = () => {
        unwatch();
        unregister();
      };
      call.on("cancelled", stop);
      call.on("close", stop);
    },
  };
}
