/**
 * `openpit configure POLICY --set PATH=VALUE …`: reads the policy's settings, sets each
 * path to a value typed like the one it replaces, and writes the whole back
 * (GetPolicySettings, then ConfigurePolicy: audited, announced as policyConfigured). The
 * write is a compare-and-set against what was read, so two operators editing one policy
 * cannot silently undo each other: the later one is refused ABORTED and re-runs.
 */
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { required, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { printable } from "../output.js";
import { setPath, type Json } from "../settings-path.js";

export const CONFIGURE: Command = {
  name: "configure",
  positionals: 1,
  summary: "change a policy's settings: --set path=value (typed like the current value)",
  usage: `openpit configure POLICY --set PATH=VALUE [--set PATH=VALUE …] [--dry-run] [--json]
  e.g. openpit configure OrderSizeLimitPolicy --set broker.maxQuantity=500
       openpit configure PnlBoundsKillSwitchPolicy --set 'brokerBarriers[0].lowerBound=-5000'
  paths as 'openpit policies POLICY' lists them; a value is typed like the one it replaces,
  so a decimal the settings do not hold yet is quoted: --set 'brokerBarriers[0].upperBound="5000"';
  --dry-run shows the change without making it (the sidecar checks it only when applied);
  the change applies only if nobody changed the settings since they were read: if someone
  did, it is refused (ABORTED) and nothing changes; run it again`,
  options: ["set"],
  repeatable: ["set"],
  flags: ["dry-run"],
  checkWith: (args) => `openpit policies ${args.positionals[0] ?? ""}`,
  async run(ctx) {
    const policy = required(ctx.args.positionals[0], "POLICY");
    const sets = ctx.args.options.get("set") ?? [];
    if (sets.length === 0) throw new UsageError("nothing to change: give at least one --set PATH=VALUE");
    const read = await ctx.admin("GetPolicySettings", ad.GetPolicySettingsResponseSchema, { policyName: policy });
    const settings = JSON.parse(read.settingsJson) as Json;
    const changes = sets.map((s) => setPath(settings, s));
    const dryRun = ctx.args.flags.has("dry-run");
    if (!dryRun) {
      try {
        // Applied only if nobody changed the settings since they were read (ABORTED otherwise):
        // the edit must not silently undo another operator's.
        const request = { policyName: policy, settingsJson: JSON.stringify(settings), expectedSettingsJson: read.settingsJson };
        await ctx.admin("ConfigurePolicy", ad.ConfigurePolicyResponseSchema, request);
      } catch (e) {
        throw withQuotingHint(e, changes);
      }
    }
    if (ctx.json) return ctx.io.out(`${JSON.stringify({ policy, applied: !dryRun, settings }, null, 2)}\n`);
    for (const c of changes) ctx.io.out(`${printable(`${policy} ${c.path}: ${c.before === undefined ? "(unset)" : JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`)}\n`);
    ctx.io.out(dryRun ? "dry run: nothing changed\n" : "applied\n");
  },
};

/**
 * A value set where the settings held none is typed as JSON (the CLI knows no schema), so
 * `5000` is a number; a decimal must be a string. When the sidecar says so for such a path,
 * the error tells how to write it.
 */
function withQuotingHint(e: unknown, changes: readonly { path: string; before: Json | undefined; after: Json }[]): unknown {
  const details = (e as { details?: unknown }).details;
  if (typeof details !== "string") return e;
  const m = /^settings_json\.(\S+): must be a decimal string \(got number\)/.exec(details);
  const change = m && changes.find((c) => c.path === m[1] && c.before === undefined && typeof c.after === "number");
  if (!change) return e;
  (e as { details: string }).details = `${details}; quote a decimal the settings do not hold yet: --set '${change.path}="${String(change.after)}"'`;
  return e;
}
