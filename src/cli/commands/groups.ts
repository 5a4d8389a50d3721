/** `openpit groups`: account groups and their members, from the account list. */
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import type { Command } from "../command.js";
import { table } from "../output.js";
import { allAccounts } from "./accounts.js";

export const GROUPS: Command = {
  name: "groups",
  summary: "account groups with their members and how many of them are blocked",
  usage: "openpit groups [--json]\n  (block a group with: openpit block --group GROUP --reason TEXT)",
  async run(ctx) {
    const accounts = (await allAccounts(ctx, {})).accounts;
    const groups = new Map<number, op.AccountSummary[]>();
    for (const a of accounts) if (a.groupId !== 0) groups.set(a.groupId, [...(groups.get(a.groupId) ?? []), a]);
    // On one of several owners another owner's account comes with no block (ListAccounts'
    // owned_elsewhere): the block this engine holds for it is not the one in force.
    const blocked = (members: readonly op.AccountSummary[]) => members.filter((m) => m.block).length;
    const sorted = [...groups].sort(([a], [b]) => a - b);
    if (ctx.json) {
      const list = sorted.map(([groupId, members]) => ({ groupId, accountIds: members.map((m) => String(m.accountId)), blockedAccounts: blocked(members) }));
      return ctx.io.out(`${JSON.stringify({ groups: list }, null, 2)}\n`);
    }
    const rows = sorted.map(([groupId, members]) => [String(groupId), String(blocked(members)), members.map((m) => String(m.accountId)).join(" ")]);
    ctx.io.out(table(["GROUP", "BLOCKED", "ACCOUNTS"], rows));
  },
};
