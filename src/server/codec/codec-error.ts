import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";

/** A command that cannot be run as sent; becomes a per-command `CommandError`. */
export class CodecError extends Error {
  override name = "CodecError";
  constructor(
    readonly code: ErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function missing(field: string): never {
  throw new CodecError(ErrorCode.MISSING_FIELD, field, `${field} is required`);
}

export function invalid(field: string, message: string): never {
  throw new CodecError(ErrorCode.INVALID_VALUE, field, `${field}: ${message}`);
}

export function unknownEnum(field: string, value: number): never {
  throw new CodecError(ErrorCode.UNKNOWN_ENUM, field, `${field}: unknown enum value ${value}`);
}
