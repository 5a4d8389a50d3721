/**
 * X.509 certificate revocation lists (RFC 5280 §5), read with a small DER reader: Node has
 * no CRL API. Only what revocation needs is read: the issuer (its DER bytes, compared with
 * a certificate's issuer as bytes, so no name is ever re-encoded), the revoked serial
 * numbers, and the signed part with its algorithm and signature, verified with node:crypto
 * against a certificate of the client CA bundle. A CRL nobody in the bundle signed is
 * refused: otherwise anyone able to write the file could revoke, or un-revoke, anybody. So
 * is one whose signer's keyUsage lacks cRLSign (RFC 5280 §4.2.1.3, §6.3.3).
 *
 * The cRLNumber extension and thisUpdate are read to order the CRLs of one issuer: a reload
 * may not put an older CRL in place of the one in force (RevocationList.parse, `inForce`),
 * which would un-revoke what the newer one revoked.
 *
 * A CRL with a critical extension other than cRLNumber, or an entry with a critical entry
 * extension, is refused (RFC 5280 §5.2, §5.3: an application that cannot process a critical
 * extension must not use the CRL): a delta CRL (deltaCRLIndicator), a CRL of partial scope such
 * as an ARL (issuingDistributionPoint), an indirect CRL's entries (certificateIssuer). Read as
 * complete CRLs, such a CRL would take the place of its issuer's full CRL (the higher
 * cRLNumber wins, RevocationList.parse) and un-revoke what only the full CRL lists.
 *
 * Not read: nextUpdate (an outdated CRL stays in force, see docs/security.md), non-critical
 * extensions and entry extensions (a reason such as removeFromCRL is not acted on).
 */
import { createHash, verify, X509Certificate, type KeyObject } from "node:crypto";
import { BIT_STRING, children, CONTEXT_0, CONTEXT_3, element, extensions, GENERALIZED_TIME, INTEGER, OID, oid, SEQUENCE, take, time, UTC_TIME, type Element } from "./der.js";

const CRL_NUMBER = "2.5.29.20";
const KEY_USAGE = "2.5.29.15";

/** Names of CRL and CRL entry extensions (RFC 5280 §5.2, §5.3), for the messages of a refused CRL. */
const EXTENSION_NAMES: ReadonlyMap<string, string> = new Map([
  ["2.5.29.18", "issuerAltName"],
  ["2.5.29.20", "cRLNumber"],
  ["2.5.29.21", "reasonCode"],
  ["2.5.29.24", "invalidityDate"],
  ["2.5.29.27", "deltaCRLIndicator"],
  ["2.5.29.28", "issuingDistributionPoint"],
  ["2.5.29.29", "certificateIssuer"],
  ["2.5.29.35", "authorityKeyIdentifier"],
  ["2.5.29.46", "freshestCRL"],
  ["1.3.6.1.5.5.7.1.1", "authorityInfoAccess"],
]);

const named = (id: string): string => (EXTENSION_NAMES.has(id) ? `${id} (${EXTENSION_NAMES.get(id)})` : id);

/**
 * A CRL that parses but may not be used: it carries a critical extension this reader does not
 * process. Its message follows "CRL <n> " (RevocationList.parse), unlike a parse error's.
 */
export class UnprocessedCriticalExtension extends Error {}


/**
 * A serial number (a DER INTEGER's content bytes, as hex) as hex, upper case, without
 * leading zeros: the form the CRL's and the certificate's INTEGER bytes both come to. A
 * first byte with its high bit set is a negative number (two's complement): it keeps a "-"
 * and its bytes (less redundant FF sign bytes), so FF01 (-255) is not 00FF01 (65281).
 */
export function normaliseSerial(hex: string): string {
  const upper = hex.toUpperCase();
  if (upper.length % 2 === 0 && /^[89A-F]/.test(upper)) return `-${upper.replace(/^(?:FF)+(?=[89A-F])/, "")}`;
  return upper.replace(/^0+(?=.)/, "");
}

/** The signature algorithms a CRL may use: the digest node:crypto is given, and the key type. */
const ALGORITHMS: ReadonlyMap<string, { readonly name: string; readonly digest: string; readonly key: "rsa" | "ec" }> = new Map([
  ["1.2.840.113549.1.1.11", { name: "sha256WithRSAEncryption", digest: "sha256", key: "rsa" }],
  ["1.2.840.113549.1.1.12", { name: "sha384WithRSAEncryption", digest: "sha384", key: "rsa" }],
  ["1.2.840.113549.1.1.13", { name: "sha512WithRSAEncryption", digest: "sha512", key: "rsa" }],
  ["1.2.840.10045.4.3.2", { name: "ecdsa-with-SHA256", digest: "sha256", key: "ec" }],
  ["1.2.840.10045.4.3.3", { name: "ecdsa-with-SHA384", digest: "sha384", key: "ec" }],
  ["1.2.840.10045.4.3.4", { name: "ecdsa-with-SHA512", digest: "sha512", key: "ec" }],
] as const);

export interface Crl {
  /** The whole CertificateList, DER-encoded: two CRLs are the same CRL when these bytes are. */
  readonly der: Buffer;
  /** The issuer Name, DER-encoded. */
  readonly issuer: Buffer;
  /** The cRLNumber extension (RFC 5280 §5.2.3), absent from v1 CRLs and some CAs' v2 ones. */
  readonly number: bigint | undefined;
  /** thisUpdate, in milliseconds since the epoch. */
  readonly thisUpdate: number;
  /** Normalised serial numbers (normaliseSerial). */
  readonly revoked: ReadonlySet<string>;
  readonly tbs: Buffer;
  readonly algorithm: string;
  readonly signature: Buffer;
}

/**
 * One DER CertificateList. Throws on anything it cannot read, and (UnprocessedCriticalExtension)
 * on a critical CRL extension other than cRLNumber or any critical entry extension.
 */
export function parseCrlDer(der: Buffer): Crl {
  const outer = take(element(der, 0), SEQUENCE, "CertificateList");
  if (outer.der.length !== der.length) throw new Error("trailing bytes after the CertificateList");
  const parts = children(outer.body);
  if (parts.length !== 3) throw new Error(`a CertificateList has 3 parts, this one ${parts.length}`);
  const [tbsElement, algElement, sigElement] = parts;
  const tbs = take(tbsElement, SEQUENCE, "tbsCertList");
  const algorithm = oid(take(children(take(algElement, SEQUENCE, "signatureAlgorithm").body)[0], OID, "signatureAlgorithm").body);
  const bits = take(sigElement, BIT_STRING, "signatureValue").body;
  if (bits[0] !== 0) throw new Error("signatureValue has unused bits");
  const fields = children(tbs.body);
  let i = fields[0]?.tag === INTEGER ? 1 : 0; // version, present in v2 CRLs
  const inner = oid(take(children(take(fields[i++], SEQUENCE, "tbsCertList.signature").body)[0], OID, "tbsCertList.signature").body);
  // RFC 5280 §5.1.1.2: the two must match; a mismatch is a forged or broken CRL.
  if (inner !== algorithm) throw new Error(`the signed algorithm ${inner} differs from the outer ${algorithm}`);
  const issuer = take(fields[i++], SEQUENCE, "issuer").der;
  const isTime = (e: Element | undefined) => e?.tag === UTC_TIME || e?.tag === GENERALIZED_TIME;
  if (!isTime(fields[i])) throw new Error("thisUpdate is missing");
  const thisUpdate = time(fields[i++]!, "thisUpdate");
  if (isTime(fields[i])) i++; // nextUpdate: read past, not enforced
  const revoked = new Set<string>();
  if (fields[i]?.tag === SEQUENCE) {
    for (const entry of children(fields[i++]!.body)) {
      // userCertificate, revocationDate, crlEntryExtensions OPTIONAL (RFC 5280 §5.1).
      const [serialElement, , entryExtensions] = children(take(entry, SEQUENCE, "revokedCertificates entry").body);
      const serial = normaliseSerial(take(serialElement, INTEGER, "userCertificate").body.toString("hex"));
      if (entryExtensions !== undefined) {
        for (const [id, ext] of extensions(entryExtensions, "crlEntryExtensions")) {
          if (ext.critical) throw new UnprocessedCriticalExtension(`has critical entry extension ${named(id)} on serial ${serial}, which this reader does not process`);
        }
      }
      revoked.add(serial);
    }
  }
  let number: bigint | undefined;
  if (fields[i]?.tag === CONTEXT_0) {
    // crlExtensions [0] EXPLICIT Extensions: of them only cRLNumber is read; any other that is
    // critical refuses the CRL (RFC 5280 §5.2).
    const crlExtensions = extensions(children(fields[i++]!.body)[0], "crlExtensions");
    for (const [id, ext] of crlExtensions) {
      if (ext.critical && id !== CRL_NUMBER) throw new UnprocessedCriticalExtension(`has critical extension ${named(id)}, which this reader does not process`);
    }
    const value = crlExtensions.get(CRL_NUMBER)?.value;
    if (value !== undefined) {
      const integer = take(element(value, 0), INTEGER, "cRLNumber");
      if (integer.der.length !== value.length) throw new Error("trailing bytes after the cRLNumber");
      if (integer.body.length === 0 || (integer.body[0]! & 0x80) !== 0) throw new Error("the cRLNumber is negative or empty");
      number = BigInt(`0x${integer.body.toString("hex")}`);
    }
  }
  if (i !== fields.length) throw new Error("unexpected fields in tbsCertList");
  return { der: Buffer.from(outer.der), issuer: Buffer.from(issuer), number, thisUpdate, revoked, tbs: Buffer.from(tbs.der), algorithm, signature: Buffer.from(bits.subarray(1)) };
}

/** The issuer and subject Names of a DER certificate, DER-encoded, and its serial. */
export function certificateFields(der: Buffer): { issuer: Buffer; subject: Buffer; serial: string } {
  const tbs = children(take(children(take(element(der, 0), SEQUENCE, "Certificate").body)[0], SEQUENCE, "tbsCertificate").body);
  const i = tbs[0]?.tag === CONTEXT_0 ? 1 : 0; // version
  const serial = take(tbs[i], INTEGER, "serialNumber").body.toString("hex");
  return { serial: normaliseSerial(serial), issuer: take(tbs[i + 2], SEQUENCE, "issuer").der, subject: take(tbs[i + 4], SEQUENCE, "subject").der };
}

/**
 * May the certificate (DER) sign CRLs? True without a keyUsage extension; with one, when its
 * cRLSign bit (bit 6) is set (RFC 5280 §4.2.1.3, §6.3.3 (f)).
 */
export function maySignCrls(der: Buffer): boolean {
  return keyUsageAllows(der, 0x02);
}

/** May the certificate (DER) sign certificates? keyCertSign (bit 5), as maySignCrls. */
export function maySignCertificates(der: Buffer): boolean {
  return keyUsageAllows(der, 0x04);
}

/** Is the keyUsage bit of `mask` (within the first byte) set, or is there no keyUsage? */
function keyUsageAllows(der: Buffer, mask: number): boolean {
  const tbs = children(take(children(take(element(der, 0), SEQUENCE, "Certificate").body)[0], SEQUENCE, "tbsCertificate").body);
  const wrapper = tbs.find((e) => e.tag === CONTEXT_3); // extensions [3] EXPLICIT, v3 only
  if (wrapper === undefined) return true;
  const value = extensions(children(wrapper.body)[0], "extensions").get(KEY_USAGE)?.value;
  if (value === undefined) return true;
  const bits = take(element(value, 0), BIT_STRING, "keyUsage").body;
  // bits[0] is the count of unused bits; bit 0 (digitalSignature) is the high bit of bits[1].
  return bits.length > 1 && (bits[1]! & mask) !== 0;
}

/** True when `key` made `crl`'s signature. An algorithm not in ALGORITHMS throws, naming it. */
function signedBy(crl: Crl, key: KeyObject): boolean {
  const alg = ALGORITHMS.get(crl.algorithm);
  if (alg === undefined) throw new Error(`signature algorithm ${crl.algorithm} is not supported (known: ${[...ALGORITHMS.values()].map((a) => a.name).join(", ")})`);
  if (key.asymmetricKeyType !== alg.key) return false;
  try {
    return verify(alg.digest, crl.tbs, alg.key === "ec" ? { key, dsaEncoding: "der" } : key, crl.signature);
  } catch {
    return false;
  }
}

const CRL_BLOCK = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g;

/** The CRL of one issuer put in force, as far as ordering it against another needs. */
interface Issued {
  /** Its issuer, as the CA certificate that signed it names it ("CN=test-ca"). */
  readonly name: string;
  /** Its issuer's DER Name. */
  readonly issuer: Buffer;
  readonly number: bigint | undefined;
  readonly thisUpdate: number;
  readonly der: Buffer;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

/**
 * Why `next` may not take the place of `current`, two CRLs of one issuer (`current` being
 * `which`: "in force", "earlier in this file"), or undefined when it may: it is the same CRL
 * (the same bytes), or a newer one. Newer: a higher cRLNumber when `current` has one (a CRL
 * without a number cannot follow one with a number: it may be from before the CA numbered
 * its CRLs); when `current` has none, a later thisUpdate. An equal number (or, without
 * numbers, an equal thisUpdate) with other contents is refused: one of the two is not what
 * the CA says it is, and which one cannot be told.
 */
function successionProblem(current: Issued, next: Issued, which: string): string | undefined {
  if (next.der.equals(current.der)) return undefined;
  const other = `the CRL of that issuer ${which}`;
  const older = "an older CRL would un-revoke certificates";
  if (current.number !== undefined) {
    if (next.number === undefined) return `has no cRLNumber, while ${other} has cRLNumber ${current.number}: it cannot be told newer`;
    if (next.number < current.number) return `has cRLNumber ${next.number}, lower than ${other} (cRLNumber ${current.number}): ${older}`;
    if (next.number === current.number) return `has cRLNumber ${next.number}, the same as ${other}, but other contents`;
    return undefined;
  }
  if (next.thisUpdate < current.thisUpdate) return `has thisUpdate ${iso(next.thisUpdate)}, before ${other} (thisUpdate ${iso(current.thisUpdate)}, no cRLNumber): ${older}`;
  if (next.thisUpdate === current.thisUpdate) return `has thisUpdate ${iso(next.thisUpdate)}, the same as ${other} (no cRLNumber), but other contents`;
  return undefined;
}

/** The CRLs in force: which certificates, by issuer and serial, are revoked. */
export class RevocationList {
  private readonly keys: ReadonlySet<string>;

  private constructor(
    keys: Set<string>,
    /** How many CRLs were read. */
    readonly crls: number,
    /** The CRL in force of each issuer and signing key (its DER Name, as hex, "/", the key's id). */
    private readonly issued: ReadonlyMap<string, Issued>,
    /**
     * The certificates of the client CA bundle these CRLs were verified against (clientCaFile
     * as on disk when they were read): the trust anchors and issuers the server builds a
     * client's certificate path from (certificate-path.ts).
     */
    readonly bundle: readonly X509Certificate[],
  ) {
    this.keys = keys;
  }

  /** The cRLNumber of a CRL in force of the issuer (DER Name), if any (tests read it). */
  crlNumber(issuer: Buffer): bigint | undefined {
    for (const i of this.issued.values()) if (i.issuer.equals(issuer)) return i.number;
    return undefined;
  }

  /**
   * Every CRL of a PEM file, each verified against a certificate of `caBundle` (PEM) whose
   * subject is the CRL's issuer and whose keyUsage, if it has one, allows cRLSign. Throws an
   * Error saying which CRL and why.
   *
   * Two CRLs of one issuer in the file: the newer is used (see successionProblem), the other
   * ignored; two neither of which is newer refuse the file. `inForce`, on a reload: the list
   * in force, whose CRL of an issuer may be replaced only by the same or a newer one; an
   * older one refuses the whole file (RFC 5280 §5.2.3: cRLNumber increases per issuer).
   * Issuers with no CRL in force, and everything at start, are taken as they verify.
   */
  static parse(pem: string, caBundle: string, inForce?: RevocationList): RevocationList {
    const blocks = [...pem.matchAll(CRL_BLOCK)];
    const begun = pem.match(/-----BEGIN X509 CRL-----/g)?.length ?? 0;
    if (begun === 0) throw new Error("holds no CRL (-----BEGIN X509 CRL-----)");
    if (blocks.length < begun) throw new Error(`CRL ${blocks.length + 1} is cut short (no -----END X509 CRL-----)`);
    const cas = caCertificates(caBundle);
    /** The CRL used of each issuer, its position in the file, and what it revokes. */
    const used = new Map<string, { n: number; issued: Issued; revoked: ReadonlySet<string> }>();
    blocks.forEach(([, body], n) => {
      let crl: Crl;
      try {
        crl = parseCrlDer(Buffer.from(body!.replace(/\s+/g, ""), "base64"));
      } catch (e) {
        if (e instanceof UnprocessedCriticalExtension) throw new Error(`CRL ${n + 1} ${e.message}`);
        throw new Error(`CRL ${n + 1} does not parse: ${(e as Error).message}`);
      }
      const issuers = cas.filter((ca) => ca.subject.equals(crl.issuer));
      if (issuers.length === 0) throw new Error(`CRL ${n + 1} is issued by a CA that is not in the client CA bundle`);
      let signers: typeof cas;
      try {
        signers = issuers.filter((ca) => signedBy(crl, ca.key));
      } catch (e) {
        // An unsupported algorithm: the operator is told which CRL of the file uses it.
        throw new Error(`CRL ${n + 1}: ${(e as Error).message}`);
      }
      if (signers.length === 0) throw new Error(`CRL ${n + 1}'s signature does not verify against its issuer in the client CA bundle`);
      const signer = signers.find((ca) => ca.maySignCrls);
      if (signer === undefined) {
        throw new Error(`CRL ${n + 1} is signed by ${signers[0]!.name} of the client CA bundle, whose keyUsage does not allow cRLSign (RFC 5280 §4.2.1.3): it may not sign CRLs`);
      }
      const issued: Issued = { name: signer.name, issuer: crl.issuer, number: crl.number, thisUpdate: crl.thisUpdate, der: crl.der };
      // Ordered per signing key, not per name: two CAs of one name (a CA re-keyed, both in the
      // bundle) number their CRLs apart, and taking one's as "older" than the other's dropped it.
      const id = `${crl.issuer.toString("hex")}/${signer.keyId}`;
      const before = used.get(id);
      if (before !== undefined) {
        const problem = successionProblem(before.issued, issued, `earlier in this file (CRL ${before.n + 1})`);
        if (problem === undefined) used.set(id, { n, issued, revoked: crl.revoked });
        else if (successionProblem(issued, before.issued, "") !== undefined) throw new Error(`CRL ${n + 1} (issuer ${issued.name}) ${problem}`);
        // else: the earlier one is the newer, and stays.
      } else used.set(id, { n, issued, revoked: crl.revoked });
    });
    const keys = new Set<string>();
    const issued = new Map<string, Issued>();
    for (const [id, crl] of used) {
      const current = inForce?.issued.get(id);
      const problem = current === undefined ? undefined : successionProblem(current, crl.issued, "in force");
      if (problem !== undefined) throw new Error(`CRL ${crl.n + 1} (issuer ${crl.issued.name}) ${problem}`);
      issued.set(id, crl.issued);
      for (const serial of crl.revoked) keys.add(key(crl.issued.issuer, serial));
    }
    return new RevocationList(keys, blocks.length, issued, cas.map((ca) => ca.cert));
  }

  /**
   * Is the certificate (DER, as `PeerCertificate.raw`) listed by a CRL of its issuer? One
   * the reader cannot take apart (the handshake verified it, so in practice never) counts as
   * revoked: while CRLs are in force, a certificate nobody could check is not admitted.
   */
  revokes(certificateDer: Buffer): boolean {
    if (this.keys.size === 0) return false;
    try {
      const { issuer, serial } = certificateFields(certificateDer);
      return this.keys.has(key(issuer, serial));
    } catch {
      return true;
    }
  }

  /** True when no CRL in force lists anybody: nothing can be revoked. */
  get empty(): boolean {
    return this.keys.size === 0;
  }

  /**
   * Which certificate of a certificate path (DER, leaf first, each followed by its issuer, as
   * certificate-path.ts builds it) a CRL of its issuer lists: its position (0, the leaf; 1,
   * the leaf's issuer; …), or -1 for none. RFC 5280 §6.3 checks every certificate of the
   * path; a self-issued last one (the trust anchor, which no CRL revokes) is not looked up. A
   * certificate that does not parse counts as revoked, as in `revokes`.
   */
  revokedInChain(chain: readonly Buffer[]): number {
    if (this.keys.size === 0) return -1;
    return chain.findIndex((der, i) => {
      if (i > 0 && i === chain.length - 1 && selfIssued(der)) return false;
      return this.revokes(der);
    });
  }
}

/** Are a certificate's issuer and subject the same Name (a root)? One that does not parse is not. */
function selfIssued(der: Buffer): boolean {
  try {
    const { issuer, subject } = certificateFields(der);
    return issuer.equals(subject);
  } catch {
    return false;
  }
}

const key = (issuer: Buffer, serial: string): string => `${issuer.toString("hex")}/${serial}`;

/** A certificate of the client CA bundle, with what reading and verifying CRLs needs of it. */
interface BundleCa {
  readonly cert: X509Certificate;
  readonly subject: Buffer;
  readonly key: KeyObject;
  /** SHA-256 of its public key (SPKI DER): which CA signed, when two share a name. */
  readonly keyId: string;
  readonly name: string;
  readonly maySignCrls: boolean;
}

/**
 * The certificates of a CA bundle with their subject (DER) and public key, in each PEM form
 * OpenSSL reads (certificate-files.ts): plain, `X509`, and `TRUSTED` (the certificate's DER
 * followed by trust settings, so only its first element is taken). What does not parse is
 * skipped: the bundle itself is checked with the certificate files.
 */
function caCertificates(bundle: string): BundleCa[] {
  const out: BundleCa[] = [];
  for (const [, , body] of bundle.matchAll(/-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----([\s\S]*?)-----END \1CERTIFICATE-----/g)) {
    try {
      const cert = new X509Certificate(element(Buffer.from(body!.replace(/\s+/g, ""), "base64"), 0).der);
      const key = cert.publicKey;
      const keyId = createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex");
      out.push({ cert, subject: certificateFields(cert.raw).subject, key, keyId, name: cert.subject.split("\n").join(", "), maySignCrls: maySignCrls(cert.raw) });
    } catch {
      // Not a certificate Node reads: it cannot have signed a CRL we could verify.
    }
  }
  return out;
}
