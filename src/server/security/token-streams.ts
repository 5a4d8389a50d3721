/**
 * The long-lived calls a bearer token admitted, so that revoking the token (its hash removed
 * from the tokens file) ends them too. A stream is authenticated once, when it opens; without
 * this a gateway whose token was revoked kept its open channel, and so its right to reserve,
 * until it chose to disconnect. Calls a certificate admitted are never listed: a certificate
 * is revoked at the CA, not here.
 */
import type { Authenticator, CallCredentials } from "./authenticator.js";
import { guarded } from "../../state/guarded.js";

/** What a revoked stream's caller is told (status UNAUTHENTICATED). */
export const TOKEN_REVOKED_TEXT = "token revoked: the bearer token this stream was opened with is no longer valid";

export interface TokenStream {
  /** The call's credentials, authenticated again after each reload. */
  readonly call: CallCredentials;
  /** The principal it was admitted as. */
  readonly principal: string;
  /** Ends the call with UNAUTHENTICATED `details`; its service's close path does the rest. */
  revoke(details: string): void;
}

export class TokenStreams {
  private readonly streams = new Set<TokenStream>();

  /** Lists `stream`; the returned function unlists it (the call ended). */
  add(stream: TokenStream): () => void {
    this.streams.add(stream);
    return () => this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Ends every listed stream whose credentials no longer authenticate as the principal it
   * was admitted as (the token is gone, or now names someone else), and returns how many.
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
      guarded("ending a revoked token's stream", () => s.revoke(TOKEN_REVOKED_TEXT));
    }
    return revoked;
  }
}
