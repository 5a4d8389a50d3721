/** grpc-js clients for every sidecar service, built from the protobuf-es descriptors (no proto-loader). */
import {
  credentials,
  InterceptingCall,
  makeGenericClientConstructor,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type Interceptor,
  type Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannelService } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountEventService } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { ExecutionReportFeedService } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { serviceDefinition, type SerializerOverrides } from "../transport/service-definition.js";
import { hostOfTarget, isLoopbackHost } from "../transport/loopback-host.js";
import { CHANNEL_CLIENT_WIRE, FEED_CLIENT_WIRE } from "../transport/wire/index.js";
import { CLIENT_KEEPALIVE, setReadyBound } from "./liveness.js";

/** A grpc-js client for one service, from its protobuf-es descriptor. */
export type GenericClient = Client & Record<string, (...args: unknown[]) => unknown>;

/** How to reach a sidecar that has a `security` section (docs/security.md). All optional. */
export interface ConnectOptions {
  /** PEM of the CA that signed the server's certificate; given = TLS (else plaintext). */
  readonly rootCa?: string | Buffer;
  /** PEM client certificate and its key, for mTLS (the certificate names the principal). */
  readonly clientCert?: string | Buffer;
  readonly clientKey?: string | Buffer;
  /** Sent as `authorization: Bearer <token>` on every call (plaintext loopback or TLS without a client certificate). */
  readonly bearerToken?: string;
  /** Other grpc-js channel options, e.g. `grpc.ssl_target_name_override`. */
  readonly channelOptions?: ChannelOptions;
}

const pem = (v: string | Buffer | undefined) => (v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

function channelCredentials(o: ConnectOptions): ChannelCredentials {
  if (o.rootCa === undefined) {
    if (o.clientCert !== undefined || o.clientKey !== undefined) throw new Error("clientCert/clientKey need rootCa (a client certificate is only sent over TLS)");
    return credentials.createInsecure();
  }
  return credentials.createSsl(pem(o.rootCa), pem(o.clientKey), pem(o.clientCert));
}

/**
 * The token as per-call metadata through an interceptor: grpc-js refuses call credentials
 * on a plaintext channel, and the single-host setup (loopback, tokens) has no TLS.
 */
function bearerInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

export function makeClient(service: DescService, address: string, overrides: SerializerOverrides = {}, options: ConnectOptions = {}): GenericClient {
  refuseUnsendableToken(options);
  refuseCleartextToken(address, options);
  const Ctor = makeGenericClientConstructor(serviceDefinition(service, overrides), service.typeName);
  const channelOptions = {
    ...CLIENT_KEEPALIVE,
    ...options.channelOptions,
    ...(options.bearerToken === undefined ? {} : { interceptors: [bearerInterceptor(options.bearerToken)] }),
    // A token in cleartext is allowed to a loopback target only, and grpc-js would route even
    // that through an HTTP proxy named in the environment (grpc_proxy, https_proxy,
    // http_proxy): the token would leave the host in clear (found by review, session 29).
    ...(options.bearerToken !== undefined && options.rootCa === undefined ? { "grpc.enable_http_proxy": 0 } : {}),
  };
  const client = new Ctor(address, channelCredentials(options), channelOptions) as unknown as GenericClient;
  setReadyBound(client, address, channelOptions);
  return client;
}

/** Calls a unary method and resolves with the response (rejects with the ServiceError). */
export function callUnary<Res>(client: GenericClient, method: string, request: unknown, metadata?: Metadata): Promise<Res> {
  return new Promise((resolve, reject) => {
    const cb = (err: ServiceError | null, res: Res) => (err ? reject(err) : resolve(res));
    if (metadata) client[method]!(request, metadata, cb);
    else client[method]!(request, cb);
  });
}

export interface SidecarClients {
  readonly channel: GenericClient;
  readonly feed: GenericClient;
  readonly events: GenericClient;
  readonly admin: GenericClient;
  readonly health: GenericClient;
  close(): void;
}

/**
 * docs/security.md: on plaintext a token is only safe on loopback (as the CLI and client
 * certificates already hold). Checked where every client is made, `makeClient` included
 * (found by review: exported, it took a token in cleartext to any host).
 */
/**
 * True when a gRPC header can carry the token (printable ASCII). grpc-js refuses any other
 * value with an error that quotes it whole, so a token read with its file's newline, or
 * holding a non-ASCII character, was printed in full in the error (found by review, session 30).
 */
export function isSendableToken(token: string): boolean {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(token);
}

/** A token a header cannot carry is refused here, in words that do not repeat it. */
function refuseUnsendableToken(options: ConnectOptions): void {
  if (options.bearerToken !== undefined && !isSendableToken(options.bearerToken)) {
    throw new Error("bearerToken cannot be sent: only printable ASCII, without spaces at either end, goes in a header (a token file's newline, a non-ASCII character?)");
  }
}

function refuseCleartextToken(address: string, options: ConnectOptions): void {
  const refusal = connectRefusal(address, options);
  if (refusal !== undefined) throw refusal;
}

/** Why `connect(address, options)` would refuse to connect (a token in cleartext off loopback), or undefined. */
export function connectRefusal(address: string, options: ConnectOptions): Error | undefined {
  if (options.bearerToken !== undefined && options.rootCa === undefined && !isLoopbackHost(hostOfTarget(address))) {
    return new Error(`bearerToken needs rootCa for ${address}: a token is not sent in cleartext off loopback`);
  }
  return undefined;
}

export function connect(address: string, options: ConnectOptions = {}): SidecarClients {
  refuseCleartextToken(address, options);
  const clients = {
    // The order path's messages through the hand-specialised codecs (same bytes, less CPU).
    channel: makeClient(AccountChannelService, address, { open: CHANNEL_CLIENT_WIRE }, options),
    feed: makeClient(ExecutionReportFeedService, address, { publish: FEED_CLIENT_WIRE }, options),
    events: makeClient(AccountEventService, address, {}, options),
    admin: makeClient(AdminService, address, {}, options),
    health: makeClient(Health, address, {}, options),
  };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}
