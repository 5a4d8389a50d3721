/** `openpit policies [NAME]`: the pipeline's policies and their settings, leaf by leaf. */
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import type { Command, CommandContext } from "../command.js";
import { printable } from "../output.js";
import { flatten, type Json } from "../settings-path.js";

export async function policySettings(ctx: CommandContext, name: string): Promise<Json> {
  const s = await ctx.admin("GetPolicySettings", ad.GetPolicySettingsResponseSchema, { policyName: name });
  return JSON.parse(s.settingsJson) as Json;
}

export const POLICIES: Command = {
  name: "policies",
  positionals: Infinity,
  summary: "the policies in pipeline order with their settings (paths for configure --set)",
  usage: "openpit policies [NAME] [--json]",
  async run(ctx) {
    const names = ctx.args.positionals.length > 0 ? [...ctx.args.positionals] : (await ctx.admin("GetServerStatus", op.GetServerStatusResponseSchema)).policies;
    const settings = await Promise.all(names.map((n) => policySettings(ctx, n)));
    if (ctx.json) return ctx.io.out(`${JSON.stringify({ policies: names.map((name, i) => ({ name, settings: settings[i] })) }, null, 2)}\n`);
    for (const [i, name] of names.entries()) {
      const leaves = flatten(settings[i]!).filter(([path]) => path !== "");
      ctx.io.out(`${printable(name)}\n`);
      if (leaves.length === 0) ctx.io.out("  (no runtime settings)\n");
      // JSON.stringify escapes C0 controls, not DEL and C1: printable does.
      for (const [path, value] of leaves) ctx.io.out(`  ${printable(path)} = ${printable(JSON.stringify(value))}\n`);
    }
  },
};
