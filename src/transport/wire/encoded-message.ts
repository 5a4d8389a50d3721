/**
 * Answers already written as protobuf bytes. The channel and the feed write their hot
 * answers straight from the door's domain results (src/server/codec/write-answers.ts),
 * without building the generated messages first: ~1 KiB of objects per accepted order,
 * made only to be serialised. The wire encoders pass these bytes through unchanged.
 */
import { ProtoWriter } from "./proto-writer.js";

export class EncodedMessage {
  constructor(
    /** Read by the write path and the stage trace, as on a generated answer. */
    readonly correlationId: bigint,
    readonly bytes: Buffer,
  ) {}
}

/**
 * Bytes already written, told from a generated message (which always carries `$typeName`)
 * by a field read: `instanceof` here was V8's InstanceOf builtin on every answer
 * (docs/performance.md, "Session 24").
 */
export function isEncodedMessage(m: object): m is EncodedMessage {
  return (m as { $typeName?: string }).$typeName === undefined;
}

// Reused across messages: encoding is synchronous and never re-entered.
const writer = new ProtoWriter();

/**
 * An `OpenResponse` or a `PublishResponse` (both: `correlation_id` = 1, `results` = 2)
 * whose results `write` puts on the writer, one `results` field per item, in order.
 */
export function encodeResults<T>(correlationId: bigint, items: readonly T[], write: (w: ProtoWriter, item: T) => void): EncodedMessage {
  const w = writer.reset();
  if (correlationId !== 0n) w.uint64Field(1, correlationId);
  for (let i = 0; i < items.length; i++) write(w, items[i]!);
  return new EncodedMessage(correlationId, w.finish());
}
