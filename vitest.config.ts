import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end suites start real servers; forks keep each file's sockets apart.
    pool: "forks",
    testTimeout: 20_000,
    // Sidecars the suites start as processes inherit this: each binds its HTTP listener
    // (/metrics) on a free port instead of the default 9464, which parallel files would share.
    env: { OPENPIT_METRICS_LISTEN: "127.0.0.1:0" },
  },
});
