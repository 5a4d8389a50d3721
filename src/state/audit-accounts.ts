/**
 * The accounts an operator's audit record names: what `QueryAudit{account_id}` matches
 * (docs/security.md). Most commands name theirs in fields (`accountsNamed`); a
 * ConfigurePolicy names them inside its settings, where every per-account entry of every
 * policy carries an `accountId` key. Its record names the accounts its request's settings
 * name and those whose entries the change altered (an entry removed is named only in the
 * settings before), so "who changed account 7's limit?" finds the change, applied or not.
 */
import type { AccountId } from "../param/ids.js";
import { readAccountId } from "../policies/settings-json.js";
import { accountsNamed } from "./audit-effects.js";
import type { AdminCommand } from "./commands.js";

export function auditedAccounts(c: AdminCommand, effectBefore: string, effectAfter: string): readonly AccountId[] {
  if (c.kind !== "configurePolicy") return accountsNamed(c);
  const out = new Map<AccountId, true>();
  for (const id of entriesByAccount(c.settings).keys()) out.set(id, true);
  const before = entriesByAccount(settingsOf(effectBefore));
  const after = entriesByAccount(settingsOf(effectAfter));
  for (const [id, text] of before) if (after.get(id) !== text) out.set(id, true);
  for (const [id, text] of after) if (before.get(id) !== text) out.set(id, true);
  return [...out.keys()];
}

/** The `settings` of a ConfigurePolicy's effect view (JSON text: `{ policy, settings }`). */
function settingsOf(effect: string): unknown {
  try {
    return (JSON.parse(effect) as { settings?: unknown }).settings;
  } catch {
    return undefined;
  }
}

/** Every object of `tree` with an `accountId`, by that account: the objects' JSON, in order. */
function entriesByAccount(tree: unknown, out = new Map<AccountId, string>()): Map<AccountId, string> {
  if (tree === null || typeof tree !== "object") return out;
  if (Array.isArray(tree)) {
    for (const item of tree) entriesByAccount(item, out);
    return out;
  }
  const o = tree as Record<string, unknown>;
  const id = Object.hasOwn(o, "accountId") ? accountIdOf(o.accountId) : undefined;
  if (id !== undefined) out.set(id, (out.has(id) ? `${out.get(id)}\n` : "") + JSON.stringify(o));
  for (const key of Object.keys(o)) entriesByAccount(o[key], out);
  return out;
}

/** A settings entry's account id, read as the policies read it (`readAccountId`), or undefined. */
function accountIdOf(v: unknown): AccountId | undefined {
  try {
    return readAccountId(v, "accountId");
  } catch {
    // Not an account id: the settings reader refuses it, naming the field.
    return undefined;
  }
}
