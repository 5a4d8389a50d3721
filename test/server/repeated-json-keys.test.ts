/**
 * Found by review (session 34): JSON.parse keeps the last value of a key written twice in one
 * object without a word, so a configuration file's `"broker": { "maxOrders": 10, "windowMs":
 * 1000, "maxOrders": 100000 }` started a sidecar enforcing 100000 orders where the operator
 * also wrote 10, and ConfigurePolicy's settings_json likewise. The scan that refuses numbers a
 * double changes (json-numbers.ts) refuses a repeated key too: in the file with its line and
 * column (and the first one's), at runtime INVALID_VALUE with offsets; nothing changes.
 */
import { status } from "@grpc/grpc-js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ConfigError, loadConfig } from "../../src/server/config/load-config.js";
import { firstJsonTextProblem } from "../../src/json/json-numbers.js";
import { startHarness, type Harness } from "./harness.js";
import { adminFailure } from "./results.js";

describe("firstJsonTextProblem: keys", () => {
  it("finds a key written again in the same object, with both places", () => {
    expect(firstJsonTextProblem('{"a": 1, "b": 2, "a": 3}')).toEqual({ kind: "repeatedKey", key: "a", offset: 17, firstOffset: 1 });
    // Compared as JSON reads them: an escape is the character it stands for.
    expect(firstJsonTextProblem('{"a": 1, "\\u0061": 2}')).toEqual({ kind: "repeatedKey", key: "a", offset: 9, firstOffset: 1 });
    expect(firstJsonTextProblem('{"k\\"": 1, "k\\u0022": 2}')).toMatchObject({ kind: "repeatedKey", key: 'k"' });
    // Any whitespace before the colon; nested objects are scanned too.
    expect(firstJsonTextProblem('{"x": [{"a" : 1,\n"a"\n: 2}]}')).toEqual({ kind: "repeatedKey", key: "a", offset: 17, firstOffset: 8 });
    // The first problem in the text, whichever kind.
    expect(firstJsonTextProblem('{"a": 1, "a": 7.0000000000000001}')).toMatchObject({ kind: "repeatedKey", offset: 9 });
    expect(firstJsonTextProblem('{"a": 7.0000000000000001, "a": 1}')).toMatchObject({ kind: "inexactNumber", offset: 6 });
  });

  it("reads a string of millions of characters, escapes or not, and still finds what follows it", () => {
    // Matched by one regex, such a string threw a RangeError (V8's backtracking stack) out of
    // the check: a configuration file holding one failed to start with no word of why.
    const plain = "a".repeat(9_000_000);
    const escapes = "\\n".repeat(3_000_000);
    for (const long of [plain, escapes, `${plain}\\"${escapes}`]) {
      const text = `{"note": "${long}", "n": 12, "k": 1, "k": 2}`;
      expect(JSON.parse(text)).toMatchObject({ n: 12 });
      expect(firstJsonTextProblem(text)).toEqual({ kind: "repeatedKey", key: "k", offset: text.length - 7, firstOffset: text.length - 15 });
      expect(firstJsonTextProblem(`{"note": "${long}", "n": 7.0000000000000001}`)).toMatchObject({ kind: "inexactNumber", written: "7.0000000000000001" });
    }
  });

  it("takes the same key in other objects, and strings that are values", () => {
    for (const ok of [
      '{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}',
      '{"x": {"k": 1}, "k": 2}',
      '{"a": "a", "b": "a", "c": ["a", "a"], "d": "\\"a\\":"}',
      '{"a": 1, "A": 2, "a ": 3}',
      "[{}, {}]",
    ]) {
      expect(firstJsonTextProblem(ok)).toBeUndefined();
    }
  });

  it("stays linear on large lists: 10^5 objects with the same keys, and 10^5 keys in one object", () => {
    const list = JSON.stringify({ accounts: { list: Array.from({ length: 100_000 }, (_, i) => ({ id: i + 1, group: 3, currency: "USD" })) } });
    expect(firstJsonTextProblem(list)).toBeUndefined();
    const keys = Array.from({ length: 100_000 }, (_, i) => `"k${i}": ${i}`);
    const wide = `{${keys.join(", ")}, "k0": 0}`;
    expect(firstJsonTextProblem(wide)).toEqual({ kind: "repeatedKey", key: "k0", offset: wide.lastIndexOf('"k0"'), firstOffset: 1 });
  });
});

const FILE = `{
  "listen": "127.0.0.1:0",
  "durability": { "mode": "ephemeral" },
  "policies": [
    { "type": "RateLimitPolicy", "settings": { "broker": { "maxOrders": 10, "windowMs": 1000, "maxOrders": 100000 } } }
  ]
}`;

describe("a configuration file with a key written twice", () => {
  it("is a configuration error with both keys' lines and columns", () => {
    const dir = mkdtempSync(join(tmpdir(), "repeated-key-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "config.json");
    writeFileSync(file, FILE);
    expect(() => loadConfig({ argv: ["--config", file], env: {} })).toThrow(
      new ConfigError(
        `config file ${file} line 5 column 95: the key "maxOrders" is written again in the same object (first at line 5 column 60): JSON would keep only the last value; write each key once`,
      ),
    );
    writeFileSync(file, FILE.replace(', "maxOrders": 100000', ""));
    expect(loadConfig({ argv: ["--config", file], env: {} }).policies[0]!.settings).toEqual({ broker: { maxOrders: 10, windowMs: 1000 } });
  });
});

describe("ConfigurePolicy with a key written twice", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("is INVALID_VALUE with both offsets, in settings_json and expected_settings_json; nothing is journaled", async () => {
    h = await startHarness();
    const before = h.server.state.journal.lastSequence;
    const shown = async () => (await h!.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: "RateLimitPolicy" })).settingsJson;
    const settingsBefore = await shown();
    const settingsJson = '{ "broker": { "maxOrders": 10, "windowMs": 1000, "maxOrders": 100000 } }';
    expect(await adminFailure(h, "configurePolicy", { policyName: "RateLimitPolicy", settingsJson })).toEqual([
      status.INVALID_ARGUMENT,
      'settings_json: at offset 49, the key "maxOrders" is written again in the same object (first at offset 14): JSON would keep only the last value; write each key once',
      "INVALID_VALUE",
    ]);
    expect(
      await adminFailure(h, "configurePolicy", { policyName: "RateLimitPolicy", settingsJson: '{"broker": {"maxOrders": 10, "windowMs": 1000}}', expectedSettingsJson: '{"broker": 1, "broker": 2}' }),
    ).toEqual([
      status.INVALID_ARGUMENT,
      'expected_settings_json: at offset 14, the key "broker" is written again in the same object (first at offset 1): JSON would keep only the last value; write each key once',
      "INVALID_VALUE",
    ]);
    expect(h.server.state.journal.lastSequence).toBe(before);
    expect(await shown()).toBe(settingsBefore);
  });
});
