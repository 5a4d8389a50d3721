/**
 * Which build wrote a journal's records.
 *
 * The journal holds commands, not their effects, and a replay decides each command with the
 * code that replays it. A version whose fixes decide some command differently (a rollback
 * after a report commits, a reject that used to pass) replaying another version's records
 * would rebuild a state the live run never had — holds released twice, a limit passed —
 * and start on it without a word. So a snapshot names the build that wrote the records it
 * covers, a start restored from another build's snapshot journals a `writer` record before
 * anything else (recovery.ts, resumeServing), and a replay refuses any record written by
 * another build (docs/durability.md, *Records of another build*).
 */
import { VERSION } from "../version.js";

export interface JournalWriter {
  /** package.json's version. */
  readonly version: string;
  /** REPLAY_RULES of that build. */
  readonly rules: number;
}

/**
 * Bumped by every change that makes a replay decide a journaled command differently from
 * the build before it (the version alone does not move between releases). Main is a build
 * people run: a change landed after main passed CI with the number takes the next one, never
 * the same (rules 2 took sessions 35 to 38's changes too, so a journal written by a main of
 * session 34 to 37 replays under session 38's rules; found by review, session 39).
 *
 * 1: the first build that records its writer.
 *
 * 2 (sessions 34 to 38, each found by review), where 1 decided otherwise:
 * - a registration of an instrument the file lists takes the file's quote TTL, and a
 *   RegisterInstrument naming another ttl_ms for it is refused (listed-quote-ttls.ts);
 * - a channel message stops at the reject that closes its channel, the commands after it
 *   refused (command-execution.ts): a record of 1 whose later commands ran would not run them;
 * - a safe retry carrying another order than its id's first is rejected, where 1 answered it
 *   with the first decision (safe-retries.ts; same state, other decision), and so is one sent
 *   by another command or commit_on_accept (a start retry of an execute's id, an execute
 *   asking a commit of an open one's, a drop copy's id retried as an execute, or the reverse);
 * - a safe retry of an id whose first decision left a reservation open that was committed
 *   since is answered committed, reservation 0, where 1 answered the used reservation id
 *   (same state, other answer); one past its TTL before the sweep came is rolled back by the
 *   retry as the sweep would, and the retry runs as a new order (or is answered committed when
 *   a report had named it), where 1 answered it as open (channel-state.ts, retriedReservation);
 * - a REDUCING trading state refuses a SELL by volume limited at or below zero, which 1
 *   accepted (trading-state/policy.ts);
 * - a REDUCING trading state refuses an order while an open order on its side has no bound
 *   on its units (by volume: a buy, or a sell limited at or below zero or without a price),
 *   which 1 judged on that order's volume / |limit| (account-book.ts, unboundedOpenOrders);
 *   the account's last open order rolled back clears its pending dust, as its final report
 *   does, which 1 kept until the next order's final report;
 * - an open order by volume whose volume / price is past the decimal range (a SELL of volume
 *   1e20 limited at 1e-9) counts among those with no bound on their units, so a REDUCING
 *   trading state refuses an order on its side, which 1 judged with it counted as nothing open
 *   (order-footprint.ts, footprintOf);
 * - a REDUCING trading state decides on the exact worst case (position ± open orders on the
 *   order's side ± the order) when the decimal domain rounded a sum of it, where 1 took the
 *   rounded one (short 1e11, an open BUY of 1e-18 and a BUY of 1e11: +1e-18, a flip, read
 *   as 0 and passed; trading-state/policy.ts, reducesPosition);
 * - a REDUCING trading state refuses an order while the account book's open total on its side
 *   was rounded by the decimal domain since the account last had nothing open, which 1 judged
 *   on the rounded total (short 80000000001, open BUYs of 8e10 and 1e-18 held as 8e10: a BUY
 *   of 1, +1e-18, passed; account-book.ts, pendingRounded);
 * - the gross-exposure limit compares the exact exposure when a product or sum of it was
 *   rounded to 29 digits, where 1 compared the rounded total (an exposure of 1e-29 under a
 *   limit of 0, or one just past a 29-digit limit, passed; one exactly on it could be
 *   refused; gross-exposure-limit/policy.ts), and decides on the exact worst case when a sum
 *   of it (position ± open quantity ± the order) or a market order's volume / price was
 *   rounded, where 1 took the rounded one (open buys 10 + an order of 1e-28 rounded to 10:
 *   "does not raise", passed past the limit, any number of times);
 * - a two-stage request's main stage reads the account's group at its own instant, where 1
 *   reused the group its start stage had read (pre-trade-request.ts);
 * - an account whose currency moves between two the account-tier P&L barrier is not in is
 *   not re-evaluated, where 1 blocked it again (spot-funds/barrier-reevaluation.ts);
 * - a handle id naming a channel the door never opened is UNKNOWN_HANDLE, where 1 answered
 *   FOREIGN_HANDLE (handle-table.ts; same state, other answer);
 * - a replace of a block's reason with the block in force announces nothing, where 1
 *   announced it (accounts-admin.ts; same state, one event fewer, so later events are
 *   numbered one lower);
 * - an account or account+asset rate-limit barrier removed and re-added finds the orders its
 *   log counted before the removal (still in the window, they count against the re-added
 *   barrier), where 1 started it empty (rate-limit/axes.ts, AccountLogs; a snapshot carries
 *   the idle logs, one without them restores with none);
 * - a rolled-back SpotFunds hold applies the inverse deltas to its slot even when nothing
 *   else moved it, as OpenPit does, where 1 put the slot's previous value back: the amounts
 *   take the scale the sums give (seed 1000, a hold of 0.50 rolled back: 1000.00, so later
 *   outcomes' absolutes read 999.00), and a sum the decimal domain rounds (past 29 digits)
 *   lands on the rounded value (spot-funds/hold-mutation.ts);
 * - a `settings` record whose quote TTLs no longer list an instrument the state's did clears
 *   that instrument's registration TTL (the default applies), where 1 kept the file's old
 *   `ttlMs` (door-settings.ts; same record, other TTL);
 * - the account book keeps a position the decimal domain rounded exactly beside it, and the
 *   position takes that exact value once it fits again, where 1 kept the rounded one (short
 *   80000000001, BUY fills of 1e-18 then 80000000001: long 1e-18, where 1 read 0); a REDUCING
 *   trading state decides on the exact position (a BUY of 80000000001 after the first two
 *   fills is refused, which 1 passed; account-book.ts, positionUnrounded); the figure is the
 *   exact value rounded, where 1 rounded the last figure plus each fill (twenty BUY fills of
 *   0.49 on a 29-digit long: +10, where 1 read +0), a fill whose exact position rounds past
 *   the range blocks the account, which 1 never noticed, and gross exposure values the exact
 *   position, where 1 valued the rounded figure;
 * - a retirement hook answering none of the four refusals is EvaluationFailed, where 1
 *   passed its answer on (retire-account.ts; custom policies only);
 * - a SpotFunds fill whose trade notional overflows and that has no lock price (or two)
 *   blocks the account with "fill notional volume overflow: …", as OpenPit, where 1 blocked
 *   it with the lock's text (spot-funds/execution-report.ts, fill);
 * - a SpotFunds report leg whose write overflows blocks with OpenPit's text for what it was
 *   part of ("fill balance credit overflow: …", "fill leg mutation overflow: …", "fee debit
 *   overflow: …", "cancel release overflow: …"), where 1 gave "execution report leg
 *   overflow: …" for all (spot-funds/execution-report.ts, moveLeg; same state, other text);
 * - a SpotFunds report's underlying outcome entry whose realized P&L is a halt carries no
 *   average entry price, as OpenPit's push_leg_outcome, where 1 sent it (report-legs.ts;
 *   same state, other outcome);
 * - a sum or difference with a zero operand is the other operand as it is, its scale included,
 *   as rust_decimal's (5 + 0.00 is 5, 0.00 + 1 is 1), where 1 took the larger scale (5.00,
 *   1.00): stored amounts and outcomes change scale, not value (param/decimal-value.ts, sum;
 *   decimal-cell.ts; exact-sum.ts); SpotFunds' max(x, 0) of a zero is 0 at scale 0, as
 *   OpenPit's non_negative (holdings-store.ts, atLeastZero); a zero held in decimal.js form
 *   (a scale over 15) counts as a zero for that rule too; a product with a zero operand and
 *   a quotient of a zero dividend are 0 at scale 0, as rust_decimal's mul_impl and div_impl,
 *   where 1 kept the operands' scales (0.00 × 4 was 0.00; closing at the average put 0.00 on
 *   the account P&L line);
 * - a SpotFunds report whose trade has quantity 0 and a non-zero fee, on an account with no
 *   currency, halts the account P&L line (MissingAccountCurrency) and leaves the position's
 *   realized P&L as it was, as OpenPit's apply_trade_fill, where 1 halted the position too
 *   (execution-report.ts, applyFee; a fee-only report still halts both);
 * - a SpotFunds report leg whose summed delta overflows (a fee's on the fill's leg, a release's
 *   on the fill's) blocks with OpenPit's text ("fee balance delta overflow: …", "cancel
 *   held/balance/incoming delta overflow: …"), the sums taken in OpenPit's order (held first),
 *   where 1 gave "execution report outcome overflow: …" and summed balance first (report-legs.ts,
 *   record; same state but for those sums in the outcome);
 * - a SpotFunds account adjustment whose rollback overflows blocks with OpenPit's texts
 *   ("rollback overflow: slot left inconsistent", "adjustment rollback overflow: asset …,
 *   available_delta …, held_delta …, incoming_delta …, slot …"), where 1 gave "arithmetic
 *   overflow", "account adjustment rollback overflow: asset …" (adjustments.ts; other text).
 *
 * 3 (session 39, each found by review), where 2 decided otherwise:
 * - the restricted list is checked in a two-stage request's main stage too, where 2 checked
 *   it at start only (a request started before a restriction reserved at execute;
 *   restricted-list/policy.ts);
 * - a soft-limit retune forgets the crossing levels of the policies it no longer watches,
 *   where 2 kept them latched (watched again, the next crossing was never announced;
 *   soft-limits/policy.ts, forgetUnwatched; a snapshot carries fewer levels);
 * - an asset name in a policy's settings (a `configurePolicy` or `settings` record) takes at
 *   most 128 characters, where 2 took any length (policies/settings-json.ts, readAsset; a
 *   longer one now fails its command, as on the wire);
 * - a rejected execute rolls back before its rejects latch, so a failing rollback's kill switch
 *   is the account's first cause, where 2 latched the policy's block first (engine.ts,
 *   runMainStage); a drop copy records each start policy's account-scope reject as it returns,
 *   where 2 recorded them after the stage, behind a later policy's direct block (drop-copy.ts;
 *   same decisions, another block kept);
 * - the price collar's and the restricted list's settings tell instruments apart by an
 *   unambiguous key, where 2 joined the names with "/" and refused BRK/B|USD beside BRK|B/USD
 *   (or X|* beside every instrument on X) as a repeat (a `configurePolicy` 2 failed applies).
 *
 * 4 (session 40, found by review), where 3 decided otherwise:
 * - the repeated-execution throttle does not count a fill while the fill's account is blocked
 *   (its own, its group's or the global block) and forgets what it had counted, where 3 counted
 *   it (the first fill after an operator's unblock blocked the account again, and a blocked
 *   account's fills reported the block anew; repeated-execution-throttle/policy.ts);
 * - the configuration file's quote TTLs are looked up by an unambiguous key of the two assets,
 *   where 3 joined them with NUL: with a NUL in an asset name, a registration of one instrument
 *   took (or was refused over) another's listed TTL (listed-quote-ttls.ts);
 * - SpotFunds names a sell by volume whose notional does not fit by its notional, where 3 named
 *   it by its quantity's division (the reject's details, kept with a safe retry's first
 *   decision; reservation-legs.ts).
 *
 * 5 (session 43, found by review), where 4 decided otherwise:
 * - accounts a RegisterGroup moves into a blocked group get the group's kill switch once (one
 *   notice per channel, one group-scoped event; journaled `cancelsJoiners: "once"`), where 4
 *   sent one per account: a build of rules 4 reads "once" as its own marker and numbers every
 *   later event differently (audited-admin.ts). A rules-4 record is refused here as every
 *   other build's is; the door still reads `true` (and no marker) as those builds ran them.
 *
 * 6 (session 44, found by review in session 43), where 5 decided otherwise:
 * - a handle id of an open channel with a sequence that channel has not issued (0, or past its
 *   next) is UNKNOWN_HANDLE, where 5 answered FOREIGN_HANDLE (handle-table.ts; same state,
 *   other answer); a closed channel's ids stay FOREIGN_HANDLE.
 *
 * 7 (session 47), where 6 decided otherwise:
 * - an execution report naming an execution id already applied for its account, with the same
 *   content, is not applied again, and its answer says so (execution-ids.ts); 6 read no id
 *   (the field did not exist, so a record of 6 never holds one) and would apply a repeat again. The `settings` record
 *   names the id bounds (executionIdRetentionMs, maxExecutionIds); a record of 6 names none,
 *   and the defaults apply.
 *
 * Not a change of rules: a strict accounts.list too long for one record goes in
 * `accountListPart` records before a `settings` record naming them (settings-parts.ts); every
 * earlier record replays as before, and a build without parts refuses a part as a command it
 * does not know (command-kinds.ts) before the `settings` record it would misread. Likewise
 * the listed instruments' quote TTLs too long for the `settings` record go in `quoteTtlPart`
 * records before it (settings-parts.ts): a build without them refuses the first part as a
 * command it does not know, before the `settings` record whose empty instrument list it would
 * put in force.
 */
export const REPLAY_RULES = 7;

/** This build. */
export const THIS_WRITER: JournalWriter = Object.freeze({ version: VERSION, rules: REPLAY_RULES });

export function sameWriter(a: JournalWriter | undefined, b: JournalWriter): boolean {
  return a !== undefined && a.version === b.version && a.rules === b.rules;
}

export function describeWriter(w: JournalWriter | undefined): string {
  return w === undefined ? "a version that did not record itself (before writer records)" : `openpit-sidecar ${w.version} (replay rules ${w.rules})`;
}

/** A replay met a record another build wrote: it would be decided by rules it was not decided by. */
export class ForeignRecordsError extends Error {
  override name = "ForeignRecordsError";
  constructor(
    readonly recordsWriter: JournalWriter | undefined,
    readonly replayer: JournalWriter,
  ) {
    super(
      `it was written by ${describeWriter(recordsWriter)}, and this is ${describeWriter(replayer)}, whose rules may decide it differently: ` +
        `start the version that wrote it on this state once, let it recover and stop it gracefully (its last snapshot then covers every record), ` +
        `then start this one (docs/operating.md, Upgrading)`,
    );
  }
}
