/**
 * SIGHUP re-reads the client CRL too (docs/security.md, "Revoking a client certificate"),
 * also when no tokens file is configured: SIGHUP was handled only with a tokens file, so
 * with a CRL alone its default action ended the sidecar.
 */
import { copyFileSync, renameSync, writeFileSync } from "node:fs";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { TestPki } from "../security/pki.js";
import { LISTENING, nodeEntry } from "./sidecar-process.js";

describe("SIGHUP with a client CRL and no tokens file", () => {
  it("re-reads the CRL (logged crl_reloaded) and the sidecar goes on", async () => {
    const pki = new TestPki();
    onTestFinished(() => pki.remove());
    pki.ca("ca");
    const server = pki.leaf("ca", "127.0.0.1", "server", "server");
    pki.leaf("ca", "operator", "client");
    const crlFile = pki.crl("ca", [], "client.crl");
    const configFile = pki.path("config.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        ...DEFAULT_CONFIG,
        listen: "127.0.0.1:0",
        metrics: { listen: "off" },
        durability: { mode: "ephemeral" },
        security: {
          tls: { certFile: server.certFile, keyFile: server.keyFile, clientCaFile: pki.path("ca.pem"), clientCrlFile: crlFile },
          principals: [{ name: "operator", roles: ["operator"] }],
        },
      }),
    );

    const p = nodeEntry("src/main.ts", ["--config", configFile]);
    onTestFinished(() => void (p.child.exitCode === null && p.child.signalCode === null && p.child.kill("SIGKILL")));
    await p.waitFor(LISTENING);
    copyFileSync(pki.crl("ca", ["operator"], "revoking.crl"), `${crlFile}.new`);
    renameSync(`${crlFile}.new`, crlFile);
    p.child.kill("SIGHUP");

    await vi.waitFor(() => expect(p.stderr()).toMatch(/"event":"crl_reloaded"/), { timeout: 10_000 });
    expect(p.child.exitCode).toBeNull();
    expect(p.child.signalCode).toBeNull();
    p.child.kill("SIGTERM");
    expect((await p.exited).signal === "SIGHUP").toBe(false);
  });
});
