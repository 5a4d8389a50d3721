/** Account retirement's answer on the wire (retirement.proto). */
import {
  AccountRetirementError,
  AccountRetirementRefusal as WireRefusal,
  type RetireAccountResponse,
} from "../../../gen/openpit/sidecar/v1/retirement_pb.js";
import { ACCOUNT_RETIREMENT_REFUSAL_TEXTS, type AccountRetirementRefusal, type AccountRetirementResult } from "../../engine/index.js";

const REFUSALS: Readonly<Record<AccountRetirementRefusal, WireRefusal>> = {
  ConfigurationReferencesAccount: WireRefusal.CONFIGURATION_REFERENCES_ACCOUNT,
  NonZeroState: WireRefusal.NON_ZERO_STATE,
  OperationInProgress: WireRefusal.OPERATION_IN_PROGRESS,
  EvaluationFailed: WireRefusal.EVALUATION_FAILED,
};

type ResponseInit = Partial<Pick<RetireAccountResponse, "retired" | "error" | "message" | "refusals">>;

export function encodeRetirement(result: AccountRetirementResult | undefined): ResponseInit {
  if (result === undefined || result.ok) return { retired: true };
  if (result.error === "FinalizerFailed") return { retired: false, error: AccountRetirementError.FINALIZER_FAILED, message: result.message };
  return {
    retired: false,
    error: AccountRetirementError.REFUSED,
    message: result.message,
    refusals: result.refusals.map((r) => ({
      $typeName: "openpit.sidecar.v1.AccountRetirementPolicyRefusal" as const,
      policy: r.policy,
      refusal: REFUSALS[r.refusal],
      text: ACCOUNT_RETIREMENT_REFUSAL_TEXTS[r.refusal],
    })),
  };
}
