/** The settings channel commands run under: the caps that shape execution, the known accounts and pinning, as the journal last set them. */
import type { ExecutionSettings } from "./commands.js";
import type { DoorInternals } from "./door-internals.js";

/** The settings channel commands run under now. */
export function executionSettingsOf(door: DoorInternals): ExecutionSettings {
  return {
    maxOpenHandlesPerChannel: door.limits.maxOpenHandlesPerChannel,
    maxOpenHandles: door.limits.maxOpenHandles,
    maxPinnedAccountsPerOwner: door.limits.maxPinnedAccountsPerOwner,
    reservationTtlMs: door.limits.reservationTtlMs,
    knownAccounts: door.knownAccounts && [...door.knownAccounts],
    pinning: door.pinning,
  };
}

/** Puts journaled settings in force (a `settings` command, a snapshot). */
export function useSettings(door: DoorInternals, s: ExecutionSettings): void {
  // Caps a journal's settings do not name did not exist when it was written: none then.
  door.limits = {
    ...door.limits,
    maxOpenHandlesPerChannel: s.maxOpenHandlesPerChannel,
    maxOpenHandles: s.maxOpenHandles,
    maxPinnedAccountsPerOwner: s.maxPinnedAccountsPerOwner,
    reservationTtlMs: s.reservationTtlMs,
  };
  door.knownAccounts = s.knownAccounts && new Set(s.knownAccounts);
  door.pinning = s.pinning;
}
