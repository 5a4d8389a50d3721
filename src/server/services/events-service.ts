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
      const unsubscribe = state.events.subscribe((e) => {
        call.write(create(SubscribeResponseSchema, { event: encodeEvent(e) }));
      });
      let done = false;
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
      call.on("cancelled", stop);
      call.on("close", stop);
      call.on("error", stop);
    },
  };
}
