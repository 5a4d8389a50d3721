import { create } from "@bufbuild/protobuf";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import type { AccountId } from "../../param/index.js";
import { PolicyCallbackError, type Engine, type PreTradeReservation } from "../../engine/index.js";
import type { ExecutionReport, PostTradeResult } from "../../model/index.js";
import {
  CodecError,
  decodeAccountId,
  decodeAdjustments,
  decodeExecutionReport,
  decodeOrder,
  lockAndOutcomesOf,
  notices,
  results,
} from "../codec/index.js";
import { HandleTable, type Handle } from "./handle-table.js";
import type { PinRegistry } from "./pin-registry.js";

export interface ChannelLimits {
  readonly maxCommandsPerMessage: number;
  readonly maxOpenHandlesPerChannel: number;
  readonly maxAdjustmentsPerBatch: number;
  /** 0 = reservations never expire. */
  readonly reservationTtlMs: number;
}

/** What a channel needs from the process around it. */
export interface ChannelHost {
  readonly engine: Engine;
  readonly pins: PinRegistry<ChannelSession>;
  readonly limits: ChannelLimits;
  /** Pinning is enforced unless the engine runs in `fullSync` mode. */
  readonly pinning: boolean;
  nowMs(): number;
  isKnownAccount(accountId: AccountId): boolean;
  /** Applies a report and publishes what monitors must hear (halts). */
  applyExecutionReport(report: ExecutionReport): PostTradeResult;
}

export type Notify = (message: ch.OpenResponse) => void;

/**
 * One account channel: the handles it issued, the accounts pinned to it, and the
 * command dispatch. Transport-free: the gRPC adapter feeds it messages and writes what
 * it returns, so it is tested without sockets as well as end to end.
 */
export class ChannelSession {
  private readonly handles: HandleTable;
  private readonly accounts = new Set<AccountId>();
  private closed = false;

  constructor(
    readonly channelId: bigint,
    private readonly host: ChannelHost,
    private readonly notify: Notify,
  ) {
    this.handles = new HandleTable(channelId);
  }

  get pinnedAccounts(): ReadonlySet<AccountId> {
    return this.accounts;
  }

  get openHandles(): number {
    return this.handles.size;
  }

  /** Reservation ids open for an account, for the admin query. */
  openReservationsOf(accountId: AccountId): bigint[] {
    const ids: bigint[] = [];
    for (const [id, h] of this.handles.entries()) if (h.kind === "reservation" && h.accountId === accountId) ids.push(id);
    return ids;
  }

  handle(request: ch.OpenRequest): ch.OpenResponse {
    const commands = request.commands;
    let out: ch.CommandResult[];
    if (commands.length > this.host.limits.maxCommandsPerMessage) {
      // One error per command, so results still pair with commands by index.
      const message = `commands: ${commands.length} commands in one message; at most ${this.host.limits.maxCommandsPerMessage}`;
      out = commands.map(() => results.error(ErrorCode.BATCH_TOO_LARGE, message, "commands"));
    } else {
      out = new Array<ch.CommandResult>(commands.length);
      for (let i = 0; i < commands.length; i++) out[i] = this.run(commands[i]!, `commands[${i}]`);
    }
    // A literal, not `create()`: every order's answer takes this path.
    return { $typeName: "openpit.sidecar.v1.OpenResponse", correlationId: request.correlationId, results: out };
  }

  /** A whole message answered with one error per command (shutdown, overload). */
  refuse(request: ch.OpenRequest, code: ErrorCode, message: string): ch.OpenResponse {
    const out = request.commands.map(() => results.error(code, message));
    return create(ch.OpenResponseSchema, { correlationId: request.correlationId, results: out });
  }

  /** The stream ended: abandon requests, roll back reservations, unpin. Idempotent. */
  close(): { rolledBack: number; abandoned: number } {
    if (this.closed) return { rolledBack: 0, abandoned: 0 };
    this.closed = true;
    const dropped = this.drop(this.handles.takeWhere(() => true));
    for (const account of this.accounts) this.host.pins.unpin(account, this);
    this.accounts.clear();
    return { rolledBack: dropped.rolledBack.length, abandoned: dropped.abandoned.length };
  }

  /** Another channel takes these accounts over: drop their handles here and say so. */
  fence(accounts: ReadonlySet<AccountId>): void {
    const dropped = this.drop(this.handles.takeWhere((h) => accounts.has(h.accountId)));
    for (const account of accounts) {
      this.accounts.delete(account);
      this.host.pins.unpin(account, this);
    }
    this.notify(notices.fenced([...accounts], dropped.rolledBack, dropped.abandoned));
  }

  /** Rolls back reservations whose TTL has passed. */
  expire(now: number): void {
    const taken = this.handles.takeWhere((h) => h.kind === "reservation" && h.expiresAt <= now);
    if (taken.length === 0) return;
    const { rolledBack } = this.drop(taken);
    this.notify(notices.expired(rolledBack));
  }

  // ---- dispatch ------------------------------------------------------------------------

  private run(command: ch.Command, field: string): ch.CommandResult {
    try {
      return this.dispatch(command.command, field);
    } catch (e) {
      if (e instanceof CodecError) return results.error(e.code, e.message, e.field);
      const message = e instanceof PolicyCallbackError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
      return results.error(ErrorCode.INTERNAL, message, field);
    }
  }

  private dispatch(c: ch.Command["command"], field: string): ch.CommandResult {
    const engine = this.host.engine;
    switch (c.case) {
      case "bindAccounts":
        return this.bind(c.value, `${field}.bind_accounts`);
      case "releaseAccounts":
        return this.release(c.value, `${field}.release_accounts`);
      case "startPreTrade": {
        const order = decodeOrder(c.value.order, `${field}.start_pre_trade.order`);
        const accountId = this.claim(order.operation!.accountId!, `${field}.start_pre_trade.order.account_id`);
        this.assertCapacity(field);
        const r = engine.startPreTrade(order);
        if (!r.ok) return results.startRejected(r.rejects);
        return results.startAccepted(this.handles.add({ kind: "request", accountId, request: r.request }));
      }
      case "executeRequest": {
        const f = `${field}.execute_request.request_id`;
        const h = this.handles.take(c.value.requestId, "request", f);
        const r = h.request.execute();
        if (!r.ok) return results.executeRejected(r.rejects);
        const id = this.handles.add(this.reservationHandle(h.accountId, r.reservation));
        return results.executeAccepted(id, false, lockAndOutcomesOf(r.reservation));
      }
      case "discardRequest": {
        const h = this.handles.take(c.value.requestId, "request", `${field}.discard_request.request_id`);
        h.request[Symbol.dispose]();
        return results.finalized(c.value.requestId);
      }
      case "executePreTrade": {
        const f = `${field}.execute_pre_trade`;
        const order = decodeOrder(c.value.order, `${f}.order`);
        const accountId = this.claim(order.operation!.accountId!, `${f}.order.account_id`);
        if (!c.value.commitOnAccept) this.assertCapacity(field);
        const r = engine.executePreTrade(order);
        if (!r.ok) return results.executeRejected(r.rejects);
        const view = lockAndOutcomesOf(r.reservation);
        if (c.value.commitOnAccept) {
          r.reservation.commit();
          return results.executeAccepted(0n, true, view);
        }
        return results.executeAccepted(this.handles.add(this.reservationHandle(accountId, r.reservation)), false, view);
      }
      case "startPreTradeDryRun": {
        const order = decodeOrder(c.value.order, `${field}.start_pre_trade_dry_run.order`);
        this.claim(order.operation!.accountId!, `${field}.start_pre_trade_dry_run.order.account_id`);
        return results.dryRun(engine.startPreTradeDryRun(order));
      }
      case "executePreTradeDryRun": {
        const order = decodeOrder(c.value.order, `${field}.execute_pre_trade_dry_run.order`);
        this.claim(order.operation!.accountId!, `${field}.execute_pre_trade_dry_run.order.account_id`);
        return results.dryRun(engine.executePreTradeDryRun(order));
      }
      case "executePreTradeDropCopy": {
        const f = `${field}.execute_pre_trade_drop_copy`;
        const order = decodeOrder(c.value.order, `${f}.order`);
        const accountId = this.claim(order.operation!.accountId!, `${f}.order.account_id`);
        if (!c.value.commitOnAccept) this.assertCapacity(field);
        const reservation = engine.executePreTradeDropCopy(order);
        const view = lockAndOutcomesOf(reservation);
        if (c.value.commitOnAccept) {
          reservation.commit();
          return results.dropCopy(0n, true, view, reservation.accountBlock);
        }
        const id = this.handles.add(this.reservationHandle(accountId, reservation));
        return results.dropCopy(id, false, view, reservation.accountBlock);
      }
      case "commitReservation": {
        const id = c.value.reservationId;
        this.handles.take(id, "reservation", `${field}.commit_reservation.reservation_id`).reservation.commit();
        return results.finalized(id);
      }
      case "rollbackReservation": {
        const id = c.value.reservationId;
        this.handles.take(id, "reservation", `${field}.rollback_reservation.reservation_id`).reservation.rollback();
        return results.finalized(id);
      }
      case "applyExecutionReport": {
        const f = `${field}.apply_execution_report.report`;
        const report = decodeExecutionReport(c.value.report, f);
        const accountId = report.operation?.accountId;
        if (accountId !== undefined) this.claim(accountId, `${f}.account_id`);
        return results.postTrade(this.host.applyExecutionReport(report));
      }
      case "applyAccountAdjustment": {
        const f = `${field}.apply_account_adjustment`;
        const accountId = this.claim(decodeAccountId(c.value.accountId, `${f}.account_id`), `${f}.account_id`);
        const adjustments = decodeAdjustments(c.value.adjustments, `${f}.adjustments`, this.host.limits.maxAdjustmentsPerBatch);
        return results.adjustment(engine.applyAccountAdjustment(accountId, adjustments));
      }
      default:
        throw new CodecError(ErrorCode.MISSING_FIELD, `${field}.command`, `${field}: the message carries no command`);
    }
  }

  // ---- pinning ----------------------------------------------------------------------------

  /** Pins on first use; an account pinned to another live channel is a per-command error. */
  private claim(accountId: AccountId, field: string): AccountId {
    if (!this.host.isKnownAccount(accountId)) {
      throw new CodecError(ErrorCode.UNKNOWN_NAME, field, `${field}: account is not configured on this sidecar`);
    }
    if (!this.host.pinning) return accountId;
    const owner = this.host.pins.ownerOf(accountId);
    if (owner === this) return accountId;
    if (owner !== undefined) {
      throw new CodecError(
        ErrorCode.ACCOUNT_PINNED_ELSEWHERE,
        field,
        `${field}: account is pinned to channel ${owner.channelId}; bind it with takeover to move it here`,
      );
    }
    this.host.pins.pin(accountId, this);
    this.accounts.add(accountId);
    return accountId;
  }

  private bind(v: ch.BindAccounts, field: string): ch.CommandResult {
    const ids = v.accountIds.map((id, i) => decodeAccountId(id, `${field}.account_ids[${i}]`));
    for (const [i, id] of ids.entries()) {
      if (!this.host.isKnownAccount(id)) {
        const f = `${field}.account_ids[${i}]`;
        throw new CodecError(ErrorCode.UNKNOWN_NAME, f, `${f}: account is not configured on this sidecar`);
      }
    }
    const byOwner = new Map<ChannelSession, Set<AccountId>>();
    if (this.host.pinning) {
      for (const [i, id] of ids.entries()) {
        const owner = this.host.pins.ownerOf(id);
        if (owner === undefined || owner === this) continue;
        if (!v.takeover) {
          const f = `${field}.account_ids[${i}]`;
          const message = `${f}: account is pinned to channel ${owner.channelId}; set takeover to fence it`;
          throw new CodecError(ErrorCode.ACCOUNT_PINNED_ELSEWHERE, f, message);
        }
        let set = byOwner.get(owner);
        if (!set) byOwner.set(owner, (set = new Set()));
        set.add(id);
      }
      // Fence first: the old channel's open work is rolled back before this one proceeds.
      for (const [owner, set] of byOwner) owner.fence(set);
      for (const id of ids) {
        this.host.pins.pin(id, this);
        this.accounts.add(id);
      }
    }
    return results.bind([...byOwner.values()].flatMap((s) => [...s]));
  }

  private release(v: ch.ReleaseAccounts, field: string): ch.CommandResult {
    const ids = new Set(v.accountIds.map((id, i) => decodeAccountId(id, `${field}.account_ids[${i}]`)));
    this.drop(this.handles.takeWhere((h) => ids.has(h.accountId)));
    for (const id of ids) {
      if (this.accounts.delete(id)) this.host.pins.unpin(id, this);
    }
    return results.bind([]);
  }

  // ---- handles ----------------------------------------------------------------------------

  private reservationHandle(accountId: AccountId, reservation: PreTradeReservation): Handle {
    const ttl = this.host.limits.reservationTtlMs;
    return { kind: "reservation", accountId, reservation, expiresAt: ttl > 0 ? this.host.nowMs() + ttl : Infinity };
  }

  private assertCapacity(field: string): void {
    const max = this.host.limits.maxOpenHandlesPerChannel;
    if (this.handles.size >= max) {
      throw new CodecError(
        ErrorCode.RESOURCE_EXHAUSTED,
        field,
        `${field}: ${max} requests/reservations are open on this channel; commit, roll back or discard some first`,
      );
    }
  }

  /** Rolls back reservations and abandons requests; returns their ids. */
  private drop(taken: readonly [bigint, Handle][]): { rolledBack: bigint[]; abandoned: bigint[] } {
    const rolledBack: bigint[] = [];
    const abandoned: bigint[] = [];
    for (const [id, h] of taken) {
      if (h.kind === "reservation") {
        h.reservation.rollback();
        rolledBack.push(id);
      } else {
        h.request[Symbol.dispose]();
        abandoned.push(id);
      }
    }
    return { rolledBack, abandoned };
  }
}
