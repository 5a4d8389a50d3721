/** grpc.health.v1: NOT_SERVING while recovering and during shutdown. */
import { create } from "@bufbuild/protobuf";
import { status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from "@grpc/grpc-js";
import {
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../../../gen/grpc/health/v1/health_pb.js";
import { quoted } from "../../param/quoted.js";
import type { LiveStreams } from "./live-streams.js";
import { isMalformed, type MalformedMessage } from "../../transport/service-definition.js";

/**
 * grpc.health.v1 for the whole process ("") and each served service. Shutdown flips
 * everything to NOT_SERVING first, so load balancers stop sending before streams close.
 */
export class HealthState {
  private serving = true;
  /** Replicated mode: this instance owns at least one shard (always true otherwise). */
  private owning = true;
  /** Replicated mode: one entry per shard (`openpit.sidecar.v1.Shard/<n>`), SERVING while owned. */
  private readonly shards = new Map<string, boolean>();
  private readonly watchers = new Set<() => void>();

  constructor(private readonly services: readonly string[]) {}

  setServing(serving: boolean): void {
    if (this.serving === serving) return;
    this.serving = serving;
    this.changed();
  }

  /** Replicated mode: which shards this instance owns now (a standby owns none: NOT_SERVING everywhere). */
  setOwnedShards(shardCount: number, owned: ReadonlySet<number>): void {
    let changed = this.owning !== owned.size > 0;
    this.owning = owned.size > 0;
    for (let s = 0; s < shardCount; s++) {
      const name = shardHealthName(s);
      if (this.shards.get(name) !== owned.has(s)) changed = true;
      this.shards.set(name, owned.has(s));
    }
    if (changed) this.changed();
  }

  private changed(): void {
    for (const w of this.watchers) w();
  }

  statusOf(service: string): ServingStatus | undefined {
    const shard = this.shards.get(service);
    if (shard !== undefined) return this.serving && shard ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (service !== "" && !this.services.includes(service)) return undefined;
    return this.serving && this.owning ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }
}

/** The health service name of one shard in replicated mode. */
export function shardHealthName(shard: number): string {
  return `openpit.sidecar.v1.Shard/${shard}`;
}

/**
 * A request that does not decode (lenient deserializer, transport/service-definition.ts) is
 * refused as reflection refuses one; it names no service (found by review: it was read as the
 * service 'undefined', NOT_FOUND for Check and SERVICE_UNKNOWN for Watch).
 */
function malformed(request: MalformedMessage): { code: status; details: string } {
  return { code: status.INVALID_ARGUMENT, details: `malformed request: ${request.error}` };
}

/** Watch streams are live streams: shutdown ends them after NOT_SERVING went out. */
export function healthService(health: HealthState, streams: LiveStreams): UntypedServiceImplementation {
  const response = (s: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status: s });
  return {
    check(call: ServerUnaryCall<HealthCheckRequest | MalformedMessage, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) {
      if (isMalformed(call.request)) return callback(malformed(call.request));
      const s = health.statusOf(call.request.service);
      if (s === undefined) callback({ code: status.NOT_FOUND, details: `unknown service ${quoted(call.request.service)}` });
      else callback(null, response(s));
    },
    watch(call: ServerWritableStream<HealthCheckRequest | MalformedMessage, HealthCheckResponse>) {
      if (isMalformed(call.request)) {
        call.emit("error", malformed(call.request));
        return;
      }
      const request = call.request;
      // Sent when it changes, not at every change of another service's status (the health
      // protocol; found by review, session 35: each shard change re-sent every watcher's
      // unchanged status).
      let sent: ServingStatus | undefined;
      const send = () => {
        const now = health.statusOf(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (now === sent) return;
        sent = now;
        call.write(response(now));
      };
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
