/**
 * The hot streams' server codecs with the direct decoders (bytes straight to the door's
 * commands and reports: wire-commands.ts, wire-reports.ts) in place of the
 * generated-message ones; the encoders are the transport's (src/transport/wire/).
 */
import type { OpenRequest } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { stageTrace } from "../../transport/stage-trace.js";
import { CHANNEL_SERVER_WIRE, FEED_SERVER_WIRE } from "../../transport/wire/index.js";
import { decodeOpenRequestToCommands } from "./wire-commands.js";
import { decodePublishRequestToReports } from "./wire-reports.js";

// With OPENPIT_TRACE_SAMPLE set, sampled messages are stamped when decoded, as the transport's own decoder does.
const trace = stageTrace;
const channelDecode = trace
  ? (bytes: Uint8Array): OpenRequest => {
      const t = trace.touch();
      const m = decodeOpenRequestToCommands(bytes);
      trace.deserialized(m.correlationId, t);
      return m;
    }
  : decodeOpenRequestToCommands;

/** The account channel's server codecs. */
export const CHANNEL_DECODING_WIRE = { ...CHANNEL_SERVER_WIRE, requestDeserialize: channelDecode };

/** The execution-report feed's server codecs. */
export const FEED_DECODING_WIRE = { ...FEED_SERVER_WIRE, requestDeserialize: decodePublishRequestToReports };
