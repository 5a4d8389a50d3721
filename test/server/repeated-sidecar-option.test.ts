/**
 * Found by review (session 34): a sidecar option given twice took its first value and ignored
 * the second, so a wrapper appending its own `--data-dir B` after "$@" kept its state in A
 * without a word. Each option is taken once, as the operator CLI takes its options (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { checkArguments, ConfigError, loadConfig } from "../../src/server/config/load-config.js";

it("every option given twice is a configuration error naming it", () => {
  const twice: [string, string[]][] = [
    ["--data-dir", ["--data-dir", "/tmp/a", "--data-dir", "/tmp/b"]],
    ["--listen", ["--listen", "127.0.0.1:50051", "--listen", "127.0.0.1:50052"]],
    ["--metrics-listen", ["--metrics-listen", "127.0.0.1:9464", "--metrics-listen", "off"]],
    ["--config", ["--config", "examples/sidecar.json", "--config", "examples/sidecar.json"]],
    ["--ephemeral", ["--ephemeral", "--ephemeral"]],
    ["--print-default-config", ["--print-default-config=/tmp/x", "--print-default-config"]],
  ];
  for (const [name, argv] of twice) {
    let error: unknown;
    try {
      loadConfig({ argv, env: {} });
    } catch (e) {
      error = e;
    }
    expect([name, error instanceof ConfigError, (error as Error | undefined)?.message.split("\n")[0]]).toEqual([name, true, `${name} given twice`]);
  }
});

// Found by review (session 38): `--config --version` took `--version` as the file name in
// loadConfig and as a switch in main.ts, which printed the version and exited 0.
it("a value option followed by another option is refused before any switch is answered", () => {
  for (const name of ["--config", "--listen", "--metrics-listen", "--data-dir"]) {
    expect(() => checkArguments([name, "--version"])).toThrow(new RegExp(`^${name} needs a value\n`));
    expect(() => checkArguments([name])).toThrow(new RegExp(`^${name} needs a value\n`));
  }
  expect(() => checkArguments(["--config", "examples/sidecar.json", "--version"])).not.toThrow();
});

// Found by review (session 38): a --config naming a file that is not JSON (a token file named
// by mistake) gave V8's message, which quotes the file's first characters.
it("a config file that is not JSON is refused naming where the parser stopped, never its text", () => {
  const dir = mkdtempSync(join(tmpdir(), "openpit-config-"));
  try {
    const file = join(dir, "operator.token");
    writeFileSync(file, "s3cr3tOperatorToken\n");
    expect(() => loadConfig({ argv: ["--config", file], env: {} })).toThrow(new ConfigError(`config file ${file} is not valid JSON`));
    writeFileSync(file, '{\n  "listen": "127.0.0.1:0",\n  s3cr3t\n}');
    expect(() => loadConfig({ argv: ["--config", file], env: {} })).toThrow(new ConfigError(`config file ${file} is not valid JSON at line 3 column 3`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
