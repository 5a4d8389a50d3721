/**
 * `openpit block` / `openpit unblock`: an account's or a group's operator block, with the
 * reason rejected orders will show. The change goes through AdminService and the audit
 * trail records it as the caller's.
 */
import { toJson } from "@bufbuild/protobuf";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../../gen/openpit/sidecar/v1/audit_pb.js";
import { addressedId, option, required, UINT32_MAX, UsageError, type ParsedArgs } from "../args.js";
import type { Command, CommandContext } from "../command.js";
import { blockText } from "../format.js";
import { printable } from "../output.js";

type Target = { readonly kind: "account"; readonly id: bigint } | { readonly kind: "group"; readonly id: number };

function targetOf(args: ParsedArgs): Target {
  const group = addressedId(option(args, "group"), "--group", UINT32_MAX);
  // One target per call: `block 42 43` must not block 42 alone and say nothing of 43.
  if (args.positionals.length > 1) throw new UsageError(`one ACCOUNT per call, not ${args.positionals.join(" ")}`);
  const account = addressedId(args.positionals[0], "ACCOUNT");
  if ((group === undefined) === (account === undefined)) throw new UsageError("name either an ACCOUNT or --group GROUP");
  return group === undefined ? { kind: "account", id: account! } : { kind: "group", id: Number(group) };
}

function reasonOf(args: ParsedArgs): string {
  const reason = required(option(args, "reason"), "--reason TEXT (the text rejected orders show)").trim();
  if (reason === "") throw new UsageError("--reason must not be blank");
  return reason;
}

/** The account's block as it is now, for the answer. */
async function showAccount(ctx: CommandContext, accountId: bigint, note = ""): Promise<void> {
  const s = await ctx.admin("GetAccountState", ad.GetAccountStateResponseSchema, { accountId });
  if (ctx.json) {
    // The fields `accounts --json` gives an account's block, as protobuf JSON names them:
    // whose the block is (`blockScope`, found by review: `unblock 500 --json` left out that
    // the block still in force was group 5's, which the table says) and the account's group.
    const { block, blockScope, groupId } = toJson(ad.GetAccountStateResponseSchema, s) as { block?: unknown; blockScope?: unknown; groupId?: unknown };
    ctx.io.out(`${JSON.stringify({ accountId: String(accountId), block, blockScope, groupId }, null, 2)}\n`);
  } else {
    ctx.io.out(`account ${accountId}: ${s.block ? printable(blockText(s.block, s)) : "not blocked"}${note}\n`);
  }
}

/** A group's block; blocked with `reason` undefined: blocked, the reason in force not known (no read returned it). */
function showGroup(ctx: CommandContext, group: number, blocked: boolean, reason?: string, note = ""): void {
  if (ctx.json) ctx.io.out(`${JSON.stringify({ groupId: group, blocked, ...(reason === undefined ? {} : { reason }) }, null, 2)}\n`);
  else if (!blocked) ctx.io.out(`group ${group}: not blocked${note}\n`);
  else if (reason === undefined) ctx.io.out(`group ${group}: blocked${UNKNOWN_REASON}\n`);
  else ctx.io.out(`group ${group}: blocked: ${printable(reason)}${note}\n`);
}

/** The newest audit sequence before a change (0: none kept), so its own record can be found after it. */
async function auditHighWater(ctx: CommandContext): Promise<bigint> {
  const newest = await ctx.admin("QueryAudit", ad.QueryAuditResponseSchema, { newestFirst: true, limit: 1 });
  return newest.records[0]?.sequence ?? 0n;
}

type AuditBlock = { groupId?: number; block?: { reason?: string } | null } | null;

/**
 * The group's block as our BlockGroup left it, from that change's audit record (the first
 * blockGroup record after `since` for this group with our reason): `after` is the block in
 * force (the first cause wins, so an older reason may be kept), `before` says whether it was
 * blocked already. No API reads a group's block, so when the trail kept no such record
 * (audit.retainRecords 0, or dropped since), the reason in force is not known: undefined, and
 * the answer says so rather than show the reason sent (found by review: it printed the new
 * reason while the group kept, and rejected orders showed, the old one).
 */
async function groupBlockAfter(ctx: CommandContext, group: number, reason: string, since: bigint): Promise<{ reason: string; kept: boolean } | undefined> {
  let after = since;
  for (;;) {
    const page = await ctx.admin("QueryAudit", ad.QueryAuditResponseSchema, { action: "blockGroup", outcome: AuditOutcome.APPLIED, afterSequence: after, limit: 100 });
    for (const r of page.records) {
      const state = JSON.parse(r.afterJson || "null") as AuditBlock;
      const request = JSON.parse(r.requestJson || "null") as { reason?: unknown } | null;
      if (state?.groupId !== group || request?.reason !== reason || typeof state.block?.reason !== "string") continue;
      const before = JSON.parse(r.beforeJson || "null") as AuditBlock;
      return { reason: state.block.reason, kept: before?.block != null };
    }
    const last = page.records.at(-1);
    if (!page.more || last === undefined) return undefined;
    after = last.sequence;
  }
}

/** Where an interrupted block or unblock shows whether it applied. */
function checkBlockWith(args: ParsedArgs): string {
  const target = targetOf(args);
  return target.kind === "group" ? "openpit groups" : `openpit state ${target.id}`;
}

const KEPT = " (it was blocked already: the first cause wins; --replace to re-word it)";
const UNKNOWN_REASON =
  " (the reason in force is not known: the audit trail kept no record of this change; if the group was blocked already it keeps its first reason: --replace to re-word it)";

export const BLOCK: Command = {
  name: "block",
  positionals: Infinity,
  summary: "block an account or a group, with a reason (--replace re-words an existing block)",
  usage: `openpit block ACCOUNT --reason TEXT [--replace] [--json]
openpit block --group GROUP --reason TEXT [--replace] [--json]
  the first cause wins: blocking a blocked account keeps its reason unless --replace`,
  options: ["reason", "group"],
  flags: ["replace"],
  checkWith: checkBlockWith,
  async run(ctx) {
    const target = targetOf(ctx.args);
    const reason = reasonOf(ctx.args);
    const replace = ctx.args.flags.has("replace");
    if (target.kind === "group") {
      if (replace) {
        // Applied (GroupNotBlocked otherwise): the reason in force is the one sent.
        await ctx.admin("ReplaceGroupBlockReason", ad.ReplaceGroupBlockReasonResponseSchema, { groupId: target.id, reason });
        return showGroup(ctx, target.id, true, reason);
      }
      const since = await auditHighWater(ctx);
      await ctx.admin("BlockGroup", ad.BlockGroupResponseSchema, { groupId: target.id, reason });
      const now = await groupBlockAfter(ctx, target.id, reason, since);
      return showGroup(ctx, target.id, true, now?.reason, now?.kept ? KEPT : "");
    }
    await ctx.admin(replace ? "ReplaceAccountBlockReason" : "BlockAccount", ad.BlockAccountResponseSchema, { accountId: target.id, reason });
    const s = await ctx.admin("GetAccountState", ad.GetAccountStateResponseSchema, { accountId: target.id });
    const kept = !replace && s.block !== undefined && s.block.reason !== reason;
    await showAccount(ctx, target.id, kept ? KEPT : "");
  },
};

export const UNBLOCK: Command = {
  name: "unblock",
  positionals: Infinity,
  summary: "clear an account's block (kill switches included) or a group's",
  usage: `openpit unblock ACCOUNT [--json]
openpit unblock --group GROUP [--json]`,
  options: ["group"],
  checkWith: checkBlockWith,
  async run(ctx) {
    const target = targetOf(ctx.args);
    if (target.kind === "group") {
      await ctx.admin("UnblockGroup", ad.UnblockGroupResponseSchema, { groupId: target.id });
      return showGroup(ctx, target.id, false);
    }
    await ctx.admin("UnblockAccount", ad.UnblockAccountResponseSchema, { accountId: target.id });
    await showAccount(ctx, target.id);
  },
};
