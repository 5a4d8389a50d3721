import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import { ParamError } from "../../param/index.js";
import {
  AccountBlockError,
  AccountGroupRegistrationError,
  PolicyConfigureError,
  SettingsValidationError,
} from "../../engine/index.js";
import { MarketDataError } from "../../marketdata/index.js";
import { CodecError } from "../codec/index.js";

const CODEC_STATUS: Partial<Record<ErrorCode, status>> = {
  [ErrorCode.UNKNOWN_NAME]: status.NOT_FOUND,
  [ErrorCode.FAILED_PRECONDITION]: status.FAILED_PRECONDITION,
};

function statusOf(e: unknown): { code: status; kind: string } {
  if (e instanceof CodecError) return { code: CODEC_STATUS[e.code] ?? status.INVALID_ARGUMENT, kind: ErrorCode[e.code] };
  if (e instanceof ParamError) return { code: status.INVALID_ARGUMENT, kind: e.code };
  if (e instanceof SettingsValidationError) return { code: status.INVALID_ARGUMENT, kind: "Validation" };
  if (e instanceof AccountBlockError) {
    return { code: e.kind === "ReservedGroup" ? status.INVALID_ARGUMENT : status.FAILED_PRECONDITION, kind: e.kind };
  }
  if (e instanceof AccountGroupRegistrationError) {
    return { code: e.kind === "ReservedGroup" ? status.INVALID_ARGUMENT : status.FAILED_PRECONDITION, kind: e.kind };
  }
  if (e instanceof PolicyConfigureError) {
    const code = {
      UnknownPolicy: status.NOT_FOUND,
      PolicyTypeMismatch: status.INVALID_ARGUMENT,
      Validation: status.INVALID_ARGUMENT,
      NestedConfiguration: status.FAILED_PRECONDITION,
    }[e.kind];
    return { code, kind: e.kind };
  }
  if (e instanceof MarketDataError) {
    const code =
      e.kind === "UnknownInstrument" || e.kind === "UnknownInstrumentId"
        ? status.NOT_FOUND
        : e.kind === "DuplicateId" || e.kind === "DuplicateInstrument"
          ? status.ALREADY_EXISTS
          : status.INVALID_ARGUMENT;
    return { code, kind: e.kind };
  }
  return { code: status.INTERNAL, kind: "Internal" };
}

/**
 * Admin failures become gRPC statuses whose message names `field`; the trailer
 * `openpit-error-kind` carries the stable kind so clients can branch without parsing messages.
 */
export function toServiceError(e: unknown, field?: string): Partial<ServiceError> {
  const { code, kind } = statusOf(e);
  const metadata = new Metadata();
  metadata.set("openpit-error-kind", kind);
  let message = e instanceof Error ? e.message : String(e);
  // Engine and market-data errors do not know the request's field names; the others
  // (codec, settings parsers) already start with the field's path.
  const unnamed = e instanceof AccountBlockError || e instanceof AccountGroupRegistrationError || e instanceof MarketDataError;
  if (field && unnamed) message = `${field}: ${message}`;
  return { code, details: message, metadata };
}
