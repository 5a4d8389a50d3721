/**
 * The `network` section: connection liveness (keepalive, idle connections) and the message size cap.
 *
 * A handshake timeout without internals: grpc-js 1.14 disables the http2 server's socket
 * timeout (`setTimeout(0)`) and does not expose the http2 server, but it starts its
 * keepalive pings and its idle-connection timer for every session when the connection is
 * accepted, before the client's preface arrives. A TCP connection that never speaks HTTP/2
 * cannot answer a PING and never opens a call, so either documented option closes it
 * (test/server/silent-sockets.test.ts fails if a grpc-js upgrade changes that).
 */
import { fail, onlyKeys, optional, readInteger, readObject, type Json } from "../../policies/settings-json.js";

export interface NetworkConfig {
  /**
   * The server pings every connection this often (HTTP/2 PING, whether or not calls are
   * open). A peer that does not answer within `keepaliveTimeoutMs` is cut: a frozen
   * gateway's channel closes, its reservations roll back and its accounts unpin within
   * `keepaliveTimeMs + keepaliveTimeoutMs` of its last answer. A TCP connection that never
   * speaks HTTP/2 never answers either, so it is cut the same way. 0 = no keepalive.
   */
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** A connection with no call open for this long is closed (GOAWAY; clients reconnect). 0 = never. */
  idleConnectionTimeoutMs: number;
  /**
   * The largest request message the server reads. Orders are ~100 bytes, so a full batch
   * (limits.maxCommandsPerMessage = 4096) is ~0.4 MB; 4 MiB leaves ten times that. It also
   * bounds what an answer can echo back (error texts quote a bad value, one per command).
   */
  maxReceiveMessageBytes: number;
  /**
   * Streams one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
   * Without it Node allows 2^32-1, and anyone who reaches the port can hold public
   * Health.Watch streams (or refused calls) open without bound on a single connection.
   */
  maxConcurrentStreams: number;
}

export const DEFAULT_NETWORK: NetworkConfig = {
  keepaliveTimeMs: 5_000,
  keepaliveTimeoutMs: 5_000,
  idleConnectionTimeoutMs: 300_000,
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 1_000,
};

/**
 * The longest delay a Node timer keeps (~24.8 days): above it `setTimeout` fires after 1 ms,
 * so every configured duration that becomes a timer is bounded by it (grpc-js reads
 * "never" as its own maximum).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function parseNetwork(json: Json, path: string): NetworkConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, Object.keys(DEFAULT_NETWORK));
  const int = (key: keyof NetworkConfig, min: number, max: number) =>
    optional(o[key], `${path}.${key}`, (j, p) => readInteger(j, p, min, max)) ?? DEFAULT_NETWORK[key];
  const network: NetworkConfig = {
    keepaliveTimeMs: int("keepaliveTimeMs", 0, MAX_TIMER_MS),
    keepaliveTimeoutMs: int("keepaliveTimeoutMs", 1, MAX_TIMER_MS),
    idleConnectionTimeoutMs: int("idleConnectionTimeoutMs", 0, MAX_TIMER_MS),
    maxReceiveMessageBytes: int("maxReceiveMessageBytes", 1024, 2 ** 31 - 1),
    maxConcurrentStreams: int("maxConcurrentStreams", 1, 2 ** 31 - 1),
  };
  if (network.keepaliveTimeMs > 0 && network.keepaliveTimeMs < 10) fail(`${path}.keepaliveTimeMs`, "must be 0 (off) or at least 10");
  return network;
}

/** The grpc-js server options a network configuration stands for. */
export function grpcServerOptions(n: NetworkConfig): Record<string, number> {
  return {
    "grpc.max_receive_message_length": n.maxReceiveMessageBytes,
    "grpc.max_concurrent_streams": n.maxConcurrentStreams,
    ...(n.keepaliveTimeMs > 0 ? { "grpc.keepalive_time_ms": n.keepaliveTimeMs, "grpc.keepalive_timeout_ms": n.keepaliveTimeoutMs } : {}),
    ...(n.idleConnectionTimeoutMs > 0 ? { "grpc.max_connection_idle_ms": n.idleConnectionTimeoutMs } : {}),
  };
}
