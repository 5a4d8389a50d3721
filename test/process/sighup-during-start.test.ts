/**
 * SIGHUP re-reads the tokens file (docs/security.md, "Revoking a token"). An operator who
 * revokes a token and signals while the sidecar is still recovering (which can take minutes)
 * must not end it: the handler was registered only once the sidecar served, so until then
 * SIGHUP's default action killed the process (found by review, session 19).
 *
 * The start is held at its first step, connecting to the journal's NATS servers, by a
 * server that accepts the connection and says nothing. SIGHUP then SIGTERM are sent in that
 * order; Linux delivers the lower-numbered pending signal first, so the process dies of
 * SIGHUP when nothing handles it, and of SIGTERM (not yet handled during the start) when
 * SIGHUP is kept for later.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { startWithConfig } from "./sidecar-process.js";

describe("SIGHUP while the sidecar starts", () => {
  it("is kept for once it serves instead of ending the process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-sighup-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const sockets: Socket[] = [];
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const silent = createServer((s) => {
      sockets.push(s);
      connected();
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;

    const tokensFile = join(dir, "tokens.json");
    writeFileSync(tokensFile, JSON.stringify({ tokens: [{ principal: "operator", sha256: sha256Hex("operator-token") }] }));
    const p = startWithConfig(dir, {
      durability: { mode: "replicated" },
      replication: { servers: [`nats://127.0.0.1:${port}`] },
      security: { principals: [{ name: "operator", roles: ["operator"] }], tokensFile },
    });
    await p.waitFor(/replicated journal on stream .*; recovering\n/);
    // The sidecar is inside its start: connecting to the journal's servers.
    await reached;
    p.child.kill("SIGHUP");
    p.child.kill("SIGTERM");
    const exit = await p.exited;
    expect(exit).toEqual({ code: null, signal: "SIGTERM" });
  });
});
