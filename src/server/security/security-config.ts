/**
 * The `security` section of the configuration document: TLS, how principals are
 * identified, and who may do what. Parsing only (files are read when the server is built).
 */
import type { AccountGroupId, AccountId } from "../../param/index.js";
import {
  fail,
  onlyKeys,
  optional,
  readAccountGroupId,
  readAccountId,
  readArray,
  readBoolean,
  readInteger,
  readObject,
  readString,
  type Json,
} from "../../policies/settings-json.js";
import { canonicalIp } from "./ip-identity.js";
import { ROLES, type Role } from "./principal.js";
import { CONFIGURATION_ACTOR, LOCAL_PRINCIPAL_NAME } from "../../state/commands.js";
import { UNAUTHENTICATED_ACTOR } from "../../state/audit-log.js";

/**
 * Names the sidecar gives actors itself (the single-user default; a caller nobody
 * identified; a start applying the file's account entries): a principal named so would be
 * indistinguishable from them in the audit trail.
 */
const RESERVED_NAMES: ReadonlyMap<string, string> = new Map([
  [LOCAL_PRINCIPAL_NAME, "the audit trail's actor when no principal is configured or none was identified"],
  [UNAUTHENTICATED_ACTOR, "the audit trail's actor when no principal is configured or none was identified"],
  [CONFIGURATION_ACTOR, "the audit trail's actor of the changes a start makes to put the configuration file's account entries in force"],
]);

/**
 * Control, format (zero-width, bidirectional), separator and default-ignorable characters
 * (combining grapheme joiner, variation selectors, Hangul fillers): invisible, or printed as a
 * space (review of 931a4a2 found the ignorable ones passing).
 */
const LOOKALIKE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

/** `name` quoted, every such character but the ASCII space written as its escape (the refusal must show it). */
function visibly(name: string): string {
  return JSON.stringify(name).replace(/[\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}]/gu, (c) => (c === " " ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`));
}

export interface TlsConfig {
  /** PEM server certificate (chain) and its private key. */
  certFile: string;
  keyFile: string;
  /** PEM CA bundle client certificates must chain to; absent = no client certificates asked for. */
  clientCaFile?: string;
  /**
   * PEM file of X.509 CRLs, each signed by a CA of `clientCaFile`: a client certificate whose
   * serial a CRL of its issuer lists is refused, and the streams it opened are ended. Re-read
   * with the other files.
   */
  clientCrlFile?: string;
  /** Refuse the TLS handshake without a valid client certificate (mTLS only). */
  requireClientCertificate: boolean;
  /** How often the files are re-read; new connections get what was read last. */
  refreshIntervalMs: number;
}

/** Which part of a client certificate names its principal. */
export type CertificateIdentity = "commonName" | "subjectAltName";
export const CERTIFICATE_IDENTITIES: readonly CertificateIdentity[] = ["commonName", "subjectAltName"];

export interface PrincipalConfig {
  name: string;
  roles: Role[];
  /**
   * What a client certificate must carry (its CN or one SAN value) to be this principal; default
   * `name`. With clientCertificateIdentity "subjectAltName", an IP address is kept in canonical
   * form (canonicalIp), the form IP SANs are compared in.
   */
  certificateIdentity: string;
  allAccounts: boolean;
  accounts: AccountId[];
  groups: AccountGroupId[];
}

export interface SecurityConfig {
  /** Serve plaintext (or without principals) on a non-loopback address anyway. */
  insecure: boolean;
  tls?: TlsConfig;
  clientCertificateIdentity: CertificateIdentity;
  /** JSON file of SHA-256 hashes of bearer tokens, per principal. */
  tokensFile?: string;
  /**
   * How often the tokens file is re-read (SIGHUP re-reads it at once): a hash removed from it
   * stops its token, on new calls and on the streams it opened, within this interval.
   */
  tokensRefreshIntervalMs: number;
  /** Absent: the single-user default, one implicit principal "local" (loopback only). */
  principals?: PrincipalConfig[];
}

export const DEFAULT_TOKENS_REFRESH_MS = 1000;

export const DEFAULT_SECURITY: SecurityConfig = { insecure: false, clientCertificateIdentity: "commonName", tokensRefreshIntervalMs: DEFAULT_TOKENS_REFRESH_MS };
export const DEFAULT_TLS_REFRESH_MS = 60_000;

function parseTls(json: Json, path: string): TlsConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["certFile", "keyFile", "clientCaFile", "clientCrlFile", "requireClientCertificate", "refreshIntervalMs"]);
  const file = (key: string) => {
    const value = readString(o[key], `${path}.${key}`);
    if (value.trim() === "") fail(`${path}.${key}`, "must not be empty");
    return value;
  };
  const clientCaFile = o.clientCaFile === undefined ? undefined : file("clientCaFile");
  const clientCrlFile = o.clientCrlFile === undefined ? undefined : file("clientCrlFile");
  if (clientCrlFile !== undefined && clientCaFile === undefined) fail(`${path}.clientCrlFile`, "needs clientCaFile (the CA whose certificates the CRL revokes, and that signs it)");
  const requireClientCertificate = optional(o.requireClientCertificate, `${path}.requireClientCertificate`, readBoolean) ?? clientCaFile !== undefined;
  if (requireClientCertificate && clientCaFile === undefined) fail(`${path}.requireClientCertificate`, "needs clientCaFile (the CA client certificates are checked against)");
  return {
    certFile: file("certFile"),
    keyFile: file("keyFile"),
    clientCaFile,
    clientCrlFile,
    requireClientCertificate,
    refreshIntervalMs: optional(o.refreshIntervalMs, `${path}.refreshIntervalMs`, (j, p) => readInteger(j, p, 10, 86_400_000)) ?? DEFAULT_TLS_REFRESH_MS,
  };
}

function parsePrincipal(json: Json, path: string): PrincipalConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["name", "roles", "certificateIdentity", "allAccounts", "accounts", "groups"]);
  const name = readString(o.name, `${path}.name`);
  if (name.trim() === "") fail(`${path}.name`, "must not be empty");
  // A name is the audit trail's actor: one that prints like another (a reserved actor with a
  // space or an invisible character after it, say) must not pass for it (found by review).
  if (name !== name.trim() || LOOKALIKE_CHARACTERS.test(name.replaceAll(" ", ""))) {
    fail(`${path}.name`, `${visibly(name)} may hold no control or invisible character, no space but the ASCII one, and no space at either end`);
  }
  const reserved = RESERVED_NAMES.get(name.normalize("NFKC").toLowerCase());
  if (reserved !== undefined) fail(`${path}.name`, `'${name}' is reserved (${reserved})`);
  const roles = readArray(o.roles, `${path}.roles`).map((r, i) => {
    const role = readString(r, `${path}.roles[${i}]`) as Role;
    if (!ROLES.includes(role)) fail(`${path}.roles[${i}]`, `unknown role '${role}' (known: ${ROLES.join(", ")})`);
    return role;
  });
  if (roles.length === 0) fail(`${path}.roles`, "a principal needs at least one role");
  if (new Set(roles).size !== roles.length) fail(`${path}.roles`, "lists a role twice");
  const allAccounts = optional(o.allAccounts, `${path}.allAccounts`, readBoolean) ?? false;
  const accounts = (optional(o.accounts, `${path}.accounts`, readArray) ?? []).map((a, i) => readAccountId(a, `${path}.accounts[${i}]`));
  const groups = (optional(o.groups, `${path}.groups`, readArray) ?? []).map((g, i) => readAccountGroupId(g, `${path}.groups[${i}]`));
  if (allAccounts && (accounts.length > 0 || groups.length > 0)) fail(`${path}.allAccounts`, "excludes accounts and groups (it already allows every account)");
  const usesAccounts = roles.includes("gateway") || roles.includes("feed");
  if (usesAccounts && !allAccounts && accounts.length === 0 && groups.length === 0) {
    fail(`${path}.accounts`, "a gateway or feed principal needs accounts, groups or allAccounts: true");
  }
  const certificateIdentity = optional(o.certificateIdentity, `${path}.certificateIdentity`, readString) ?? name;
  if (certificateIdentity.trim() === "") fail(`${path}.certificateIdentity`, "must not be empty");
  return { name, roles, certificateIdentity, allAccounts, accounts, groups };
}

export function parseSecurity(json: Json, path: string): SecurityConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["insecure", "tls", "clientCertificateIdentity", "tokensFile", "tokensRefreshIntervalMs", "principals"]);
  const identity = (optional(o.clientCertificateIdentity, `${path}.clientCertificateIdentity`, readString) ??
    DEFAULT_SECURITY.clientCertificateIdentity) as CertificateIdentity;
  if (!CERTIFICATE_IDENTITIES.includes(identity)) fail(`${path}.clientCertificateIdentity`, `must be one of ${CERTIFICATE_IDENTITIES.join(", ")}`);
  const tls = optional(o.tls, `${path}.tls`, parseTls);
  const tokensFile = optional(o.tokensFile, `${path}.tokensFile`, readString);
  if (tokensFile !== undefined && tokensFile.trim() === "") fail(`${path}.tokensFile`, "must not be empty");
  const principals = optional(o.principals, `${path}.principals`, readArray)
    ?.map((p, i) => parsePrincipal(p, `${path}.principals[${i}]`))
    // An IP SAN is compared as an address: "fd00::5" and "FD00:0:0:0:0:0:0:5" are one identity.
    .map((p) => (identity === "subjectAltName" ? { ...p, certificateIdentity: canonicalIp(p.certificateIdentity) } : p));
  if (principals !== undefined) {
    if (principals.length === 0) fail(`${path}.principals`, "lists no principal (omit it for the single-user default)");
    // Names compared in NFKC form: "josé" written precomposed and decomposed prints as one name.
    const names = new Map<string, string>();
    const identities = new Set<string>();
    principals.forEach((p, i) => {
      const earlier = names.get(p.name.normalize("NFKC"));
      if (earlier === p.name) fail(`${path}.principals[${i}].name`, `'${p.name}' is defined twice`);
      if (earlier !== undefined) fail(`${path}.principals[${i}].name`, `${visibly(p.name)} prints as an earlier principal's name ${visibly(earlier)}`);
      if (identities.has(p.certificateIdentity)) fail(`${path}.principals[${i}].certificateIdentity`, `'${p.certificateIdentity}' names two principals`);
      names.set(p.name.normalize("NFKC"), p.name);
      identities.add(p.certificateIdentity);
    });
    if (tls?.clientCaFile === undefined && tokensFile === undefined) {
      fail(`${path}.principals`, "no principal could ever authenticate: set tls.clientCaFile (client certificates) or tokensFile (bearer tokens)");
    }
  } else if (tokensFile !== undefined || tls?.clientCaFile !== undefined) {
    fail(`${path}.principals`, "is required when tokensFile or tls.clientCaFile is set (whom do the credentials name?)");
  }
  return {
    insecure: optional(o.insecure, `${path}.insecure`, readBoolean) ?? false,
    tls,
    clientCertificateIdentity: identity,
    tokensFile,
    tokensRefreshIntervalMs: optional(o.tokensRefreshIntervalMs, `${path}.tokensRefreshIntervalMs`, (j, p) => readInteger(j, p, 10, 86_400_000)) ?? DEFAULT_TOKENS_REFRESH_MS,
    principals,
  };
}
