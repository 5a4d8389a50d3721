/**
 * A process that does nothing but note its own event-loop stalls (bench/stall-log.ts),
 * pinned beside the sidecar or the generator by bench/tail-probe.ts
 * (OPENPIT_PROBE_WITNESS=1). It is idle, so a wake-up of it that comes tens of
 * milliseconds late means its CPU did not run it: the kernel or the hypervisor held the
 * CPU (a sleeper that wakes is normally scheduled at once beside a busy process). When the
 * sidecar's loop stalls and its CPU's witness does too, at the same time, the stall was the
 * machine's; when only the sidecar's does, it was the sidecar's own work. A witness's own
 * collections (V8 shrinks an idle heap with a few major GCs after the start) show as GC
 * pauses in its stalls: those are not the machine's.
 */
import { serveIpc } from "./ipc.js";
import { startStallLog, takeStalls } from "./stall-log.js";

startStallLog();
serveIpc({
  stalls: () => takeStalls(),
  stop() {
    setImmediate(() => process.exit(0));
    return {};
  },
});
