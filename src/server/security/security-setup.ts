/**
 * The `security` section made real: the authenticator every guarded call goes through,
 * the listener's credentials, and what the start-up output says about both.
 */
import { LOCAL_AUTHENTICATOR, PrincipalAuthenticator, type Authenticator } from "./authenticator.js";
import { checkListen } from "./listen-policy.js";
import type { Principal } from "./principal.js";
import type { PrincipalConfig, SecurityConfig } from "./security-config.js";
import { serverCredentials, type ListenerCredentials } from "./tls-credentials.js";
import { tokensFile, type BearerTokens } from "./bearer-tokens.js";
import { clientCrlFile } from "./client-crl-file.js";
import type { RevocationList } from "./crl.js";
import { RevocableStreams } from "./revocable-streams.js";
import type { WatchedFile } from "./watched-file.js";

/** What the server logs of one watched file's re-reads. */
export interface ReloadEvents {
  /** A re-read did not parse (or could not be read): what is in force stays. */
  readonly refused?: (message: string) => void;
  /** A changed file is in force; `revoked` streams it no longer admits were ended. */
  readonly reloaded?: (revoked: number) => void;
}

/** The re-reads of the tokens file, and of the client CRL. */
export interface CredentialReloadEvents extends ReloadEvents {
  readonly crl?: ReloadEvents;
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
  /** The streams revocable credentials admitted: a reload that revokes their credential ends them. */
  readonly revocableStreams = new RevocableStreams();
  private readonly tokens: WatchedFile<BearerTokens> | undefined;
  private readonly crl: WatchedFile<RevocationList> | undefined;
  /** The listeners' certificate files, re-read on `reloadCredentials` as on their interval. */
  private readonly certificateRefreshes: (() => Promise<void>)[] = [];

  /** Reads the tokens file and the client CRL (a bad one is a configuration error naming the field). */
  constructor(
    readonly config: SecurityConfig,
    events: CredentialReloadEvents = {},
  ) {
    if (config.principals === undefined) {
      this.authenticator = LOCAL_AUTHENTICATOR;
      return;
    }
    const principals = config.principals.map(principalOf);
    const names = new Set(principals.map((p) => p.name));
    // A changed file is in force (the authenticator asks `current`) before the open streams
    // are checked against it, so nothing admitted meanwhile escapes the check.
    // The streams are checked whether or not anyone listens (found by review: an optional call
    // `reloaded?.(revokeStale(…))` skipped its argument, and with it the check, without one).
    const revokeStale = (reloaded: ((revoked: number) => void) | undefined) => () => {
      const revoked = this.revocableStreams.revokeStale(this.authenticator);
      reloaded?.(revoked);
    };
    this.tokens = config.tokensFile === undefined ? undefined : tokensFile(config.tokensFile, names, { refused: events.refused, replaced: revokeStale(events.reloaded) });
    const tls = config.tls;
    this.crl =
      tls?.clientCrlFile === undefined || tls.clientCaFile === undefined
        ? undefined
        : clientCrlFile({ ...tls, clientCrlFile: tls.clientCrlFile, clientCaFile: tls.clientCaFile }, { refused: events.crl?.refused, replaced: revokeStale(events.crl?.reloaded) });
    this.authenticator = new PrincipalAuthenticator(principals, config.clientCertificateIdentity, this.tokens, this.crl);
  }

  /**
   * Re-reads the tokens file, the client CRL and the listeners' certificate files (server
   * certificate, key, client CA) now (SIGHUP, the intervals, tests); resolves once what
   * changed is in force and the streams of credentials it revoked are ended.
   */
  async reloadCredentials(): Promise<void> {
    await Promise.all([this.tokens?.reload(), this.crl?.reload(), ...this.certificateRefreshes.map((refresh) => refresh())]);
  }

  /**
   * Re-reads the tokens file every `tokensRefreshIntervalMs`, and the client CRL every
   * `tls.refreshIntervalMs` (with the certificate files), until `stopWatching`.
   */
  watch(): void {
    this.tokens?.watch(this.config.tokensRefreshIntervalMs);
    if (this.config.tls) this.crl?.watch(this.config.tls.refreshIntervalMs);
  }

  stopWatching(): void {
    this.tokens?.stop();
    this.crl?.stop();
  }

  /**
   * The credentials to listen on `address` with, and the lines the start-up output shows
   * (warnings first). Refuses (ConfigError) an exposed address without `--insecure`.
   */
  listen(address: string, reloads: { refused?: (message: string) => void; renewed?: () => void } = {}): ListenerCredentials & { notes: string[] } {
    const c = this.config;
    const warnings = checkListen(address, { tls: c.tls !== undefined, principals: c.principals !== undefined, insecure: c.insecure });
    const credentials = serverCredentials(c.tls, reloads.refused, reloads.renewed);
    this.certificateRefreshes.push(credentials.refresh);
    return { ...credentials, notes: [...warnings, this.describe(address, warnings.length > 0)] };
  }

  /** `exposed`: served beyond loopback without TLS or principals (`--insecure`, warned about above). */
  private describe(address: string, exposed: boolean): string {
    const c = this.config;
    if (c.principals === undefined) {
      const reach = exposed ? `served on ${address}, beyond loopback (--insecure)` : "loopback only";
      return `security: single-user mode (no security section): every caller is principal 'local' with every role and every account; ${reach}`;
    }
    const tls =
      c.tls === undefined
        ? "plaintext"
        : `TLS${c.tls.clientCaFile ? (c.tls.requireClientCertificate ? ", client certificates required" : ", client certificates optional") : ""}` +
          ` (files re-read every ${c.tls.refreshIntervalMs} ms)`;
    const ways = [c.tls?.clientCaFile ? `client certificate ${c.clientCertificateIdentity}${c.tls.clientCrlFile ? ` (revoked by the CRLs in ${c.tls.clientCrlFile})` : ""}` : "", c.tokensFile ? `bearer tokens from ${c.tokensFile} (re-read every ${c.tokensRefreshIntervalMs} ms)` : ""].filter(Boolean);
    return `security: ${tls}; ${c.principals.length} principals (${c.principals.map((p) => `${p.name}: ${p.roles.join("+")}`).join(", ")}); identified by ${ways.join(" or ")}`;
  }
}
