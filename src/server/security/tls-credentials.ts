/**
 * The listener's credentials: plaintext, or TLS (optionally mTLS) from PEM files that are
 * re-read every `refreshIntervalMs`, so a renewed certificate is served to new connections
 * without a restart. Connections already open keep the certificate they shook hands with.
 */
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { experimental, ServerCredentials } from "@grpc/grpc-js";
import { ConfigError } from "../config/load-config.js";
import type { TlsConfig } from "./security-config.js";

/**
 * Reads the files once and builds a TLS context from them, so a missing file or a key
 * that does not match its certificate stops the start with a clear message (the watcher
 * itself would only log it and refuse every handshake).
 */
function checkFiles(tls: TlsConfig): void {
  const read = (key: keyof TlsConfig, file: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ConfigError(`security.tls.${key}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  const cert = read("certFile", tls.certFile);
  const key = read("keyFile", tls.keyFile);
  const ca = tls.clientCaFile === undefined ? undefined : read("clientCaFile", tls.clientCaFile);
  try {
    createSecureContext({ cert, key, ca });
  } catch (e) {
    throw new ConfigError(`security.tls: ${tls.certFile} / ${tls.keyFile}${ca ? ` / ${tls.clientCaFile}` : ""} do not make a TLS context: ${(e as Error).message}`);
  }
}

export interface ListenerCredentials {
  readonly credentials: ServerCredentials;
  /**
   * Resolves once the files were read for the bound listener: grpc-js reads them
   * asynchronously after the bind and refuses every handshake until then, so a client
   * that connects right after `listen` resolved would otherwise be turned away.
   */
  ready(): Promise<void>;
}

export function serverCredentials(tls: TlsConfig | undefined): ListenerCredentials {
  if (tls === undefined) return { credentials: ServerCredentials.createInsecure(), ready: () => Promise.resolve() };
  checkFiles(tls);
  // One watcher serves both the identity (certificate + key) and the client CA.
  const files = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    caCertificateFile: tls.clientCaFile,
    refreshIntervalMs: tls.refreshIntervalMs,
  });
  // grpc-js 1.14 declares (caProvider, identityProvider) but hands them on to its
  // constructor as (identity, ca): the identity goes first, which is right either way when
  // both are the same watcher, and right for 1.14 without a client CA. The reload test
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
  };
}
