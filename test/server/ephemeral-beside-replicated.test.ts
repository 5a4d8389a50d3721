/**
 * Found by review (session 44): `--ephemeral` set the mode after the file's checks, so a
 * replicated instance's file (a failover pair's, with `ownership`) started with it loaded as a
 * memory-only sidecar that served every account with no lease and no journal, beside the
 * deployment's active owner; the same file written with mode "ephemeral" is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config/load-config.js";

const dir = mkdtempSync(join(tmpdir(), "openpit-ephemeral-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const replicated = { policies: [{ type: "OrderValidationPolicy" }], durability: { mode: "replicated" }, replication: { servers: ["nats://127.0.0.1:4222"] } };
const write = (name: string, json: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
};

describe("--ephemeral beside a replicated configuration", () => {
  it("is a configuration error, with ownership or without", () => {
    const failover = write("failover.json", { ...replicated, ownership: { advertisedAddress: "127.0.0.1:50061" } });
    expect(() => loadConfig({ argv: ["--config", failover, "--ephemeral"], env: {} })).toThrow(
      `--ephemeral: the configuration's durability.mode is "replicated" (with ownership): memory only would serve its accounts beside the deployment's replicated journal, with no lease; start it without --ephemeral, or with a configuration of its own`,
    );
    const single = write("single.json", replicated);
    expect(() => loadConfig({ argv: ["--config", single, "--ephemeral"], env: {} })).toThrow(/^--ephemeral: the configuration's durability.mode is "replicated": memory only/);
  });

  it("still turns a file journal's configuration memory-only", () => {
    const sync = write("sync.json", { policies: [{ type: "OrderValidationPolicy" }], durability: { mode: "sync" } });
    expect(loadConfig({ argv: ["--config", sync, "--ephemeral"], env: {} }).durability.mode).toBe("ephemeral");
  });
});
