/** `openpit audit`: the audit trail, filtered (QueryAudit). */
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../../gen/openpit/sidecar/v1/audit_pb.js";
import { option, unsigned, UINT32_MAX, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { timeText } from "../format.js";
import { enumText, messageJson, NONE, table } from "../output.js";

const OUTCOMES: Record<string, AuditOutcome> = { applied: AuditOutcome.APPLIED, failed: AuditOutcome.FAILED, denied: AuditOutcome.DENIED };

/** The forms TIME takes, for the usage line and its errors. */
const TIME_FORMS = "epoch milliseconds (1764669600000), an ISO 8601 date (2026-12-02, midnight UTC) or date-time with Z or an offset (2026-12-02T10:00:00Z, 2026-12-02T10:00+01:00)";

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Epoch milliseconds or ISO 8601 in the forms TIME_FORMS names, nothing else. Found by review
 * (session 30): anything else went to Date.parse, which read '-5' as 2001-05-01 (local time),
 * '1 2' as 2001-01-02 and rolled 2026-02-30 over into March, and the query ran on a window
 * nobody asked for. A date that does not exist (its fields do not survive the round trip) and
 * a date-time without a zone (local time, while the CLI shows UTC) are refused.
 */
function timeOf(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const refuse = () => new UsageError(`${flag} takes ${TIME_FORMS}, not '${text}'`);
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ms = Number(text);
    if (!Number.isFinite(ms)) throw refuse();
    return ms;
  }
  const m = ISO_TIME.exec(text);
  if (!m) throw refuse();
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  const millis = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const zone = m[8];
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== "Z") {
    const [oh, om] = zone.slice(1).split(":").map(Number) as [number, number];
    if (oh > 23 || om > 59) throw refuse();
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 1900-1999
  utc.setUTCHours(hour, minute, second, millis);
  // The round trip: 2026-02-30 or 25:00 come back as other fields, so they do not exist.
  const back = [utc.getUTCFullYear(), utc.getUTCMonth() + 1, utc.getUTCDate(), utc.getUTCHours(), utc.getUTCMinutes(), utc.getUTCSeconds()];
  if (back.some((v, i) => v !== [year, month, day, hour, minute, second][i])) throw refuse();
  return utc.getTime() - offsetMinutes * 60_000;
}

export const AUDIT: Command = {
  name: "audit",
  summary: "the audit trail: every admin change (applied or failed) and every denied call",
  usage: `openpit audit [--actor NAME] [--action ACTION] [--account ACCOUNT] [--outcome applied|failed|denied]
              [--since TIME] [--until TIME] [--after SEQ] [--before SEQ] [--limit N] [--newest-first] [--json]
  TIME: epoch milliseconds, an ISO 8601 date (2026-12-02, midnight UTC) or date-time with Z or an offset
        (2026-12-02T10:00:00Z, 2026-12-02T10:00:00.250+01:00); ACTION e.g. blockAccount, configurePolicy
  paging: oldest first, the next page is --after the last SEQ shown; newest first, --before it`,
  options: ["actor", "action", "account", "outcome", "since", "until", "after", "before", "limit"],
  flags: ["newest-first"],
  async run(ctx) {
    const a = ctx.args;
    const outcomeText = option(a, "outcome");
    // Own keys only: `constructor` is not an outcome (found by review, session 34).
    const outcome = outcomeText === undefined || !Object.hasOwn(OUTCOMES, outcomeText) ? undefined : OUTCOMES[outcomeText];
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
