/** The audit trail on the wire: QueryAudit's filter in, records out (QueryAudit and the event stream). */
import { create, toBinary } from "@bufbuild/protobuf";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import * as au from "../../../gen/openpit/sidecar/v1/audit_pb.js";
import { AccountId } from "../../param/index.js";
import type { AuditFilter, AuditOutcome, AuditQueryResult, AuditRecord } from "../../state/audit-log.js";
import { invalid, unknownEnum } from "../../state/command-error.js";

/** `limit` 0 means this many. */
export const AUDIT_DEFAULT_LIMIT = 100;
/** A larger `limit` is taken as this. */
export const AUDIT_MAX_LIMIT = 1000;
/**
 * Records stop being added once their encoded size passes this, so an answer stays well
 * under a client's default 4 MiB receive limit. Counted in bytes of the whole record: the
 * JSON fields' characters alone left out `account_ids` and every non-ASCII byte, and ten
 * denials naming 60 000 accounts each made a 6 MB answer (found by review).
 */
export const AUDIT_ANSWER_BUDGET_BYTES = 1024 * 1024;

const OUTCOMES: Record<number, AuditOutcome> = {
  [au.AuditOutcome.APPLIED]: "applied",
  [au.AuditOutcome.FAILED]: "failed",
  [au.AuditOutcome.DENIED]: "denied",
};
const OUTCOME_CODES = new Map<AuditOutcome, au.AuditOutcome>(Object.entries(OUTCOMES).map(([n, o]) => [o, Number(n) as au.AuditOutcome]));

function decodeTime(ms: number | undefined, field: string): number | undefined {
  if (ms === undefined) return undefined;
  if (!Number.isFinite(ms) || ms < 0) invalid(field, "must be a non-negative number of epoch milliseconds");
  return ms;
}

export function decodeAuditFilter(r: ad.QueryAuditRequest): AuditFilter {
  const outcome = r.outcome === au.AuditOutcome.UNSPECIFIED ? undefined : (OUTCOMES[r.outcome] ?? unknownEnum("outcome", r.outcome));
  const fromTime = decodeTime(r.fromTimeMs, "from_time_ms");
  const toTime = decodeTime(r.toTimeMs, "to_time_ms");
  if (fromTime !== undefined && toTime !== undefined && toTime < fromTime) invalid("to_time_ms", "must not be before from_time_ms");
  return {
    ...(r.actor === "" ? {} : { actor: r.actor }),
    ...(r.action === "" ? {} : { action: r.action }),
    ...(r.accountId === 0n ? {} : { accountId: AccountId.fromU64(r.accountId) }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(fromTime === undefined ? {} : { fromTime }),
    ...(toTime === undefined ? {} : { toTime }),
    ...(r.afterSequence === 0n ? {} : { afterSequence: r.afterSequence }),
    ...(r.beforeSequence === 0n ? {} : { beforeSequence: r.beforeSequence }),
    newestFirst: r.newestFirst,
    limit: r.limit === 0 ? AUDIT_DEFAULT_LIMIT : Math.min(r.limit, AUDIT_MAX_LIMIT),
  };
}

export function encodeAuditRecord(r: AuditRecord): au.AuditRecord {
  return create(au.AuditRecordSchema, {
    sequence: r.sequence,
    timeMs: r.time,
    actor: r.actor,
    action: r.action,
    requestJson: r.request,
    beforeJson: r.effect?.before ?? "",
    afterJson: r.effect?.after ?? "",
    outcome: OUTCOME_CODES.get(r.outcome) ?? au.AuditOutcome.UNSPECIFIED,
    reason: r.reason,
    detail: r.detail,
    accountIds: [...r.accountIds],
  });
}

/** The answer, cut short (with `more`) once the answer budget is spent; at least one record always goes. */
export function encodeAuditAnswer(result: AuditQueryResult, dropped: bigint): ad.QueryAuditResponse {
  const records: au.AuditRecord[] = [];
  let bytes = 0;
  let more = result.more;
  for (const r of result.records) {
    const encoded = encodeAuditRecord(r);
    bytes += toBinary(au.AuditRecordSchema, encoded).length;
    if (records.length > 0 && bytes > AUDIT_ANSWER_BUDGET_BYTES) {
      more = true;
      break;
    }
    records.push(encoded);
  }
  return create(ad.QueryAuditResponseSchema, { records, more, droppedRecords: dropped });
}
