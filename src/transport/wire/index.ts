/** The hand-specialised codecs of the hot streams (channel, feed), as grpc-js serializers for the server and the client. */
import { decodeOpenRequest } from "./open-request-decoder.js";
import { encodeOpenRequest } from "./open-request-encoder.js";
import { decodeOpenResponse } from "./open-response-decoder.js";
import { encodeOpenResponse } from "./open-response-encoder.js";
import { decodePublishRequest } from "./publish-request-decoder.js";
import { encodePublishRequest } from "./publish-request-encoder.js";
import { decodePublishResponse } from "./publish-response-decoder.js";
import { encodePublishResponse } from "./publish-response-encoder.js";

/** The account channel's hand-specialised codecs on the server side (`serviceDefinition` overrides). */
export const CHANNEL_SERVER_WIRE = { requestDeserialize: decodeOpenRequest, responseSerialize: encodeOpenResponse };

/** The same for the TypeScript client. */
export const CHANNEL_CLIENT_WIRE = { requestSerialize: encodeOpenRequest, responseDeserialize: decodeOpenResponse };

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
