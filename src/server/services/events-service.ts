/** AccountEventService.Subscribe: monitors hear every block, halt, configuration change and recovery rollback. */
import { create } from "@bufbuild/protobuf";
import { Metadata, status, type ServerWritableStream, type ServiceError, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { SubscribeResponseSchema, type SubscribeRequest, type SubscribeResponse } from "../../../gen/openpit/sidecar/v1/events_pb.js";
import { encodeEvent } from "../codec/index.js";
import { decodedRequest } from "../codec/decode-admin.js";
import { EventResumeError, type SequencedEvent } from "../../state/event-hub.js";
import type { MalformedMessage } from "../../transport/service-definition.js";
import { toServiceError } from "./admin-errors.js";
import { BoundedWriter } from "./bounded-writer.js";
import { PHASE_REFUSALS, type ServiceContext } from "./service-context.js";
import { quoted } from "../../param/quoted.js";
import { principalOf } from "../security/service-guard.js";

export interface SubscriberLimits {
  /** Events held for a monitor that does not read; one more and it is dropped (RESOURCE_EXHAUSTED). */
  readonly maxQueuedEvents: number;
}

/** The status a monitor that fell behind is dropped with. */
export function fellBehind(maxQueuedEvents: number): { code: status; details: string } {
  return {
    code: status.RESOURCE_EXHAUSTED,
    details: `subscriber fell behind: more than ${maxQueuedEvents} events were waiting to be read (limits.maxQueuedEventsPerSubscriber); subscribe again with after_sequence = the last sequence received`,
  };
}

/** The response header naming the ownership group whose journal numbers the events (replicated mode with failover). */
export const OWNERSHIP_GROUP_HEADER = "openpit-ownership-group";
/** The default group's name there: one group, every shard (`ownership.shards: "all"`); also a sidecar without failover's. */
export const ALL_SHARDS_GROUP = "all";

/**
 * A resume with a number from another ownership group's instance (found by review): each
 * group's journal numbers its own events, so "the events after N" here are not the ones after
 * the monitor's N, and it would be handed another group's events as if they followed its own.
 */
function otherGroupRefusal(after: bigint, from: string, here: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set("openpit-error-kind", "OTHER_GROUP");
  return {
    code: status.FAILED_PRECONDITION,
    details:
      `after_sequence ${after} was numbered by the journal of ownership group ${quoted(from)}, and this instance's events by that of group ${here}: ` +
      `each group numbers its own events, so resume at an instance of group ${quoted(from)} (its owner or a standby), or subscribe here without after_sequence`,
    metadata,
  };
}

/** Why a subscription was refused: a resume this sidecar cannot serve, or a malformed request. */
function refusedSubscription(e: unknown): Partial<ServiceError> {
  if (e instanceof EventResumeError) {
    const metadata = new Metadata();
    metadata.set("openpit-error-kind", e.kind);
    return { code: e.kind === "AHEAD" ? status.FAILED_PRECONDITION : status.OUT_OF_RANGE, details: e.message, metadata };
  }
  return toServiceError(e);
}

/** Monitors: every account/group block change, P&L halt and configuration change. */
export function eventsService(ctx: ServiceContext, limits: SubscriberLimits): UntypedServiceImplementation {
  const { state, streams, metrics, log, phase } = ctx;
  return {
    subscribe(call: ServerWritableStream<SubscribeRequest, SubscribeResponse>) {
      // Refused while the state is recovered, as reads are (found by review, session 34): the
      // events kept for resume are not there yet, so `after_sequence` 0 missed them without a
      // word and a resume was refused AHEAD, as if its number were from another sidecar.
      if (phase() === "recovering") {
        call.emit("error", { code: status.UNAVAILABLE, details: PHASE_REFUSALS.recovering });
        return;
      }
      let done = false;
      let unsubscribe = (): void => {};
      const principal = principalOf(call).name;
      // Read only to be logged (test doubles of a call may not have it).
      const peer = log ? call.getPeer() : "";
      log?.info({ event: "connect", stream: "events", peer, principal }, `event monitor subscribed: ${principal} from ${peer}`);
      const stop = (reason = "disconnect") => {
        if (done) return;
        done = true;
        unsubscribe();
        unregister();
        log?.info({ event: "disconnect", stream: "events", peer, principal, reason }, `event monitor of ${principal} from ${peer} ended (${reason})`);
      };
      // Closed after the channels (LiveStreams.addListener), so that the monitor hears their
      // shutdown rollbacks; the stream ends once every event still held has been written.
      const unregister = streams.addListener({
        drainAndClose() {
          stop("shutdown");
          writer.endWhenWritten(() => call.end());
        },
      });
      let after: bigint | undefined;
      let fromGroup: string | undefined;
      try {
        const request = decodedRequest(call.request as SubscribeRequest | MalformedMessage);
        after = request.afterSequence;
        fromGroup = request.ownershipGroup;
      } catch (e) {
        stop("malformed request");
        call.emit("error", refusedSubscription(e));
        return;
      }
      // Attached before serving (start-failover.ts), so read at each call.
      const group = ctx.ownershipGroup;
      const here = group ?? ALL_SHARDS_GROUP;
      if (after !== undefined && fromGroup !== undefined && fromGroup !== here) {
        stop("resume refused");
        call.emit("error", otherGroupRefusal(after, fromGroup, here));
        return;
      }
      // Retained events, or on a resume the kept ones after its number, are written at once,
      // before the client can read: they are held in memory anyway, so they come on top of the
      // bound instead of dropping every new monitor, until they are written. Only those this
      // monitor is handed.
      const handedAtOnce = after === undefined ? state.events.retainedCount : state.events.keptAfter(after);
      const writer = new BoundedWriter<SubscribeResponse>(call, limits.maxQueuedEvents, () => {
        // The queue and the event that overflowed it are never delivered.
        const lost = writer.lost;
        metrics?.subscriberDropped(lost);
        log?.warn(
          { event: "subscriber_dropped", peer, principal, undelivered: lost, maxQueuedEvents: writer.maxQueued },
          `event monitor of ${principal} from ${peer} fell behind and was dropped with ${lost} events undelivered`,
        );
        stop("fell behind");
        // The status follows the events already handed to the transport, once the client reads them.
        call.emit("error", fellBehind(writer.maxQueued));
      }, handedAtOnce);
      // The headers: with failover they name the group whose journal numbers these events (a
      // resume elsewhere passes it back). Sent before the first event (retained or kept ones are
      // written inside subscribe), where the transport would send empty ones of its own.
      let headersSent = false;
      const sendHeaders = () => {
        if (headersSent) return;
        headersSent = true;
        const headers = new Metadata();
        if (group !== undefined) headers.set(OWNERSHIP_GROUP_HEADER, group);
        call.sendMetadata(headers);
      };
      const listener = (e: SequencedEvent) => {
        if (done) return;
        sendHeaders();
        try {
          writer.push(create(SubscribeResponseSchema, { event: encodeEvent(e) }));
        } catch (error) {
          // One broken monitor stream must not stop the command that published the event.
          stop();
          call.destroy(error instanceof Error ? error : new Error(String(error)));
        }
      };
      // Retained events (recovery's rollbacks), or on a resume the kept ones after the
      // monitor's number, are delivered at once, inside subscribe.
      try {
        unsubscribe = after === undefined ? state.events.subscribe(listener) : state.events.resume(after, listener);
      } catch (e) {
        stop(e instanceof EventResumeError ? "resume refused" : "subscribe failed");
        call.emit("error", refusedSubscription(e));
        return;
      }
      if (done) {
        unsubscribe();
        return;
      }
      // The headers tell the monitor that it is subscribed: every event made from now on
      // reaches it. Without this signal a monitor that subscribed and then acted could not
      // know whether its own event would come (it was made before the subscription when the
      // action's call overtook the subscribe). Already sent when retained events were written.
      sendHeaders();
      call.on("cancelled", () => stop("cancelled"));
      call.on("close", () => stop());
      call.on("error", () => stop());
    },
  };
}
