/** `openpit accounts`: the known accounts, filtered and paged (ListAccounts). */
import { create, toJson } from "@bufbuild/protobuf";
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import { option, unsigned, UINT32_MAX, UsageError, type ParsedArgs } from "../args.js";
import type { Command, CommandContext } from "../command.js";
import { blockText, idText, ownedElsewhereText } from "../format.js";
import { NONE, table } from "../output.js";

function filterOf(args: ParsedArgs): Partial<op.ListAccountsRequest> {
  const has = (f: string) => args.flags.has(f);
  if (has("blocked") && has("unblocked")) throw new UsageError("--blocked and --unblocked exclude each other");
  if (has("with-holdings") && has("without-holdings")) throw new UsageError("--with-holdings and --without-holdings exclude each other");
  const group = unsigned(option(args, "group"), "--group", UINT32_MAX);
  const limit = unsigned(option(args, "limit"), "--limit", UINT32_MAX);
  return {
    ...(has("blocked") || has("unblocked") ? { blocked: has("blocked") } : {}),
    ...(group === undefined ? {} : { groupId: Number(group) }),
    ...(has("with-holdings") || has("without-holdings") ? { hasHoldings: has("with-holdings") } : {}),
    afterAccountId: unsigned(option(args, "after"), "--after") ?? 0n,
    limit: limit === undefined ? 0 : Number(limit),
  };
}

/** Every page from `request.afterAccountId` on, as one answer. */
export async function allAccounts(ctx: CommandContext, request: Partial<op.ListAccountsRequest>): Promise<op.ListAccountsResponse> {
  const all = create(op.ListAccountsResponseSchema);
  let after = request.afterAccountId ?? 0n;
  for (;;) {
    const page = await ctx.admin("ListAccounts", op.ListAccountsResponseSchema, { ...request, afterAccountId: after, limit: 1000 });
    all.accounts.push(...page.accounts);
    all.total = page.total;
    if (!page.more || page.accounts.length === 0) return all;
    after = page.accounts.at(-1)!.accountId;
  }
}

export const ACCOUNTS: Command = {
  name: "accounts",
  summary: "the known accounts with block, group, channel and held assets (filters, pages)",
  usage: `openpit accounts [--blocked | --unblocked] [--group N] [--with-holdings | --without-holdings]
                 [--after ACCOUNT] [--limit N | --all] [--json]
  --group 0 lists the accounts in no group; --all reads every page`,
  options: ["group", "after", "limit"],
  flags: ["blocked", "unblocked", "with-holdings", "without-holdings", "all"],
  async run(ctx) {
    const request = filterOf(ctx.args);
    // Found by review (session 34): --all read every page and dropped --limit without a word.
    if (ctx.args.flags.has("all") && option(ctx.args, "limit") !== undefined) throw new UsageError("--limit and --all exclude each other");
    const answer = ctx.args.flags.has("all") ? await allAccounts(ctx, request) : await ctx.admin("ListAccounts", op.ListAccountsResponseSchema, request);
    const lastListed = answer.accounts.at(-1)?.accountId;
    if (ctx.json) return ctx.io.out(`${JSON.stringify(toJson(op.ListAccountsResponseSchema, answer), null, 2)}\n`);
    const rows = answer.accounts.map((a) => [
      String(a.accountId),
      // Another owner's account (one of several owners): whose it is, never a block.
      a.ownedElsewhere ? ownedElsewhereText(a.ownedElsewhere) : blockText(a.block, a),
      idText(a.groupId),
      a.currency || NONE,
      idText(a.pinnedChannelId),
      String(a.openReservations),
      a.holdingAssets.join(" ") || NONE,
    ]);
    ctx.io.out(table(["ACCOUNT", "BLOCK", "GROUP", "CURRENCY", "CHANNEL", "RESERVATIONS", "HOLDINGS"], rows));
    const more = answer.more ? `; more: --after ${lastListed}` : "";
    ctx.io.out(`${answer.accounts.length} of ${answer.total} accounts${more}\n`);
  },
};
