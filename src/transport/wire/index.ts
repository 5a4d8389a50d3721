/** The hand-specialised codecs of the hot streams (channel, feed), as grpc-js serializers for the server and the client. */
import type { OpenRequest, OpenResponse } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { stageTrace } from "../stage-trace.js";
import { decodeOpenRequest } from "./open-request-decoder.js";
import { encodeOpenRequest } from "./open-request-encoder.js";
import { decodeOpenResponse } from "./open-response-decoder.js";
import { encodeOpenResponse } from "./open-response-encoder.js";
import { decodePublishRequest } from "./publish-request-decoder.js";
import { encodePublishRequest } from "./publish-request-encoder.js";
import { decodePublishResponse } from "./publish-response-decoder.js";
import { encodePublishResponse } from "./publish-response-encoder.js";

/**
 * With OPENPIT_TRACE_SAMPLE set, the codecs also stamp sampled messages: the deserializer
 * is the earliest point where our code sees an order's bytes in grpc-js. Chosen once at
 * load, so the untraced codecs are the plain functions.
 */
const trace = stageTrace;

/** A channel request decoder that also stamps sampled messages when tracing is on (else `decode` itself). */
export function tracedRequestDecoder(decode: (bytes: Uint8Array) => OpenRequest): (bytes: Uint8Array) => OpenRequest {
  if (!trace) return decode;
  return (bytes) => {
    const t = trace.touch();
    const m = decode(bytes);
    trace.deserialized(m.correlationId, t);
    return m;
  };
}

const serverDecode = tracedRequestDecoder(decodeOpenRequest);
const serverEncode = trace
  ? (m: OpenResponse): Buffer => {
      const b = encodeOpenResponse(m);
      trace.serialized(m.correlationId);
      return b;
    }
  : encodeOpenResponse;
const clientDecode = trace
  ? (bytes: Uint8Array): OpenResponse => {
      const m = decodeOpenResponse(bytes);
      trace.received(m.correlationId);
      return m;
    }
  : decodeOpenResponse;

/** The account channel's hand-specialised codecs on the server side (`serviceDefinition` overrides). */
export const CHANNEL_SERVER_WIRE = { requestDeserialize: serverDecode, responseSerialize: serverEncode };

/** The same for the TypeScript client. */
export const CHANNEL_CLIENT_WIRE = { requestSerialize: encodeOpenRequest, responseDeserialize: clientDecode };

/** The execution-report feed's hand-specialised codecs on the server side. */
export const FEED_SERVER_WIRE = { requestDeserialize: decodePublishRequest, responseSerialize: encodePublishResponse };

/** The same for the TypeScript client. */
export const FEED_CLIENT_WIRE = { requestSerialize: encodePublishRequest, responseDeserialize: decodePublishResponse };

export {
  decodeOpenRequest,
  decodeOpenResponse,
  decodePublishRequest,
  decodePublishResponse,
  encodeOpenRequest,
  encodeOpenResponse,
  encodePublishRequest,
  encodePublishResponse,
};
