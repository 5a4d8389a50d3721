/**
 * A monitor on AccountEventService.Subscribe for tests: the events as protobuf JSON, waits
 * for a count, and how the stream ended (a status, or still open).
 */
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { ClientReadableStream, Metadata, ServiceError } from "@grpc/grpc-js";
import { AccountEventSchema, SubscribeRequestSchema, type AccountEvent, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import type { SidecarClients } from "../../src/client/index.js";

export interface EventMonitor {
  /** Every event received, as protobuf JSON (`sequence` a string). */
  readonly events: JsonValue[];
  /** The same events as messages. */
  readonly messages: AccountEvent[];
  /** Their sequence numbers. */
  sequences(): bigint[];
  /** Resolves once the sidecar sent the headers: it is subscribed, every later event comes. */
  readonly subscribed: Promise<void>;
  /** The headers' `openpit-ownership-group` (replicated mode with failover), once they came; undefined without it. */
  readonly ownershipGroup: Promise<string | undefined>;
  /** Resolves once `n` events arrived. */
  received(n: number): Promise<void>;
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<ServiceError>;
  cancel(): void;
}

/** Subscribes; `afterSequence`: resume after that number; `ownershipGroup`: the group that number came from. */
export function monitorEvents(clients: SidecarClients, afterSequence?: bigint, ownershipGroup?: string): EventMonitor {
  const request = create(SubscribeRequestSchema, {
    ...(afterSequence === undefined ? {} : { afterSequence }),
    ...(ownershipGroup === undefined ? {} : { ownershipGroup }),
  });
  const call = (clients.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(request);
  const events: JsonValue[] = [];
  const messages: AccountEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  call.on("data", (m: SubscribeResponse) => {
    messages.push(m.event!);
    events.push(toJson(AccountEventSchema, m.event!));
    for (const w of waiters.filter((x) => events.length >= x.n)) w.resolve();
  });
  const ended = new Promise<ServiceError>((resolve) => call.on("error", resolve));
  const headers = new Promise<Metadata>((resolve) => call.on("metadata", resolve));
  const subscribed = headers.then(() => {});
  const group = headers.then((m) => m.get("openpit-ownership-group")[0]?.toString());
  return {
    events,
    messages,
    sequences: () => events.map((e) => BigInt((e as { sequence: string }).sequence)),
    received: (n) => new Promise<void>((resolve) => (events.length >= n ? resolve() : waiters.push({ n, resolve }))),
    subscribed,
    ownershipGroup: group,
    ended,
    cancel: () => call.cancel(),
  };
}
