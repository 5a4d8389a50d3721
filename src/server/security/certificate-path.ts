/**
 * The client certificate's path to a trust anchor of clientCaFile, built by the server, for
 * revocation checks (RFC 5280 §6.3: every certificate of the path is looked up).
 *
 * Why not the chain Node reports (`getPeerCertificate(true)`, peer-chain.ts): Node links it
 * from what the client SENT, by issuer name and key identifier, checking neither signatures
 * nor dates, and looks in clientCaFile only when nothing sent fits, while OpenSSL's handshake
 * prefers clientCaFile and time-valid certificates. A client under a revoked intermediate
 * could send a same-named certificate (the intermediate's public key under a made-up CA, a
 * genuine cross-certificate from a CA outside clientCaFile, an expired fake) that Node's chain
 * shows in place of the intermediate the handshake used, hiding it from the CRL.
 *
 * So the path is built here, much as the handshake builds it: from the leaf, each
 * certificate's issuer is looked for FIRST in clientCaFile, then among the certificates the
 * client sent. A candidate is taken only when its subject is the certificate's issuer Name
 * (DER bytes, as crl.ts compares names), it is valid now, and its public key verifies the
 * certificate's signature. One the client sent must also be a CA allowed to sign certificates
 * (basicConstraints cA, keyCertSign when it has keyUsage): the handshake does not go through
 * one that is not, so a path through it is not one it verified. No certificate is visited
 * twice. The path ends at a self-signed certificate of clientCaFile, byte for byte (the trust
 * anchor): self-issued is not enough, since a CA re-keyed under the same name (a rollover's
 * "new key signed by the old") is self-issued but an intermediate, which a CRL may list. When
 * there is none within MAX_DEPTH certificates, the result is undefined: the chain cannot be
 * checked, and the caller refuses it (fail closed).
 *
 * The work is bounded, since it runs on the event loop for any client the handshake admitted:
 * more than MAX_SENT certificates sent, or more than MAX_VERIFICATIONS signature checks
 * against certificates it sent, and there is no path. Without the bound, a client
 * sending a few hundred same-named certificates carrying its intermediate's public key made
 * the search check every pair: about two seconds of a blocked loop per connection.
 */
import { X509Certificate } from "node:crypto";
import { certificateFields, maySignCertificates } from "./crl.js";

/** The longest path looked for, trust anchor included (OpenSSL's own default allows 100; real ones are 2 to 4). */
export const MAX_DEPTH = 10;

/** The most certificates a client may send for a path to be looked for (a real chain is 1 to 4). */
export const MAX_SENT = 2 * MAX_DEPTH;

/** The most signature checks against certificates the client sent one path search may make (a real chain needs one per link). */
export const MAX_VERIFICATIONS = 64;

interface Candidate {
  readonly cert: X509Certificate;
  readonly id: string;
  readonly subject: Buffer;
  /** From clientCaFile (trusted by the operator), not sent by the client. */
  readonly inBundle: boolean;
}

/** Is `cert` within its validity period at `now` (dates Node cannot read count as not)? */
function validAt(cert: X509Certificate, now: number): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return from <= now && now <= to;
}

function verifies(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The search ran out of its signature checks (MAX_VERIFICATIONS): there is no path. */
class OverBudget extends Error {}

/**
 * The path (DER, leaf first, each certificate followed by its issuer, ending at the trust
 * anchor) from `leaf` to a self-issued certificate of `bundle`, through certificates of
 * `bundle` (preferred) and `sent`; undefined when there is none.
 */
export function certificatePath(leaf: Buffer, bundle: readonly X509Certificate[], sent: readonly Buffer[], now = Date.now()): Buffer[] | undefined {
  if (sent.length > MAX_SENT) return undefined;
  const candidates: Candidate[] = [];
  const add = (cert: X509Certificate, inBundle: boolean): void => {
    const id = cert.raw.toString("hex");
    if (candidates.some((c) => c.id === id)) return; // a bundle certificate the client sent (or Node added) too
    candidates.push({ cert, id, subject: certificateFields(cert.raw).subject, inBundle });
  };
  try {
    // Self-issued certificates of the bundle first (the roots): a client of a root that is
    // also cross-signed must get the path to the root itself, not one through the
    // cross-certificate, which its signer's CRL may list when retired.
    for (const cert of bundle) if (selfIssued(cert.raw)) add(cert, true);
    for (const cert of bundle) add(cert, true);
    for (const der of sent) {
      try {
        add(new X509Certificate(der), false);
      } catch {
        // Not a certificate Node reads: no path goes through it.
      }
    }
    /** A self-signed certificate of the bundle, by id; asked only of those a path reaches. */
    const anchors = new Map<string, boolean>();
    const isAnchor = (id: string): boolean => {
      let anchor = anchors.get(id);
      if (anchor === undefined) {
        const c = candidates.find((x) => x.id === id);
        anchor = c !== undefined && c.inBundle && selfIssued(c.cert.raw) && verifies(c.cert, c.cert);
        anchors.set(id, anchor);
      }
      return anchor;
    };
    // A certificate is entered at most once (`visited`), so no pair is checked twice. Only
    // checks against what the client sent count: those are the ones it can multiply, while
    // the bundle is the operator's (a bundle of many same-named roots must still work).
    let budget = MAX_VERIFICATIONS;
    const signs = (issuer: Candidate, current: X509Certificate): boolean => {
      if (!issuer.inBundle && budget-- <= 0) throw new OverBudget();
      return verifies(current, issuer.cert);
    };
    const visited = new Set<string>();
    const walk = (path: X509Certificate[]): X509Certificate[] | undefined => {
      const current = path[path.length - 1]!;
      if (isAnchor(current.raw.toString("hex"))) return path;
      if (path.length >= MAX_DEPTH) return undefined;
      const issuer = certificateFields(current.raw).issuer;
      for (const c of candidates) {
        if (visited.has(c.id) || !c.subject.equals(issuer) || !validAt(c.cert, now)) continue;
        if (!c.inBundle && !(c.cert.ca && maySignCertificates(c.cert.raw))) continue;
        if (!signs(c, current)) continue;
        visited.add(c.id);
        const found = walk([...path, c.cert]);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    const start = new X509Certificate(leaf);
    visited.add(start.raw.toString("hex"));
    return walk([start])?.map((c) => c.raw);
  } catch {
    // A leaf or bundle certificate that does not parse, or the checks ran out: no path.
    return undefined;
  }
}

function selfIssued(der: Buffer): boolean {
  const { issuer, subject } = certificateFields(der);
  return issuer.equals(subject);
}
