/**
 * Found by review: security.tokensFile pointed at a raw token file (what the CLI's --token-file takes,
 * an easy mix-up) stops the start with a message that quotes the file's first characters,
 * i.e. the token itself, into stderr and the logs. The file holds hashes "so reading it gives
 * nobody a credential"; its error must not print what a wrong file holds either.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BearerTokens } from "../../src/server/security/bearer-tokens.js";

describe("a tokens file that is not JSON is refused without echoing its content", () => {
  const dir = mkdtempSync(join(tmpdir(), "rv-tokens-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The digits-only one is valid JSON, a number a double changes (found by review, session 35:
  // the check for such numbers quoted it).
  for (const token of ["s3cr3tTokenValue_abcdef", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "{tokens: s3cr3t}", "83920174650392817465039281746503"]) {
    it(`raw token ${JSON.stringify(token.slice(0, 6))}…`, () => {
      const file = join(dir, "operator.token");
      writeFileSync(file, `${token}\n`);
      let message = "";
      try {
        BearerTokens.load(file, new Set(["operator"]));
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/security\.tokensFile/);
      // Not even a prefix of what the file holds.
      expect(message).not.toContain(token.slice(0, 4));
    });
  }
});
