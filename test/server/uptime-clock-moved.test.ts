/**
 * Found by review (session 33): systemClock.atLeast moves the clock the whole process shares
 * (a start on a host whose clock is behind the journal), and GetServerStatus.uptime_ms was
 * read from it, so a process that had run 2 s reported an hour. Uptime is the time the clock
 * has run (runningMs).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { systemClock } from "../../src/engine/index.js";
import { callUnary, connect } from "../../src/client/index.js";
import { durableConfig, oneCommandThenCrash } from "../state/durable-state.js";

const HOUR = 3_600_000;
const REAL = 1_796_000_000_000;

describe("uptime after a start on a host whose clock is behind the journal", () => {
  it("GetServerStatus reports the process's running time, not the hour the clock was moved forward", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-uptime-"));
    try {
      await oneCommandThenCrash(dir, REAL);
      const config = durableConfig(dir);
      // Restarted ten seconds later on a host whose clock is an hour behind; the process runs 2 s.
      const w = REAL + 10_000 - HOUR;
      let m = 0;
      const { startSidecar } = await import("../../src/app/start-sidecar.js");
      const started = await startSidecar({ ...config, listen: "127.0.0.1:0", metrics: { ...config.metrics, listen: "127.0.0.1:0" } }, systemClock(() => w + m, () => m));
      const clients = connect(`127.0.0.1:${started.port}`);
      try {
        m += 2_000;
        const status = await callUnary<op.GetServerStatusResponse>(clients.admin, "getServerStatus", create(op.GetServerStatusRequestSchema, {}));
        expect(Number(status.uptimeMs)).toBe(2_000);
      } finally {
        await started.server.shutdown();
        clients.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
