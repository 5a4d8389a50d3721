/**
 * Found by review (session 35): the tokens file was read with a bare JSON.parse, so a key
 * written twice in one object took its last value. There it decides who a token is: an entry
 * reading `"principal": "monitor"` and later `"principal": "operator"` started a sidecar whose
 * "monitor" token blocked accounts; a second "tokens" list silently replaced the first. As in
 * the configuration file, a repeated key is refused, naming the key and where, never a value
 * (docs/configuration.md, docs/security.md).
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BearerTokens, sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { Credentials, startSecureHarness } from "./secure-harness.js";

const PRINCIPALS = new Set(["monitor", "operator"]);

function loadError(file: string): string {
  try {
    BearerTokens.load(file, PRINCIPALS);
  } catch (e) {
    return (e as Error).message;
  }
  return "loaded";
}

describe("a tokens file with a key written twice in one object", () => {
  let creds: Credentials;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());

  it("is refused when an entry names its principal twice, naming the key and both places, no hash", () => {
    const file = creds.pki.path("tokens-twice-principal.json");
    const hash = sha256Hex("monitor-token");
    writeFileSync(file, `{"tokens": [\n  {"principal": "monitor", "sha256": "${hash}", "principal": "operator"}\n]}`);
    const message = loadError(file);
    expect(message).toBe(
      `security.tokensFile: ${file} line 2 column 106: the key "principal" is written again in the same object (first at line 2 column 4): JSON would keep only the last value; write each key once`,
    );
    expect(message).not.toContain(hash.slice(0, 8));
  });

  it("is refused when the file holds two token lists", () => {
    const file = creds.pki.path("tokens-twice-list.json");
    writeFileSync(file, `{"tokens": [{"principal": "monitor", "sha256": "${sha256Hex("a")}"}], "tokens": []}`);
    expect(loadError(file)).toMatch(/the key "tokens" is written again in the same object \(first at line 1 column 2\)/);
  });

  it("stops a sidecar's start (a configuration error), so no token gets the last entry's role", async () => {
    const file = creds.pki.path("tokens-twice-start.json");
    writeFileSync(file, `{"tokens": [{"principal": "monitor", "sha256": "${sha256Hex("t")}", "principal": "operator"}]}`);
    const started = await startSecureHarness(creds.security({}, { tokensFile: file })).then(
      async (h) => {
        await h.close();
        return "started";
      },
      (e: Error) => e.message,
    );
    expect(started).toMatch(/security\.tokensFile: .* the key "principal" is written again in the same object/);
  });
});
