/**
 * JSON.parse turns every number into the nearest double without a word: a configuration
 * file's `"maxOrders": 7.0000000000000001` was enforced as 7, `1e-400` as 0, and a settings
 * change through ConfigurePolicy likewise. A number that does not read back as written is
 * now refused, in the file (exit 2, with its line and column) and on the admin API
 * (INVALID_VALUE naming the field), and nothing changes.
 */
import { status } from "@grpc/grpc-js";
import { Decimal } from "decimal.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config/load-config.js";
import { firstJsonTextProblem, lineAndColumn } from "../../src/json/json-numbers.js";
import { testConfig } from "./harness.js";
import { adminFailure } from "./results.js";
import { startDurable, tempDir, type DurableSidecar } from "./controls-world.js";

describe("firstJsonTextProblem: numbers", () => {
  it("finds the numbers a double changes, and only those", () => {
    expect(firstJsonTextProblem('{"a": 7.0000000000000001}')).toEqual({ kind: "inexactNumber", written: "7.0000000000000001", readsAs: "7", offset: 6 });
    expect(firstJsonTextProblem("[1e-400]")).toEqual({ kind: "inexactNumber", written: "1e-400", readsAs: "0", offset: 1 });
    expect(firstJsonTextProblem("[12345678901234567891]")).toEqual({ kind: "inexactNumber", written: "12345678901234567891", readsAs: "12345678901234567000", offset: 1 });
    expect(firstJsonTextProblem("[1e400]")).toEqual({ kind: "inexactNumber", written: "1e400", readsAs: "Infinity", offset: 1 });
    expect(firstJsonTextProblem("[9007199254740993]")).toMatchObject({ readsAs: "9007199254740992" });
    // Past decimal.js's own exponent range (found by review, session 34: read as 0 on both sides).
    expect(firstJsonTextProblem("[1e-99999999999999999999]")).toEqual({ kind: "inexactNumber", written: "1e-99999999999999999999", readsAs: "0", offset: 1 });
    expect(firstJsonTextProblem("[-10.5e-9000000000000001]")).toEqual({ kind: "inexactNumber", written: "-10.5e-9000000000000001", readsAs: "0", offset: 1 });
    expect(firstJsonTextProblem("[0.000e-99999999999999999999, -0e5, 0.0]")).toBeUndefined();
    // Written differently but the same number: kept.
    for (const ok of ["[1.0, 1e3, 1E+3, 0.1, -0, 0.5e-1, 1e21, 9007199254740991, 18446744073709551616]"]) {
      expect(firstJsonTextProblem(ok)).toBeUndefined();
    }
    // Digits inside strings (decimals, digit-string ids), escapes included, are not numbers.
    expect(firstJsonTextProblem('{"price": "7.0000000000000001", "id": "12345678901234567891", "q": "\\"1.00000000000000001"}')).toBeUndefined();
    expect(firstJsonTextProblem('{"k\\\\": 2.00000000000000001}')).toMatchObject({ written: "2.00000000000000001" });
  });

  it("agrees with the exact check on numbers of at most 15 digits, which it reads back without it", () => {
    // A fixed generator (no Math.random): the same numbers every run.
    let seed = 46;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const digits = String(next()).padStart(10, "0") + String(next()).padStart(10, "0");
      const length = 1 + (next() % 15);
      const point = next() % (length + 1);
      const body = digits.slice(0, length);
      const written = `${next() % 2 === 0 ? "-" : ""}${point === 0 || point === length ? body : `${body.slice(0, point)}.${body.slice(point)}`}`.replace(/^(-?)0+(?=\d)/, "$1");
      const read = Number(written);
      const exact = new Decimal(written).equals(new Decimal(String(read)));
      expect([written, firstJsonTextProblem(`[${written}]`) === undefined]).toEqual([written, exact]);
      expect(exact).toBe(true);
    }
    // Sixteen digits or more take the exact check: these do not read back.
    expect(firstJsonTextProblem("[9007199254740993]")).toMatchObject({ kind: "inexactNumber" });
    expect(firstJsonTextProblem("[0.12345678901234567]")).toMatchObject({ kind: "inexactNumber" });
  });

  it("names a line and column", () => {
    expect(lineAndColumn("{\n  \"a\": 1\n}", 9)).toBe("line 2 column 8");
    expect(lineAndColumn("[1]", 1)).toBe("line 1 column 2");
  });
});

describe("a configuration file with a number a double changes", () => {
  it("is a configuration error with the number's line and column", () => {
    const dir = mkdtempSync(join(tmpdir(), "inexact-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "config.json");
    const config = testConfig() as { policies: unknown[] };
    const text = JSON.stringify(config, null, 2).replace('"maxOrders": 1000000', '"maxOrders": 7.0000000000000001');
    expect(text).toContain("7.0000000000000001");
    writeFileSync(file, text);
    const before = text.slice(0, text.indexOf("7.0000000000000001")).split("\n");
    expect(() => loadConfig({ argv: ["--config", file], env: {} })).toThrow(
      new ConfigError(
        `config file ${file} line ${before.length} column ${before.at(-1)!.length + 1}: the number 7.0000000000000001 would be read as 7 (a JSON number is a double): write the value meant with at most 15 significant digits, or as a string where a decimal or a 64-bit id is expected`,
      ),
    );
    writeFileSync(file, text.replace("7.0000000000000001", "7.0"));
    expect(JSON.stringify(loadConfig({ argv: ["--config", file], env: {} }).policies)).toContain('"maxOrders":7');
  });
});

describe("ConfigurePolicy with a number a double changes", () => {
  let s: DurableSidecar | undefined;
  let dir: { remove(): void } | undefined;
  afterEach(async () => {
    await s?.stop();
    dir?.remove();
  });

  it("is INVALID_VALUE naming the field and the number; nothing is journaled", async () => {
    const d = tempDir();
    dir = d;
    s = await startDurable(testConfig(), d.path, 1_000);
    const before = s.sidecar.server.state.journal.lastSequence;
    const settingsJson = '{"broker": {"maxOrders": 7.0000000000000001, "windowMs": 1000}}';
    expect(await adminFailure(s as never, "configurePolicy", { policyName: "RateLimitPolicy", settingsJson })).toEqual([
      status.INVALID_ARGUMENT,
      "settings_json: at offset 25, the number 7.0000000000000001 would be read as 7 (a JSON number is a double): write the value meant with at most 15 significant digits, or as a string where a decimal or a 64-bit id is expected",
      "INVALID_VALUE",
    ]);
    expect(s.sidecar.server.state.journal.lastSequence).toBe(before);
  });
});
