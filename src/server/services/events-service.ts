/** AccountEventService.Subscribe: monitors hear every block, halt, configuration change and recovery rollback. */
import { create } from "@bufbuild/protobuf";
import type { ServerWritableStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { SubscribeResponseSchema, type SubscribeRequest, type SubscribeResponse } from "../../../gen/openpit/sidecar/v1/events_pb.js";
import { encodeEvent } from "../codec/index.js";
import type { ServiceContext } from "./service-context.js";


/** Monitors: every account/group block change, P&L halt and configuration change. */
export function eventsService({ state, streams }: ServiceContext): UntypedServiceImplementation {
  return {
    subscribe(call: ServerWritableStream<SubscribeRequest, SubscribeResponse>) {
      let done = false;
      let unsubscribe = (): void => {};
      const stop = () => {
        if (done) return;
        done = true;
        unsubscribe();
        unregister();
      };
      const unregister = streams.add({
        drainAndClose() {
          stop();
          call.end();
        },
      });
      // Retained events (recovery's rollbacks) are delivered at once, inside subscribe.
      unsubscribe = state.events.subscribe((e) => {
        if (done) return;
        try {
          call.write(create(SubscribeResponseSchema, { event: encodeEvent(e) }));
        } catch (error) {
          // One broken monitor stream must not stop the command that published the event.
          stop();
          call.destroy(error instanceof Error ? error : new Error(String(error)));
        }
      });
      if (done) unsubscribe();
      call.on("cancelled", stop);
      call.on("close", stop);
      call.on("error", stop);
    },
  };
}
