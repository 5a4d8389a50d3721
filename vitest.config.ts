import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end suites start real servers; forks keep each file's sockets apart.
    pool: "forks",
    testTimeout: 20_000,
  },
});
