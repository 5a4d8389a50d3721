/**
 * A replicated start without failover logs `recovered` between `recovering` and `serving`, as
 * a file journal's start does (docs/observability.md). It never did (found by review, session
 * 36): an alert on the reservations a crash left open (`rolledBackReservations`) saw nothing
 * in replicated mode, though the metrics had them.
 *
 * Its `serving` line gives the epoch as a string, as `recovered` does: docs/observability.md
 * says ids are strings (a uint64 does not fit a JSON number). Found by review: it passed the
 * bigint to pino, which wrote a bare JSON number.
 */
import { describe, expect, it } from "vitest";
import { startSidecar } from "../../src/app/start-sidecar.js";
import { systemClock } from "../../src/engine/clock.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { LogCapture } from "../observability/observed-sidecar.js";
import { NATS_READY } from "./nats-cluster.js";
import { replicatedSetup } from "./replicated-sidecar.js";
import { useNatsCluster } from "./replicated-sidecars.js";

describe.runIf(NATS_READY).sequential("a replicated start's log", () => {
  const clusterOf = useNatsCluster();

  it("says `recovered`, with the recovery's facts and the epoch, between `recovering` and `serving` (both giving the epoch as a string)", async () => {
    const setup = replicatedSetup(clusterOf(), "RECOVERED_LOG", {}, {}, {});
    const log = new LogCapture();
    const started = await startSidecar(parseSidecarConfig(setup.config), systemClock(), () => {}, createLogger("info", log));
    try {
      const events = log.lines.map((l) => l.event).filter((e) => ["recovering", "recovered", "serving"].includes(e as string));
      expect(events).toEqual(["recovering", "recovered", "serving"]);
      const epoch = String(started.replicated!.takeover.epoch);
      expect(log.of("recovered")[0]).toMatchObject({ level: "info", replayed: expect.any(Number) as unknown, rolledBackReservations: 0, epoch });
      expect(log.of("serving")[0]).toMatchObject({ mode: "replicated", epoch, replayed: expect.any(Number) as unknown });
    } finally {
      await started.server.shutdown();
      await started.replicated?.replica.stop().catch(() => {});
      await started.replicated?.link.nc.close().catch(() => {});
    }
  }, 60_000);
});
