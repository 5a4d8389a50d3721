/** SpotFundsPolicy's settings, holdings and account P&L as plain data, and the record of its hold mutation. */
import { SnapshotError } from "../../engine/errors.js";
import type { PnlState } from "../../model/pnl-state.js";
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { snapshotArray, snapshotFields, snapshotMap } from "../snapshot-data.js";
import { holdingsFrom, type Holdings } from "./holdings-store.js";
import type { PlannedStep } from "./reservation-legs.js";
import { ResolvedSpotFundsSettings } from "./resolved-settings.js";
import { copySpotFundsSettings, validateSpotFundsSettings, type SpotFundsSettings } from "./settings.js";
import type { SpotFundsState } from "./spot-funds-state.js";

const POLICY = "SpotFundsPolicy";

/** Live settings (Maps included), every holdings slot and every account P&L line. */
export interface SpotFundsSnapshot {
  readonly settings: SpotFundsSettings;
  readonly holdings: ReadonlyMap<AccountId, ReadonlyMap<Asset, Holdings>>;
  readonly accountPnl: ReadonlyMap<AccountId, PnlState>;
}

type MutableState = { -readonly [K in keyof SpotFundsState]: SpotFundsState[K] };

export function captureSpotFunds(state: SpotFundsState): SpotFundsSnapshot {
  return {
    settings: copySpotFundsSettings(state.settings.source),
    holdings: state.store.snapshot(),
    accountPnl: state.ledger.snapshot(),
  };
}

/** Replaces settings, holdings and P&L lines; market data is restored by its own owner. */
export function restoreSpotFunds(state: MutableState, data: unknown): void {
  const { settings, holdings, accountPnl } = snapshotFields(data, POLICY, "snapshot", ["settings", "holdings", "accountPnl"]);
  const next = settings as SpotFundsSettings;
  validateSpotFundsSettings(next);
  const table = snapshotMap<AccountId, ReadonlyMap<Asset, Holdings>>(holdings, POLICY, "holdings");
  const lines = snapshotMap<AccountId, PnlState>(accountPnl, POLICY, "accountPnl");
  state.settings = new ResolvedSpotFundsSettings(next);
  state.store.restore(table);
  state.ledger.restore(lines);
}

/**
 * What the main-stage hold mutation needs to be rebuilt: the account and the planned steps
 * (each step's amounts with the slot before and after it), exactly what its rollback reads.
 */
export interface HoldRecord {
  readonly accountId: AccountId;
  readonly planned: readonly PlannedStep[];
}

/** The record as restored: slots get every field back, so the rollback writes the same shapes. */
export function readHoldRecord(record: unknown): HoldRecord {
  const { accountId, planned } = snapshotFields(record, POLICY, "hold record", ["accountId", "planned"]);
  if (typeof accountId !== "bigint") throw new SnapshotError("Malformed", `${POLICY}: hold record accountId must be a bigint`, POLICY);
  const steps = snapshotArray<PlannedStep>(planned, POLICY, "hold record steps").map((p) => {
    const { step, before, after } = snapshotFields(p, POLICY, "hold record step", ["step", "before", "after"]);
    const s = snapshotFields(step, POLICY, "hold record step", ["asset", "held", "incoming"]);
    return {
      step: { asset: s.asset, held: s.held, incoming: s.incoming },
      before: holdingsFrom(before as Holdings),
      after: holdingsFrom(after as Holdings),
    } as PlannedStep;
  });
  return { accountId: accountId as AccountId, planned: steps };
}
