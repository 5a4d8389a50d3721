/** The listen address as the process sees it: a malformed one, and one already in use. */
import { createServer, type AddressInfo, type Server } from "node:net";
import { describe, it } from "vitest";
import { nodeEntry } from "./sidecar-process.js";

// A hang guard of a minute: on a loaded 2-core machine a process start (tsx compiling the sources) passed 20 s.
describe.concurrent("--listen", { timeout: 60_000 }, () => {
  it("without a port is a configuration error naming the expected form (exit 2)", async ({ expect }) => {
    const p = nodeEntry("src/main.ts", ["--ephemeral", "--listen", "localhost"]);
    expect(await p.exited).toEqual({ code: 2, signal: null });
    expect(p.stderr()).toBe(
      "configuration error: --listen: 'localhost' is not a listen address (no port); expected HOST:PORT with a port in 0..65535 (IPv6 in brackets: [::1]:50051)\n",
    );
    expect(p.stdout()).toBe("");
  });

  it("an address in use is reported with the address, and exits 69", async ({ expect }) => {
    const taken: Server = await new Promise((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => resolve(s));
    });
    const port = (taken.address() as AddressInfo).port;
    try {
      const p = nodeEntry("src/main.ts", ["--ephemeral", "--listen", `127.0.0.1:${port}`]);
      expect(await p.exited).toEqual({ code: 69, signal: null });
      expect(p.stderr()).toBe(`openpit-sidecar: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n`);
      expect(p.stdout()).toBe("openpit-sidecar: ephemeral mode, state is kept in memory only and lost on exit\n");
    } finally {
      taken.close();
    }
  });
});

