/**
 * The hot streams' server codecs with the direct decoders (bytes straight to the door's
 * commands and reports: wire-commands.ts, wire-reports.ts) in place of the
 * generated-message ones; the encoders are the transport's (src/transport/wire/).
 */
import { CHANNEL_SERVER_WIRE, FEED_SERVER_WIRE, tracedRequestDecoder } from "../../transport/wire/index.js";
import { decodeOpenRequestToCommands } from "./wire-commands.js";
import { decodePublishRequestToReports } from "./wire-reports.js";

// With OPENPIT_TRACE_SAMPLE set, sampled messages are stamped when decoded, as the transport's own decoder does.
const channelDecode = tracedRequestDecoder(decodeOpenRequestToCommands);

/** The account channel's server codecs. */
export const CHANNEL_DECODING_WIRE = { ...CHANNEL_SERVER_WIRE, requestDeserialize: channelDecode };

/** The execution-report feed's server codecs. */
export const FEED_DECODING_WIRE = { ...FEED_SERVER_WIRE, requestDeserialize: decodePublishRequestToReports };
