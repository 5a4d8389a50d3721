/**
 * AdminService.StepDown and GetReplicationStatus. The server knows replication only through
 * ReplicationControl (src/replication/replication-control.ts); without it StepDown is
 * FAILED_PRECONDITION and the status says OFF.
 */
import { create } from "@bufbuild/protobuf";
import { MalformedMessage, isMalformed } from "../../transport/service-definition.js";
import { decodedRequest } from "../codec/decode-admin.js";
import { toServiceError } from "./admin-errors.js";
import { StepDownRefusedError, type ReplicationControl, type ReplicationRoleName } from "../../replication/replication-control.js";
import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from "@grpc/grpc-js";
import {
  GetReplicationStatusResponseSchema,
  ReplicationRole,
  StepDownResponseSchema,
  type GetReplicationStatusResponse,
  type StepDownResponse,
} from "../../../gen/openpit/sidecar/v1/replication_pb.js";

/**
 * StepDown's FAILED_PRECONDITION with its stable kind in the `openpit-error-kind` trailer, as
 * every admin failure has (found by review: none was sent): `ReplicationOff`, `NotActive`, or
 * `StepDownFailed` (the hand-over started and failed: the instance has stopped serving).
 */
function stepDownFailure(kind: "ReplicationOff" | "NotActive" | "StepDownFailed", message: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set("openpit-error-kind", kind);
  return { code: status.FAILED_PRECONDITION, details: message, metadata };
}

/** The codec's error for bytes that do not decode as the request (INVALID_ARGUMENT, like every admin RPC). */
function malformed(request: MalformedMessage): unknown {
  try {
    decodedRequest(request);
  } catch (e) {
    return e;
  }
  return new Error("request: message could not be decoded");
}

const ROLE: Record<ReplicationRoleName, ReplicationRole> = {
  active: ReplicationRole.ACTIVE,
  standby: ReplicationRole.STANDBY,
  fenced: ReplicationRole.FENCED,
};

/**
 * Records a StepDown in the audit trail (journaled, so the instance taking over replays it)
 * before the hand-over starts: once it starts, this instance takes no more commands.
 */
export type StepDownRecorder = (call: ServerUnaryCall<unknown, StepDownResponse>, shards: readonly number[]) => void;

/**
 * `replication()`: read per call, since the composition root attaches it after the services
 * exist. `refused`: the serving phase's refusal, as every other admin change gets it
 * (recovering, stopping, failed closed): a step-down then hands nothing over, records nothing.
 */
export function replicationAdmin(
  replicationOf: () => ReplicationControl | undefined,
  recordStepDown: StepDownRecorder,
  refused: () => { code: status; details: string } | undefined,
) {
  return {
    stepDown(call: ServerUnaryCall<unknown, StepDownResponse>, callback: sendUnaryData<StepDownResponse>) {
      if (isMalformed(call.request)) return callback(toServiceError(malformed(call.request)), null);
      const phase = refused();
      if (phase) return callback(phase, null);
      const replication = replicationOf();
      if (!replication) return callback(stepDownFailure("ReplicationOff", "replication is off: there is no standby to hand over to"), null);
      replication.stepDown((shards) => recordStepDown(call, shards)).then(
        (r) => callback(null, create(StepDownResponseSchema, { shards: [...r.shards], tookMs: Math.round(r.tookMs) })),
        (e: unknown) => callback(stepDownFailure(e instanceof StepDownRefusedError ? "NotActive" : "StepDownFailed", e instanceof Error ? e.message : String(e)), null),
      );
    },
    getReplicationStatus(call: ServerUnaryCall<unknown, GetReplicationStatusResponse>, callback: sendUnaryData<GetReplicationStatusResponse>) {
      if (isMalformed(call.request)) return callback(toServiceError(malformed(call.request)), null);
      const replication = replicationOf();
      if (!replication) return callback(null, create(GetReplicationStatusResponseSchema, { role: ReplicationRole.OFF }));
      const s = replication.status();
      callback(
        null,
        create(GetReplicationStatusResponseSchema, {
          role: ROLE[s.role],
          instanceId: s.instanceId,
          advertisedAddress: s.advertisedAddress,
          shardCount: s.shardCount,
          shards: s.shards.map((x) => ({ ...x })),
          appliedSequence: s.appliedSequence,
        }),
      );
    },
  };
}
