/**
 * The client's certificate chain as the TLS handshake verified it: leaf first, each
 * certificate followed by its issuer, up to the trust anchor. A CRL may list any of them
 * (RFC 5280 §6.3: every certificate of the path is checked), not only the leaf.
 *
 * grpc-js hands a call's leaf only (its auth context calls `getPeerCertificate()` without
 * `detailed`), so the chain is asked of the call's TLS socket, reached through grpc-js's
 * call objects (ServerSurfaceCall.call → interceptors' nextCall → the base call's HTTP/2
 * stream → session → socket). Those fields are grpc-js internals: should an update move
 * them, the leaf alone is checked, and the intermediate-CA revocation test
 * (test/security/certificate-revocation.test.ts) fails.
 */
import { X509Certificate } from "node:crypto";
import { TLSSocket, type DetailedPeerCertificate, type PeerCertificate } from "node:tls";

/** A chain (DER, leaf first) and whether each certificate's signature verifies with the next one's key. */
export interface PeerChain {
  readonly ders: readonly Buffer[];
  /**
   * False when a certificate is not signed by the one after it: Node links issuers by name
   * among what the client sent, so a client may slip a same-named certificate in beside the
   * one the handshake used. Such a chain is not the verified path and cannot be checked.
   */
  readonly linked: boolean;
}

/** Per connection: its chain never changes, and is worked out (and its links verified) once. */
const chains = new WeakMap<TLSSocket, PeerChain>();

/** The TLS socket under a grpc-js server call, or undefined (an in-process call, another grpc-js). */
function tlsSocketOf(call: unknown): TLSSocket | undefined {
  let c = (call as { call?: unknown } | null)?.call;
  // A few levels: each server interceptor wraps the base call once (the sidecar has none).
  for (let depth = 0; depth < 8 && typeof c === "object" && c !== null; depth++) {
    const socket = (c as { stream?: { session?: { socket?: unknown } } }).stream?.session?.socket;
    if (socket instanceof TLSSocket) return socket;
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/** The DERs of `leaf` and its issuers, stopping at a self-signed certificate or where a link repeats. */
export function chainOf(leaf: DetailedPeerCertificate): Buffer[] {
  const ders: Buffer[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw !== undefined; c = c.issuerCertificate) {
    const hex = c.raw.toString("hex");
    if (seen.has(hex)) break;
    seen.add(hex);
    ders.push(c.raw);
  }
  return ders;
}

/** Does each certificate's signature verify with the public key of the one after it? */
export function linked(ders: readonly Buffer[]): boolean {
  try {
    const certs = ders.map((d) => new X509Certificate(d));
    return certs.every((c, i) => i === certs.length - 1 || c.verify(certs[i + 1]!.publicKey));
  } catch {
    return false;
  }
}

/**
 * The verified chain of the call whose auth context gave `leaf`; the leaf alone when its
 * socket cannot be reached (or, oddly, its socket's peer is another certificate).
 */
export function peerChain(call: unknown, leaf: PeerCertificate): PeerChain {
  const socket = tlsSocketOf(call);
  if (socket === undefined) return { ders: [leaf.raw], linked: true };
  let chain = chains.get(socket);
  if (chain === undefined) {
    const ders = chainOf(socket.getPeerCertificate(true));
    chain = { ders, linked: linked(ders) };
    chains.set(socket, chain);
  }
  return chain.ders[0]?.equals(leaf.raw) ? chain : { ders: [leaf.raw], linked: true };
}
