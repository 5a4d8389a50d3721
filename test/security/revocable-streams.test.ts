/**
 * What a stream ended by a reload is told (src/server/security/revocable-streams.ts): the
 * text follows why its credentials no longer authenticate — its own certificate revoked, a
 * CA of its chain revoked, or its chain not checkable at all under the CRL now in force.
 */
import { describe, expect, it } from "vitest";
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
