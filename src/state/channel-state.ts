/**
 * One account channel's state and its command dispatch: the handles it issued, the
 * accounts pinned to it. Transport-free: the door runs it live and on replay alike.
 */
import type { AccountId } from "../param/index.js";
import type { Engine, PreTradeReservation } from "../engine/index.js";
import type { ExecutionReport, Order, PostTradeResult } from "../model/index.js";
import { LOCAL_PRINCIPAL_NAME, type ChannelCommand } from "./commands.js";
import { CommandError, internalError, unconfiguredAccount } from "./command-error.js";
import { HandleTable, type Handle, type HandleTally } from "./handle-table.js";
import { guarded } from "./guarded.js";
import type { PinRegistry } from "./pin-registry.js";
import type { ChannelNotice, ChannelResult } from "./results.js";
import { rememberDecision, retryAnswer } from "./safe-retries.js";
import { fieldOf } from "./command-fields.js";

/** Where an order command names its account, after the command's wire name. */
const ORDER_ACCOUNT = ".order.account_id";

export interface ChannelLimits {
  readonly maxCommandsPerMessage: number;
  readonly maxOpenHandlesPerChannel: number;
  /** Open requests + reservations over all channels; undefined = no cap. */
  readonly maxOpenHandles?: number | undefined;
  /** Accounts pinned to the channels of one owner together; undefined = no cap. */
  readonly maxPinnedAccountsPerOwner?: number | undefined;
  readonly maxAdjustmentsPerBatch: number;
  /** 0 = reservations never expire. */
  readonly reservationTtlMs: number;
}

/** What a channel needs from the state around it. */
export interface ChannelHost {
  readonly engine: Engine;
  readonly pins: PinRegistry<ChannelState>;
  readonly limits: ChannelLimits;
  /** Pinning is enforced unless the engine runs in `fullSync` mode. */
  readonly pinning: boolean;
  /** The timestamp of the command being run. */
  nowMs(): number;
  isKnownAccount(accountId: AccountId): boolean;
  /** Open requests + reservations over every live channel (every channel's table counts into it). */
  readonly handleTally: HandleTally;
  /** Accounts pinned to the live channels of `owner`, together. */
  pinnedAccountCount(owner: string): number;
  /** The id the next channel opened gets: every id below it was issued (state-snapshot.ts keeps it). */
  readonly nextChannelId: bigint;
  /** The live channels by id (a safe retry's reservation is looked up in the one that issued it). */
  readonly channels: ReadonlyMap<bigint, ChannelState>;
  /** Applies a report and publishes what monitors must hear (halts). */
  applyExecutionReport(report: ExecutionReport): PostTradeResult;
  /** `rolledBack`: the reservations the notice's event rolled back, by account (fenced, expired), for monitors. */
  notify(channel: ChannelState, notice: ChannelNotice, rolledBack?: ReadonlyMap<AccountId, readonly bigint[]>): void;
}

export interface DroppedHandles {
  readonly rolledBack: bigint[];
  readonly abandoned: bigint[];
  /** Rolled-back reservation ids by account, for the announcement after a crash. */
  readonly byAccount: Map<AccountId, bigint[]>;
}

/** A channel as plain data, for snapshots (`expiresAt` null = never). */
export interface ChannelData {
  readonly channelId: bigint;
  /** Absent in snapshots written before owners: "local". */
  readonly owner?: string;
  readonly accounts: readonly AccountId[];
  readonly nextSequence: bigint;
  readonly handles: readonly {
    readonly id: bigint;
    readonly kind: Handle["kind"];
    readonly accountId: AccountId;
    readonly data: unknown;
    readonly expiresAt: number | null;
  }[];
}

export class ChannelState {
  private readonly handles: HandleTable;
  private readonly accounts = new Set<AccountId>();
  private closed = false;

  constructor(
    readonly channelId: bigint,
    private readonly host: ChannelHost,
    /** The principal this channel acts for: its pins count against that principal's cap. */
    readonly owner: string = LOCAL_PRINCIPAL_NAME,
  ) {
    this.handles = new HandleTable(channelId, host.handleTally, () => host.nextChannelId, (owner) => host.channels.get(owner)?.nextSequence);
  }

  /** Accounts pinned to this channel. */
  get pinnedAccounts(): number {
    return this.accounts.size;
  }

  /** The sequence of the next handle this channel issues (every one below it was issued). */
  get nextSequence(): bigint {
    return this.handles.nextSequence;
  }

  get openHandles(): number {
    return this.handles.size;
  }

  get openReservationCount(): number {
    let n = 0;
    for (const [, h] of this.handles.entries()) if (h.kind === "reservation") n++;
    return n;
  }

  /** Open start_pre_trade requests (the rest of the open handles are reservations). */
  get openRequestCount(): number {
    return this.handles.size - this.openReservationCount;
  }

  /** The account of this channel's open request `id` (start_pre_trade not yet executed), if there is one. */
  requestAccountOf(id: bigint): AccountId | undefined {
    const h = this.handles.get(id);
    return h?.kind === "request" ? h.accountId : undefined;
  }

  /** The accounts pinned to this channel, ascending (for the operator's channel list). */
  pinnedAccountIds(): AccountId[] {
    return [...this.accounts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  toData(): ChannelData {
    const handles: ChannelData["handles"][number][] = [];
    for (const [id, h] of this.handles.entries()) {
      if (h.kind === "request") handles.push({ id, kind: h.kind, accountId: h.accountId, data: h.request.toData(), expiresAt: null });
      else {
        const expiresAt = h.expiresAt === Infinity ? null : h.expiresAt;
        handles.push({ id, kind: h.kind, accountId: h.accountId, data: h.reservation.toData(), expiresAt });
      }
    }
    return { channelId: this.channelId, owner: this.owner, accounts: [...this.accounts], nextSequence: this.handles.nextSequence, handles };
  }

  /** Rebuilds a channel a snapshot held, pins included. */
  static fromData(data: ChannelData, host: ChannelHost): ChannelState {
    const channel = new ChannelState(data.channelId, host, data.owner ?? LOCAL_PRINCIPAL_NAME);
    const engine = host.engine;
    channel.handles.restore(
      data.nextSequence,
      data.handles.map((h): [bigint, Handle] =>
        h.kind === "request"
          ? [h.id, { kind: "request", accountId: h.accountId, request: engine.restoreRequest(h.data as never) }]
          : [h.id, { kind: "reservation", accountId: h.accountId, reservation: engine.restoreReservation(h.data as never), expiresAt: h.expiresAt ?? Infinity }],
      ),
    );
    for (const account of data.accounts) {
      channel.accounts.add(account);
      host.pins.pin(account, channel);
    }
    return channel;
  }

  /**
   * The accounts this channel holds: pinned to it, or with a request or reservation open
   * on it (in fullSync mode nothing is pinned). A kill switch tells it to cancel theirs.
   */
  holds(accountId: AccountId): boolean {
    if (this.accounts.has(accountId)) return true;
    for (const [, h] of this.handles.entries()) if (h.accountId === accountId) return true;
    return false;
  }

  /** Every account `holds` is true for, pinned ones first. */
  heldAccounts(): AccountId[] {
    const held = new Set(this.accounts);
    for (const [, h] of this.handles.entries()) held.add(h.accountId);
    return [...held];
  }

  /** Adds this channel's open reservations to `counts`, by account: one pass, for a page of accounts. */
  countReservationsByAccount(counts: Map<AccountId, number>): void {
    for (const [, h] of this.handles.entries()) if (h.kind === "reservation") counts.set(h.accountId, (counts.get(h.accountId) ?? 0) + 1);
  }

  /** Reservation ids open for an account, for the admin query. */
  openReservationsOf(accountId: AccountId): bigint[] {
    const ids: bigint[] = [];
    for (const [id, h] of this.handles.entries()) if (h.kind === "reservation" && h.accountId === accountId) ids.push(id);
    return ids;
  }

  /** Runs one command; `base` is its path in the message (`commands[3]`), for error fields. */
  run(command: ChannelCommand, base: string): ChannelResult {
    try {
      return this.dispatch(command, base);
    } catch (e) {
      return { kind: "error", error: e instanceof CommandError ? e : internalError(base, e) };
    }
  }

  /** The stream ended: abandon requests, roll back reservations, unpin. Idempotent. */
  close(): DroppedHandles {
    if (this.closed) return { rolledBack: [], abandoned: [], byAccount: new Map() };
    this.closed = true;
    const dropped = this.drop(this.handles.takeWhere(() => true));
    for (const account of this.accounts) this.host.pins.unpin(account, this);
    this.accounts.clear();
    return dropped;
  }

  /** Whether a started request (or a reservation) of `accountId` is open on this channel: the engine sees neither. */
  hasHandleOf(accountId: AccountId, kind: "request" | "reservation"): boolean {
    for (const [, h] of this.handles.entries()) if (h.kind === kind && h.accountId === accountId) return true;
    return false;
  }

  /**
   * A retired account is not this channel's any more (retirement is refused while a request or a
   * reservation of it is open here, `hasHandleOf`). Pinned
   * for the channel's life, a retired account stayed listed, counted against the owner's pin
   * cap, and refused to any other channel (found by review).
   */
  unpinRetired(accountId: AccountId): void {
    if (this.accounts.delete(accountId)) this.host.pins.unpin(accountId, this);
  }

  /** Another channel takes these accounts over: drop their handles here and say so. */
  fence(accounts: ReadonlySet<AccountId>): void {
    const dropped = this.drop(this.handles.takeWhere((h) => accounts.has(h.accountId)));
    for (const account of accounts) {
      this.accounts.delete(account);
      this.host.pins.unpin(account, this);
    }
    this.host.notify(this, { kind: "fenced", accountIds: [...accounts], rolledBack: dropped.rolledBack, abandoned: dropped.abandoned }, dropped.byAccount);
  }

  /** True if a reservation's TTL has passed by `now` (a read: the sweep runs only then). */
  hasExpired(now: number): boolean {
    for (const [, h] of this.handles.entries()) if (h.kind === "reservation" && h.expiresAt <= now) return true;
    return false;
  }

  /** Rolls back reservations whose TTL has passed. */
  expire(now: number): void {
    const taken = this.handles.takeWhere((h) => h.kind === "reservation" && h.expiresAt <= now);
    if (taken.length > 0) this.rollBackExpired(taken);
  }

  /** Expired reservations, taken from the table: rolled back, and the channel told. */
  private rollBackExpired(taken: readonly [bigint, Handle][]): void {
    const { rolledBack, byAccount } = this.drop(taken);
    this.host.notify(this, { kind: "expired", reservationIds: rolledBack }, byAccount);
  }

  // ---- dispatch ------------------------------------------------------------------------

  private dispatch(c: ChannelCommand, base: string): ChannelResult {
    const engine = this.host.engine;
    switch (c.kind) {
      case "bind":
        return this.bind(c.accountIds, c.takeover, fieldOf(base, c.kind));
      case "release":
        return this.release(c.accountIds);
      case "start": {
        const first = this.admit(c.order, base, c.kind, false);
        if (first) return first;
        const accountId = c.order.operation!.accountId!;
        const r = engine.startPreTrade(c.order);
        if (!r.ok) return { kind: "startRejected", rejects: r.rejects };
        return { kind: "startAccepted", requestId: this.handles.add({ kind: "request", accountId, request: r.request }) };
      }
      case "executeRequest": {
        const h = this.handles.take(c.requestId, "request", `${fieldOf(base, c.kind)}.request_id`);
        const r = h.request.execute();
        if (!r.ok) return { kind: "executeRejected", rejects: r.rejects };
        const { lock, accountAdjustments } = r.reservation;
        let id: bigint;
        try {
          id = this.handles.add(this.reservationHandle(h.accountId, r.reservation));
        } catch (e) {
          // No handle id left (a channel that issued 2^32 of them): a reservation nothing
          // tracks would never be rolled back, so it goes now (found by review: its funds
          // stayed held for good, and a replay held them again).
          r.reservation.rollback();
          throw e;
        }
        return rememberDecision(engine, h.request.order, h.accountId, { kind: "executeAccepted", reservationId: id, committed: false, lock, outcomes: accountAdjustments }, "start", false);
      }
      case "discardRequest": {
        this.handles.take(c.requestId, "request", `${fieldOf(base, c.kind)}.request_id`).request[Symbol.dispose]();
        return { kind: "finalized", id: c.requestId };
      }
      case "execute": {
        const first = this.admit(c.order, base, c.kind, c.commitOnAccept);
        if (first) return first;
        const accountId = c.order.operation!.accountId!;
        const r = engine.executePreTrade(c.order);
        if (!r.ok) return { kind: "executeRejected", rejects: r.rejects };
        // Read before any commit: a finalised reservation no longer shows them.
        const { lock, accountAdjustments } = r.reservation;
        if (c.commitOnAccept) {
          r.reservation.commit();
          return rememberDecision(engine, c.order, accountId, { kind: "executeAccepted", reservationId: 0n, committed: true, lock, outcomes: accountAdjustments }, c.kind, true);
        }
        const id = this.handles.add(this.reservationHandle(accountId, r.reservation));
        return rememberDecision(engine, c.order, accountId, { kind: "executeAccepted", reservationId: id, committed: false, lock, outcomes: accountAdjustments }, c.kind, false);
      }
      case "startDryRun":
        this.claim(c.order.operation!.accountId!, base, c.kind, ORDER_ACCOUNT);
        return { kind: "dryRun", report: engine.startPreTradeDryRun(c.order) };
      case "executeDryRun":
        this.claim(c.order.operation!.accountId!, base, c.kind, ORDER_ACCOUNT);
        return { kind: "dryRun", report: engine.executePreTradeDryRun(c.order) };
      case "dropCopy": {
        const first = this.admit(c.order, base, c.kind, c.commitOnAccept);
        if (first) return first;
        const accountId = c.order.operation!.accountId!;
        const applied = engine.applyDropCopy(c.order);
        if (!applied.ok) return { kind: "dropCopyFailed", rejects: applied.rejects };
        const { operation: reservation, isAccountBlocked } = applied;
        const { lock, accountAdjustments: outcomes, accountBlock } = reservation;
        if (c.commitOnAccept) {
          reservation.commit();
          return rememberDecision(engine, c.order, accountId, { kind: "dropCopy", reservationId: 0n, committed: true, lock, outcomes, accountBlock, isAccountBlocked }, c.kind, true);
        }
        const id = this.handles.add(this.reservationHandle(accountId, reservation));
        return rememberDecision(engine, c.order, accountId, { kind: "dropCopy", reservationId: id, committed: false, lock, outcomes, accountBlock, isAccountBlocked }, c.kind, false);
      }
      case "commit":
      case "rollback": {
        const field = `${fieldOf(base, c.kind)}.reservation_id`;
        const h = this.handles.take(c.reservationId, "reservation", field);
        // Past its TTL it is the sweep's, whether or not the sweep's tick has come (found by
        // review: a commit up to a tick late went through): rolled back and told as expired,
        // as the sweep does, and the command answered as for an expired handle.
        if (h.expiresAt <= this.host.nowMs()) {
          this.rollBackExpired([[c.reservationId, h]]);
          // A report had named its order: it is at the venue, so the expiry committed it
          // (reservation.ts), and saying "rolled back" would tell the gateway its holds were freed
          // (found by review).
          const ended = h.reservation.state === "committed" ? "committed: a report had named its order, so its holds stay until the order's final report" : "rolled back";
          throw new CommandError("HANDLE_CONSUMED", field, `${field}: reservation ${c.reservationId} expired (its TTL passed) and was ${ended}`);
        }
        if (c.kind === "commit") h.reservation.commit();
        else h.reservation.rollback();
        return { kind: "finalized", id: c.reservationId };
      }
      case "report": {
        const accountId = c.report.operation?.accountId;
        if (accountId !== undefined) this.claim(accountId, base, c.kind, ".report.account_id");
        return { kind: "postTrade", result: this.host.applyExecutionReport(c.report) };
      }
      case "adjust": {
        this.claim(c.accountId, base, c.kind, ".account_id");
        return { kind: "adjustment", result: engine.applyAccountAdjustment(c.accountId, c.adjustments) };
      }
    }
  }

  // ---- pinning ----------------------------------------------------------------------------

  /**
   * The admission of an order that may reserve (start, execute, drop-copy). Everything that
   * can refuse it is checked before anything changes: the account (known, not pinned to
   * another channel, the owner's pin cap), a retry's precondition, then the channel's
   * open-handle bounds when the command would leave a request or reservation open, unless it
   * is a retry answered without the engine (which opens nothing). Only then is the account
   * pinned here: a refused command changes nothing (docs/security.md; a retry's reservation
   * found past its TTL is rolled back first, as the sweep would have: `retriedReservation`).
   * Returns a retry's answer — the first decision, or its reject when it is not the command
   * and order first sent with the id (safe-retries.ts) — or undefined: run the engine. The
   * wire requires the account. `commitOnAccept`: the command's (false for a start, which
   * leaves a request open); a command that does not commit on accept opens a handle.
   */
  private admit(order: Order, base: string, kind: "start" | "execute" | "dropCopy", commitOnAccept: boolean): ChannelResult | undefined {
    const accountId = order.operation!.accountId!;
    const pinsHere = this.claimable(accountId, base, kind, ORDER_ACCOUNT);
    // Only a retry builds the handle check's closure: every other order allocates nothing here.
    const answer = order.retry === true ? retryAnswer(this.host.engine, order, accountId, this.host.nowMs(), base, kind, commitOnAccept, (id) => this.retriedReservation(id, accountId)) : undefined;
    if (answer === undefined && !commitOnAccept) this.assertCapacity(base, kind === "start" ? 2n : 1n);
    if (pinsHere) this.pinHere(accountId);
    return answer;
  }

  /**
   * Where `id`, a safe retry's first decision's reservation of `accountId`, stands now (for a
   * retry whose first decision left it open: commit ends it while its client order id stays
   * known). Looked up in the channel that issued it (an id's upper 32 bits): with pinning that
   * is this one (an account's handles live on the channel it is pinned to; a takeover, release
   * or close rolls them back), in fullSync any live channel. Ids are never issued twice (a
   * channel's sequence only counts up, channel ids only count up, both snapshotted), so an open
   * handle with this id is that reservation. "open": still in that table and before its TTL;
   * "committed": not in it (a real rollback would have freed the id). Past its TTL it is the
   * sweep's, whether or not the sweep's tick has come (found by review: the retry named it as
   * open, and the gateway's commit of it was then refused as expired): rolled back now and told
   * as expired, as the sweep and a commit do, so "rolledBack" (the id freed: the retry runs as a
   * new order), or "committed" when a report had named its order (the rollback committed it).
   * The door stamps the command, so a replay expires it at the same retry.
   */
  private retriedReservation(id: bigint, accountId: AccountId): "open" | "committed" | "rolledBack" {
    const issuer = id >> 32n === this.channelId ? this : this.host.channels.get(id >> 32n);
    const h = issuer?.handles.get(id);
    if (issuer === undefined || h === undefined || h.kind !== "reservation" || h.accountId !== accountId) return "committed";
    if (h.expiresAt > this.host.nowMs()) return "open";
    issuer.handles.take(id, "reservation", "");
    issuer.rollBackExpired([[id, h]]);
    return h.reservation.state === "committed" ? "committed" : "rolledBack";
  }

  /** Pins on first use (see `claimable`), for commands with nothing else to check first. */
  private claim(accountId: AccountId, base: string, kind: ChannelCommand["kind"], suffix: string): void {
    if (this.claimable(accountId, base, kind, suffix)) this.pinHere(accountId);
  }

  /**
   * Whether a command on `accountId` may run here, and must pin it first (true: not yet
   * pinned): an unknown account, or one pinned to another live channel, or one past the
   * owner's pin cap, is a per-command error. The account's field is `base`, the command's
   * wire name, then `suffix`: built only here when it is named.
   */
  private claimable(accountId: AccountId, base: string, kind: ChannelCommand["kind"], suffix: string): boolean {
    if (!this.host.isKnownAccount(accountId)) {
      throw unconfiguredAccount(fieldOf(base, kind) + suffix);
    }
    if (!this.host.pinning) return false;
    const owner = this.host.pins.ownerOf(accountId);
    if (owner === this) return false;
    if (owner !== undefined) {
      const field = fieldOf(base, kind) + suffix;
      throw new CommandError(
        "ACCOUNT_PINNED_ELSEWHERE",
        field,
        `${field}: account is pinned to another channel; bind it with takeover to move it here`,
      );
    }
    this.assertPinCapacity(1, fieldOf(base, kind) + suffix);
    return true;
  }

  private pinHere(accountId: AccountId): void {
    this.host.pins.pin(accountId, this);
    this.accounts.add(accountId);
  }

  private bind(ids: readonly AccountId[], takeover: boolean, field: string): ChannelResult {
    for (const [i, id] of ids.entries()) {
      if (!this.host.isKnownAccount(id)) {
        throw unconfiguredAccount(`${field}.account_ids[${i}]`);
      }
    }
    const byOwner = new Map<ChannelState, Set<AccountId>>();
    if (this.host.pinning) {
      for (const [i, id] of ids.entries()) {
        const owner = this.host.pins.ownerOf(id);
        if (owner === undefined || owner === this) continue;
        if (!takeover) {
          const f = `${field}.account_ids[${i}]`;
          const message = `${f}: account is pinned to another channel; set takeover to fence it`;
          throw new CommandError("ACCOUNT_PINNED_ELSEWHERE", f, message);
        }
        let set = byOwner.get(owner);
        if (!set) byOwner.set(owner, (set = new Set()));
        set.add(id);
      }
      // Checked before anything moves: past the cap, the bind changes nothing.
      this.assertPinCapacity(this.newPinsOf(ids), `${field}.account_ids`);
      // Fence first: the old channel's open work is rolled back before this one proceeds.
      for (const [owner, set] of byOwner) owner.fence(set);
      for (const id of ids) this.pinHere(id);
    }
    return { kind: "bind", takenOver: [...byOwner.values()].flatMap((s) => [...s]) };
  }

  private release(accountIds: readonly AccountId[]): ChannelResult {
    const ids = new Set(accountIds);
    this.drop(this.handles.takeWhere((h) => ids.has(h.accountId)));
    for (const id of ids) {
      if (this.accounts.delete(id)) this.host.pins.unpin(id, this);
    }
    return { kind: "bind", takenOver: [] };
  }

  // ---- handles ----------------------------------------------------------------------------

  private reservationHandle(accountId: AccountId, reservation: PreTradeReservation): Handle {
    const ttl = this.host.limits.reservationTtlMs;
    return { kind: "reservation", accountId, reservation, expiresAt: ttl > 0 ? this.host.nowMs() + ttl : Infinity };
  }

  /**
   * `needed`: the ids the command takes (a start two: its request's and, later, that request's
   * reservation's; found by review, session 30: it was counted one, so the last start was
   * accepted and its executeRequest refused after the main stage ran).
   */
  private assertCapacity(field: string, needed: bigint): void {
    // The ids this command takes and one for each open request's reservation to come
    // (executeRequest adds without this check): refused before the engine takes any risk.
    if (this.handles.idsNearEnd && this.handles.idsLeft < BigInt(this.handles.size) + needed) {
      throw new CommandError("RESOURCE_EXHAUSTED", field, `${field}: this channel has issued every handle id it can (2^32 - 1); open a new channel`);
    }
    const max = this.host.limits.maxOpenHandlesPerChannel;
    if (this.handles.size >= max) {
      throw new CommandError(
        "RESOURCE_EXHAUSTED",
        field,
        `${field}: ${max} requests/reservations are open on this channel; commit, roll back or discard some first`,
      );
    }
    // Process-wide: many channels must not add up to more than the sidecar can hold.
    const total = this.host.limits.maxOpenHandles;
    if (total !== undefined && this.host.handleTally.open >= total) {
      throw new CommandError(
        "RESOURCE_EXHAUSTED",
        field,
        `${field}: ${total} requests/reservations are open on this sidecar (limits.maxOpenHandles); commit, roll back or discard some first`,
      );
    }
  }

  /** How many of `ids` would become newly pinned to this channel's owner (takeovers from its own other channels are not new). */
  private newPinsOf(ids: readonly AccountId[]): number {
    let added = 0;
    for (const id of new Set(ids)) {
      if (this.host.pins.ownerOf(id)?.owner !== this.owner) added++;
    }
    return added;
  }

  /** Pinning `added` more accounts must keep this owner within limits.maxPinnedAccountsPerOwner. */
  private assertPinCapacity(added: number, field: string): void {
    const max = this.host.limits.maxPinnedAccountsPerOwner;
    if (max === undefined || added === 0) return;
    const pinned = this.host.pinnedAccountCount(this.owner);
    if (pinned + added > max) {
      throw new CommandError(
        "RESOURCE_EXHAUSTED",
        field,
        `${field}: ${pinned} accounts are pinned to this principal's channels and at most ${max} may be (limits.maxPinnedAccountsPerOwner); release some first`,
      );
    }
  }

  /** Rolls back reservations and abandons requests; returns their ids. */
  private drop(taken: readonly [bigint, Handle][]): DroppedHandles {
    const rolledBack: bigint[] = [];
    const abandoned: bigint[] = [];
    const byAccount = new Map<AccountId, bigint[]>();
    for (const [id, h] of taken) {
      if (h.kind === "reservation") {
        // One reservation that cannot roll back must not keep the others (or the unpinning) from it.
        guarded(`rolling back reservation ${id}`, () => h.reservation.rollback());
        rolledBack.push(id);
        const list = byAccount.get(h.accountId);
        if (list) list.push(id);
        else byAccount.set(h.accountId, [id]);
      } else {
        guarded(`abandoning request ${id}`, () => h.request[Symbol.dispose]());
        abandoned.push(id);
      }
    }
    return { rolledBack, abandoned, byAccount };
  }
}
