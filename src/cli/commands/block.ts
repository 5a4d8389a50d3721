/**
 * `openpit block` / `openpit unblock`: an account's or a group's operator block, with the
 * reason rejected orders will show. The change goes through AdminService and the audit
 * trail records it as the caller's.
 */
import { toJson } from "@bufbuild/protobuf";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountBlockSchema } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { option, required, unsigned, UINT32_MAX, UsageError, type ParsedArgs } from "../args.js";
import type { Command, CommandContext } from "../command.js";
import { blockText } from "../format.js";

type Target = { readonly kind: "account"; readonly id: bigint } | { readonly kind: "group"; readonly id: number };

function targetOf(args: ParsedArgs): Target {
  const group = unsigned(option(args, "group"), "--group", UINT32_MAX);
  // One target per call: `block 42 43` must not block 42 alone and say nothing of 43.
  if (args.positionals.length > 1) throw new UsageError(`one ACCOUNT per call, not ${args.positionals.join(" ")}`);
  const account = unsigned(args.positionals[0], "ACCOUNT");
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
    ctx.io.out(`${JSON.stringify({ accountId: String(accountId), ...(s.block ? { block: toJson(AccountBlockSchema, s.block) } : {}) }, null, 2)}\n`);
  } else {
    ctx.io.out(`account ${accountId}: ${s.block ? blockText(s.block) : "not blocked"}${note}\n`);
  }
}

function showGroup(ctx: CommandContext, group: number, blocked: boolean, reason?: string, note = ""): void {
  if (ctx.json) ctx.io.out(`${JSON.stringify({ groupId: group, blocked, ...(reason === undefined ? {} : { reason }) }, null, 2)}\n`);
  else ctx.io.out(`group ${group}: ${blocked ? `blocked: ${reason}` : "not blocked"}${note}\n`);
}

/**
 * The reason a group's block had before our BlockGroup, when it had one (the first cause
 * wins, so it is the reason kept). No API reads a group's block; the audit record of our
 * change holds it as `before` (the newest blockGroup record for the group).
 */
async function groupReasonBefore(ctx: CommandContext, group: number): Promise<string | undefined> {
  const trail = await ctx.admin("QueryAudit", ad.QueryAuditResponseSchema, { action: "blockGroup", newestFirst: true, limit: 20 });
  for (const r of trail.records) {
    const before = JSON.parse(r.beforeJson || "null") as { groupId?: number; block?: { reason?: string } | null } | null;
    if (before?.groupId === group) return before.block?.reason;
  }
  return undefined;
}

/** Where an interrupted block or unblock shows whether it applied. */
function checkBlockWith(args: ParsedArgs): string {
  const target = targetOf(args);
  return target.kind === "group" ? "openpit groups" : `openpit state ${target.id}`;
}

const KEPT = " (it was blocked already: the first cause wins; --replace to re-word it)";

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
      await ctx.admin(replace ? "ReplaceGroupBlockReason" : "BlockGroup", ad.BlockGroupResponseSchema, { groupId: target.id, reason });
      const kept = replace ? undefined : await groupReasonBefore(ctx, target.id);
      return kept === undefined ? showGroup(ctx, target.id, true, reason) : showGroup(ctx, target.id, true, kept, KEPT);
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
