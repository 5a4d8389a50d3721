/**
 * The `security` section made real: the authenticator every guarded call goes through,
 * the listener's credentials, and what the start-up output says about both.
 */
import { LOCAL_AUTHENTICATOR, PrincipalAuthenticator, type Authenticator } from "./authenticator.js";
import { checkListen } from "./listen-policy.js";
import type { Principal } from "./principal.js";
import type { PrincipalConfig, SecurityConfig } from "./security-config.js";
import { serverCredentials, type ListenerCredentials } from "./tls-credentials.js";
import { TokensFile } from "./tokens-file.js";
import { TokenStreams } from "./token-streams.js";

/** What the server logs of the tokens file's re-reads. */
export interface TokenReloadEvents {
  /** A re-read did not parse (or could not be read): the tokens in force stay. */
  readonly refused?: (message: string) => void;
  /** A changed file is in force; `revoked` streams its old tokens had admitted were ended. */
  readonly reloaded?: (revoked: number) => void;
}

function principalOf(c: PrincipalConfig): Principal & { readonly certificateIdentity: string } {
  return {
    name: c.name,
    roles: new Set(c.roles),
    allAccounts: c.allAccounts,
    accounts: new Set(c.accounts),
    groups: new Set(c.groups),
    certificateIdentity: c.certificateIdentity,
  };
}

export class SecuritySetup {
  readonly authenticator: Authenticator;
  /** The streams bearer tokens admitted: a reload that drops their token ends them. */
  readonly tokenStreams = new TokenStreams();
  private readonly tokens: TokensFile | undefined;

  /** Reads the tokens file (a bad one is a configuration error naming the field). */
  constructor(
    readonly config: SecurityConfig,
    events: TokenReloadEvents = {},
  ) {
    if (config.principals === undefined) {
      this.authenticator = LOCAL_AUTHENTICATOR;
      return;
    }
    const principals = config.principals.map(principalOf);
    const names = new Set(principals.map((p) => p.name));
    this.tokens =
      config.tokensFile === undefined
        ? undefined
        : new TokensFile(config.tokensFile, names, {
            refused: events.refused,
            // The new tokens are in force (the authenticator asks `current`) before the open
            // streams are checked against them, so nothing admitted meanwhile escapes the check.
            replaced: () => events.reloaded?.(this.tokenStreams.revokeStale(this.authenticator)),
          });
    this.authenticator = new PrincipalAuthenticator(principals, config.clientCertificateIdentity, this.tokens);
  }

  /**
   * Re-reads the tokens file now (SIGHUP, the interval, tests); resolves once a changed file
   * is in force and the streams of tokens it dropped are ended. Without a tokens file, nothing.
   */
  reloadTokens(): Promise<void> {
    return this.tokens?.reload() ?? Promise.resolve();
  }

  /** Re-reads the tokens file every `tokensRefreshIntervalMs` until `stopWatchingTokens`. */
  watchTokens(): void {
    this.tokens?.watch(this.config.tokensRefreshIntervalMs);
  }

  stopWatchingTokens(): void {
    this.tokens?.stop();
  }

  /**
   * The credentials to listen on `address` with, and the lines the start-up output shows
   * (warnings first). Refuses (ConfigError) an exposed address without `--insecure`.
   */
  listen(address: string, reloads: { refused?: (message: string) => void; renewed?: () => void } = {}): ListenerCredentials & { notes: string[] } {
    const c = this.config;
    const warnings = checkListen(address, { tls: c.tls !== undefined, principals: c.principals !== undefined, insecure: c.insecure });
    return { ...serverCredentials(c.tls, reloads.refused, reloads.renewed), notes: [...warnings, this.describe()] };
  }

  private describe(): string {
    const c = this.config;
    if (c.principals === undefined) {
      return "security: single-user mode (no security section): every caller is principal 'local' with every role and every account; loopback only";
    }
    const tls =
      c.tls === undefined
        ? "plaintext"
        : `TLS${c.tls.clientCaFile ? (c.tls.requireClientCertificate ? ", client certificates required" : ", client certificates optional") : ""}` +
          ` (files re-read every ${c.tls.refreshIntervalMs} ms)`;
    const ways = [c.tls?.clientCaFile ? `client certificate ${c.clientCertificateIdentity}` : "", c.tokensFile ? `bearer tokens from ${c.tokensFile} (re-read every ${c.tokensRefreshIntervalMs} ms)` : ""].filter(Boolean);
    return `security: ${tls}; ${c.principals.length} principals (${c.principals.map((p) => `${p.name}: ${p.roles.join("+")}`).join(", ")}); identified by ${ways.join(" or ")}`;
  }
}
