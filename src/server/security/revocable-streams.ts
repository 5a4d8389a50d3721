/**
 * The long-lived calls a revocable credential admitted (a bearer token, or a client
 * certificate while a CRL is configured), so that revoking it (its hash removed from the
 * tokens file, its serial added to the CRL) ends them too. A stream is authenticated once,
 * when it opens; without this a gateway whose credential was revoked kept its open channel,
 * and so its right to reserve, until it chose to disconnect.
 */
import { UNAUTHENTICATED_TEXTS, type Authenticator, type CallCredentials, type RevocableCredential } from "./authenticator.js";
import { guarded } from "../../state/guarded.js";

/** What a revoked stream's caller is told (status UNAUTHENTICATED), by what admitted it. */
export const REVOKED_TEXTS: Readonly<Record<RevocableCredential, string>> = {
  token: "token revoked: the bearer token this stream was opened with is no longer valid",
  certificate: "certificate revoked: the client certificate this stream was opened with is listed in the client CRL",
};

/** What a stream is told when the CRL lists a CA certificate of its client's chain, not the client certificate itself. */
export const REVOKED_ISSUER_TEXT = "certificate revoked: a CA certificate of the chain this stream was opened with is listed in the client CRL";

/** What a stream is told when, under the CRL now in force, its client's chain cannot be checked (no path to a CA of clientCaFile). */
export const UNCHECKED_CHAIN_TEXT = "certificate unchecked: no path from the certificate this stream was opened with to a CA of clientCaFile, and the client CRL lists certificates";

export interface RevocableStream {
  /** The call's credentials, authenticated again after each reload. */
  readonly call: CallCredentials;
  /** The principal it was admitted as. */
  readonly principal: string;
  /** What admitted it: says which text it ends with. */
  readonly credential: RevocableCredential;
  /** Ends the call with UNAUTHENTICATED `details`; its service's close path does the rest. */
  revoke(details: string): void;
}

export class RevocableStreams {
  private readonly streams = new Set<RevocableStream>();

  /** Lists `stream`; the returned function unlists it (the call ended). */
  add(stream: RevocableStream): () => void {
    this.streams.add(stream);
    return () => this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Ends every listed stream whose credentials no longer authenticate as the principal it
   * was admitted as (the token is gone or now names someone else; the certificate is
   * revoked, or a CA certificate of its chain is: the authenticator checks the whole chain),
   * and returns how many. Called after any reload: a stream whose credential the reload did
   * not touch authenticates as before and stays.
   */
  revokeStale(authenticator: Authenticator): number {
    let revoked = 0;
    for (const s of [...this.streams]) {
      const auth = authenticator.authenticate(s.call);
      if ("principal" in auth && auth.principal.name === s.principal) continue;
      this.streams.delete(s);
      revoked++;
      // One stream that fails to end (its service's close path threw) must not keep the
      // others open: the file now in force is not compared again until it changes.
      const refused = "refused" in auth ? auth.refused : undefined;
      const details =
        refused === UNAUTHENTICATED_TEXTS.revokedIssuer ? REVOKED_ISSUER_TEXT : refused === UNAUTHENTICATED_TEXTS.unchecked ? UNCHECKED_CHAIN_TEXT : REVOKED_TEXTS[s.credential];
      guarded("ending a revoked credential's stream", () => s.revoke(details));
    }
    return revoked;
  }
}
