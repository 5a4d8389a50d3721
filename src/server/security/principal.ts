/**
 * Who is calling and what it may do: a named principal with roles and an account scope.
 * Other parts of the sidecar use the plain name (a string); only the server's security
 * layer sees this type.
 */
import type { AccountGroupId, AccountId } from "../../param/index.js";
import { LOCAL_PRINCIPAL_NAME } from "../../state/commands.js";

/**
 * gateway: AccountChannelService.Open; feed: ExecutionReportFeedService.Publish;
 * operator: admin mutations (and every read); monitor: read-only admin queries and events.
 */
export type Role = "gateway" | "feed" | "operator" | "monitor";
export const ROLES: readonly Role[] = ["gateway", "feed", "operator", "monitor"];

export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  /** Every account, present and future: no per-command check at all (the fast path). */
  readonly allAccounts: boolean;
  readonly accounts: ReadonlySet<AccountId>;
  /** Accounts whose current group is one of these may be used too. */
  readonly groups: ReadonlySet<AccountGroupId>;
}

/**
 * The embedded default's single user: no keys, every role, every account. Only ever used
 * when there is no `security` section (and so only on a loopback listen).
 */
export const LOCAL_PRINCIPAL: Principal = {
  name: LOCAL_PRINCIPAL_NAME,
  roles: new Set(ROLES),
  allAccounts: true,
  accounts: new Set(),
  groups: new Set(),
};

/**
 * May `principal` use `accountId`? Listed accounts, or accounts whose group (as of now)
 * is listed. Callers skip this for `allAccounts` principals; it allocates nothing.
 */
export function mayUseAccount(
  principal: Principal,
  accountId: AccountId,
  groupOf: (accountId: AccountId) => AccountGroupId | undefined,
): boolean {
  if (principal.allAccounts || principal.accounts.has(accountId)) return true;
  if (principal.groups.size === 0) return false;
  const group = groupOf(accountId);
  return group !== undefined && principal.groups.has(group);
}
