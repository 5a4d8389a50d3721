/**
 * Bearer tokens: the file holds SHA-256 hashes, never tokens, so reading it (or a backup
 * of it) gives nobody a credential. A presented token is hashed and compared with every
 * stored hash in constant time, so neither timing nor an early exit says how close it was.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { fail, onlyKeys, readArray, readObject, readString, type Json } from "../../policies/settings-json.js";
import { firstJsonTextProblem, jsonTextProblem, lineAndColumn } from "../../json/json-numbers.js";
import { WatchedFile, type WatchedFileEvents } from "./watched-file.js";

interface TokenEntry {
  readonly principal: string;
  readonly hash: Buffer;
}

export function sha256Hex(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class BearerTokens {
  private constructor(private readonly entries: readonly TokenEntry[]) {}

  /**
   * `{"tokens": [{"principal": "gateway-a", "sha256": "<64 hex digits>"}, ...]}`; a
   * principal may have several tokens (rotation). Every principal must be configured.
   */
  static parse(json: Json, path: string, principals: ReadonlySet<string>): BearerTokens {
    const o = readObject(json, path);
    onlyKeys(o, path, ["tokens"]);
    const entries = readArray(o.tokens, `${path}.tokens`).map((item, i): TokenEntry => {
      const p = `${path}.tokens[${i}]`;
      const e = readObject(item, p);
      onlyKeys(e, p, ["principal", "sha256"]);
      const principal = readString(e.principal, `${p}.principal`);
      if (!principals.has(principal)) fail(`${p}.principal`, `'${principal}' is not in security.principals`);
      const hex = readString(e.sha256, `${p}.sha256`).toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex)) fail(`${p}.sha256`, "must be 64 hex digits (the SHA-256 of the token, not the token)");
      return { principal, hash: Buffer.from(hex, "hex") };
    });
    // One token for two principals would authenticate as whichever is listed first: refused.
    entries.forEach((e, i) => {
      const first = entries.findIndex((other) => other.hash.equals(e.hash));
      if (entries[first]!.principal !== e.principal) {
        fail(`${path}.tokens[${i}].sha256`, `is also the token of '${entries[first]!.principal}' (${path}.tokens[${first}]): a token names one principal`);
      }
    });
    return new BearerTokens(entries);
  }

  static load(file: string, principals: ReadonlySet<string>): BearerTokens {
    return BearerTokens.read(file, principals).tokens;
  }

  /** The file's text and its tokens (the text tells a later re-read whether it changed). */
  static read(file: string, principals: ReadonlySet<string>): { text: string; tokens: BearerTokens } {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      return fail("security.tokensFile", `cannot read ${file}: ${(e as Error).message}`);
    }
    return { text, tokens: BearerTokens.parse(parseTokensJson(text, file), `security.tokensFile(${file})`, principals) };
  }

  /** The principal the token belongs to, or undefined. Every entry is compared, always. */
  principalOf(token: string): string | undefined {
    const presented = createHash("sha256").update(token, "utf8").digest();
    let found: string | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(presented, e.hash) && found === undefined) found = e.principal;
    }
    return found;
  }
}

/**
 * `text` as JSON, or a SettingsValidationError naming the field. A key written twice in one
 * object is refused, as in the configuration file (json-numbers.ts): JSON keeps the last
 * value, and here that decides who a token is — an entry reading `"principal": "monitor"`
 * and later `"principal": "operator"` gave the token the operator's role (found by review,
 * session 35). The message names the key and where, never a value.
 */
export function parseTokensJson(text: string, file: string): Json {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // Not V8's message: it quotes the file's first characters, a raw token if the wrong file
    // (a client's token file) was named here.
    return fail("security.tokensFile", `${file} is not JSON: it must hold {"tokens": [{"principal": …, "sha256": …}]}, the SHA-256 hashes of the tokens, never a token`);
  }
  const problem = firstJsonTextProblem(text);
  if (problem !== undefined) {
    const at = (offset: number) => lineAndColumn(text, offset);
    // A number is named without its digits: a tokens file holds none, and a raw token of
    // digits (a client's token file named here by mistake) is valid JSON (found by review).
    const what = problem.kind === "repeatedKey" ? jsonTextProblem(problem, at) : "a number, where the file holds only strings";
    return fail("security.tokensFile", `${file} ${at(problem.offset)}: ${what}`);
  }
  return json;
}

/**
 * `security.tokensFile` read now (a bad file is a configuration error naming the field) and
 * re-read while running: removing a hash revokes its token without a restart.
 */
export function tokensFile(file: string, principals: ReadonlySet<string>, events: WatchedFileEvents<BearerTokens>): WatchedFile<BearerTokens> {
  const { text, tokens } = BearerTokens.read(file, principals);
  const parse = (t: string) => BearerTokens.parse(parseTokensJson(t, file), `security.tokensFile(${file})`, principals);
  return new WatchedFile(file, { text, value: tokens }, parse, "tokens file reload refused, the tokens in force stay", events);
}
