/**
 * The listener's certificate files, re-read every `refreshIntervalMs` and handed to grpc-js
 * only when they make a TLS context. grpc-js's own file watcher hands on whatever it read:
 * a file caught half-written, or a certificate renewed before its key, made grpc-js refuse
 * every new connection (gateways, monitors, health probes) until a later read succeeded,
 * for good if the bad file stayed (found by review). Here a read that does not make a TLS
 * context is reported and the credentials in force stay; never plaintext, never no CA.
 */
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { FreshReads } from "./fresh-reads.js";
import type { experimental } from "@grpc/grpc-js";
import type { TlsConfig } from "./security-config.js";

type CertificateProvider = experimental.CertificateProvider;
type IdentityListener = Parameters<CertificateProvider["addIdentityCertificateListener"]>[0];
type CaListener = Parameters<CertificateProvider["addCaCertificateListener"]>[0];

/** One read of the files: the server's certificate and key, and the client CA when configured. */
export interface CertificateSet {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
}

/** Why `set` does not make a TLS context, or undefined when it does. */
export function tlsContextProblem(set: CertificateSet): string | undefined {
  const ca = set.ca === undefined ? undefined : caBundleProblem(set.ca);
  if (ca !== undefined) return ca;
  try {
    createSecureContext({ cert: set.cert, key: set.key, ca: set.ca });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The PEM blocks OpenSSL reads as certificates: plain, `X509` (old) and `TRUSTED` (with trust settings). */
const CERTIFICATE_BEGIN = /-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----/g;
const CERTIFICATE_BLOCK = /-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----([\s\S]*?)-----END \1CERTIFICATE-----/g;

/**
 * Why a client CA bundle is not one, or undefined. createSecureContext skips a CA it cannot
 * parse without a word: an empty or half-written bundle made a context that trusts no client
 * certificate at all (found by review), so the bundle is checked here: at least one
 * certificate, every one complete, each one parsing (a `TRUSTED` block carries trust settings
 * after the certificate: it is checked for complete base64 only).
 */
function caBundleProblem(pem: Buffer): string | undefined {
  const text = pem.toString("latin1");
  const begun = text.match(CERTIFICATE_BEGIN)?.length ?? 0;
  if (begun === 0) return "the client CA bundle holds no certificate";
  const blocks = [...text.matchAll(CERTIFICATE_BLOCK)];
  if (blocks.length < begun) return `the client CA bundle's certificate ${blocks.length + 1} is cut short (no -----END …CERTIFICATE-----)`;
  for (let i = 0; i < blocks.length; i++) {
    const [, kind, body] = blocks[i]!;
    try {
      if (kind === "TRUSTED ") {
        if (Buffer.from(body!.replace(/\s+/g, ""), "base64").length === 0) throw new Error("empty");
      } else {
        new X509Certificate(`-----BEGIN CERTIFICATE-----${body}-----END CERTIFICATE-----\n`);
      }
    } catch (e) {
      return `the client CA bundle's certificate ${i + 1} does not parse: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** The certificates of a PEM file that parse, in file order. */
function certificatesOf(pem: Buffer): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const [, kind, body] of pem.toString("latin1").matchAll(CERTIFICATE_BLOCK)) {
    if (kind === "TRUSTED ") continue;
    try {
      out.push(new X509Certificate(`-----BEGIN CERTIFICATE-----${body}-----END CERTIFICATE-----\n`));
    } catch {
      // Not one: createSecureContext has the last word on the file.
    }
  }
  return out;
}

/**
 * Why `next`'s server chain may have been read cut short, against the one in force, or
 * undefined: it ends with a certificate whose issuer the chain in force carries (not as a
 * self-signed root, which clients hold anyway) and `next` does not. A chain file rewritten in
 * place and read between its blocks (the leaf alone) is well-formed PEM and makes a TLS
 * context, and put in force it cost every new client that trusts only the root the
 * intermediate until the next read (found by review, session 44). A suspicion only: a CA may
 * drop a cross-signed certificate from its chain on purpose, so `CertificateFiles` takes such
 * a file when the next read finds it unchanged.
 */
export function chainCutProblem(next: Buffer, inForce: Buffer): string | undefined {
  const chain = certificatesOf(next);
  const last = chain[chain.length - 1];
  if (last === undefined || last.issuer === last.subject) return undefined;
  if (chain.some((c) => c.subject === last.issuer)) return undefined;
  if (!certificatesOf(inForce).some((c) => c.subject === last.issuer && c.issuer !== c.subject)) return undefined;
  return `the server certificate chain ends before its issuer ${JSON.stringify(last.issuer.replace(/\n/g, ", "))}, which the chain in force carries (a file read between its certificates?)`;
}

const same = (a: CertificateSet, b: CertificateSet): boolean => a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));

export class CertificateFiles implements CertificateProvider {
  private current: CertificateSet;
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();
  private timer: NodeJS.Timeout | undefined;
  /** A read under way may predate the caller's change: see FreshReads. */
  private readonly rereads = new FreshReads(() => this.read());
  /** The last refusal reported, so a bad file left in place is reported once, not every interval. */
  private lastProblem: string | undefined;
  /** A server chain refused once as maybe cut short (`chainCutProblem`): the same bytes read again are taken. */
  private suspectedCut: Buffer | undefined;

  /**
   * `initial`: the set read (and checked) at start. `onRefused` hears each new problem with a
   * later read; `onRenewed` each set put in force.
   */
  constructor(
    private readonly tls: TlsConfig,
    initial: CertificateSet,
    private readonly onRefused: (message: string) => void = () => undefined,
    private readonly onRenewed: () => void = () => undefined,
  ) {
    this.current = initial;
  }

  /** Reads the files once; a set that makes a TLS context and differs from the one in force replaces it. */
  refresh(): Promise<void> {
    return this.rereads.run();
  }

  private async read(): Promise<void> {
    const { certFile, keyFile, clientCaFile } = this.tls;
    let next: CertificateSet;
    try {
      const [cert, key, ca] = await Promise.all([readFile(certFile), readFile(keyFile), clientCaFile === undefined ? undefined : readFile(clientCaFile)]);
      next = { cert, key, ca };
    } catch (e) {
      return this.refuse(`cannot read the certificate files: ${(e as Error).message}`);
    }
    const problem = tlsContextProblem(next);
    if (problem !== undefined) {
      const files = [certFile, keyFile, clientCaFile].filter((f) => f !== undefined).join(" / ");
      return this.refuse(`${files} do not make a TLS context: ${problem}`);
    }
    // A chain that may have been read cut short waits for one more read: a file caught between
    // its blocks does not stay that way, a chain shortened on purpose does.
    const cut = chainCutProblem(next.cert, this.current.cert);
    if (cut !== undefined && this.suspectedCut?.equals(next.cert) !== true) {
      this.suspectedCut = next.cert;
      return this.refuse(`${certFile}: ${cut}; taken if the next read finds the file unchanged`);
    }
    this.suspectedCut = undefined;
    this.lastProblem = undefined;
    if (same(next, this.current)) return;
    this.current = next;
    this.onRenewed();
    for (const listener of this.identityListeners) listener({ certificate: next.cert, privateKey: next.key });
    if (next.ca !== undefined) for (const listener of this.caListeners) listener({ caCertificate: next.ca });
  }

  private refuse(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.onRefused(`TLS certificate reload refused, the certificates in force stay: ${problem}`);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.watch();
    process.nextTick(listener, { certificate: this.current.cert, privateKey: this.current.key });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatchIfUnused();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.watch();
    if (this.current.ca !== undefined) process.nextTick(listener, { caCertificate: this.current.ca });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatchIfUnused();
  }

  private watch(): void {
    // Unreferenced: the listener keeps the process alive, not the re-reading of its files.
    this.timer ??= setInterval(() => void this.refresh(), this.tls.refreshIntervalMs).unref();
  }

  private unwatchIfUnused(): void {
    if (this.identityListeners.size > 0 || this.caListeners.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
