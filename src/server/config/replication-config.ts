/**
 * The `replication` section: the replicated journal on NATS JetStream, used when
 * `durability.mode` is "replicated" (docs/high-availability.md, docs/configuration.md).
 */
import { MAX_TIMER_MS } from "./network-config.js";
import { fail, onlyKeys, optional, readArray, readBoolean, readInteger, readObject, readString, type Json } from "../../policies/settings-json.js";

export interface ReplicationConfig {
  /** NATS servers of the JetStream cluster (e.g. nats://10.0.0.1:4222); the client fails over between them. */
  servers: string[];
  /** The journal's stream (created on first use with `replicas` copies). */
  stream: string;
  /** Subjects: `<prefix>.<shard>` per shard, `<prefix>.ctl` for commands of no single shard. */
  subjectPrefix: string;
  /** S: shard = FNV-1a(account id's 8 little-endian bytes) mod S. Fixed per deployment. */
  shardCount: number;
  /** Copies of the stream and the snapshot bucket: 3 on a 3-node cluster (a quorum of 2 acknowledges). */
  replicas: number;
  /** The object store bucket holding the state snapshots. */
  snapshotBucket: string;
  /** An append the stream has not acknowledged this long after its first attempt fails the journal. */
  appendTimeoutMs: number;
  /**
   * How long a start or a takeover keeps retrying its JetStream requests (stream info, consumer
   * creation, snapshot reads) while the cluster has no leader for them, before it fails.
   */
  leaderWaitMs: number;
  /** This instance's name in the journal's epoch markers and its NATS connection; absent = host name and process id. */
  instanceId?: string;
  /**
   * TLS to the NATS servers, verified against `caFile` (and this instance's client certificate
   * when `certFile` and `keyFile` are given). Set, the sidecar never connects in plaintext: a
   * server that does not offer TLS is refused.
   */
  tls?: NatsTlsConfig;
  /**
   * At most one NATS credential, each read from a file at start (nats-access.ts), so no secret
   * is in the configuration (nor in its digest, the start log or GetServerStatus):
   * `credsFile` (a NATS .creds file: user JWT and nkey seed), `user` + `passwordFile`, or `tokenFile`.
   */
  credsFile?: string;
  user?: string;
  passwordFile?: string;
  tokenFile?: string;
  /**
   * Journal messages, lease values and snapshot objects signed and checked with a key the
   * instances share (record-signing.ts; docs/security.md). Absent: nothing is signed, and a
   * signed journal message is refused (this instance could not check it).
   */
  signing?: SigningConfig;
}

export interface SigningConfig {
  /** The file holding the key (at least 32 bytes; a final line break is not part of it); read at start (signing-key.ts). */
  keyFile: string;
  /** Unsigned messages, leases and snapshots are taken too: only while a deployment moves to signing (docs/security.md). */
  acceptUnsigned: boolean;
  /** Files of other keys whose signatures are taken too: only while the deployment moves to another key (docs/security.md). */
  acceptKeyFiles?: string[];
}

export interface NatsTlsConfig {
  /** The CA (PEM) the NATS servers' certificates are checked against. */
  caFile: string;
  /** This instance's client certificate (PEM), for servers that verify clients; with keyFile. */
  certFile?: string;
  keyFile?: string;
}

export const DEFAULT_REPLICATION: Omit<ReplicationConfig, "servers" | "instanceId"> = {
  stream: "OPENPIT_JOURNAL",
  subjectPrefix: "openpit.journal",
  shardCount: 16,
  replicas: 3,
  snapshotBucket: "openpit_snapshots",
  appendTimeoutMs: 15_000,
  // The replication library's own default (transient-retry.ts), spelled out for the config.
  leaderWaitMs: 20_000,
};

const KEYS = [
  "servers",
  "stream",
  "subjectPrefix",
  "shardCount",
  "replicas",
  "snapshotBucket",
  "appendTimeoutMs",
  "leaderWaitMs",
  "instanceId",
  "tls",
  "credsFile",
  "user",
  "passwordFile",
  "tokenFile",
  "signing",
];
/** Secrets a configuration might try to hold inline: each is named in its own error, with the key that reads it from a file. */
const INLINE_SECRETS: Readonly<Record<string, string>> = { password: "passwordFile", token: "tokenFile", creds: "credsFile" };
/** The same inside `signing`: its key is named by a file. */
const INLINE_SIGNING_SECRETS = ["key", "secret"];
/** Stream and bucket names: no dots, wildcards or whitespace (NATS names). */
const NAME = /^[A-Za-z0-9_-]+$/;

/** A stream or bucket name (the lease bucket too: ownership-config.ts), refused naming its field when NATS would refuse it. */
export function readNatsName(j: Json, p: string): string {
  const s = readString(j, p);
  if (!NAME.test(s)) fail(p, "must be letters, digits, '-' or '_' (a NATS name)");
  return s;
}
/** A subject prefix: dot-separated tokens without wildcards or whitespace. */
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function parseReplication(json: Json, path: string): ReplicationConfig {
  const o = readObject(json, path);
  for (const [key, file] of Object.entries(INLINE_SECRETS)) {
    if (key in o) fail(`${path}.${key}`, `a secret is not written in the configuration: put it in a file and name the file in ${path}.${file}`);
  }
  onlyKeys(o, path, KEYS);
  const matching = (re: RegExp, what: string) => (j: Json, p: string) => {
    const s = readString(j, p);
    if (!re.test(s)) fail(p, `must be ${what}`);
    return s;
  };
  const servers = optional(o.servers, `${path}.servers`, (j, p) =>
    readArray(j, p).map((u, i) => {
      const s = readString(u, `${p}[${i}]`);
      if (s.trim() === "") fail(`${p}[${i}]`, "must not be blank");
      // The NATS client drops a URL's user and password (it reads the host and port alone), and
      // a password starting with digits became the port (found by review): refused, never
      // quoted back, as the other inline secrets are.
      if (USERINFO.test(natsHostPart(s))) {
        fail(`${p}[${i}]`, `credentials in a server URL are not used: name them with ${path}.user + ${path}.passwordFile, ${path}.tokenFile or ${path}.credsFile`);
      }
      return s;
    }),
  );
  if (servers === undefined) fail(`${path}.servers`, "is required");
  if (servers.length === 0) fail(`${path}.servers`, "must name at least one server");
  const instanceId = optional(o.instanceId, `${path}.instanceId`, (j, p) => {
    const s = readString(j, p);
    if (s.trim() === "") fail(p, "must not be blank");
    return s;
  });
  return {
    servers,
    stream: optional(o.stream, `${path}.stream`, readNatsName) ?? DEFAULT_REPLICATION.stream,
    subjectPrefix: optional(o.subjectPrefix, `${path}.subjectPrefix`, matching(PREFIX, "dot-separated tokens of letters, digits, '-' or '_'")) ?? DEFAULT_REPLICATION.subjectPrefix,
    shardCount: optional(o.shardCount, `${path}.shardCount`, (j, p) => readInteger(j, p, 1, 4096)) ?? DEFAULT_REPLICATION.shardCount,
    replicas: optional(o.replicas, `${path}.replicas`, (j, p) => readInteger(j, p, 1, 5)) ?? DEFAULT_REPLICATION.replicas,
    snapshotBucket: optional(o.snapshotBucket, `${path}.snapshotBucket`, readNatsName) ?? DEFAULT_REPLICATION.snapshotBucket,
    appendTimeoutMs: optional(o.appendTimeoutMs, `${path}.appendTimeoutMs`, (j, p) => readInteger(j, p, 100, 600_000)) ?? DEFAULT_REPLICATION.appendTimeoutMs,
    leaderWaitMs: optional(o.leaderWaitMs, `${path}.leaderWaitMs`, (j, p) => readInteger(j, p, 1, MAX_TIMER_MS)) ?? DEFAULT_REPLICATION.leaderWaitMs,
    ...(instanceId !== undefined ? { instanceId } : {}),
    ...natsAccessConfig(o, path),
    ...signingConfig(o, path),
  };
}

/** `signing`: the key's file (read at start, never here) and whether unsigned things are still taken. */
function signingConfig(o: Record<string, Json>, path: string): Pick<ReplicationConfig, "signing"> {
  const signing = optional(o.signing, `${path}.signing`, (j, p) => {
    const s = readObject(j, p);
    for (const key of INLINE_SIGNING_SECRETS) {
      if (key in s) fail(`${p}.${key}`, `a secret is not written in the configuration: put the key in a file and name the file in ${p}.keyFile`);
    }
    onlyKeys(s, p, ["keyFile", "acceptUnsigned", "acceptKeyFiles"]);
    if (s.keyFile === undefined) fail(`${p}.keyFile`, "is required (the file holding the key the instances share)");
    const keyFile = nonEmpty(s.keyFile, `${p}.keyFile`);
    const acceptUnsigned = optional(s.acceptUnsigned, `${p}.acceptUnsigned`, readBoolean) ?? false;
    const acceptKeyFiles = optional(s.acceptKeyFiles, `${p}.acceptKeyFiles`, (j, q) => readArray(j, q).map((f, i) => nonEmpty(f, `${q}[${i}]`)));
    return { keyFile, acceptUnsigned, ...(acceptKeyFiles !== undefined && acceptKeyFiles.length > 0 ? { acceptKeyFiles } : {}) };
  });
  return signing === undefined ? {} : { signing };
}

function nonEmpty(j: Json, p: string): string {
  const s = readString(j, p);
  if (s.trim() === "") fail(p, "must not be empty");
  return s;
}

/** `tls` and the credential keys (files only; nats-access.ts reads them at start). */
function natsAccessConfig(o: Record<string, Json>, path: string): Pick<ReplicationConfig, "tls" | "credsFile" | "user" | "passwordFile" | "tokenFile"> {
  const tls = optional(o.tls, `${path}.tls`, (j, p) => {
    const t = readObject(j, p);
    onlyKeys(t, p, ["caFile", "certFile", "keyFile"]);
    if (t.caFile === undefined) fail(`${p}.caFile`, "is required (the CA the NATS servers' certificates are checked against)");
    const caFile = nonEmpty(t.caFile, `${p}.caFile`);
    const certFile = optional(t.certFile, `${p}.certFile`, nonEmpty);
    const keyFile = optional(t.keyFile, `${p}.keyFile`, nonEmpty);
    if (certFile !== undefined && keyFile === undefined) fail(`${p}.certFile`, "needs keyFile (the client certificate's private key)");
    if (keyFile !== undefined && certFile === undefined) fail(`${p}.keyFile`, "needs certFile (the client certificate it is the key of)");
    return { caFile, ...(certFile !== undefined ? { certFile, keyFile } : {}) };
  });
  const credsFile = optional(o.credsFile, `${path}.credsFile`, nonEmpty);
  const user = optional(o.user, `${path}.user`, nonEmpty);
  const passwordFile = optional(o.passwordFile, `${path}.passwordFile`, nonEmpty);
  const tokenFile = optional(o.tokenFile, `${path}.tokenFile`, nonEmpty);
  if (user !== undefined && passwordFile === undefined) fail(`${path}.user`, "needs passwordFile (the password is read from a file, never written in the configuration)");
  if (passwordFile !== undefined && user === undefined) fail(`${path}.passwordFile`, "needs user");
  const kinds = [credsFile !== undefined ? "credsFile" : undefined, user !== undefined ? "user" : undefined, tokenFile !== undefined ? "tokenFile" : undefined].filter((k) => k !== undefined);
  if (kinds.length > 1) fail(`${path}.${kinds[1]}`, `excludes ${kinds[0]}: one NATS credential (credsFile, user with passwordFile, or tokenFile)`);
  return {
    ...(tls !== undefined ? { tls } : {}),
    ...(credsFile !== undefined ? { credsFile } : {}),
    ...(user !== undefined ? { user, passwordFile } : {}),
    ...(tokenFile !== undefined ? { tokenFile } : {}),
  };
}

/** The kind of NATS credential a configuration names, for logs and summaries (never the secret). */
export function natsCredentialKind(r: ReplicationConfig): "credsFile" | "user" | "tokenFile" | null {
  if (r.credsFile !== undefined) return "credsFile";
  if (r.user !== undefined) return "user";
  if (r.tokenFile !== undefined) return "tokenFile";
  return null;
}

/**
 * A server address as it may be printed: credentials in it (nats://user:password@host,
 * nats://token@host) replaced by `***`, so they never reach stdout or the logs.
 */
export function printableServer(server: string): string {
  const host = natsHostPart(server);
  if (!USERINFO.test(host)) return server;
  const scheme = /^.*:\/\//.exec(server.trim())?.[0] ?? "";
  return `${scheme}***@${host.replace(USERINFO, "")}`;
}

/**
 * The part of a server URL the NATS client reads as host and port: trimmed, everything up to
 * the last "://" cut (@nats-io/nats-core servers.js, hostPort). Checked for credentials there,
 * not in the string as written: " nats://u:p@h" or "nats://tls://u:p@h" passed a check of the
 * raw string, and the password was printed and the port read from it (found by review).
 */
function natsHostPart(server: string): string {
  return server.trim().replace(/^.*:\/\//, "");
}

/** A URL's userinfo: up to the last '@' before the path (a password may hold '@'). */
const USERINFO = /^[^/?#]*@/;
