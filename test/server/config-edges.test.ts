/**
 * Found by review: configuration mistakes that started a sidecar on the wrong settings, or
 * that only surfaced at a later restart. A segment past 2 GiB (recovery reads a segment
 * whole; Node cannot), an empty --config (fell through to the demo configuration), an empty
 * --data-dir, an instrument id taken twice and a policy listed twice (both exit 70 with no
 * field), settings on OrderValidationPolicy (ignored). Each is a configuration error (exit 2).
 */
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { ConfigError } from "../../src/server/config/load-config.js";
import { SettingsValidationError } from "../../src/engine/index.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES, segmentFileName } from "../../src/state/journal/segment-format.js";

const base = () => JSON.parse(JSON.stringify(DEFAULT_CONFIG)) as Record<string, any>;

describe("durability.segmentBytes past 2 GiB", () => {
  it("is refused by the configuration (recovery cannot read such a segment back)", () => {
    const json = base();
    json.durability = { ...json.durability, segmentBytes: 2 ** 32 };
    expect(() => parseSidecarConfig(json)).toThrow(/segmentBytes/);
  });

  it("recovery cannot read a segment over 2 GiB, so the configuration must not make one", () => {
    const dir = mkdtempSync(join(tmpdir(), "rv-seg-"));
    try {
      const file = join(dir, segmentFileName(1n));
      const fd = openSync(file, "w+");
      const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
      encodeSegmentHeader(header, 1n);
      writeSync(fd, header, 0, header.length, 0);
      ftruncateSync(fd, 2 ** 31 + 4096);
      closeSync(fd);
      // What every restart after a first start with such a segmentBytes would meet: refused as
      // damage now (test/state/recovery-edges.test.ts), it was exit 70 before.
      expect(() => readJournal(dir)).toThrow(/larger than any segment the journal writes/);
      expect(() => parseSidecarConfig({ ...base(), durability: { mode: "sync", segmentBytes: 2 ** 31 + 4096 } })).toThrow(/segmentBytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("an empty --config / OPENPIT_CONFIG", () => {
  it("--config '' is a configuration error, not the embedded default", () => {
    expect(() => loadConfig({ argv: ["--config", ""], env: {} })).toThrow();
  });

  // Found by review (session 28): OPENPIT_CONFIG="" served the embedded demo configuration.
  it("OPENPIT_CONFIG set to nothing is a configuration error too; a --config flag still wins over it", () => {
    for (const empty of ["", "  "]) {
      expect(() => loadConfig({ argv: [], env: { OPENPIT_CONFIG: empty } })).toThrow(
        new ConfigError("OPENPIT_CONFIG is set but empty: name a file, or unset it for the embedded default"),
      );
    }
    expect(loadConfig({ argv: [], env: {} }).listen).toBe("127.0.0.1:50051");
    const file = join(import.meta.dirname, "../../examples/sidecar.json");
    expect(loadConfig({ argv: ["--config", file], env: { OPENPIT_CONFIG: "" } })).toEqual(loadConfig({ argv: ["--config", file], env: {} }));
  });
});

// Found by review (session 42): a data directory named on the command line or in the
// environment, beside a file whose mode is ephemeral, started memory-only with the directory
// silently unused, where --ephemeral --data-dir is refused.
describe("a data directory beside an ephemeral file", () => {
  const dir = mkdtempSync(join(tmpdir(), "openpit-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (durability: Record<string, unknown>) => {
    const path = join(dir, `${String(durability.mode)}.json`);
    const replication = { servers: ["nats://127.0.0.1:4222"] };
    writeFileSync(path, JSON.stringify({ policies: [{ type: "OrderValidationPolicy" }], durability, replication }));
    return path;
  };

  it("is refused, naming where it came from", () => {
    const ephemeral = file({ mode: "ephemeral" });
    const refusal = (source: string) =>
      new ConfigError(
        `${source} names a data directory, but the configuration's durability.mode is "ephemeral" (memory only: nothing would survive a restart): set durability.mode to "sync" or "async", or drop ${source}`,
      );
    expect(() => loadConfig({ argv: ["--config", ephemeral, "--data-dir", "/srv/openpit"], env: {} })).toThrow(refusal("--data-dir"));
    expect(() => loadConfig({ argv: ["--config", ephemeral], env: { OPENPIT_DATA_DIR: "/srv/openpit" } })).toThrow(refusal("OPENPIT_DATA_DIR"));
  });

  it("is taken, unused, beside a replicated file: that state is durable in the NATS stream", () => {
    expect(loadConfig({ argv: ["--config", file({ mode: "replicated" }), "--data-dir", "/srv/openpit"], env: {} }).durability.mode).toBe("replicated");
  });

  it("--ephemeral on the command line still wins over OPENPIT_DATA_DIR, as flags win over the environment", () => {
    expect(loadConfig({ argv: ["--config", file({ mode: "ephemeral" }), "--ephemeral"], env: { OPENPIT_DATA_DIR: "/srv/openpit" } }).durability.mode).toBe("ephemeral");
    expect(loadConfig({ argv: ["--config", file({ mode: "sync" }), "--data-dir", "/srv/openpit"], env: {} }).durability).toMatchObject({ mode: "sync", dataDir: "/srv/openpit" });
  });
});

// Found by review (session 42): a NUL byte in the data directory passed the configuration and
// failed the start later, in recovery, with exit 70 and no setting named.
describe("a data directory with a NUL character", () => {
  it("is a configuration error naming the setting, in the file, the flag and the environment", () => {
    const policies = [{ type: "OrderValidationPolicy" }];
    expect(() => parseSidecarConfig({ policies, durability: { dataDir: "state\u0000dir" } })).toThrow("config.durability.dataDir: must not contain a NUL character");
    expect(() => loadConfig({ argv: ["--data-dir", "state\u0000dir"], env: {} })).toThrow(new ConfigError("--data-dir: must not contain a NUL character"));
    expect(() => loadConfig({ argv: [], env: { OPENPIT_DATA_DIR: "state\u0000dir" } })).toThrow(new ConfigError("OPENPIT_DATA_DIR: must not contain a NUL character"));
  });
});

describe("an empty --data-dir", () => {
  it("--data-dir '' is a configuration error, not silently the file's dataDir", () => {
    expect(() => loadConfig({ argv: ["--data-dir", ""], env: {} })).toThrow();
  });

  // Found by review (session 28): a blank OPENPIT_DATA_DIR became the data directory.
  it("OPENPIT_DATA_DIR of only spaces is a configuration error; empty is unset, as for the listen variables", () => {
    expect(() => loadConfig({ argv: [], env: { OPENPIT_DATA_DIR: "  " } })).toThrow(new ConfigError("OPENPIT_DATA_DIR is only spaces: name a directory, or unset it"));
    expect(loadConfig({ argv: [], env: { OPENPIT_DATA_DIR: "" } }).durability.dataDir).toBe(loadConfig({ argv: [], env: {} }).durability.dataDir);
    expect(loadConfig({ argv: [], env: { OPENPIT_DATA_DIR: "/srv/openpit" } }).durability.dataDir).toBe("/srv/openpit");
  });
});

/** What main.ts turns into exit 2 ("configuration error"); anything else exits 70. */
function exitCodeOf(f: () => unknown): number {
  try {
    f();
    return 0;
  } catch (e) {
    return e instanceof ConfigError || e instanceof SettingsValidationError ? 2 : 70;
  }
}

describe("configuration errors found while building exit 70, not 2", () => {
  it("an explicit instrument id an earlier id-less instrument already took", () => {
    const json = base();
    json.marketData.instruments = [
      { underlyingAsset: "A", settlementAsset: "USD" },
      { id: 0, underlyingAsset: "B", settlementAsset: "USD" },
    ];
    expect(exitCodeOf(() => buildState(parseSidecarConfig(json)))).toBe(2);
  });

  it("a policy type listed twice (its name is its type)", () => {
    const json = base();
    json.policies = [{ type: "OrderValidationPolicy" }, { type: "OrderValidationPolicy" }];
    expect(exitCodeOf(() => buildState(parseSidecarConfig(json)))).toBe(2);
  });

  // Found by review (session 32): the engine builder refused it (EngineBuildError, exit 70)
  // with no field named.
  it("a policy group id other than 0 given to two policies", () => {
    const json = base();
    json.policies = [
      { type: "OrderValidationPolicy", policyGroupId: 0 },
      { type: "RateLimitPolicy", policyGroupId: 7, settings: { broker: { maxOrders: 10, windowMs: 1000 } } },
      { type: "PnlBoundsKillSwitchPolicy", policyGroupId: 7, settings: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1" }] } },
    ];
    expect(exitCodeOf(() => buildState(parseSidecarConfig(json)))).toBe(2);
    expect(() => parseSidecarConfig(json)).toThrow("config.policies[2]: repeats the policyGroupId of config.policies[1] (7)");
  });
});

describe("OrderValidationPolicy has no settings", () => {
  it("a settings field on it is refused (strict validation), not ignored", () => {
    const json = base();
    json.policies[0] = { type: "OrderValidationPolicy", settings: { maxQuantity: "10" } };
    expect(() => buildState(parseSidecarConfig(json))).toThrow(/maxQuantity/);
  });
});
