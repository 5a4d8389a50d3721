/**
 * The listener's credentials: plaintext, or TLS (optionally mTLS) from PEM files that are
 * re-read every `refreshIntervalMs` (certificate-files.ts), so a renewed certificate is
 * served to new connections without a restart. Connections already open keep the
 * certificate they shook hands with.
 */
import { readFileSync } from "node:fs";
import { experimental, ServerCredentials } from "@grpc/grpc-js";
import { CertificateFiles, tlsContextProblem, type CertificateSet } from "./certificate-files.js";
import { ConfigError } from "../config/load-config.js";
import type { TlsConfig } from "./security-config.js";

/**
 * Reads the files once and checks they make a TLS context, so a missing file or a key that
 * does not match its certificate stops the start with a clear message.
 */
function checkFiles(tls: TlsConfig): CertificateSet {
  const read = (key: keyof TlsConfig, file: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ConfigError(`security.tls.${key}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  const set = { cert: read("certFile", tls.certFile), key: read("keyFile", tls.keyFile), ca: tls.clientCaFile === undefined ? undefined : read("clientCaFile", tls.clientCaFile) };
  const problem = tlsContextProblem(set);
  if (problem !== undefined) {
    throw new ConfigError(`security.tls: ${tls.certFile} / ${tls.keyFile}${set.ca ? ` / ${tls.clientCaFile}` : ""} do not make a TLS context: ${problem}`);
  }
  return set;
}

export interface ListenerCredentials {
  readonly credentials: ServerCredentials;
  /**
   * Resolves once grpc-js has the certificates for the bound listener: it takes them
   * asynchronously after the bind and refuses every handshake until then, so a client
   * that connects right after `listen` resolved would otherwise be turned away.
   */
  ready(): Promise<void>;
  /** Re-reads the certificate files now (SIGHUP; the interval does it too); resolves once a renewal is in force. */
  refresh(): Promise<void>;
}

/**
 * `onReloadRefused` hears each new problem with a later read of the files (the certificates
 * in force stay); `onReloaded` each renewal put in force.
 */
export function serverCredentials(tls: TlsConfig | undefined, onReloadRefused?: (message: string) => void, onReloaded?: () => void): ListenerCredentials {
  if (tls === undefined) return { credentials: ServerCredentials.createInsecure(), ready: () => Promise.resolve(), refresh: () => Promise.resolve() };
  // One provider serves both the identity (certificate + key) and the client CA.
  const files = new CertificateFiles(tls, checkFiles(tls), onReloadRefused, onReloaded);
  // grpc-js 1.14 declares (caProvider, identityProvider) but hands them on to its
  // constructor as (identity, ca): the identity goes first, which is right either way when
  // both are the same provider, and right for 1.14 without a client CA. The reload test
  // (test/security/tls-reload.test.ts) fails if a grpc-js update changes this.
  const credentials = experimental.createCertificateProviderServerCredentials(files, tls.clientCaFile === undefined ? null : files, tls.requireClientCertificate);
  return {
    credentials,
    // Called after the bind: the server's own listener was added first, so when this one
    // hears of the files, the listener's TLS context has them.
    ready: () =>
      new Promise<void>((resolve) => {
        const once = (): void => {
          files.removeIdentityCertificateListener(once);
          resolve();
        };
        files.addIdentityCertificateListener(once);
      }),
    refresh: () => files.refresh(),
  };
}
