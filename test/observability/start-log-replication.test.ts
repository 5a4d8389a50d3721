/**
 * Found by review (session 40): the start line's `config.replication` said how NATS is reached
 * (TLS, which credential) whenever the file had a replication section, also in a file or
 * ephemeral mode that never connects to NATS. docs/observability.md: null outside replicated mode.
 */
import { describe, expect, it } from "vitest";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { configSummary } from "../../src/server/log/config-summary.js";

const replication = { servers: ["tls://nats.example:4222"], tls: { caFile: "/etc/nats/ca.pem" }, tokenFile: "/etc/nats/token" };
const policies = [{ type: "OrderValidationPolicy" }];

describe("the start line's replication summary", () => {
  it("is null outside replicated mode, a replication section or not", () => {
    const kept = parseSidecarConfig({ policies, durability: { mode: "sync", dataDir: "/tmp/openpit-unused" }, replication });
    expect(configSummary(kept).replication).toBeNull();
    expect(configSummary(parseSidecarConfig({ policies })).replication).toBeNull();
  });

  it("in replicated mode says TLS, client certificate and credential kind, never a path", () => {
    const summary = configSummary(parseSidecarConfig({ policies, durability: { mode: "replicated" }, replication }));
    expect(summary.replication).toEqual({ tls: true, clientCertificate: false, credential: "tokenFile", signing: null });
    expect(JSON.stringify(summary)).not.toContain("/etc/nats");
  });

  it("says whether signing is on (and acceptUnsigned), never the key file's path", () => {
    const signed = { ...replication, signing: { keyFile: "/etc/openpit/journal.key", acceptUnsigned: true } };
    const summary = configSummary(parseSidecarConfig({ policies, durability: { mode: "replicated" }, replication: signed }));
    expect(summary.replication).toMatchObject({ signing: { acceptUnsigned: true } });
    expect(JSON.stringify(summary)).not.toContain("journal.key");
  });
});

// Found by review (session 42): a replicated sidecar's start line named a data directory and a
// segment size, which that mode never uses (its state is in the NATS stream).
describe("the start line's durability summary", () => {
  it("names only what the mode uses", () => {
    const durability = (d: Record<string, unknown>) => configSummary(parseSidecarConfig({ policies, durability: d, replication })).durability;
    expect(durability({ mode: "replicated" })).toEqual({ mode: "replicated", snapshotEveryRecords: 250000, snapshotEverySeconds: 300 });
    expect(durability({ mode: "ephemeral" })).toEqual({ mode: "ephemeral" });
    expect(durability({ mode: "sync", dataDir: "/srv/openpit", segmentBytes: 4096 })).toEqual({
      mode: "sync",
      dataDir: "/srv/openpit",
      snapshotEveryRecords: 250000,
      snapshotEverySeconds: 300,
      segmentBytes: 4096,
    });
  });
});
