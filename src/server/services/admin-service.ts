/** AdminService: the operator's changes go through the door as commands; queries read state. */
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import type { AdminCommand } from "../../state/commands.js";
import { CommandError, invalid } from "../../state/command-error.js";
import { JournalClosedError } from "../../state/journal/journal.js";
import { policySettingsTooLarge, settingsChangeTooLarge } from "../config/settings-size.js";
import { configurableOf, type AdminResult } from "../../state/admin-commands.js";
import { MalformedMessage } from "../../transport/service-definition.js";
import {
  decodeAccountId,
  decodeAccountListFilter,
  decodeAuditFilter,
  encodeAccountPage,
  encodeAccountState,
  encodeAuditAnswer,
  encodeBlock,
  encodeChannelSummary,
  encodeServerStatus,
  missing,
} from "../codec/index.js";
import { listAccounts } from "../../state/account-directory.js";
import {
  ADMIN_COMMAND_DECODERS,
  decodeConfigurePolicy,
  decodedRequest,
  decodePushQuote,
} from "../codec/decode-admin.js";
import { decodePolicyName } from "../codec/scalars.js";
import { shownSettingsJson } from "../../policies/catalog.js";
import { toServiceError } from "./admin-errors.js";
import { refuseUnlistedAdmin, refuseUnlistedSettings } from "../../state/unlisted-admin.js";
import { encodeJournalStatus } from "../codec/journal-status.js";
import { encodeRetirement } from "../codec/retirement.js";
import { RetireAccountResponseSchema } from "../../../gen/openpit/sidecar/v1/retirement_pb.js";
import type { AccountId } from "../../param/index.js";
import { quoted } from "../../param/index.js";
import { JournalHold, type JournalQueueLimits } from "./journal-backpressure.js";
import { PHASE_REFUSALS, type AnyServerCall, type ServiceContext, type ServingPhase } from "./service-context.js";
import { principalOf } from "../security/service-guard.js";
import * as tsp from "../../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { decodeSetTradingState, encodeTradingState, encodeTradingStates } from "../codec/trading-state.js";
import { longSettingsReason } from "../codec/reason.js";
import { tradingStatePolicyOf } from "../../state/trading-state-admin.js";
import { replicationAdmin } from "./replication-admin.js";
import { followsOnly } from "./ownership-gate.js";
import { guarded } from "../../state/guarded.js";

/**
 * Changes are refused while the journal is replayed and once shutdown closes the streams (they
 * still run through the drain). The trailer `openpit-error-kind` (RECOVERING, SHUTTING_DOWN)
 * says the change was refused before it ran: an UNAVAILABLE alone may also be a connection
 * cut after the change was sent, and the CLI told an operator whose emergency block the
 * stopping sidecar had refused that it "may be in effect" (found by review, session 36).
 */
function refusal(phase: ServingPhase): PhaseRefusal | undefined {
  if (phase === "recovering") return phaseRefusal("RECOVERING", PHASE_REFUSALS.recovering);
  if (phase === "stopping" || phase === "failed") return phaseRefusal("SHUTTING_DOWN", PHASE_REFUSALS.stopping);
  return undefined;
}

type PhaseRefusal = { code: status; details: string; metadata: Metadata };

function phaseRefusal(kind: string, details: string): PhaseRefusal {
  const metadata = new Metadata();
  metadata.set("openpit-error-kind", kind);
  return { code: status.UNAVAILABLE, details, metadata };
}

type Handler<I, O> = (call: ServerUnaryCall<I, O>, callback: sendUnaryData<O>) => void;

const ACCOUNT_ID = "account_id";
const ACCOUNT_IDS = "account_ids";
const GROUP_ID = "group_id";

/** Operator API: blocks, groups, currencies, runtime configuration, market data, queries. */
export function adminService(ctx: ServiceContext, limits: JournalQueueLimits = {}): UntypedServiceImplementation {
  const { state } = ctx;
  /** Who the change is recorded as (the audit trail's actor): the principal the guard admitted. */
  const actorOf = (call: AnyServerCall): string => principalOf(call).name;

  /**
   * A change: decoded, run through the door, answered once durable. `field` names the
   * request field an engine error is about (the engine does not know field names).
   * `handsOutId`: the request may have the state assign a number its answer carries (an
   * instrument's next free id), so that answer waits for the sync in async mode too, as a read
   * does: answered before its record was on disk, a crash took the assignment back and the
   * restart gave the id to another instrument, whose prices the first one's publisher then set
   * (found by review). Other changes are still answered at once in async mode.
   */
  function mutation<I, D extends DescMessage>(
    schema: D,
    toCommand: (request: I) => AdminCommand,
    answer?: (result: AdminResult) => Partial<MessageShape<D>>,
    field?: string | ((request: I) => string),
    handsOutId?: (request: I) => boolean,
  ): Handler<I | MalformedMessage, MessageShape<D>> {
    return (call, callback) => {
      const refused = refusal(ctx.phase());
      if (refused) {
        callback(refused, null);
        return;
      }
      let command: AdminCommand;
      try {
        command = toCommand(decodedRequest(call.request));
      } catch (e) {
        // Malformed: answered at once, nothing entered the door.
        callback(toServiceError(e), null);
        return;
      }
      const notOwned = ctx.ownership?.refuseAdmin(command);
      if (notOwned) {
        callback(toServiceError(notOwned), null);
        return;
      }
      const unlisted = refuseUnlistedAdmin(command, (id) => state.isKnownAccount(id));
      if (unlisted) {
        callback(toServiceError(unlisted), null);
        return;
      }
      let reply: MessageShape<D>;
      try {
        const result = state.admin(command, actorOf(call));
        reply = create(schema, (answer?.(result) ?? {}) as never);
      } catch (e) {
        const error = toServiceError(e, typeof field === "function" ? field(call.request as I) : field);
        state.afterDurable(() => callback(error, null));
        return;
      }
      if (handsOutId === undefined || !handsOutId(call.request as I)) {
        state.afterDurable(() => callback(null, reply));
        return;
      }
      state.afterSyncedOrFailed(
        () => callback(null, reply),
        (e) => {
          // Failed: dropped, as afterDurable drops every answer then (the server fails closed).
          if (e instanceof JournalClosedError) callback({ code: status.UNAVAILABLE, details: "the sidecar is stopping: its journal is closed" }, null);
        },
      );
    };
  }

  /** A diagnostic read (the journal, the server, the channels): answered at once, whatever the journal's state. */
  function query<I, D extends DescMessage>(schema: D, read: (request: I) => Partial<MessageShape<D>>): Handler<I | MalformedMessage, MessageShape<D>> {
    return (call, callback) => {
      try {
        callback(null, create(schema, read(decodedRequest(call.request)) as never));
      } catch (e) {
        callback(toServiceError(e), null);
      }
    };
  }

  /**
   * A read of the state (accounts, settings, trading states, the audit trail). The state may
   * hold changes whose records are not durable yet (their answers still wait); the reply is
   * read now and sent once they are, so a client never learns of a change the journal may
   * still lose (a crash before the fdatasync, a stream that never acknowledges), in async mode
   * too, where the changes' own answers do not wait (an audit record read before its sync could
   * be lost and its number reused after a restart: found by review). If the
   * journal fails first, the reply is dropped with the answers of those changes. Refused while
   * the journal is replayed (a partial state) and once failed closed. In replicated mode a read
   * naming an account goes to its owner, as commands do (`accountOf`): NOT_OWNER elsewhere. A
   * read naming none (the account list, the settings, the trading states, the audit trail) is
   * refused NOT_OWNER, naming the group's owner, on an instance that owns no shard (a standby,
   * a fenced instance): its state follows the active's journal and may be behind it, for as
   * long as a partition lasts, and the answer could not say so. Found by review (session 37):
   * a standby cut off from NATS listed an account with the block its owner had lifted.
   * The diagnostics (`query`) still answer there.
   */
  function stateQuery<I, D extends DescMessage>(
    schema: D,
    read: (request: I) => Partial<MessageShape<D>>,
    /** The account the read is about, if any: another owner's is refused NOT_OWNER naming it. */
    accountOf?: (request: I) => AccountId | undefined,
  ): Handler<I | MalformedMessage, MessageShape<D>> {
    return (call, callback) => {
      const phase = ctx.phase();
      if (phase === "recovering" || phase === "failed") return callback(refusal(phase)!, null);
      let reply: MessageShape<D>;
      try {
        const request = decodedRequest(call.request);
        const account = accountOf?.(request);
        const notOwned = account !== undefined ? ctx.ownership?.refuseAccount(account, ACCOUNT_ID) : ctx.ownership?.refuseUnowned("");
        if (notOwned) throw notOwned;
        reply = create(schema, read(request) as never);
      } catch (e) {
        return callback(toServiceError(e), null);
      }
      if (state.journal.recordsAwaitingDurability === 0) callback(null, reply);
      else
        state.afterSyncedOrFailed(
          () => callback(null, reply),
          (e) =>
            callback(
              e instanceof JournalClosedError
                ? { code: status.UNAVAILABLE, details: "the sidecar is stopping: its journal is closed" }
                : { code: status.UNAVAILABLE, details: `the journal failed (${e.message}): this instance's state may hold changes that were never made durable` },
              null,
            ),
        );
    };
  }

  const change = <K extends keyof typeof ADMIN_COMMAND_DECODERS>(
    method: K,
    schema: DescMessage,
    answer?: (result: AdminResult) => Record<string, unknown>,
    field?: string | ((request: Parameters<(typeof ADMIN_COMMAND_DECODERS)[K]>[0]) => string),
    handsOutId?: (request: Parameters<(typeof ADMIN_COMMAND_DECODERS)[K]>[0]) => boolean,
  ) => mutation(schema, ADMIN_COMMAND_DECODERS[method] as (r: never) => AdminCommand, answer, field as never, handsOutId as never);

  return {
    blockAccount: change("blockAccount", ad.BlockAccountResponseSchema),
    unblockAccount: change("unblockAccount", ad.UnblockAccountResponseSchema),
    replaceAccountBlockReason: change("replaceAccountBlockReason", ad.ReplaceAccountBlockReasonResponseSchema, undefined, ACCOUNT_ID),
    blockGroup: change("blockGroup", ad.BlockGroupResponseSchema, undefined, GROUP_ID),
    unblockGroup: change("unblockGroup", ad.UnblockGroupResponseSchema, undefined, GROUP_ID),
    replaceGroupBlockReason: change("replaceGroupBlockReason", ad.ReplaceGroupBlockReasonResponseSchema, undefined, GROUP_ID),
    registerGroup: change("registerGroup", ad.RegisterGroupResponseSchema, undefined, ACCOUNT_IDS),
    unregisterGroup: change("unregisterGroup", ad.UnregisterGroupResponseSchema, undefined, ACCOUNT_IDS),
    setAccountCurrency: change("setAccountCurrency", ad.SetAccountCurrencyResponseSchema),
    setGroupCurrency: change("setGroupCurrency", ad.SetGroupCurrencyResponseSchema),
    retireAccount: change("retireAccount", RetireAccountResponseSchema, (result) => encodeRetirement(result.retirement)),
    configurePolicy: mutation(ad.ConfigurePolicyResponseSchema, (r: ad.ConfigurePolicyRequest): AdminCommand => {
      const command: AdminCommand = { kind: "configurePolicy", ...decodeConfigurePolicy(r) };
      const { policy, settings } = command;
      // An unknown policy, or one without runtime settings, is refused by the door, which
      // records it FAILED in the audit trail, as for every change naming a policy.
      const configurable = configurableIfAny(state.engine, policy);
      // Settings are parsed here too, so malformed ones are refused before the journal; and
      // bounded as they will apply and read back (defaults filled in), which is what the
      // audit record holds and what a compare-and-set sends again (settings-size.ts).
      if (configurable !== undefined) {
        const next = configurable.toJson(configurable.parseUpdate(settings as never, "settings_json"));
        // A state's reason takes at most 4 KiB here as in SetTradingState; checked here, not by
        // the parser a replay runs too (found by review, session 34: it took any length).
        const long = longSettingsReason(configurable.entry, settings);
        if (long !== undefined) invalid(`settings_json.${long.path}`, long.problem);
        const shown = shownSettingsJson(state.engine.policy(policy)!);
        // Both as they apply and as sent: a compare-and-set that conflicts is journaled and
        // recorded with the settings as sent, and 1 MiB applied could be 3 MiB sent (ids
        // written with leading zeros), a 5 MB record (found by review).
        const tooLarge = settingsChangeTooLarge(next, shown) ?? settingsChangeTooLarge(settings, shown);
        if (tooLarge !== undefined) invalid("settings_json", tooLarge);
        const unlisted = refuseUnlistedSettings(next, shown, (id) => state.isKnownAccount(id));
        if (unlisted !== undefined) throw unlisted;
      } else {
        // Refused by the door all the same, but journaled and recorded with the settings as
        // sent, which were not bounded: a 1 MB request of [1e20, …] made a 4.4 MB record
        // (found by review).
        const tooLarge = policySettingsTooLarge(settings);
        if (tooLarge !== undefined) invalid("settings_json", tooLarge);
      }
      return command;
    }),
    getPolicySettings: stateQuery(ad.GetPolicySettingsResponseSchema, (r: ad.GetPolicySettingsRequest) => {
      const name = decodePolicyName(r.policyName, "policy_name");
      const policy = state.engine.policy(name);
      if (!policy) throw new CommandError("UNKNOWN_NAME", "policy_name", `no policy named ${quoted(name)}`);
      return { settingsJson: JSON.stringify(shownSettingsJson(policy)) };
    }),
    setPnlAccumulator: change("setPnlAccumulator", ad.SetPnlAccumulatorResponseSchema),
    setSpotFundsAccountPnl: change("setSpotFundsAccountPnl", ad.SetSpotFundsAccountPnlResponseSchema, (result) => ({
      accountBlocks: (result.accountBlocks ?? []).map(encodeBlock),
    })),
    // Without an id, the next free one: rare (a listing), so always waited for.
    registerInstrument: change("registerInstrument", ad.RegisterInstrumentResponseSchema, (result) => ({ instrumentId: result.instrumentId }), undefined, () => true),
    pushQuote: change(
      "pushQuote",
      ad.PushQuoteResponseSchema,
      (result) => ({ instrumentId: result.instrumentId }),
      (r: ad.PushQuoteRequest) => (r.target.case === "instrument" ? "instrument" : "instrument_id"),
      // By instrument, it may register it on first sight; by id, the answer repeats the caller's
      // (quote rates: not held).
      (r: ad.PushQuoteRequest) => r.target.case === "instrument",
    ),
    streamQuotes(call: ServerReadableStream<ad.StreamQuotesRequest | MalformedMessage, ad.StreamQuotesResponse>, callback: sendUnaryData<ad.StreamQuotesResponse>) {
      let accepted = 0n;
      let failed = 0n;
      let firstError = "";
      const actor = actorOf(call);
      // A quote stream runs at market-data rates: it stops reading while the journal is
      // behind, as channels and feeds do (journal-backpressure.ts). One-off admin calls do not.
      // Ticks that arrived while the journal was behind, applied (in order) once it caught up:
      // the bound is asked before a tick runs, not after (found by review: a stream opened
      // while the journal was behind applied its first tick at once).
      const waiting: (ad.StreamQuotesRequest | MalformedMessage)[] = [];
      let ended = false;
      let answered = false;
      const answer = (): void => {
        if (answered) return;
        answered = true;
        unregister();
        state.afterDurable(() => callback(null, create(ad.StreamQuotesResponseSchema, { accepted, failed, firstError })));
      };
      /**
       * The call ended without its client's half-close (cancelled, lost, or revoked: the guard
       * answers UNAUTHENTICATED and emits 'cancelled'): what waits is dropped, not applied
       * (found by review: ticks that waited behind the journal were applied after a revocation).
       */
      let stopped = false;
      const stop = (): void => {
        stopped = true;
        waiting.length = 0;
        unregister();
      };
      /** True while shutdown's close applies the ticks received before it (the phase is "stopping" by then). */
      let closing = false;
      /**
       * Shutdown's close: a publisher streams without end and never half-closes, so the server
       * answers it here, with its summary, instead of leaving it to the grace period's cut (found
       * by review: it got CANCELLED and no summary, and every shutdown waited out the grace).
       * The ticks that waited behind the journal were received before the close: applied under
       * the drain's rules first, as a channel's inbox and the feed's queue are. Nothing sent
       * after it is read.
       */
      const unregister = ctx.streams.add({
        drainAndClose() {
          if (stopped || answered) return;
          closing = true;
          while (waiting.length > 0) apply(waiting.shift()!);
          closing = false;
          stopped = true;
          answer();
        },
      });
      call.on("cancelled", stop);
      call.on("error", stop);
      /** Once the journal caught up: the ticks that waited, in order, while it keeps up; then reading again (or the summary). */
      const drain = (): void => {
        if (stopped) return;
        while (waiting.length > 0) {
          if (journalHold.check()) return; // drained again when it has caught up
          apply(waiting.shift()!);
        }
        if (journalHold.check()) return;
        if (ended) answer();
        else call.resume();
      };
      const journalHold = new JournalHold(state, limits, drain);
      call.on("data", (m: ad.StreamQuotesRequest | MalformedMessage) => {
        if (stopped) return;
        if (waiting.length > 0 || journalHold.check()) {
          waiting.push(m);
          call.pause();
          return;
        }
        apply(m);
        if (journalHold.check()) call.pause();
      });
      call.on("end", () => {
        ended = true;
        if (waiting.length === 0) answer();
      });
      const apply = (m: ad.StreamQuotesRequest | MalformedMessage): void => {
        // The field a market-data error is about (it does not know the request's names), as
        // PushQuote's error names it (found by review, session 35: a tick on an unregistered
        // instrument id was answered without "push.instrument_id").
        let field: string | undefined;
        try {
          const phase = ctx.phase();
          const refused = refusal(closing && phase === "stopping" ? "draining" : phase);
          if (refused) throw new Error(refused.details);
          const push = decodedRequest(m).push ?? missing("push");
          const command = decodePushQuote(push, "push.");
          field = push.target.case === "instrument" ? "push.instrument" : "push.instrument_id";
          const notOwned = ctx.ownership?.refuseAdmin(command);
          if (notOwned) throw notOwned;
          state.admin(command, actor);
          accepted++;
        } catch (e) {
          failed++;
          if (firstError === "") firstError = toServiceError(e, field).details ?? String(e);
        }
      };
    },
    getAccountState: stateQuery(ad.GetAccountStateResponseSchema, (r: ad.GetAccountStateRequest) => {
      const accountId = decodeAccountId(r.accountId, ACCOUNT_ID);
      const admin = state.engine.accounts();
      const pinned = state.pins.ownerOf(accountId);
      return encodeAccountState({
        block: admin.blockInForce(accountId),
        group: admin.groupOf(accountId),
        currency: admin.currencyOf(accountId),
        policies: state.engine.policies,
        accountId,
        pinnedChannelId: pinned?.channelId,
        openReservations: [...state.channels.values()].flatMap((c) =>
          c.openReservationsOf(accountId).map((reservationId) => ({ channelId: c.channelId, reservationId })),
        ),
      });
    }, (r: ad.GetAccountStateRequest) => decodeAccountId(r.accountId, ACCOUNT_ID)),
    getJournalStatus: query(ad.GetJournalStatusResponseSchema, () => encodeJournalStatus(state.journal.status())),
    setTradingState: mutation(
      tsp.SetTradingStateResponseSchema,
      (r: tsp.SetTradingStateRequest): AdminCommand => boundedTradingState(state.engine, decodeSetTradingState(r)),
      (result) => ({ previous: encodeTradingState(result.previousTradingState ?? "ACTIVE") }),
      "policy_name",
    ),
    getTradingStates: stateQuery(tsp.GetTradingStatesResponseSchema, (r: tsp.GetTradingStatesRequest) =>
      encodeTradingStates(tradingStatePolicyOf(state.engine, r.policyName === "" ? undefined : decodePolicyName(r.policyName, "policy_name")).entries()),
    ),
    listAccounts: stateQuery(op.ListAccountsResponseSchema, (r: op.ListAccountsRequest) => {
      const gate = ctx.ownership;
      return encodeAccountPage(listAccounts(state, decodeAccountListFilter(r), gate && ((id) => gate.ownerElsewhere(id))));
    }),
    // A standby's channels are the active's, followed from the journal: none is its own
    // (as in the metrics; found by review: the status and the metrics disagreed).
    listChannels: query(op.ListChannelsResponseSchema, () => ({
      channels: followsOnly(ctx.ownership)
        ? []
        : [...state.channels.values()].sort((a, b) => (a.channelId < b.channelId ? -1 : 1)).map((c) => encodeChannelSummary(c, ctx.channelPeers?.get(c.channelId))),
    })),
    getServerStatus: query(op.GetServerStatusResponseSchema, () => {
      const identity = ctx.identity?.() ?? { version: "", replayRules: 0, uptimeMs: 0, configDigest: "", durabilityMode: state.journal.mode, listeners: [] };
      const accounts = state.engine.accounts();
      const own = !followsOnly(ctx.ownership);
      return encodeServerStatus({
        ...identity,
        phase: ctx.phase(),
        channels: own ? state.channels.size : 0,
        pinnedAccounts: own ? state.pins.size : 0,
        openHandles: own ? state.openHandleCount() : 0,
        blockedAccounts: accounts.blockedAccountCount,
        blockedGroups: accounts.blockedGroupCount,
        globalBlock: accounts.globalBlock,
        policies: state.engine.policies.map((p) => p.name),
        eventSubscribers: state.events.subscriberCount,
      });
    }),
    // Filtered on an account, the trail of its owner answers: another owner's trail holds none
    // of its changes and would read as "nothing happened to it" (found by review, session 43).
    queryAudit: stateQuery(
      ad.QueryAuditResponseSchema,
      (r: ad.QueryAuditRequest) => encodeAuditAnswer(state.audit.query(decodeAuditFilter(r)), state.audit.dropped),
      (r: ad.QueryAuditRequest) => (r.accountId === 0n ? undefined : decodeAccountId(r.accountId, ACCOUNT_ID)),
    ),
    ...replicationAdmin(
      () => ctx.replication,
      (call, shards) => guarded("recording a step-down in the audit trail", () => state.recordOperation(actorOf(call), "stepDown", `hands over shards ${shards.join(",")}`)),
      () => refusal(ctx.phase()),
    ),
  };
}

/**
 * A trading state is an entry of the policy's settings, which take at most 1 MiB of JSON at
 * runtime as in the file (settings-size.ts). Found by review: halts with long reasons grew
 * the settings to several MiB, past what a client receives, so GetPolicySettings and the
 * audit record of the next change stuck every reader. So a reason takes at most 4 KiB (the
 * decoder, reason.ts, for every state), and a change that would grow the settings past 1 MiB
 * is refused before the journal; except the global state, the operator's stop-everything
 * button, which must never be refused for size (one entry: it can pass the bound by one
 * reason at most; found by the next review). A policy the door refuses (unknown, several)
 * is left to it.
 */
function boundedTradingState(engine: Parameters<typeof configurableOf>[0], c: ReturnType<typeof decodeSetTradingState>): ReturnType<typeof decodeSetTradingState> {
  // An ACTIVE state is not kept (the scope's entry goes): it takes no room in the settings.
  if (c.state === "ACTIVE") return c;
  if (c.scope.kind === "global") return c;
  let policy;
  try {
    policy = tradingStatePolicyOf(engine, c.policy);
  } catch (e) {
    if (e instanceof CommandError) return c;
    throw e;
  }
  const configurable = configurableIfAny(engine, policy.name);
  if (configurable === undefined) return c;
  // A change that does not grow them (a shorter reason) always goes through.
  const tooLarge = settingsChangeTooLarge(configurable.toJson(policy.settingsAfter(c.scope, c.state, c.reason)), shownSettingsJson(policy));
  if (tooLarge !== undefined) invalid("reason", tooLarge);
  return c;
}

/** The policy's runtime settings, or undefined when it has none or does not exist (the door refuses those). */
function configurableIfAny(engine: Parameters<typeof configurableOf>[0], policy: string): ReturnType<typeof configurableOf> | undefined {
  try {
    return configurableOf(engine, policy);
  } catch (e) {
    if (e instanceof CommandError && (e.code === "UNKNOWN_NAME" || e.code === "FAILED_PRECONDITION")) return undefined;
    throw e;
  }
}
