/** `openpit events --follow`: the live account event stream (AccountEventService.Subscribe). */
import { create, toJson } from "@bufbuild/protobuf";
import type { ClientReadableStream, Metadata, ServiceError } from "@grpc/grpc-js";
import { AccountEventSchema, SubscribeRequestSchema, type AccountEvent, type SubscribeResponse } from "../../../gen/openpit/sidecar/v1/events_pb.js";
import { option, unsigned, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { explainError } from "../connection.js";
import { GetServerStatusResponseSchema } from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import { printable, quotedIfNeeded } from "../output.js";

/** Subscribe's response header naming the ownership group (events-service.ts OWNERSHIP_GROUP_HEADER; not imported: that pulls the server in). */
const OWNERSHIP_GROUP_HEADER = "openpit-ownership-group";

/**
 * `#7 accountBlocked accountId=42 block.policy=Engine block.code=… block.reason="compliance hold" … by operator`: the event's scalar fields, one level of nesting.
 * A value with whitespace or a control character is quoted, its controls escaped (found by review,
 * session 37: a reason holding ESC sequences went to the terminal raw, one with a newline split the line).
 */
export function eventLine(e: AccountEvent): string {
  const json = toJson(AccountEventSchema, e) as Record<string, unknown>;
  const kind = e.event.case ?? "unknown";
  const body = (json[kind] ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const add = (key: string, value: unknown) => {
    if (value === null || value === undefined) return;
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) if (typeof v !== "object") add(`${key}.${k}`, v);
    } else parts.push(`${printable(key)}=${quotedIfNeeded(Array.isArray(value) ? value.join(",") : String(value))}`);
  };
  for (const [k, v] of Object.entries(body)) if (k !== "record") add(k, v);
  if (kind === "auditRecorded") {
    const r = body.record as Record<string, unknown>;
    parts.push(`action=${quotedIfNeeded(String(r.action))}`, `outcome=${String(r.outcome ?? "").replace("AUDIT_OUTCOME_", "").toLowerCase()}`);
  }
  return `#${e.sequence} ${kind}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}${e.actor ? ` by ${printable(e.actor)}` : ""}`;
}

export const EVENTS: Command = {
  name: "events",
  summary: "follow the live account events (blocks, kill switches, halts, configuration, audit)",
  usage: `openpit events [--follow] [--after SEQ [--group NAME]] [--limit N] [--json]
  streams until Ctrl-C (--follow, the default) or N events (--limit); --json: one JSON object per line;
  --after SEQ: first the events after #SEQ that the sidecar kept (resume where a previous run stopped);
  --group NAME: the ownership group #SEQ came from (the 'ownership group' line a sidecar with
  failover prints first): a sidecar of another group refuses the resume instead of serving its own events`,
  options: ["limit", "after", "group"],
  flags: ["follow"],
  async run(ctx) {
    const limit = unsigned(option(ctx.args, "limit"), "--limit");
    const after = unsigned(option(ctx.args, "after"), "--after");
    const group = option(ctx.args, "group");
    // The group says where an --after number came from: alone it means nothing (the sidecar ignores it).
    if (group !== undefined && after === undefined) throw new UsageError("--group names the ownership group of an --after number: give it with --after SEQ");
    if (group === "") throw new UsageError("--group needs a group name ('0-1', 'all'), not ''");
    // A stream has no deadline: a sidecar that accepts the connection and never answers
    // would hold it forever. A unary read (the same role) first fails within --timeout.
    // Ctrl-C ends this wait too (run-cli leaves events out of its race, for the stream's own
    // clean stop): without it, only --timeout would.
    const status = ctx.admin("GetServerStatus", GetServerStatusResponseSchema);
    status.catch(() => {}); // a failure after Ctrl-C is nobody's to report
    if (!(await Promise.race([status.then(() => true), ctx.interrupted.then(() => false)]))) return 0;
    const { clients, target } = ctx.connection();
    const request = create(SubscribeRequestSchema, after === undefined ? {} : { afterSequence: after, ...(group === undefined ? {} : { ownershipGroup: group }) });
    const stream = clients.events.subscribe!(request) as ClientReadableStream<SubscribeResponse>;
    let seen = 0n;
    return new Promise<number>((settle) => {
      let finished = false;
      const resolve = (code: number) => {
        finished = true;
        settle(code);
      };
      const stop = (code: number) => {
        if (finished) return;
        // Our own cancel ends the call with CANCELLED: not an error to report.
        stream.removeAllListeners("metadata");
        stream.removeAllListeners("data");
        stream.removeAllListeners("error");
        stream.removeAllListeners("end");
        stream.on("error", () => {});
        stream.cancel();
        resolve(code);
      };
      if (limit === 0n) return stop(0);
      void ctx.interrupted.then(() => stop(0));
      // With failover the headers name the ownership group whose journal numbers these events:
      // the first line, so a later run resumes with --after SEQ --group NAME. On stderr with
      // --json (stdout holds events only); nothing without the header (no failover).
      stream.on("metadata", (headers: Metadata) => {
        if (finished) return;
        const named = headers.get(OWNERSHIP_GROUP_HEADER)[0];
        if (named === undefined) return;
        if (ctx.json) ctx.io.err(`openpit events: ownership group ${printable(String(named))}\n`);
        else ctx.io.out(`ownership group ${printable(String(named))}\n`);
      });
      stream.on("data", (m: SubscribeResponse) => {
        if (!m.event) return;
        ctx.io.out(ctx.json ? `${JSON.stringify(toJson(AccountEventSchema, m.event))}\n` : `${eventLine(m.event)}\n`);
        if (limit !== undefined && ++seen >= limit) stop(0);
      });
      stream.on("error", (e: ServiceError) => {
        if (finished) return;
        ctx.io.err(`openpit: ${explainError(e, target)}\n`);
        resolve(1);
      });
      // Not our stop (Ctrl-C, --limit): the sidecar ended the stream (shutdown, step-down).
      // Whoever waits on it must not read that as the events having come.
      stream.on("end", () => {
        if (finished) return;
        ctx.io.err(`openpit events: the sidecar at ${target} ended the stream (shutting down?)${limit === undefined ? "" : ` after ${seen} of ${limit} events`}\n`);
        resolve(1);
      });
    });
  },
};
