import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

import { ALONE, ISOLATED, SHARED_WORKER } from "./test/suite-projects.js";

export default defineConfig({
  test: {
    // Child processes, not threads: suites start real servers, signal processes and load native
    // modules. Which files share a worker's module cache is test/suite-projects.ts's to say.
    pool: "forks",
    // Two files at a time even on two cores (vitest's default there is one): most end-to-end
    // files wait on processes, sockets and timers, not on the CPU. Measured on a clean clone
    // here: 388 s against 599 s, every test green; the suites are written to hold under that
    // contention (they wait for what they need, never for a time).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    // Sidecars the suites start as processes inherit this: each binds its HTTP listener
    // (/metrics) on a free port instead of the default 9464, which parallel files would share.
    env: { OPENPIT_METRICS_LISTEN: "127.0.0.1:0" },
    projects: [
      { extends: true, test: { name: "unit", include: SHARED_WORKER, exclude: ISOLATED, isolate: false } },
      {
        extends: true,
        test: { name: "e2e", include: ["test/**/*.test.ts"], exclude: [...SHARED_WORKER, ...ALONE, ...ISOLATED], isolate: false },
      },
      { extends: true, test: { name: "isolated", include: ISOLATED } },
      // After the others, one file at a time: nothing else runs beside it.
      { extends: true, test: { name: "alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
