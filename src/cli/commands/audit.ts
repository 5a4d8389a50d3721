/** `openpit audit`: the audit trail, filtered (QueryAudit). */
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../../gen/openpit/sidecar/v1/audit_pb.js";
import { option, unsigned, UINT32_MAX, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { timeText } from "../format.js";
import { enumText, messageJson, NONE, table } from "../output.js";

const OUTCOMES: Record<string, AuditOutcome> = { applied: AuditOutcome.APPLIED, failed: AuditOutcome.FAILED, denied: AuditOutcome.DENIED };

/** ISO 8601 or epoch milliseconds. */
function timeOf(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} takes an ISO 8601 time (2026-12-02T10:00:00Z) or epoch milliseconds, not '${text}'`);
  return ms;
}

export const AUDIT: Command = {
  name: "audit",
  summary: "the audit trail: every admin change (applied or failed) and every denied call",
  usage: `openpit audit [--actor NAME] [--action ACTION] [--account ACCOUNT] [--outcome applied|failed|denied]
              [--since TIME] [--until TIME] [--after SEQ] [--before SEQ] [--limit N] [--newest-first] [--json]
  TIME: ISO 8601 or epoch milliseconds; ACTION e.g. blockAccount, configurePolicy
  paging: oldest first, the next page is --after the last SEQ shown; newest first, --before it`,
  options: ["actor", "action", "account", "outcome", "since", "until", "after", "before", "limit"],
  flags: ["newest-first"],
  async run(ctx) {
    const a = ctx.args;
    const outcomeText = option(a, "outcome");
    const outcome = outcomeText === undefined ? undefined : OUTCOMES[outcomeText];
    if (outcomeText !== undefined && outcome === undefined) throw new UsageError(`--outcome is applied, failed or denied, not '${outcomeText}'`);
    const limit = unsigned(option(a, "limit"), "--limit", UINT32_MAX);
    const newestFirst = a.flags.has("newest-first");
    const answer = await ctx.admin("QueryAudit", ad.QueryAuditResponseSchema, {
      actor: option(a, "actor") ?? "",
      action: option(a, "action") ?? "",
      accountId: unsigned(option(a, "account"), "--account") ?? 0n,
      outcome: outcome ?? AuditOutcome.UNSPECIFIED,
      fromTimeMs: timeOf(option(a, "since"), "--since"),
      toTimeMs: timeOf(option(a, "until"), "--until"),
      afterSequence: unsigned(option(a, "after"), "--after") ?? 0n,
      beforeSequence: unsigned(option(a, "before"), "--before") ?? 0n,
      limit: limit === undefined ? 0 : Number(limit),
      newestFirst,
    });
    if (ctx.json) return ctx.io.out(messageJson(ad.QueryAuditResponseSchema, answer));
    const rows = answer.records.map((r) => [
      String(r.sequence),
      timeText(r.timeMs),
      r.actor,
      r.action,
      enumText(AuditOutcome[r.outcome], ""),
      r.reason || NONE,
      r.requestJson === "{}" || r.requestJson === "" ? r.detail || NONE : r.requestJson,
    ]);
    // The request last: it is the widest, and it says what was asked (the block's reason, the settings).
    ctx.io.out(table(["SEQ", "TIME", "ACTOR", "ACTION", "OUTCOME", "ERROR", "REQUEST"], rows));
    // The next page continues past the last row shown: newer records oldest first, older ones newest first.
    if (answer.more) ctx.io.out(`more: ${newestFirst ? "--before" : "--after"} ${answer.records.at(-1)!.sequence}\n`);
    if (answer.droppedRecords > 0n) ctx.io.out(`${answer.droppedRecords} older records were dropped by the retention bounds (audit.* in the configuration)\n`);
  },
};
