/**
 * The certificates the client sent, as Node links them (`getPeerCertificate(true)`), and the
 * client's certificate path built from them and clientCaFile (certificate-path.ts), which a
 * CRL may list any certificate of (RFC 5280 §6.3), not only the leaf.
 *
 * Node's chain is NOT the path the handshake verified (see certificate-path.ts): it is used
 * only as the pool of certificates the client offered, each taken into the path only after
 * its signature, name and dates are checked here.
 *
 * grpc-js hands a call's leaf only (its auth context calls `getPeerCertificate()` without
 * `detailed`), so the chain is asked of the call's TLS socket, reached through grpc-js's
 * call objects (ServerSurfaceCall.call → interceptors' nextCall → the base call's HTTP/2
 * stream → session → socket). Those fields are grpc-js internals: should an update move
 * them, the path is built from the leaf and clientCaFile alone, so a client whose
 * intermediate is only sent is refused while the CRL lists anybody, and the intermediate-CA
 * revocation test (test/security/certificate-revocation.test.ts) fails.
 */
import { TLSSocket, type DetailedPeerCertificate } from "node:tls";
import { certificatePath } from "./certificate-path.js";
import type { RevocationList } from "./crl.js";

/**
 * Per connection: the path built for its leaf under one RevocationList (its bundle). A
 * connection's certificates never change, so it pays the path building once per CRL in
 * force; a reload puts a new RevocationList in force, which builds afresh.
 */
const paths = new WeakMap<TLSSocket, { readonly crl: RevocationList; readonly leaf: Buffer; readonly path: readonly Buffer[] | undefined }>();

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

/**
 * The DERs of `leaf` and the issuers Node linked it to (by name, unverified: what the client
 * sent, perhaps a certificate of clientCaFile), stopping at a self-signed one or a repeat.
 */
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

/**
 * The certificate path of the call whose auth context gave `leaf` (DER), built from `crl`'s
 * client CA bundle and what the client sent (certificatePath): leaf first, ending at the trust
 * anchor; undefined when there is none, a chain that cannot be checked. Without a reachable
 * socket (or, oddly, one whose peer is another certificate) nothing sent is used.
 */
export function peerPath(call: unknown, leaf: Buffer, crl: RevocationList): readonly Buffer[] | undefined {
  const socket = tlsSocketOf(call);
  if (socket === undefined) return certificatePath(leaf, crl.bundle, []);
  const cached = paths.get(socket);
  if (cached?.crl === crl && cached.leaf.equals(leaf)) return cached.path;
  const sent = chainOf(socket.getPeerCertificate(true));
  const path = certificatePath(leaf, crl.bundle, sent[0]?.equals(leaf) ? sent : []);
  paths.set(socket, { crl, leaf, path });
  return path;
}
