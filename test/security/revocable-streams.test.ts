/**
 * What a stream ended by a reload is told (src/server/security/revocable-streams.ts): the
 * text follows why its credentials no longer authenticate — its own certificate revoked, a
 * CA of its chain revoked, or its chain not checkable at all under the CRL now in force.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { DEFAULT_SECURITY, type SecurityConfig } from "../../src/server/security/security-config.js";
import { SecuritySetup } from "../../src/server/security/security-setup.js";
import { UNAUTHENTICATED_TEXTS, type Authentication, type Authenticator, type CallCredentials } from "../../src/server/security/authenticator.js";
import { REVOKED_ISSUER_TEXT, REVOKED_TEXTS, RevocableStreams, UNCHECKED_CHAIN_TEXT } from "../../src/server/security/revocable-streams.js";

const call = {} as CallCredentials;
const refusing = (refused: string): Authenticator => ({ local: false, authenticate: (): Authentication => ({ refused }) }) as unknown as Authenticator;

describe("a stream ended by a reload is told why", () => {
  for (const [refused, told] of [
    [UNAUTHENTICATED_TEXTS.revoked, REVOKED_TEXTS.certificate],
    [UNAUTHENTICATED_TEXTS.revokedIssuer, REVOKED_ISSUER_TEXT],
    [UNAUTHENTICATED_TEXTS.unchecked, UNCHECKED_CHAIN_TEXT],
  ] as const) {
    it(`refused "${refused.slice(0, 60)}…": ends with "${told.slice(0, 60)}…"`, () => {
      const streams = new RevocableStreams();
      const ended: string[] = [];
      streams.add({ call, principal: "gateway", credential: "certificate", revoke: (d) => ended.push(d) });
      expect(streams.revokeStale(refusing(refused))).toBe(1);
      expect(ended).toEqual([told]);
      expect(streams.size).toBe(0);
    });
  }

  it("the unchecked text, exactly", () => {
    expect(UNCHECKED_CHAIN_TEXT).toBe(
      "certificate unchecked: no path from the certificate this stream was opened with to a CA of clientCaFile, and the client CRL lists certificates",
    );
  });
});

// Found by review (session 28): `reloaded?.(revokeStale(…))` skipped its argument when no
// listener was given, so a SecuritySetup built without reload events kept such streams open.
describe("a reload without listeners", () => {
  it("still ends the streams of a token removed from the tokens file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-revoke-"));
    try {
      const file = join(dir, "tokens.json");
      writeFileSync(file, JSON.stringify({ tokens: [{ principal: "gw", sha256: sha256Hex("secret-token") }] }));
      const config: SecurityConfig = {
        ...DEFAULT_SECURITY,
        tokensFile: file,
        principals: [{ name: "gw", roles: ["gateway"], certificateIdentity: "gw", allAccounts: true, accounts: [], groups: [] }],
      };
      const setup = new SecuritySetup(config); // no events
      const metadata = new Metadata();
      metadata.set("authorization", "Bearer secret-token");
      const tokenCall: CallCredentials = { metadata, getAuthContext: () => null };
      expect(setup.authenticator.authenticate(tokenCall)).toMatchObject({ principal: { name: "gw" } });
      const ended: string[] = [];
      setup.revocableStreams.add({ call: tokenCall, principal: "gw", credential: "token", revoke: (d) => ended.push(d) });
      writeFileSync(file, JSON.stringify({ tokens: [] }));
      await setup.reloadCredentials();
      expect([ended.length, setup.revocableStreams.size]).toEqual([1, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
