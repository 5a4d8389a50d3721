/** ExecutionReportFeedService.Publish: the fill / drop-copy feed, applied through the door. */
import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { ExecutionReportFeedService, PublishResponseSchema, type PublishRequest, type PublishResponse, type ReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport } from "../../model/index.js";
import { CommandError, unconfiguredAccount, type CommandErrorCode } from "../../state/command-error.js";
import { decodedReport } from "../codec/decoded-messages.js";
import { decodeExecutionReport, encodeCommandError, encodeFeedAnswers, feedAnswerMessage, reportResults, type FeedAnswer } from "../codec/index.js";
import type { EncodedMessage } from "../../transport/wire/encoded-message.js";
import { MalformedMessage, isMalformed } from "../../transport/service-definition.js";
import { malformedCorrelationId } from "../../transport/correlation-id.js";
import { PHASE_REFUSALS, type ServiceContext } from "./service-context.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { AccountId } from "../../param/index.js";
import { refuseReport, type CommandScope } from "../security/account-scope.js";
import { collectingDenials } from "../security/message-denials.js";
import { principalOf } from "../security/service-guard.js";
import { methodPath } from "../security/method-access.js";
import { indexedField } from "./indexed-field.js";
import { stageTrace } from "../../transport/stage-trace.js";
import { coalesceWrites } from "../../transport/coalesce-writes.js";
import { SliceQueue } from "./slice-queue.js";
import { JournalHold, type JournalQueueLimits } from "./journal-backpressure.js";
import type { OwnershipGate } from "../../replication/ownership-gate.js";

const PUBLISH_PATH = methodPath(ExecutionReportFeedService.method.publish);

/** A message over `maxCommandsPerMessage` is refused as a whole (PublishResponse.error), so the answer stays small. */
function tooLarge(state: SidecarState, m: PublishRequest): PublishResponse | undefined {
  const max = state.limits.maxCommandsPerMessage;
  if (m.reports.length <= max) return undefined;
  const error = new CommandError("BATCH_TOO_LARGE", "reports", `reports: ${m.reports.length} reports in one message; at most ${max}`);
  return create(PublishResponseSchema, { correlationId: m.correlationId, error: encodeCommandError(error) });
}

/** Every report refused alike (one error each, paired by index); an oversize message is refused whole. */
function refuse(state: SidecarState, m: PublishRequest, code: CommandErrorCode, message: string): PublishResponse {
  const error = new CommandError(code, "", message);
  return tooLarge(state, m) ?? create(PublishResponseSchema, { correlationId: m.correlationId, results: m.reports.map(() => reportResults.fromError(error)) });
}

/**
 * One feed message: decoded report by report (a malformed one gets its error, one on an
 * account outside `scope` is refused), applied through the door in order.
 */
export function runPublishRequest(state: SidecarState, m: PublishRequest, scope?: CommandScope, offset = 0, ownership?: OwnershipGate): PublishResponse {
  const answers = publishAnswers(state, m, scope, offset, ownership);
  return Array.isArray(answers) ? publishResponse(m.correlationId, answers.map(feedAnswerMessage)) : answers;
}

// A literal, not `create()`: every feed message's answer takes this path.
function publishResponse(correlationId: bigint, results: ReportResult[]): PublishResponse {
  return { $typeName: "openpit.sidecar.v1.PublishResponse", correlationId, results };
}

/** One answer per report, in order (the door's results stay domain values until written: write-answers.ts), or the whole message refused. */
export function publishAnswers(state: SidecarState, m: PublishRequest, scope: CommandScope | undefined, offset: number, ownership: OwnershipGate | undefined): FeedAnswer[] | PublishResponse {
  const refused = tooLarge(state, m);
  if (refused) return refused;
  const count = m.reports.length;
  const out = new Array<FeedAnswer>(count);
  // Sized for every report and trimmed if some are refused (see runOpenRequest).
  const valid = new Array<ExecutionReport>(count);
  // Report k's path for the door's errors: `reports[k]` (the door's own default) while
  // report k is slot k of the whole message; the list is made only once that stops being
  // so (a later slice, or a report refused before the door).
  let bases: string[] | undefined = offset === 0 ? undefined : [];
  let n = 0;
  // Filled only once a report is refused before the door: until then report k is slot k.
  let slots: number[] | undefined;
  const scoped = scope !== undefined && !scope.principal.allAccounts ? collectingDenials(scope) : undefined;
  const checked = scoped?.scope;
  const groupOf = checked && ((id: AccountId) => state.engine.accounts().groupOf(id));
  // The message's refusals are recorded together once it is read (message-denials.ts).
  try {
    for (let i = 0; i < count; i++) {
      // The path is needed only to name an error: a report the direct decoder read, with no
      // scope or ownership to check, goes without (wire-reports.ts).
      const direct = checked === undefined && ownership === undefined ? decodedReport(m.reports[i]) : undefined;
      if (direct !== undefined && isConfigured(state, direct)) {
        valid[n] = direct;
        if (bases !== undefined) bases[n] = indexedField("reports", offset + i);
        n++;
        slots?.push(i);
        continue;
      }
      const field = indexedField("reports", offset + i);
      try {
        const report = decodeExecutionReport(m.reports[i], field);
        if (checked) {
          // Refused before the door: it changes nothing (the audit trail records the denial).
          const denied = refuseReport(checked, report, field, groupOf!);
          if (denied) throw denied;
        }
        // Ownership first, as on the channel and the admin service: each ownership group's strict
        // list holds its own shards' accounts only, so another owner's account was refused
        // UNKNOWN_NAME, naming no owner, and a feed sending every fill to one instance could not
        // tell where to send it (found by review, session 43).
        if (ownership) {
          const id = report.operation?.accountId;
          const notOwned = id === undefined ? ownership.refuseAccountless(`${field}.account_id`) : ownership.refuseAccount(id, `${field}.account_id`);
          if (notOwned) throw notOwned;
        }
        // A strict account list refuses the report, as the channel does (channel-state.ts `claimable`).
        if (!isConfigured(state, report)) throw unconfiguredAccount(`${field}.account_id`);
        valid[n] = report;
        if (bases !== undefined) bases[n] = field;
        n++;
        slots?.push(i);
      } catch (e) {
        if (!(e instanceof CommandError)) throw e;
        slots ??= Array.from({ length: n }, (_, k) => k);
        // From here on valid[k] is not report k: the paths of those before are written out.
        bases ??= Array.from({ length: n }, (_, k) => indexedField("reports", k));
        out[i] = reportResults.fromError(e);
      }
    }
  } finally {
    scoped?.denials?.flush();
  }
  valid.length = n;
  if (bases !== undefined) bases.length = n;
  if (n > 0) {
    let applied: FeedAnswer[];
    try {
      applied = state.applyReports(valid, bases);
    } catch (e) {
      // The door refused the reports as a whole (one record too large to journal).
      if (!(e instanceof CommandError)) throw e;
      applied = valid.map(() => reportResults.fromError(e));
    }
    for (let k = 0; k < applied.length; k++) out[slots ? slots[k]! : k] = applied[k]!;
  }
  return out;
}

/** False for a report naming an account a strict account list does not name; a report naming none is the engine's to refuse. */
function isConfigured(state: SidecarState, report: ExecutionReport): boolean {
  const id = report.operation?.accountId;
  return id === undefined || state.isKnownAccount(id);
}

/**
 * Reports applied per event-loop turn. A slice costs ~15–40 µs a report on the bench
 * machine, so 32 keep one stream's turn near a millisecond at worst while a burst of
 * fills (a venue's batch, or a backlog after a stall) is applied; orders of every channel
 * run between slices (docs/performance.md, "Where the time goes").
 */
export const REPORTS_PER_SLICE = 32;

export interface FeedQueueLimits extends JournalQueueLimits {
  /**
   * Messages waiting behind a sliced one (limits.maxQueuedMessages, as for a channel): at
   * this many, reading stops until they have all been applied, so a publisher faster than
   * the door is held by HTTP/2 flow control instead of queueing in memory without bound.
   */
  readonly maxQueuedMessages: number;
}

/**
 * The execution-report feed. Each report is applied when it arrives, in arrival order:
 * a command runs to completion, so a report never lands in the middle of one of its
 * account's channel commands. Reports need no pinning: the venue's facts must always land.
 *
 * Reports are applied during shutdown's drain too. Once shutdown has closed the stream,
 * every message that still arrives is answered SHUTTING_DOWN, report by report, until the
 * client half-closes (or the server's grace period cuts the stream): none goes unanswered.
 */
export function feedService(ctx: ServiceContext, limits: FeedQueueLimits): UntypedServiceImplementation {
  const { state, metrics, log } = ctx;

  return {
    publish(call: ServerDuplexStream<PublishRequest | MalformedMessage, PublishResponse | EncodedMessage>) {
      // Answers queued behind a pending write leave together (coalesce-writes.ts).
      coalesceWrites(call);
      const principal = principalOf(call);
      // Read only to be logged (test doubles of a call may not have it).
      const peer = log ? call.getPeer() : "";
      log?.info({ event: "connect", stream: "feed", peer, principal: principal.name }, `feed stream opened by ${principal.name} from ${peer}`);
      const scope: CommandScope = { principal, action: PUBLISH_PATH, onDenied: ctx.onDenied };
      const run = (m: PublishRequest, offset: number): FeedAnswer[] | PublishResponse => publishAnswers(state, m, scope, offset, ctx.ownership);
      /** Shutdown closed this stream (or the client went): nothing more is applied. */
      let closed = false;
      /** The transport is gone or ended: nothing more can be written. */
      let ended = false;
      // Reading is held back while the client does not read its answers, while the
      // messages behind a sliced one reach the bound, or while the journal is behind
      // (journal-backpressure.ts); it resumes once none holds.
      let heldForAnswers = false;
      let heldForBacklog = false;
      const release = (): void => {
        if (!heldForAnswers && !heldForBacklog && !journalHold.held) call.resume();
      };
      const journalHold = new JournalHold(state, limits, () => {
        work.resume();
        release();
      });
      /** Work may go on unless the journal is behind: then reading stops too (asked before each slice and after each answer). */
      const journalKeepsUp = (): boolean => {
        if (!journalHold.check()) return true;
        call.pause();
        return false;
      };
      const work = new SliceQueue(
        setImmediate,
        () => {
          if (!heldForBacklog) return;
          heldForBacklog = false;
          release();
        },
        journalKeepsUp,
      );
      /** True while shutdown's close applies what was received before it (the phase is "stopping" by then). */
      let closingQueue = false;
      const unregister = ctx.streams.add({
        drainAndClose() {
          // What was received before the close is applied under the drain's rules first.
          closingQueue = true;
          work.finishNow();
          finish("shutdown");
        },
      });
      const answer = (m: PublishRequest | MalformedMessage): PublishResponse | FeedAnswer[] => answerAt(m, 0, false);
      /**
       * `rest`: a later slice of a message whose first slice was applied. It was received
       * and accepted as a whole, so only a failed-closed process stops it (as before
       * slicing, when the whole message was applied in the turn it arrived). A stream lost
       * meanwhile, or ended by revoking its token (the guard's 'error', heard as a loss),
       * still finishes it, unanswered (docs/security.md, revoking a token).
       */
      const answerAt = (m: PublishRequest | MalformedMessage, offset: number, rest: boolean): PublishResponse | FeedAnswer[] => {
        if (isMalformed(m)) {
          return create(PublishResponseSchema, {
            correlationId: malformedCorrelationId(m),
            results: [reportResults.fromError(new CommandError("INVALID_VALUE", "", `message could not be decoded: ${m.error}`))],
          });
        }
        const phase = ctx.phase();
        if (rest) return phase === "failed" ? refuse(state, m, "SHUTTING_DOWN", PHASE_REFUSALS.stopping) : run(m, offset);
        if (phase === "recovering") return refuse(state, m, "UNAVAILABLE", PHASE_REFUSALS.recovering);
        if (closed || phase === "failed" || (phase === "stopping" && !closingQueue)) return refuse(state, m, "SHUTTING_DOWN", PHASE_REFUSALS.stopping);
        return run(m, offset);
      };
      const writeNow = (response: PublishResponse | EncodedMessage): void => {
        if (ended) return;
        try {
          // Flow control: stop reading until the client reads; one drain listener at a time.
          if (!call.write(response) && !heldForAnswers) {
            heldForAnswers = true;
            call.pause();
            call.once("drain", () => {
              heldForAnswers = false;
              release();
            });
          }
        } catch (e) {
          // This stream is broken (encoding or transport); the others and the journal are not.
          ended = true;
          call.destroy(e instanceof Error ? e : new Error(String(e)));
        }
      };
      const traced = (m: PublishRequest, offset = 0): PublishResponse | FeedAnswer[] =>
        stageTrace ? stageTrace.feed(m.reports.length, () => answerAt(m, offset, offset > 0)) : answerAt(m, offset, offset > 0);
      /** Writes the answer to `m` (arrived at `arrivedAt`) once durable, and counts its latency. */
      const answered = (response: PublishResponse | FeedAnswer[], m: PublishRequest | MalformedMessage, arrivedAt: number): void => {
        // The door's results written straight to bytes (write-answers.ts); refusals stay messages.
        const encoded = Array.isArray(response) ? encodeFeedAnswers(isMalformed(m) ? 0n : m.correlationId, response) : response;
        // Timed only when the door ran the message (not one refused whole), as on a channel.
        const timed = metrics !== undefined && !isMalformed(m) && Array.isArray(response) ? m.reports.length : -1;
        state.afterDurable(() => {
          writeNow(encoded);
          if (timed >= 0) metrics!.feedAnswered(timed, arrivedAt);
        });
        journalKeepsUp();
      };
      /** Answered in one go (malformed, a slice or less, refused whole): no job needed when nothing is ahead of it. */
      const isWhole = (m: PublishRequest | MalformedMessage): boolean => {
        if (isMalformed(m) || m.reports.length <= REPORTS_PER_SLICE || closed) return true;
        const phase = ctx.phase();
        const applies = phase === "serving" || phase === "draining" || (phase === "stopping" && closingQueue);
        return !applies || tooLarge(state, m) !== undefined;
      };
      const answerWhole = (m: PublishRequest | MalformedMessage, arrivedAt: number): void => answered(isMalformed(m) ? answer(m) : traced(m), m, arrivedAt);
      /** One message as a sliced job: a message of a slice or less (or refused whole) is answered at once. */
      function* apply(m: PublishRequest | MalformedMessage, arrivedAt: number): Generator<void, void, void> {
        if (isMalformed(m) || isWhole(m)) return answerWhole(m, arrivedAt);
        const out: FeedAnswer[] = [];
        for (let at = 0; at < m.reports.length; at += REPORTS_PER_SLICE) {
          if (at > 0) yield;
          const slice = traced({ ...m, reports: m.reports.slice(at, at + REPORTS_PER_SLICE) }, at);
          out.push(...(Array.isArray(slice) ? slice : slice.results));
        }
        answered(out, m, arrivedAt);
      }
      call.on("data", (m: PublishRequest | MalformedMessage) => {
        const arrivedAt = metrics ? metrics.arrival() : -1;
        // The usual message, with nothing queued ahead of it, is answered here and now, as
        // its job's first (and only) step would be: no generator per message.
        // The journal's bound is asked before running anything (see the channel's service).
        if (work.idle && isWhole(m) && journalKeepsUp()) return answerWhole(m, arrivedAt);
        work.push(apply(m, arrivedAt));
        // Waiting: every unfinished job but the one being applied.
        if (work.pending - 1 > limits.maxQueuedMessages && !heldForBacklog) {
          heldForBacklog = true;
          call.pause();
        }
      });
      function finish(reason: "disconnect" | "shutdown"): void {
        if (closed) return;
        closed = true;
        unregister();
        log?.info({ event: "disconnect", stream: "feed", peer, principal: principal.name, reason }, `feed stream of ${principal.name} from ${peer} ended (${reason})`);
      }
      call.on("end", () => {
        // The client half-closed: the stream ends after every message it sent is answered.
        work.push(
          (function* (): Generator<void, void, void> {
            finish("disconnect");
            state.afterDurable(() => {
              if (ended) return;
              ended = true;
              call.end();
            });
          })(),
        );
      });
      const gone = () => {
        ended = true;
        finish("disconnect");
        // The rest of a message being applied in slices is applied now (it was accepted whole:
        // the venue's facts), and what was queued behind it refused, not one slice per turn
        // once the stream has left shutdown's list: a shutdown meanwhile closed the journal
        // under it (found in session 29: JournalClosedError, uncaught, reports never applied).
        // In a microtask: the loss may be heard inside a slice (a revocation there), which must
        // end first; nothing else can run before the microtask, shutdown included.
        queueMicrotask(() => work.finishNow());
      };
      call.on("error", gone);
      call.on("cancelled", gone);
    },
  };
}
