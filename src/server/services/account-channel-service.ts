import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { OpenRequest, OpenResponse } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { OpenResponseSchema } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import { notices, results } from "../codec/index.js";
import { MalformedMessage } from "../grpc/service-definition.js";
import type { Sidecar } from "../sidecar.js";
import type { LiveStreams } from "./live-streams.js";

export interface ChannelQueueLimits {
  /** Messages held while the client is not reading responses; past it, RESOURCE_EXHAUSTED. */
  readonly maxQueuedMessages: number;
}

type Incoming = OpenRequest | MalformedMessage;

/**
 * Adapts one gRPC bidi stream to a `ChannelSession`.
 *
 * Messages are handled synchronously as they arrive, so commands for an account run in
 * arrival order and never interleave. Backpressure: when grpc-js reports that the
 * response side is full (the client is not reading; HTTP/2 flow control), new messages
 * wait in a bounded queue; past the bound each is answered RESOURCE_EXHAUSTED and reading
 * is paused, so the client is held back by flow control rather than by our memory.
 */
export function accountChannelService(sidecar: Sidecar, streams: LiveStreams, limits: ChannelQueueLimits): UntypedServiceImplementation {
  return {
    open(call: ServerDuplexStream<Incoming, OpenResponse>) {
      const inbox: Incoming[] = [];
      let blocked = false;
      let finished = false;
      const write = (message: OpenResponse): void => {
        if (finished) return;
        if (!call.write(message)) blocked = true;
      };
      const session = sidecar.openChannel(write);
      /** `draining`: received before shutdown began, so it is run rather than refused. */
      const answer = (m: Incoming, draining = false): OpenResponse => {
        if (m instanceof MalformedMessage) {
          return create(OpenResponseSchema, {
            correlationId: 0n,
            results: [results.error(ErrorCode.INVALID_VALUE, `message could not be decoded: ${m.error}`)],
          });
        }
        if (sidecar.isShuttingDown && !draining) return session.refuse(m, ErrorCode.SHUTTING_DOWN, "the sidecar is shutting down");
        return session.handle(m);
      };
      const pump = (): void => {
        while (inbox.length > 0 && !blocked && !finished) write(answer(inbox.shift()!));
      };
      const finish = (): void => {
        if (finished) return;
        finished = true;
        unregister();
        sidecar.closeChannel(session);
      };
      const unregister = streams.add({
        drainAndClose() {
          // In-flight work is finished before the channel's reservations are rolled back.
          while (inbox.length > 0) write(answer(inbox.shift()!, true));
          write(notices.shuttingDown());
          finish();
          call.end();
        },
      });

      call.on("data", (m: Incoming) => {
        if (finished) return;
        if (!blocked && inbox.length === 0) {
          write(answer(m));
          return;
        }
        if (inbox.length >= limits.maxQueuedMessages) {
          call.pause();
          // A malformed message gets its decode error even now: answering it runs nothing,
          // and a client must learn that what it sent was unreadable, not merely refused.
          call.write(
            m instanceof MalformedMessage
              ? answer(m)
              : session.refuse(m, ErrorCode.RESOURCE_EXHAUSTED, "channel queue is full; read responses before sending more"),
          );
          return;
        }
        inbox.push(m);
      });
      call.on("drain", () => {
        blocked = false;
        pump();
        if (!blocked) call.resume();
      });
      call.on("end", () => {
        // The client half-closed: answer everything it sent, then release the channel.
        while (inbox.length > 0 && !finished) write(answer(inbox.shift()!));
        finish();
        call.end();
      });
      call.on("error", finish);
      call.on("cancelled", finish);
      call.on("close", finish);
    },
  };
}
