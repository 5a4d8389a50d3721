/** Admin failures as gRPC statuses with a stable kind in the trailers. */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ParamError } from "../../param/index.js";
import {
  AccountBlockError,
  AccountGroupRegistrationError,
  PolicyConfigureError,
  SettingsValidationError,
} from "../../engine/index.js";
import { MarketDataError } from "../../marketdata/index.js";
import { CommandError, type CommandErrorCode } from "../../state/command-error.js";

const COMMAND_STATUS: Partial<Record<CommandErrorCode, status>> = {
  UNKNOWN_NAME: status.NOT_FOUND,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  UNAVAILABLE: status.UNAVAILABLE,
  // A command too large to journal (the client is to shorten it).
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  NOT_OWNER: status.FAILED_PRECONDITION,
  // A compare-and-set that lost (gRPC's code for "restart the read-modify-write").
  ABORTED: status.ABORTED,
};

function statusOf(e: unknown): { code: status; kind: string } {
  if (e instanceof CommandError) return { code: COMMAND_STATUS[e.code] ?? status.INVALID_ARGUMENT, kind: e.code };
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
  // NOT_OWNER: where the operator should send the change instead.
  if (e instanceof CommandError && e.ownerAddress !== "") metadata.set("openpit-owner-address", e.ownerAddress);
  let message = e instanceof Error ? e.message : String(e);
  // Engine and market-data errors do not know the request's field names; the others
  // (codec, settings parsers) already start with the field's path.
  const unnamed = e instanceof AccountBlockError || e instanceof AccountGroupRegistrationError || e instanceof MarketDataError;
  if (field && unnamed) message = `${field}: ${message}`;
  return { code, details: message, metadata };
}
