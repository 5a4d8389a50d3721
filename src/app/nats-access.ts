/**
 * How this instance reaches a locked-down NATS cluster: TLS verified against the configured
 * CA (with a client certificate when given) and one credential (a .creds file, a user and
 * password, or a token), all read from their files once, at start. A missing or unreadable
 * file, or one that is not what its key says, stops the start naming the key and the path,
 * never the file's content. The secrets live only in the connection's options: the
 * configuration holds paths, so its digest (GetServerStatus), its summary in the start log
 * and any error message carry none (docs/security.md, "Replicated mode").
 */
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { X509Certificate } from "node:crypto";
import { credsAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator, type Authenticator, type NodeConnectionOptions } from "@nats-io/transport-node";
import { ConfigError } from "../server/config/load-config.js";
import type { ReplicationConfig } from "../server/config/replication-config.js";

/** What connectJournal adds to its connection's options (journal-stream.ts). */
export interface NatsAccess {
  readonly tls?: NonNullable<NodeConnectionOptions["tls"]>;
  readonly authenticator?: Authenticator;
}

/** A file the `replication` section names, read at start (`key`: its setting, in errors). */
export function readReplicationFile(key: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`replication.${key}: cannot read ${file}${code !== undefined ? ` (${code})` : ""}`);
  }
}

/** A one-line secret (a password, a token): the file's text without its final line break. */
function readSecret(key: string, file: string): string {
  const text = readReplicationFile(key, file).toString("utf8").replace(/\r?\n$/, "");
  if (text === "") throw new ConfigError(`replication.${key}: ${file} is empty`);
  if (/[\r\n]/.test(text)) throw new ConfigError(`replication.${key}: ${file} holds more than one line (the file holds the secret alone)`);
  return text;
}

function readTls(tls: NonNullable<ReplicationConfig["tls"]>): NonNullable<NatsAccess["tls"]> {
  const ca = readReplicationFile("tls.caFile", tls.caFile).toString("utf8");
  try {
    new X509Certificate(ca);
  } catch {
    throw new ConfigError(`replication.tls.caFile: ${tls.caFile} holds no PEM certificate`);
  }
  if (tls.certFile === undefined || tls.keyFile === undefined) {
    return { ca, rejectUnauthorized: true };
  }
  const cert = readReplicationFile("tls.certFile", tls.certFile).toString("utf8");
  const key = readReplicationFile("tls.keyFile", tls.keyFile).toString("utf8");
  try {
    createSecureContext({ ca, cert, key });
  } catch (e) {
    // OpenSSL's reason (no start line, key values mismatch): never the files' content.
    throw new ConfigError(`replication.tls: ${tls.certFile} / ${tls.keyFile} do not make a TLS client identity: ${(e as Error).message}`);
  }
  return { ca, cert, key, rejectUnauthorized: true };
}

function readAuthenticator(r: ReplicationConfig): Authenticator | undefined {
  if (r.credsFile !== undefined) {
    const creds = readReplicationFile("credsFile", r.credsFile);
    const authenticator = credsAuthenticator(new Uint8Array(creds));
    try {
      // Parses the JWT and the seed and signs a nonce: a file that is not a .creds file fails here, not at each connect.
      authenticator("openpit");
    } catch {
      throw new ConfigError(`replication.credsFile: ${r.credsFile} is not a NATS credentials file (a user JWT and its nkey seed)`);
    }
    return authenticator;
  }
  if (r.user !== undefined && r.passwordFile !== undefined) return usernamePasswordAuthenticator(r.user, readSecret("passwordFile", r.passwordFile));
  if (r.tokenFile !== undefined) return tokenAuthenticator(readSecret("tokenFile", r.tokenFile));
  return undefined;
}

/** Reads the TLS and credential files the configuration names (ConfigError naming the key and path when one cannot be used). */
export function readNatsAccess(r: ReplicationConfig): NatsAccess {
  const tls = r.tls === undefined ? undefined : readTls(r.tls);
  const authenticator = readAuthenticator(r);
  return { ...(tls !== undefined ? { tls } : {}), ...(authenticator !== undefined ? { authenticator } : {}) };
}
