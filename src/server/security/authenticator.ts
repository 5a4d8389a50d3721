/**
 * Who is calling: the principal of a client certificate the TLS handshake verified, else
 * of a bearer token (`authorization: Bearer <token>`), else nobody. Without a `security`
 * section every caller is the single local user.
 */
import type { Metadata } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import type { BearerTokens } from "./bearer-tokens.js";
import type { RevocationList } from "./crl.js";
import { canonicalIp } from "./ip-identity.js";
import { peerPath } from "./peer-chain.js";
import { LOCAL_PRINCIPAL, type Principal } from "./principal.js";
import type { CertificateIdentity } from "./security-config.js";

/** What a call offers to identify itself (grpc-js's ServerSurfaceCall has both). */
export interface CallCredentials {
  readonly metadata: Metadata;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}

/** A credential a reload may revoke: a bearer token (the tokens file), a client certificate (the client CRL). */
export type RevocableCredential = "token" | "certificate";

/** `revocable`: admitted by a credential a reload may revoke, so its streams are listed to be ended then. */
export type Authentication = { readonly principal: Principal; readonly revocable?: RevocableCredential } | { readonly refused: string };

/** revokedAt: no path to a trust anchor of clientCaFile, so nothing could be checked. */
const NO_PATH = -2;

/** Texts a caller may see: they say what to present, never which principals exist. */
export const UNAUTHENTICATED_TEXTS = {
  none: "no credentials: present a client certificate or the metadata 'authorization: Bearer <token>'",
  certificate: "the client certificate names no configured principal",
  /** Common-name mode: a subject with two CNs names nobody (certificateNames). */
  severalCommonNames: "the client certificate's subject holds more than one CN, so it names no principal: issue it with one",
  revoked: "the client certificate was revoked: its serial number is in the client CRL",
  /** A CA certificate between the leaf and the trust anchor is listed by its issuer's CRL. */
  revokedIssuer: "the client certificate was revoked: a CA certificate of its chain is in the client CRL",
  /** No path from the certificate to a trust anchor of clientCaFile could be built (certificate-path.ts): the CRL cannot be checked. */
  unchecked: "the client certificate cannot be checked against the client CRL: no path from it to a CA of clientCaFile through the certificates sent (keep intermediate CAs in clientCaFile)",
  token: "the bearer token is not valid",
  malformed: "the authorization metadata must be 'Bearer <token>'",
} as const;

export interface Authenticator {
  /** True for the single-user default: everyone is "local", nothing is checked. */
  readonly local: boolean;
  authenticate(call: CallCredentials): Authentication;
}

export const LOCAL_AUTHENTICATOR: Authenticator = {
  local: true,
  authenticate: () => ({ principal: LOCAL_PRINCIPAL }),
};

/**
 * The values a certificate offers for `identity`: its subject CN (none when it has more than one), or its SAN values (DNS,
 * URI, IP, email). An IP SAN comes in canonical form (canonicalIp: "fd00::5", not OpenSSL's
 * "FD00:0:0:0:0:0:0:5"), as an IP certificateIdentity is read (security-config.ts); the
 * others as the certificate writes them. Node prints a SAN value holding `,` `'` `"` `\`
 * (or a control character) as a JSON string (`URI:"spiffe://x/desk\u002ca"`, so that the
 * entries' `, ` separator stays unambiguous): such a value is read back from JSON, or a
 * principal named `spiffe://x/desk,a` could never log in (found by review).
 */
export function certificateNames(cert: PeerCertificate, identity: CertificateIdentity): string[] {
  if (identity === "commonName") {
    const cn = cert.subject?.CN as string | string[] | undefined;
    // A subject with two CNs (two RDNs, or one multi-valued) names nobody: CAs that vet one
    // CN of a request often copy the others, so `CN=stranger, CN=operator` must not be the
    // operator because only its second CN names a principal (found by review).
    return cn === undefined || Array.isArray(cn) ? [] : [cn];
  }
  const san = cert.subjectaltname ?? "";
  return san === ""
    ? []
    : san.split(", ").map((entry) => {
        const colon = entry.indexOf(":");
        if (colon < 0) return entry;
        const value = sanValue(entry.slice(colon + 1));
        return entry.slice(0, colon) === "IP Address" ? canonicalIp(value) : value;
      });
}

/** A SAN value as written: unquoted, or Node's JSON-quoted form decoded (unreadable: matches nobody). */
function sanValue(printed: string): string {
  if (!printed.startsWith('"')) return printed;
  try {
    const value: unknown = JSON.parse(printed);
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

export class PrincipalAuthenticator implements Authenticator {
  readonly local = false;
  private readonly byIdentity: ReadonlyMap<string, Principal>;
  private readonly byName: ReadonlyMap<string, Principal>;

  constructor(
    principals: readonly (Principal & { readonly certificateIdentity: string })[],
    private readonly identity: CertificateIdentity,
    /** The tokens in force, asked at every call: the file is re-read while the sidecar runs. */
    private readonly tokens: { readonly current: BearerTokens } | undefined,
    /** The client CRL in force, asked at every call: it is re-read while the sidecar runs too. */
    private readonly crl: { readonly current: RevocationList } | undefined = undefined,
  ) {
    this.byIdentity = new Map(principals.map((p) => [p.certificateIdentity, p]));
    this.byName = new Map(principals.map((p) => [p.name, p]));
  }

  authenticate(call: CallCredentials): Authentication {
    // grpc-js reports a certificate only when the handshake verified it against the CA.
    const cert = call.getAuthContext()?.sslPeerCertificate;
    // A verified certificate decides alone: it is never overridden by a token.
    if (cert) return this.fromCertificate(cert, call);
    const header = call.metadata.get("authorization");
    if (header.length === 0) return { refused: UNAUTHENTICATED_TEXTS.none };
    const value = header.length === 1 && typeof header[0] === "string" ? header[0] : "";
    const match = /^Bearer ([^\s]+)$/i.exec(value);
    if (!match) return { refused: UNAUTHENTICATED_TEXTS.malformed };
    const name = this.tokens?.current.principalOf(match[1]!);
    const principal = name === undefined ? undefined : this.byName.get(name);
    return principal ? { principal, revocable: "token" } : { refused: UNAUTHENTICATED_TEXTS.token };
  }

  private fromCertificate(cert: PeerCertificate, call: CallCredentials): Authentication {
    // Revoked decides before any name is looked at: the holder learns no more than that.
    const revoked = this.revokedAt(cert, call);
    if (revoked === NO_PATH) return { refused: UNAUTHENTICATED_TEXTS.unchecked };
    if (revoked === 0) return { refused: UNAUTHENTICATED_TEXTS.revoked };
    if (revoked > 0) return { refused: UNAUTHENTICATED_TEXTS.revokedIssuer };
    if (this.identity === "commonName" && Array.isArray(cert.subject?.CN)) return { refused: UNAUTHENTICATED_TEXTS.severalCommonNames };
    const matched = new Set<Principal>();
    for (const name of certificateNames(cert, this.identity)) {
      const p = this.byIdentity.get(name);
      if (p) matched.add(p);
    }
    // Two principals in one certificate is a mis-issued certificate: neither is assumed.
    if (matched.size !== 1) return { refused: UNAUTHENTICATED_TEXTS.certificate };
    // Without a CRL nothing can revoke a certificate while running: its streams are not listed.
    return this.crl ? { principal: [...matched][0]!, revocable: "certificate" } : { principal: [...matched][0]! };
  }

  /**
   * Which certificate of the call's certificate path the CRL in force revokes: 0 the leaf,
   * more a CA above it, -1 none. Every certificate of the path but the trust anchor is checked
   * against a CRL of its issuer (RFC 5280), so revoking an intermediate CA revokes every leaf
   * under it. The path is built by the server from clientCaFile and what the client sent,
   * verifying each signature (certificate-path.ts), never taken from Node's chain as is: a
   * client could hide a revoked intermediate behind a same-named certificate there. When no
   * path to a trust anchor of clientCaFile can be built, the chain cannot be checked: while
   * any CRL lists anybody, it is refused (NO_PATH), with a text that says so rather than
   * "revoked" (an honest client whose sent intermediates Node links oddly lands here too).
   * With no CRL, or an empty one, nothing is built.
   */
  private revokedAt(cert: PeerCertificate, call: CallCredentials): number {
    const crl = this.crl?.current;
    if (crl === undefined || crl.empty) return -1;
    if (crl.revokes(cert.raw)) return 0;
    const path = peerPath(call, cert.raw, crl);
    return path === undefined ? NO_PATH : crl.revokedInChain(path);
  }
}
