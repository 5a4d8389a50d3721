/**
 * Replicated mode, failed closed while taking the journal over (found by review, session 44):
 * the file-mode start halted its snapshot schedule, the replicated one did not, and the failure
 * came before the schedule existed, so the takeover started it and its timer snapshotted a state
 * that may be damaged. Now no schedule runs (and none writes: sidecar-state.ts failedClosed).
 */
import type { Server as GrpcServer } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { startSidecar } from "../../src/app/start-sidecar.js";
import { systemClock } from "../../src/engine/clock.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { NATS_READY } from "./nats-cluster.js";
import { replicatedSetup } from "./replicated-sidecar.js";
import { useNatsCluster } from "./replicated-sidecars.js";

describe.runIf(NATS_READY).sequential("replicated start failed closed", () => {
  const clusterOf = useNatsCluster();
  it("no snapshot schedule runs after failing closed during a replicated recovery", async () => {
    const setup = replicatedSetup(clusterOf(), "FAILED_START", {}, { snapshotEverySeconds: 1 }, {});
    const started = await startSidecar(parseSidecarConfig(setup.config), systemClock(), () => {}, createLogger("info", { write: () => {} }), undefined, (server) => server.failClosed());
    const schedule = started.server.state.snapshots as unknown as { stopped: boolean; halted: boolean; take(): Promise<unknown> };
    const seen = { phase: started.server.phase, stopped: schedule.stopped, halted: schedule.halted, taken: await schedule.take() };
    (started.server as unknown as { server: GrpcServer }).server.forceShutdown();
    await started.server.http.close(0);
    await started.replicated?.replica.stop().catch(() => {});
    await started.replicated?.link.nc.close().catch(() => {});
    expect(seen).toEqual({ phase: "failed", stopped: true, halted: true, taken: undefined });
  }, 60_000);
});
