/**
 * How the CLI reaches the sidecar: the same settings as the server and its clients. The
 * address: --target, else OPENPIT_TARGET, else the server's own OPENPIT_LISTEN or the
 * `listen` of its --config / OPENPIT_CONFIG file, else 127.0.0.1:50051 (a wildcard host
 * becomes 127.0.0.1). TLS: --ca (server CA), --cert/--key (client certificate); a bearer
 * token: --token, --token-file or OPENPIT_TOKEN (docs/security.md, docs/operating.md).
 */
import { readFileSync } from "node:fs";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { connect, isSendableToken, type ConnectOptions, type SidecarClients } from "../client/index.js";
import { jsonParseErrorAt } from "../json/json-numbers.js";
import { hostOfTarget, isLoopbackHost } from "../transport/loopback-host.js";
import { option, UsageError, type ParsedArgs } from "./args.js";
import { printable } from "./output.js";

export const CONNECTION_OPTIONS = ["target", "config", "ca", "cert", "key", "token", "token-file", "server-name", "timeout"];

export const CONNECTION_USAGE = `connection (the same settings as the server):
  --target HOST:PORT     the sidecar (default: OPENPIT_TARGET, the server's OPENPIT_LISTEN, the
                         'listen' of --config FILE / OPENPIT_CONFIG, else 127.0.0.1:50051)
  --ca FILE              the CA of the server's certificate: TLS (else plaintext)
  --cert FILE --key FILE a client certificate (mTLS) naming a principal
  --token TOKEN | --token-file FILE
                         a bearer token (also OPENPIT_TOKEN)
  --server-name NAME     the name the server's certificate is checked against
  --timeout SECONDS      how long one call may take (default 10, at most 2147483: 24.8 days)`;

export const DEFAULT_TARGET = "127.0.0.1:50051";

/**
 * The longest --timeout: 2^31 - 1 ms (24.8 days). A gRPC server built on grpc-js reads a
 * deadline into a 32-bit integer of milliseconds: a longer one wrapped to a negative timer
 * that fired at once, and 100000000 s (sent as 9 digits, where the header takes 8) read as 0,
 * so any answer not sent in the same turn was cut off "no answer in time" (found by review,
 * session 37, of the first bound).
 */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

function readFile(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** The address to dial; a server listening on every interface is reached on loopback. */
export function targetOf(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): string {
  // As the server reads them (load-config.ts): a variable exported empty is unset.
  const set = (name: string) => (env[name] === "" ? undefined : env[name]);
  let target = option(args, "target") ?? set("OPENPIT_TARGET") ?? set("OPENPIT_LISTEN");
  const configFlag = option(args, "config");
  const configFile = configFlag ?? set("OPENPIT_CONFIG");
  // A file named with --config is read even when the target comes from elsewhere: a flag the
  // operator passed that names an unreadable file is a mistake to report, not to ignore.
  // OPENPIT_CONFIG (the server's variable) is read only when it decides the target.
  if (configFile !== undefined && (target === undefined || configFlag !== undefined)) {
    const text = readFile(configFile, "configuration file");
    let config: { listen?: unknown } | null;
    try {
      config = JSON.parse(text) as { listen?: unknown } | null;
    } catch (e) {
      throw new UsageError(`configuration file ${configFile} is not JSON${jsonParseErrorAt(text, e)} (expected the sidecar's configuration file)`);
    }
    const listen = config?.listen;
    if (target === undefined && typeof listen === "string") target = listen;
  }
  target ??= DEFAULT_TARGET;
  return target.replace(/^(0\.0\.0\.0|\[::\]|::):/, "127.0.0.1:");
}

export function connectOptionsOf(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): ConnectOptions {
  const ca = option(args, "ca");
  const cert = option(args, "cert");
  const key = option(args, "key");
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--cert and --key go together");
  if (cert !== undefined && ca === undefined) throw new UsageError("--cert needs --ca (a client certificate is only sent over TLS)");
  const tokenFile = option(args, "token-file");
  // The file's and the environment's trailing newline go, as a secret file leaves one.
  const token = option(args, "token") ?? (tokenFile === undefined ? undefined : readFile(tokenFile, "token file").trim()) ?? env.OPENPIT_TOKEN?.trim();
  if (token !== undefined && token !== "" && !isSendableToken(token)) {
    throw new UsageError("the bearer token cannot be sent: only printable ASCII goes in a header (check --token, --token-file or OPENPIT_TOKEN)");
  }
  const serverName = option(args, "server-name");
  return {
    ...(ca === undefined ? {} : { rootCa: readFile(ca, "CA file") }),
    ...(cert === undefined ? {} : { clientCert: readFile(cert, "certificate file"), clientKey: readFile(key!, "key file") }),
    ...(token === undefined || token === "" ? {} : { bearerToken: token }),
    ...(serverName === undefined ? {} : { channelOptions: { "grpc.ssl_target_name_override": serverName } }),
  };
}

export interface Connection {
  readonly target: string;
  readonly clients: SidecarClients;
  /** Milliseconds one unary call may take. */
  readonly timeoutMs: number;
}

export function openConnection(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): Connection {
  const timeout = option(args, "timeout");
  // A decimal number (an exponent allowed): Number() also reads "0x10" as 16, "0b11" as 3 and " 5" as 5.
  const seconds = timeout === undefined ? 10 : /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(timeout) ? Number(timeout) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not '${timeout}'`);
  // grpc-js refuses a deadline past ~3.6e11 s from now by throwing out of the call (found by
  // review, session 37: `--timeout 1e12`, someone's "no timeout", crashed with a stack trace),
  // and its server cuts one past 24.8 days short (MAX_TIMEOUT_SECONDS).
  if (seconds > MAX_TIMEOUT_SECONDS) throw new UsageError(`--timeout must be at most ${MAX_TIMEOUT_SECONDS} seconds, not '${timeout}'`);
  const target = targetOf(args, env);
  const options = connectOptionsOf(args, env);
  // docs/security.md: on plaintext a token is only safe on loopback. Without --ca it would
  // cross the network in cleartext (OPENPIT_TOKEN exported for the shell, --ca forgotten).
  if (options.bearerToken !== undefined && options.rootCa === undefined && !isLoopbackHost(hostOfTarget(target))) {
    throw new UsageError(`a bearer token is not sent in cleartext to ${target}: pass --ca FILE (TLS); plaintext is for a sidecar on loopback`);
  }
  return { target, clients: connect(target, options), timeoutMs: seconds * 1000 };
}

/**
 * grpc-js's deadline details for a call that never left the client: no connection was ready
 * to take it (a target that accepts TCP but never answers HTTP/2: a stopped or frozen
 * process, another service's port), or the name never resolved. Nothing was sent (found by
 * review: a block to a frozen sidecar was reported as "sent, may be in effect").
 */
export const NEVER_PICKED = /Waiting for LB pick|waiting for name resolution|waiting for metadata filters/;

/**
 * A failed call as one line that says what to do about it. The sidecar's text in it (the
 * status details, the error kind) is escaped (printable): it may quote what a client sent.
 */
export function explainError(e: unknown, target: string): string {
  const se = e as Partial<ServiceError>;
  if (typeof se.code !== "number") return printable(e instanceof Error ? e.message : String(e));
  const details = printable(se.details ?? se.message ?? "");
  const raw = se.metadata instanceof Metadata ? se.metadata.get("openpit-error-kind")[0] : undefined;
  const kind = raw === undefined ? undefined : printable(String(raw));
  switch (se.code) {
    case status.UNAVAILABLE: {
      // A TLS failure (wrong CA, a name the certificate does not hold, TLS against a
      // plaintext sidecar) is no sign of a sidecar that is not running: say what failed.
      const last = /Last error: (?:Error(?: \[\w+\])?: )?([\s\S]*?)\.? Resolution note:/.exec(details)?.[1]?.trim();
      if (/wrong version number/i.test(details)) return `TLS with ${target} failed: it answers in plaintext (no security.tls): drop --ca`;
      if (/certificate|altname|CERT_|SSL routines|TLS/i.test(details)) {
        return `TLS with ${target} failed: ${last ?? details}: check --ca (the CA of the server's certificate; none for a plaintext sidecar) and --server-name`;
      }
      if (/ECONNREFUSED|Name resolution/i.test(details)) {
        return `cannot connect to ${target}: is the sidecar running? start it with npm start (or pass --target HOST:PORT)`;
      }
      if (/No connection established|connect/i.test(details)) {
        return `cannot connect to ${target} (${last ?? details}): is the sidecar running, and plaintext vs TLS right (--ca for a sidecar with security.tls)?`;
      }
      return `the sidecar at ${target} is unavailable: ${details}`;
    }
    case status.DEADLINE_EXCEEDED:
      if (NEVER_PICKED.test(details)) {
        return `cannot connect to ${target} in time: it took no call (a stopped or frozen process, or not the sidecar's port; plaintext vs TLS right: --ca?)`;
      }
      return `no answer from ${target} in time: is it the sidecar (and plaintext vs TLS right: --ca)? raise --timeout if it is busy`;
    case status.UNAUTHENTICATED:
      return `${details}: pass --token TOKEN, --token-file FILE (or OPENPIT_TOKEN), or a client certificate with --ca, --cert and --key`;
    case status.PERMISSION_DENIED:
      return `${details}: use the credentials of a principal with that role`;
    default:
      return `${details} (${status[se.code] ?? se.code}${kind === undefined ? "" : `, ${String(kind)}`})`;
  }
}
