/**
 * The sidecar of bench/sidecar-process.ts with the echo service (echo-process.ts's
 * handler) served by the same grpc-js server, for bench/latency-probe.ts: an echo and an
 * order through one process, one server and its options, so what differs between them
 * is only what the sidecar does per message.
 */
import type { Server } from "@grpc/grpc-js";
import { startSidecar } from "../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import { answeringHandler, ECHO_SERVICE } from "./echo-service.js";
import { processStats, serveIpc, type StatsRequest } from "./ipc.js";

const responses = new Map<number, Buffer>();
let stop: (() => Promise<void>) | undefined;

const echo = answeringHandler((request) => responses.get(request.length), "response size");

serveIpc({
  async start(payload: { config: unknown }) {
    const started = await startSidecar(parseSidecarConfig(payload.config as never));
    // The grpc-js server inside SidecarServer (private: this is a probe, not an API).
    (started.server as unknown as { server: Server }).server.addService(ECHO_SERVICE, { echo });
    stop = () => started.server.shutdown();
    return { port: started.port };
  },
  sizes(payload: { pairs: [number, number][] }) {
    for (const [request, response] of payload.pairs) responses.set(request, Buffer.alloc(response, 0x5a));
    return { sizes: payload.pairs.length };
  },
  stats: (payload: StatsRequest) => processStats(payload),
  stop() {
    setImmediate(async () => {
      await stop?.();
      process.exit(0);
    });
    return {};
  },
});
