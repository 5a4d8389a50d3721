/**
 * replication.signing's key file (src/app/signing-key.ts), read at start before anything
 * connects: a file that cannot be used stops the start as a configuration error (exit 2)
 * naming the key and the path, never the file's content; the key shows as its id only.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { readSigningKey } from "../../src/app/signing-key.js";
import { ConfigError } from "../../src/server/config/load-config.js";
import { DEFAULT_REPLICATION, type ReplicationConfig } from "../../src/server/config/replication-config.js";
import { testConfig } from "../server/harness.js";

const dir = mkdtempSync(join(tmpdir(), "openpit-signing-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};
const base: ReplicationConfig = { ...DEFAULT_REPLICATION, servers: ["nats://127.0.0.1:1"] };
const KEY = "k3y-0f-the-journal-0123456789abcdef-XYZ";

describe("the signing key file, read at start", () => {
  it("no signing section: no signer (nothing is signed or checked)", () => {
    expect(readSigningKey(base)).toBeUndefined();
  });

  it("the file's bytes less one final line break are the key; logs see its id alone", () => {
    const signer = readSigningKey({ ...base, signing: { keyFile: file("key", `${KEY}\n`), acceptUnsigned: true } })!;
    expect(signer.keyId).toBe(createHash("sha256").update(KEY).digest("hex").slice(0, 8));
    expect(signer.acceptUnsigned).toBe(true);
    expect(readSigningKey({ ...base, signing: { keyFile: file("key-crlf", `${KEY}\r\n`), acceptUnsigned: false } })!.keyId).toBe(signer.keyId);
    for (const shown of [inspect(signer, { depth: 5, showHidden: true }), JSON.stringify(signer), JSON.stringify({ signer })]) {
      expect(shown).not.toContain("k3y");
      expect(shown).not.toContain(Buffer.from(KEY).toString("hex").slice(0, 16));
    }
  });

  const refusal = (keyFile: string): ConfigError => {
    try {
      readSigningKey({ ...base, signing: { keyFile, acceptUnsigned: false } });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error("accepted");
  };

  it("a missing file, or a key under 32 bytes, is a configuration error naming the path, never the content", () => {
    const missing = join(dir, "no-such.key");
    expect(refusal(missing).message).toBe(`replication.signing.keyFile: cannot read ${missing} (ENOENT)`);
    const short = file("short", "s3cret-but-short-31-bytes-long!\n");
    const e = refusal(short);
    expect(e.message).toBe(`replication.signing.keyFile: ${short} holds 31 bytes, a signing key needs at least 32 (e.g. openssl rand -base64 48 > ${short})`);
    expect(e.message).not.toContain("s3cret");
    expect(refusal(file("empty", "")).message).toContain("holds 0 bytes");
    expect(refusal(dir).message).toBe(`replication.signing.keyFile: cannot read ${dir} (EISDIR)`);
  });

  it("acceptKeyFiles: other keys accepted (a rotation), each read and checked as keyFile is", () => {
    const next = file("next", "the next key of the deployment, 32 bytes or more\n");
    const signer = readSigningKey({ ...base, signing: { keyFile: file("current", KEY), acceptUnsigned: false, acceptKeyFiles: [next] } })!;
    expect(signer.acceptedKeyIds).toEqual([createHash("sha256").update("the next key of the deployment, 32 bytes or more").digest("hex").slice(0, 8)]);
    const short = file("short-next", "n3xt");
    expect(() => readSigningKey({ ...base, signing: { keyFile: file("current2", KEY), acceptUnsigned: false, acceptKeyFiles: [next, short] } })).toThrow(
      new ConfigError(`replication.signing.acceptKeyFiles[1]: ${short} holds 4 bytes, a signing key needs at least 32 (e.g. openssl rand -base64 48 > ${short})`),
    );
  });

  it("the sidecar's start exits 2 (configuration error) on a key file it cannot use, before connecting", () => {
    const run = (keyFile: string) => {
      const config = join(dir, "sidecar.json");
      const replication = { servers: ["nats://127.0.0.1:1"], leaderWaitMs: 500, signing: { keyFile } };
      writeFileSync(config, JSON.stringify({ ...testConfig(), listen: "127.0.0.1:0", metrics: { listen: "off" }, durability: { mode: "replicated" }, replication }));
      return spawnSync(process.execPath, ["--import", "tsx", "src/main.ts", "--config", config], { encoding: "utf8", timeout: 30_000 });
    };
    const missing = join(dir, "absent.key");
    const absent = run(missing);
    expect(absent.status).toBe(2);
    expect(absent.stderr).toContain(`configuration error: replication.signing.keyFile: cannot read ${missing} (ENOENT)`);
    const short = file("short2", "s3cret-short");
    const tooShort = run(short);
    expect(tooShort.status).toBe(2);
    expect(tooShort.stderr).toContain(`configuration error: replication.signing.keyFile: ${short} holds 12 bytes, a signing key needs at least 32`);
    expect(tooShort.stdout + tooShort.stderr).not.toContain("s3cret");
  }, 60_000);
});
