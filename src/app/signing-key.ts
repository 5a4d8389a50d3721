/**
 * The keys of `replication.signing` (record-signing.ts), read from their files once, at
 * start, before anything connects: a missing, unreadable or short file stops the start as a
 * configuration error naming the key and the path, never the file's content (as
 * nats-access.ts does for the NATS credentials). The keys live only in the RecordSigner; logs
 * and summaries may show their ids (8 hex digits of their SHA-256), nothing more.
 *
 * A file's bytes are the key, less one final line break (a key written with `echo` or an
 * editor keeps working when the file is rewritten by another tool). No permission check: the
 * other secret files are not checked either; docs/security.md says to keep the file 0600.
 */
import { readReplicationFile } from "./nats-access.js";
import { ConfigError } from "../server/config/load-config.js";
import type { ReplicationConfig } from "../server/config/replication-config.js";
import { MIN_SIGNING_KEY_BYTES, RecordSigner } from "../replication/record-signing.js";

function readKey(key: string, file: string): Buffer {
  const bytes = readReplicationFile(`signing.${key}`, file);
  const end = bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a ? bytes.length - 2 : bytes.length >= 1 && bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
  const secret = bytes.subarray(0, end);
  if (secret.length < MIN_SIGNING_KEY_BYTES) {
    throw new ConfigError(`replication.signing.${key}: ${file} holds ${secret.length} bytes, a signing key needs at least ${MIN_SIGNING_KEY_BYTES} (e.g. openssl rand -base64 48 > ${file})`);
  }
  return secret;
}

/** The signer the configuration names (undefined without `signing`); ConfigError when a file cannot be used. */
export function readSigningKey(r: ReplicationConfig): RecordSigner | undefined {
  if (r.signing === undefined) return undefined;
  const key = readKey("keyFile", r.signing.keyFile);
  const accepted = (r.signing.acceptKeyFiles ?? []).map((file, i) => readKey(`acceptKeyFiles[${i}]`, file));
  try {
    return new RecordSigner(key, r.signing.acceptUnsigned, accepted);
  } catch (e) {
    throw new ConfigError(`replication.signing: ${(e as Error).message}`);
  }
}
