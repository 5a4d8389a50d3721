/**
 * The sidecar under load, in its own process (forked by bench/run.ts): the real gRPC
 * server built from the bench configuration by `buildSidecar`, so the generator's CPU
 * never competes with it inside one event loop. It listens on 127.0.0.1 port 0 and
 * reports the port over IPC; it answers RSS/CPU readings and stops on request.
 */
import { buildSidecar } from "../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import type { SidecarServer } from "../src/server/server.js";
import { processStats, serveIpc, type StatsRequest } from "./ipc.js";

let server: SidecarServer | undefined;

serveIpc({
  async start(payload: { config: unknown }) {
    if (server) throw new Error("already started");
    server = buildSidecar(parseSidecarConfig(payload.config as never));
    return { port: await server.listen("127.0.0.1:0") };
  },
  stats: (payload: StatsRequest) => processStats(payload),
  stop() {
    // Answer first; then a graceful shutdown and a natural exit (a --cpu-prof profile is
    // written at exit).
    setImmediate(async () => {
      await server?.shutdown();
      process.exit(0);
    });
    return {};
  },
});
