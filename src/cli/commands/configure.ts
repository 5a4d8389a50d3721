/**
 * `openpit configure POLICY --set PATH=VALUE …`: reads the policy's settings, sets each
 * path to a value typed like the one it replaces, and writes the whole back
 * (GetPolicySettings, then ConfigurePolicy: audited, announced as policyConfigured).
 */
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { required, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { setPath } from "../settings-path.js";
import { policySettings } from "./policies.js";

export const CONFIGURE: Command = {
  name: "configure",
  summary: "change a policy's settings: --set path=value (typed like the current value)",
  usage: `openpit configure POLICY --set PATH=VALUE [--set PATH=VALUE …] [--dry-run] [--json]
  e.g. openpit configure OrderSizeLimitPolicy --set broker.maxQuantity=500
       openpit configure PnlBoundsKillSwitchPolicy --set 'brokerBarriers[0].lowerBound=-5000'
  paths as 'openpit policies POLICY' lists them; --dry-run shows the change without making it`,
  options: ["set"],
  flags: ["dry-run"],
  async run(ctx) {
    const policy = required(ctx.args.positionals[0], "POLICY");
    const sets = ctx.args.options.get("set") ?? [];
    if (sets.length === 0) throw new UsageError("nothing to change: give at least one --set PATH=VALUE");
    const settings = await policySettings(ctx, policy);
    const changes = sets.map((s) => setPath(settings, s));
    const dryRun = ctx.args.flags.has("dry-run");
    if (!dryRun) await ctx.admin("ConfigurePolicy", ad.ConfigurePolicyResponseSchema, { policyName: policy, settingsJson: JSON.stringify(settings) });
    if (ctx.json) return ctx.io.out(`${JSON.stringify({ policy, applied: !dryRun, settings }, null, 2)}\n`);
    for (const c of changes) ctx.io.out(`${policy} ${c.path}: ${c.before === undefined ? "(unset)" : JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}\n`);
    ctx.io.out(dryRun ? "dry run: nothing changed\n" : "applied\n");
  },
};
