/** grpc-js service definitions over protobuf-es descriptors, shared by the server and the client. */
import type { ServiceDefinition, MethodDefinition } from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";

/**
 * A request that could not be decoded as its protobuf type. Handlers answer it with a
 * per-message error instead of letting grpc-js fail the whole call.
 */
export class MalformedMessage {
  readonly malformed = true;
  constructor(
    readonly error: string,
    /** The bytes as received, when they came off the wire (see `correlationIdOf`). */
    readonly bytes?: Uint8Array,
  ) {}
}

/**
 * True for a `MalformedMessage`. A field read rather than `instanceof`: optimised code called
 * V8's InstanceOf builtin for the check (the class is not a constant to it), several times
 * per order in the channel's handler (docs/performance.md, "Session 22"). A decoded
 * request never has a `malformed` field.
 */
export function isMalformed<T>(m: T | MalformedMessage): m is MalformedMessage {
  return (m as { readonly malformed?: boolean }).malformed === true;
}

function serializer<D extends DescMessage>(schema: D): (msg: MessageShape<D>) => Buffer {
  return (msg) => {
    const bytes = toBinary(schema, msg);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * A request serializer that sends bytes already encoded as they are: the TypeScript client
 * encodes before it writes, so a message that cannot be encoded (an id outside uint64) is
 * refused alone. grpc-js turns a serializer's throw into an INTERNAL status on the whole
 * call, which for a channel would drop it and roll back its reservations.
 */
function sendingBytesAsIs(serialize: (v: unknown) => Buffer): (v: unknown) => Buffer {
  return (v) => (Buffer.isBuffer(v) ? v : serialize(v));
}

function lenientDeserializer<D extends DescMessage>(
  schema: D,
  decode: (buf: Buffer) => MessageShape<D> = (buf) => fromBinary(schema, buf),
): (buf: Buffer) => MessageShape<D> | MalformedMessage {
  return (buf) => {
    try {
      return decode(buf);
    } catch (e) {
      return new MalformedMessage(e instanceof Error ? e.message : String(e), buf);
    }
  };
}

function strictDeserializer<D extends DescMessage>(schema: D): (buf: Buffer) => MessageShape<D> {
  return (buf) => fromBinary(schema, buf);
}

export interface MethodCodecs {
  readonly requestSerialize?: (msg: never) => Buffer;
  readonly requestDeserialize?: (buf: Buffer) => unknown;
  readonly responseSerialize?: (msg: never) => Buffer;
  readonly responseDeserialize?: (buf: Buffer) => unknown;
}

/** Hand-specialised codecs for hot methods, by method local name. */
export type SerializerOverrides = Readonly<Record<string, MethodCodecs>>;

/**
 * A grpc-js service definition straight from a protobuf-es descriptor: no proto-loader,
 * and the same generated types on both sides. Server-side request decoding is lenient
 * (see `MalformedMessage`). `overrides` swaps in hand-specialised codecs (wire/) that
 * give exactly protobuf-es's results, faster.
 */
export function serviceDefinition(service: DescService, overrides: SerializerOverrides = {}): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const override = overrides[method.localName];
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: sendingBytesAsIs((override?.requestSerialize ?? serializer(method.input)) as (v: unknown) => Buffer),
      requestDeserialize: lenientDeserializer(method.input, override?.requestDeserialize as ((buf: Buffer) => MessageShape<DescMessage>) | undefined),
      responseSerialize: (override?.responseSerialize ?? serializer(method.output)) as (v: unknown) => Buffer,
      responseDeserialize: override?.responseDeserialize ?? strictDeserializer(method.output),
      originalName: method.localName,
    };
  }
  return definition as ServiceDefinition;
}
