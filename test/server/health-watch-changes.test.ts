/**
 * grpc.health.v1 Watch sends a status when it changes, not again when something else changed
 * (found by review, session 35): every shard ownership change re-sent the whole process's
 * unchanged SERVING, and each shard's watchers got every other shard's changes as repeats of
 * their own status. The health protocol: "the server will send a new message … whenever the
 * service's serving status changes".
 */
import { create } from "@bufbuild/protobuf";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as ServingStatus, type HealthCheckResponse } from "../../gen/grpc/health/v1/health_pb.js";
import { shardHealthName } from "../../src/server/services/health-service.js";
import { startHarness, type Harness } from "./harness.js";

/** A Watch on `service`: the statuses received, and a wait for the n-th one. */
function watch(h: Harness, service: string) {
  const stream = (h.clients.health.watch as (r: unknown) => ClientReadableStream<HealthCheckResponse>)(create(HealthCheckRequestSchema, { service }));
  stream.on("error", () => {});
  const seen: string[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  stream.on("data", (m: HealthCheckResponse) => {
    seen.push(ServingStatus[m.status]);
    for (const w of waiting) if (seen.length >= w.n) w.resolve();
  });
  return {
    seen,
    stream,
    /** Resolves once `n` statuses have arrived. */
    count: (n: number) => new Promise<void>((resolve) => (seen.length >= n ? resolve() : waiting.push({ n, resolve }))),
  };
}

describe("health Watch", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("sends a service's status once per change, whatever else changed", async () => {
    const whole = watch(h, "");
    const shard1 = watch(h, shardHealthName(1));
    await Promise.all([whole.count(1), shard1.count(1)]);
    const health = h.server.health;
    // Shards come and go while the process keeps owning one: "" stays SERVING.
    health.setOwnedShards(4, new Set([0, 1]));
    health.setOwnedShards(4, new Set([0]));
    health.setOwnedShards(4, new Set([0, 2]));
    health.setOwnedShards(4, new Set([0, 1, 2]));
    // Then it owns none: "" and shard 1 both change.
    health.setOwnedShards(4, new Set());
    await Promise.all([whole.count(2), shard1.count(5)]);
    // Messages arrive in order: a repeat would have come before the last one. Shard 1 is not
    // a known service until ownership is first set; {0} → {0, 2} leaves it NOT_SERVING.
    expect({ whole: whole.seen, shard1: shard1.seen }).toEqual({
      whole: ["SERVING", "NOT_SERVING"],
      shard1: ["SERVICE_UNKNOWN", "SERVING", "NOT_SERVING", "SERVING", "NOT_SERVING"],
    });
    whole.stream.cancel();
    shard1.stream.cancel();
  });
});
