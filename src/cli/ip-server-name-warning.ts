/**
 * grpc-js puts the dialled host in TLS's server name (SNI), and Node warns once per process
 * (DEP0123, "Setting the TLS ServerName to an IP address is not permitted by RFC 6066") when
 * that host is an IP address, as the CLI's default target 127.0.0.1 is. An operator saw a
 * deprecation notice about a dependency's internals on every TLS run, in a tool whose stderr
 * is otherwise only its own answer. The certificate is still checked against the address (or
 * --server-name): only that one notice is dropped, every other warning is printed as before.
 */
const IP_SERVER_NAME = "DEP0123";

function codeOf(rest: readonly unknown[]): unknown {
  const [typeOrOptions, code] = rest;
  return typeof typeOrOptions === "object" && typeOrOptions !== null ? (typeOrOptions as { code?: unknown }).code : code;
}

/** Drops Node's DEP0123 notice for this process (the CLI's entry calls it once). */
export function dropIpServerNameWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    if (codeOf(rest) === IP_SERVER_NAME) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
