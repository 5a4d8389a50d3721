/** The channel's hand-specialised codecs, as grpc-js serializers for the server and the client. */
import { decodeOpenRequest } from "./open-request-decoder.js";
import { encodeOpenRequest } from "./open-request-encoder.js";
import { decodeOpenResponse } from "./open-response-decoder.js";
import { encodeOpenResponse } from "./open-response-encoder.js";

/** The account channel's hand-specialised codecs on the server side (`serviceDefinition` overrides). */
export const CHANNEL_SERVER_WIRE = { requestDeserialize: decodeOpenRequest, responseSerialize: encodeOpenResponse };

/** The same for the TypeScript client. */
export const CHANNEL_CLIENT_WIRE = { requestSerialize: encodeOpenRequest, responseDeserialize: decodeOpenResponse };

export { decodeOpenRequest, decodeOpenResponse, encodeOpenRequest, encodeOpenResponse };
