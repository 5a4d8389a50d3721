/** AccountChannelService.Open: one gRPC bidi stream = one account channel of the door. */
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { AccountChannelService, type OpenRequest, type OpenResponse, type CommandResult } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { ChannelCommand } from "../../state/commands.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { ChannelNotice, ChannelResult } from "../../state/results.js";
import { CommandError, type CommandErrorCode } from "../../state/command-error.js";
import { channelAnswerMessage, decodeChannelCommand, encodeChannelAnswers, encodeCommandError, encodeNotice, results, shuttingDownNotice, type ChannelAnswer } from "../codec/index.js";
import { isEncodedMessage, type EncodedMessage } from "../../transport/wire/encoded-message.js";
import { MalformedMessage, isMalformed } from "../../transport/service-definition.js";
import { malformedCorrelationId } from "../../transport/correlation-id.js";
import { guarded } from "../../state/guarded.js";
import { CLOSED_BY_POLICY_REFUSAL, channelClosingCause } from "../../state/channel-closing.js";
import { DRAIN_REFUSED_COMMANDS, PHASE_REFUSALS, type ServiceContext } from "./service-context.js";
import type { AccountId } from "../../param/index.js";
import { refuseChannelCommand, type CommandScope } from "../security/account-scope.js";
import { collectingDenials } from "../security/message-denials.js";
import { principalOf } from "../security/service-guard.js";
import { methodPath } from "../security/method-access.js";
import { indexedField } from "./indexed-field.js";
import { refuseNotOwned } from "./ownership-gate.js";
import type { OwnershipGate } from "../../replication/ownership-gate.js";
import { stageTrace } from "../../transport/stage-trace.js";
import { coalesceWrites } from "../../transport/coalesce-writes.js";
import { SliceQueue } from "./slice-queue.js";
import { JournalHold, type JournalQueueLimits } from "./journal-backpressure.js";

export interface ChannelQueueLimits extends JournalQueueLimits {
  /** Messages held while the client is not reading responses (or the journal is behind); past it, RESOURCE_EXHAUSTED. */
  readonly maxQueuedMessages: number;
  /**
   * How long a stream whose channel a policy closed stays up for a client that does not
   * half-close (the shutdown grace; default 5 s): until then what it sends is refused.
   */
  readonly shutdownGraceMs?: number;
}

type Incoming = OpenRequest | MalformedMessage;
/** What the stream writes: the hot answers already as bytes (write-answers.ts), the rest as messages. */
type Answer = OpenResponse | EncodedMessage;

function response(correlationId: bigint, out: CommandResult[]): OpenResponse {
  // A literal, not `create()`: every order's answer takes this path.
  return { $typeName: "openpit.sidecar.v1.OpenResponse", correlationId, results: out };
}

/**
 * A message over `maxCommandsPerMessage` is refused as a whole (OpenResponse.error, no
 * results): one error per command would make the answer grow with the request, past a
 * client's default 4 MiB receive limit (100 000 empty commands, 200 kB, drew 7.2 MB).
 */
function tooLarge(state: SidecarState, m: OpenRequest): OpenResponse | undefined {
  const max = state.limits.maxCommandsPerMessage;
  if (m.commands.length <= max) return undefined;
  const message = `commands: ${m.commands.length} commands in one message; at most ${max}`;
  return { ...response(m.correlationId, []), error: encodeCommandError(new CommandError("BATCH_TOO_LARGE", "commands", message)) };
}

/** Every command refused alike (one error each, paired by index); an oversize message is refused whole. */
function refuse(state: SidecarState, m: OpenRequest, code: CommandErrorCode, message: string): OpenResponse {
  return tooLarge(state, m) ?? response(m.correlationId, m.commands.map(() => results.error(code, message)));
}

/** Which channel of the door a stream is, once its first command opened one. */
export interface StreamChannel {
  channelId: bigint | undefined;
  /** The principal the stream acts for (default "local"): the channel's pins count against it. */
  readonly owner?: string;
  readonly onOpen?: (channelId: bigint) => void;
  /** Whose commands these are; absent or `allAccounts` = no per-command account check. */
  readonly scope?: CommandScope;
  /** Replicated mode: commands on accounts of shards this instance does not own are refused NOT_OWNER. */
  readonly ownership?: OwnershipGate;
}

const OPEN_PATH = methodPath(AccountChannelService.method.open);

/**
 * One message: decoded command by command (a malformed one gets its error, the others
 * still run), run through the door in order, answered with one result per command.
 * `draining`: shutdown's drain, where commands that take on new risk are refused
 * SHUTTING_DOWN one by one (DRAIN_REFUSED_COMMANDS) and the others run.
 */
export function runOpenRequest(state: SidecarState, session: StreamChannel, m: OpenRequest, draining = false): OpenResponse {
  const answers = openAnswers(state, session, m, draining);
  return Array.isArray(answers) ? response(m.correlationId, answers.map(channelAnswerMessage)) : answers;
}

/** As runOpenRequest, but the answer written straight to bytes from the door's results (write-answers.ts): the stream's path. */
export function answerOpenRequest(state: SidecarState, session: StreamChannel, m: OpenRequest, draining = false): OpenResponse | EncodedMessage {
  const answers = openAnswers(state, session, m, draining);
  return Array.isArray(answers) ? encodeChannelAnswers(m.correlationId, answers) : answers;
}

/**
 * Opens the stream's channel at its first command that reaches the door; the refusal when no
 * channel can be opened (every channel id issued: sidecar-state.ts), answered to each command.
 * Its own function: the order path's openAnswers stays as it was (a try around it measured
 * +0.27 µs per cold order).
 */
function openSessionChannel(state: SidecarState, session: StreamChannel): CommandError | undefined {
  try {
    session.channelId = state.openChannel(session.owner).channelId;
  } catch (e) {
    if (e instanceof CommandError) return e;
    throw e;
  }
  session.onOpen?.(session.channelId);
  return undefined;
}

/**
 * One answer per command, in order, or the whole message refused. `offset`: where `m`'s
 * commands start in the message they were sliced from (error paths name that index).
 */
function openAnswers(state: SidecarState, session: StreamChannel, m: OpenRequest, draining: boolean, offset = 0): ChannelAnswer[] | OpenResponse {
  const refused = tooLarge(state, m);
  if (refused) return refused;
  const count = m.commands.length;
  const out = new Array<ChannelAnswer>(count);
  // Sized for every command and trimmed if some are answered before the door: an array
  // grown from `[]` reserves 17 slots, and most messages carry one order.
  const valid = new Array<ChannelCommand>(count);
  const bases = new Array<string>(count);
  let n = 0;
  // Filled only once a command is answered before the door: until then command k is slot k.
  let slots: number[] | undefined;
  // Checked once per message: the default principal may use every account, so the order
  // path pays nothing for it.
  const scoped = session.scope !== undefined && !session.scope.principal.allAccounts ? collectingDenials(session.scope) : undefined;
  const scope = scoped?.scope;
  const groupOf = scope && ((id: AccountId) => state.engine.accounts().groupOf(id));
  const requestAccount = scope && ((id: bigint) => (session.channelId === undefined ? undefined : state.channels.get(session.channelId)?.requestAccountOf(id)));
  // The message's refusals are recorded together once it is read (message-denials.ts),
  // before its other commands run; in a `finally`, so that none is lost if decoding throws.
  try {
    for (let i = 0; i < count; i++) {
      const base = indexedField("commands", offset + i);
      try {
        const command = decodeChannelCommand(m.commands[i]!.command, base, state.limits.maxAdjustmentsPerBatch);
        if (scope) {
          // Refused before the door: it changes nothing (the audit trail records the denial).
          const denied = refuseChannelCommand(scope, command, base, groupOf!, requestAccount!);
          if (denied) throw denied;
        }
        if (session.ownership) {
          const notOwned = refuseNotOwned(session.ownership, command, base);
          if (notOwned) throw notOwned;
        }
        if (draining && DRAIN_REFUSED_COMMANDS.has(command.kind)) {
          slots ??= Array.from({ length: n }, (_, k) => k);
          out[i] = results.error("SHUTTING_DOWN", PHASE_REFUSALS.draining);
          continue;
        }
        valid[n] = command;
        bases[n] = base;
        n++;
        slots?.push(i);
      } catch (e) {
        if (!(e instanceof CommandError)) throw e;
        slots ??= Array.from({ length: n }, (_, k) => k);
        out[i] = results.fromError(e);
      }
    }
  } finally {
    scoped?.denials?.flush();
  }
  // Only when some were answered before the door: setting `length` is a runtime call even
  // when it does not change (0.7 % of the sidecar's closed-loop profile).
  if (n < count) {
    valid.length = n;
    bases.length = n;
  }
  if (n > 0) {
    if (session.channelId === undefined) {
      const refused = openSessionChannel(state, session);
      if (refused !== undefined) {
        for (let k = 0; k < n; k++) out[slots ? slots[k]! : k] = results.fromError(refused);
        return out;
      }
    }
    let ran: ChannelAnswer[];
    try {
      ran = state.runChannel(session.channelId!, valid, bases);
    } catch (e) {
      // The door refused the message's commands as a whole (one record too large to journal).
      if (!(e instanceof CommandError)) throw e;
      ran = valid.map(() => results.fromError(e));
    }
    for (let k = 0; k < ran.length; k++) out[slots ? slots[k]! : k] = ran[k]!;
    if (slots) refuseAfterClosing(out, valid, ran as ChannelResult[], slots);
  }
  return out;
}

/**
 * A command that closed the channel (command-execution.ts stops the door's part of the
 * message there): every command after it is refused SHUTTING_DOWN, as a later slice's or
 * message's is, those answered before the door included. Found by review (session 36): a
 * command after the closing one that failed to decode (or was refused its account) kept
 * that answer, while the same command past a slice boundary was refused SHUTTING_DOWN, so the
 * answer hung on where the boundary fell. Only when some command was answered before the
 * door (`slots`): otherwise the door's answers are all there is.
 */
function refuseAfterClosing(out: ChannelAnswer[], valid: readonly ChannelCommand[], ran: readonly ChannelResult[], slots: readonly number[]): void {
  for (let k = 0; k < ran.length; k++) {
    if (channelClosingCause(valid[k]!, ran[k]!) === undefined) continue;
    for (let j = slots[k]! + 1; j < out.length; j++) out[j] = results.error("SHUTTING_DOWN", CLOSED_BY_POLICY_REFUSAL);
    return;
  }
}

/**
 * Commands run per event-loop turn when a message carries more (as the feed's
 * REPORTS_PER_SLICE): a batch of hundreds of orders would otherwise hold every other
 * channel and the feed for as long as the engine takes over all of them. The bench's
 * batches of 32 run in one turn.
 */
export const COMMANDS_PER_SLICE = 32;

/**
 * Adapts one gRPC bidi stream to a channel of the door. The channel is opened on the first
 * message it runs, so a stream that never sends leaves no trace in the journal.
 *
 * Messages are handled synchronously as they arrive, so commands for an account run in
 * arrival order and never interleave. Every answer is written once what it acknowledges is
 * durable (the door's `afterDurable`), in order. Backpressure: when grpc-js reports that the
 * response side is full and `maxQueuedMessages` answers wait in it (the client is not
 * reading: HTTP/2 flow control), new messages wait in a bounded queue; past that bound each
 * is answered RESOURCE_EXHAUSTED and reading is paused. New messages wait in that queue
 * too while the journal is behind (journal-backpressure.ts).
 *
 * Why not stop at grpc-js's own "full" (16 answers, its object-mode high-water mark): its
 * 'drain' comes only once every buffered answer has left, one write callback per loop
 * iteration, so under load the channel alternated between answering ~16 orders and holding
 * the next ones unrun in the queue for two iterations — measured at 80 % of capacity,
 * orders waited up to 110 ms there with the sidecar half idle (docs/performance.md).
 *
 * Every message that arrives gets an answer for as long as the stream is up: once shutdown
 * has closed the channel, each is refused SHUTTING_DOWN, and the stream ends only when the
 * client half-closes (the ShuttingDown notice asks it to) or the server's grace period cuts it.
 *
 * A message of more than COMMANDS_PER_SLICE commands, received while serving, runs a slice
 * per turn (slice-queue.ts) and is answered once, in order; the stream's next messages wait
 * in the inbox behind it. Once the channel has closed (the door closed it in an earlier
 * slice, shutdown, the client went), its remaining commands are refused SHUTTING_DOWN, as a
 * message arriving then would be. Shutdown's drain and the client's half-close finish the
 * slices at once.
 */
export function accountChannelService(ctx: ServiceContext, limits: ChannelQueueLimits): UntypedServiceImplementation {
  const { state, metrics, log } = ctx;
  return {
    open(call: ServerDuplexStream<Incoming, Answer>) {
      // Answers queued behind a pending write leave together (coalesce-writes.ts).
      coalesceWrites(call);
      const inbox: Incoming[] = [];
      /** When each message in the inbox arrived (performance.now()), for the answer latency; only with metrics. */
      const arrivals: number[] = [];
      let blocked = false;
      /**
       * Reading is paused because the inbox reached its bound. The inbox fills either behind
       * a client that does not read (`blocked`: 'drain' ends it) or behind a sliced message
       * still running while writes flow; no 'drain' comes then, so whatever empties the inbox
       * resumes reading (`resumeIfRoom`).
       */
      let paused = false;
      /** The channel was closed (shutdown, or the client went): nothing more is run on this stream. */
      let closed = false;
      /** The transport is gone or ended: answers still waiting for durability are dropped. */
      let ended = false;
      const writeNow = (message: Answer): void => {
        if (ended) return;
        try {
          // The write callback is only asked for when a trace samples this answer.
          const flushed = stageTrace?.written(message.correlationId);
          const room = flushed ? call.write(message, flushed) : call.write(message);
          // Answers grpc-js holds (a test double may not say: then full means full).
          const held = call.writableLength as number | undefined;
          if (!room && !(held !== undefined && held < limits.maxQueuedMessages)) blocked = true;
        } catch (e) {
          // This stream is broken (encoding or transport); the others and the journal are not.
          ended = true;
          call.destroy(e instanceof Error ? e : new Error(String(e)));
        }
      };
      /** The door closed the channel while answering: what comes after this answer is refused. */
      let closedByDoor = false;
      /** Ends a stream whose channel a policy closed, if its client does not half-close. */
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      /** Messages wait in the inbox while the journal is behind; the catch-up runs them. */
      const journalHold = new JournalHold(state, limits, () => {
        slices.resume();
        pump();
      });
      /**
       * Async mode: what waits for the sync of the record that opened this stream's channel.
       * There an answer otherwise leaves before its record is on disk; a crash that took back
       * the record opening the channel took back the move of the channel counter, and the
       * restart gave the same channel id, so the same handle ids, to the next channel: a
       * handle the gateway was told of then named that channel's reservations (found by
       * review). So until the opening is on disk, the stream's answers (and the notices, the
       * end and the forget behind them) wait in this queue, in order, behind one sync; from
       * then on they go at once again. In the other modes durable is synced: nothing waits here.
       */
      let openHeld: (() => void)[] | undefined;
      let openSynced = false;
      /** Runs `then` once what was answered so far may be written to this stream (see above). */
      const whenWritable = (then: () => void): void => {
        if (openSynced || session.channelId === undefined || state.journal.mode !== "async") {
          state.afterDurable(then);
          return;
        }
        if (openHeld !== undefined) {
          openHeld.push(then);
          return;
        }
        openHeld = [then];
        state.afterSyncedOrFailed(
          () => {
            openSynced = true;
            const held = openHeld!;
            openHeld = undefined;
            for (const f of held) f();
          },
          // The journal failed or closed: dropped, as afterDurable drops what waits then.
          () => (openHeld = undefined),
        );
      };
      /** Writes `message` once durable; `m` (arrived at `arrivedAt`) is the message it answers, for the latency histogram. */
      const write = (message: Answer, m?: Incoming, arrivedAt = 0): void => {
        // Nothing can be written to a stream that has ended (the client went, or the server
        // ended it), and the journal may be closed by then (found in session 29: a slice
        // refused after a cancel threw from afterDurable once shutdown had closed it).
        if (ended) return;
        // Timed only when the door ran the message (its answer is the door's results, as
        // bytes): a message refused whole (queue full, the phase, too many commands) is
        // answered in microseconds, and under overload those refusals pulled the quantiles
        // down exactly while orders waited (found by review).
        const timed = metrics !== undefined && m !== undefined && !isMalformed(m) && isEncodedMessage(message) ? m : undefined;
        whenWritable(() => {
          writeNow(message);
          if (timed !== undefined) metrics!.channelAnswered(timed, arrivedAt);
        });
        journalHold.check();
        if (closedByDoor && !closed) {
          // The door has closed the channel already (nothing to close there): logged and
          // forgotten as any other ending (found by review: it skipped both, so no
          // `disconnect` line and a peer entry left for ever). The stream stays up, as at
          // shutdown: what the client sent before it read the ChannelClosing notice is refused,
          // and the stream ends when the client half-closes (AccountChannel does on the notice)
          // or after the grace. It ended at once, and the messages already received behind
          // the closing one were never answered (found by review, session 30).
          const id = session.channelId!;
          stopStream("policy");
          whenWritable(() => forget(id));
          // A timer, outside any command: a journal a shutdown closed meanwhile must not throw
          // into the process (the shutdown cuts the stream then).
          graceTimer = setTimeout(() => guarded("ending a stream whose channel a policy closed", () => whenWritable(end)), limits.shutdownGraceMs ?? 5_000);
          graceTimer.unref?.();
        }
      };
      /**
       * Notices naming handles (fenced, expired) that come while a sliced message runs: held
       * until its answer is written. A takeover between two slices rolled back reservations the
       * message had opened, and its notice named them before the answer that issued them: a
       * gateway reading in order ignored the ids, then took "accepted, reservation R" for a
       * reservation already gone (found by review). Other notices (the channel closing, cancel
       * working orders) go at once, as for an unsliced message.
       */
      /**
       * Sliced messages started whose answers are not written yet, oldest first, each with the
       * notices told while it was the newest: those are written right after its answer. A
       * notice is delivered once its own command is durable, which on a slow or busy disk (or
       * a replicated journal) can come after the last slice ran but before the answer, queued
       * behind a later durability batch, is written. Held behind the newest answer only: held
       * until none was pending, notices starved while a gateway kept big messages coming
       * (found by reviews of the first two versions).
       */
      const pendingAnswers: ChannelNotice[][] = [];
      const tell = (notice: ChannelNotice): void => {
        const newest = pendingAnswers.at(-1);
        if (newest !== undefined && (notice.kind === "fenced" || notice.kind === "expired")) newest.push(notice);
        // Behind answers still waiting for the channel's opening to be synced (async): after them.
        else if (openHeld !== undefined) openHeld.push(() => writeNow(encodeNotice(notice)));
        else writeNow(encodeNotice(notice));
      };
      const answerWritten = (held: ChannelNotice[]): void => {
        const at = pendingAnswers.indexOf(held);
        if (at >= 0) pendingAnswers.splice(at, 1);
        for (const n of held) writeNow(encodeNotice(n));
      };
      const next = (): [Incoming, number] => [inbox.shift()!, metrics ? arrivals.shift()! : 0];
      /** The sliced message being run, if any (at most one: the stream's messages run in order). */
      const slices = new SliceQueue(setImmediate, undefined, () => !journalHold.check());

      const principal = principalOf(call);
      // Read only to be logged (test doubles of a call may not have it).
      const peer = log ? call.getPeer() : "";
      log?.info({ event: "connect", stream: "channel", peer, principal: principal.name }, `channel stream opened by ${principal.name} from ${peer}`);
      const session: StreamChannel = {
        channelId: undefined,
        // The channel's pins count against its principal (limits.maxPinnedAccountsPerOwner).
        owner: principal.name,
        onOpen: (id) => {
          ctx.channelWriters.set(id, tell);
          ctx.channelPeers?.set(id, call.getPeer());
        },
        scope: { principal, action: OPEN_PATH, onDenied: ctx.onDenied },
        ...(ctx.ownership ? { ownership: ctx.ownership } : {}),
      };

      /** `beforeClose`: received before shutdown closed this stream, so it runs under the drain's rules. */
      const answer = (m: Incoming, beforeClose = false): Answer =>
        stageTrace && !isMalformed(m) ? stageTrace.order(m.correlationId, () => answerNow(m, beforeClose)) : answerNow(m, beforeClose);
      const answerNow = (m: Incoming, beforeClose: boolean): Answer => {
        if (isMalformed(m)) {
          return response(malformedCorrelationId(m), [results.error("INVALID_VALUE", `message could not be decoded: ${m.error}`)]);
        }
        const phase = ctx.phase();
        if (phase === "recovering") return refuse(state, m, "UNAVAILABLE", PHASE_REFUSALS.recovering);
        if (closedByDoor) return refuse(state, m, "SHUTTING_DOWN", CLOSED_BY_POLICY_REFUSAL);
        if (closed || phase === "failed" || (phase === "stopping" && !beforeClose)) return refuse(state, m, "SHUTTING_DOWN", PHASE_REFUSALS.stopping);
        const answered = answerOpenRequest(state, session, m, phase !== "serving");
        // The door closed this channel (a closing reject, e.g. the hard throttle): its
        // ChannelClosing notice went out before this answer; what comes after is refused.
        if (session.channelId !== undefined && !state.channels.has(session.channelId)) closedByDoor = true;
        return answered;
      };
      /** Runs `m` now, or its first slice now and the rest in later turns. */
      const handle = (m: Incoming, arrivedAt: number): void => {
        if (isMalformed(m) || m.commands.length <= COMMANDS_PER_SLICE || closed || ctx.phase() !== "serving" || tooLarge(state, m)) {
          write(answer(m), m, arrivedAt);
          return;
        }
        slices.push(sliced(m, arrivedAt));
      };
      function* sliced(m: OpenRequest, arrivedAt: number): Generator<void, void, void> {
        const out = new Array<ChannelAnswer>(m.commands.length);
        const held: ChannelNotice[] = [];
        pendingAnswers.push(held);
        let queued = false;
        try {
          for (let at = 0; at < m.commands.length; at += COMMANDS_PER_SLICE) {
            if (at > 0) yield;
            const part: OpenRequest = { ...m, commands: m.commands.slice(at, at + COMMANDS_PER_SLICE) };
            const answers = stageTrace ? stageTrace.order(m.correlationId, () => slice(part, at)) : slice(part, at);
            for (let k = 0; k < answers.length; k++) out[at + k] = answers[k]!;
          }
          write(encodeChannelAnswers(m.correlationId, out), m, arrivedAt);
          // The held notices go right after the answer: in the same durability callbacks'
          // order (an ended stream has no journal to wait on, and nothing is written to it).
          if (!ended) {
            whenWritable(() => answerWritten(held));
            queued = true;
          }
        } finally {
          if (!queued) answerWritten(held);
        }
        // What arrived meanwhile waited in the inbox: run once this job has left the queue
        // (still this turn). Shutdown's drain and the half-close empty the inbox themselves.
        queueMicrotask(pump);
      }
      /** One slice at `offset`; refused once the channel has closed, as a message arriving then would be. */
      const slice = (part: OpenRequest, offset: number): readonly ChannelAnswer[] => {
        const phase = ctx.phase();
        if (closedByDoor) return part.commands.map(() => results.error("SHUTTING_DOWN", CLOSED_BY_POLICY_REFUSAL));
        if (closed || phase === "failed") return part.commands.map(() => results.error("SHUTTING_DOWN", PHASE_REFUSALS.stopping));
        // Slices of at most maxCommandsPerMessage commands are never refused whole.
        const answers = openAnswers(state, session, part, phase !== "serving", offset) as ChannelAnswer[];
        if (session.channelId !== undefined && !state.channels.has(session.channelId)) closedByDoor = true;
        return answers;
      };
      const pump = (): void => {
        while (inbox.length > 0 && !blocked && !journalHold.held && slices.pending === 0) {
          const [m, arrivedAt] = next();
          handle(m, arrivedAt);
        }
        resumeIfRoom();
      };
      const resumeIfRoom = (): void => {
        if (paused && !blocked && inbox.length < limits.maxQueuedMessages) {
          paused = false;
          call.resume();
        }
      };
      const finish = (reason: "lost" | "ended" | "shutdown"): void => {
        if (closed) return;
        stopStream(reason);
        // Failed closed: the engine is not called again; recovery rolls the channel back.
        if (session.channelId !== undefined && ctx.phase() !== "failed") {
          const id = session.channelId;
          // Runs from stream events, outside any command: a throw here must not reach the process.
          guarded(`closing channel ${id}`, () => state.closeChannel(id, reason));
          whenWritable(() => forget(id));
        }
      };
      /** Nothing more runs on this stream: it leaves shutdown's list, and its end is logged. */
      const stopStream = (reason: "lost" | "ended" | "shutdown" | "policy"): void => {
        closed = true;
        unregister();
        log?.info(
          { event: "disconnect", stream: "channel", peer, principal: principal.name, channelId: session.channelId === undefined ? null : String(session.channelId), reason },
          `channel stream of ${principal.name} from ${peer} ended (${reason})`,
        );
      };
      /** The closed channel's writer (notices) and peer (ListChannels) are dropped once its close is durable. */
      const forget = (id: bigint): void => {
        ctx.channelWriters.delete(id);
        ctx.channelPeers?.delete(id);
      };
      const end = (): void => {
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        if (ended) return;
        ended = true;
        call.end();
      };
      const unregister = ctx.streams.add({
        drainAndClose() {
          // In-flight work is finished before the channel's reservations are rolled back.
          slices.finishNow();
          while (inbox.length > 0) {
            const [m, arrivedAt] = next();
            write(answer(m, true), m, arrivedAt);
          }
          write(shuttingDownNotice());
          finish("shutdown");
          // The stream stays up: what the client sent before it read the notice is still answered.
        },
      });

      call.on("data", (m: Incoming) => {
        if (stageTrace && !isMalformed(m)) stageTrace.delivered(m.correlationId, inbox.length, call.writableLength);
        const arrivedAt = metrics ? metrics.arrival() : -1;
        // The journal's bound is over every stream: asked before running anything, not only
        // after this stream's own answers (found by review: a stream opened while the journal
        // was behind ran its first message at once, so reconnecting streams grew past it).
        if (!blocked && inbox.length === 0 && slices.pending === 0 && !journalHold.check()) {
          handle(m, arrivedAt);
          return;
        }
        if (inbox.length >= limits.maxQueuedMessages) {
          paused = true;
          call.pause();
          // A malformed message gets its decode error even now: answering it runs nothing,
          // and a client must learn that what it sent was unreadable, not merely refused.
          write(
            isMalformed(m)
              ? answer(m)
              : refuse(state, m, "RESOURCE_EXHAUSTED", "channel queue is full; read responses before sending more"),
            m,
            arrivedAt,
          );
          return;
        }
        inbox.push(m);
        if (metrics) arrivals.push(arrivedAt);
      });
      call.on("drain", () => {
        blocked = false;
        pump();
      });
      call.on("end", () => {
        // The client half-closed: answer everything it sent, then release the channel.
        const halfClosed = (): void => {
          // The client went instead (gone ran): the channel is closed, and what is left of a
          // sliced message or the inbox is refused as it would be for any closed channel, not
          // run for a gateway that will never read the answer (found by review, session 29:
          // a crashed gateway's 3 840 sliced orders were all committed).
          if (ended) return;
          slices.finishNow();
          while (inbox.length > 0) {
            const [m, arrivedAt] = next();
            write(answer(m), m, arrivedAt);
          }
          finish("ended");
          // After every answer, those waiting for the channel's opening to be synced included.
          whenWritable(end);
        };
        // A reset stream (the client cancelled, the connection died) also ends the read side,
        // and grpc-js reports the cancel only after: one turn later, so a lost channel is
        // told apart from one its client ended (cancel on disconnect's rollback reason).
        if (overTransport(call)) setImmediate(halfClosed);
        else halfClosed();
      });
      // Involuntary: keepalive loss, a transport error, the client cancelling the call.
      const gone = () => {
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        ended = true;
        finish("lost");
        // What is left of a sliced message is refused now (the channel is closed), not one
        // slice per turn for a stream nobody reads. In a microtask: the loss may be heard
        // inside a slice (a revocation there), which must end first.
        queueMicrotask(() => slices.finishNow());
      };
      call.on("error", gone);
      call.on("cancelled", gone);
      call.on("close", gone);
    },
  };
}

/**
 * True when the call runs over a real HTTP/2 stream (grpc-js keeps it at the end of the
 * call's interceptor chain); in-process test doubles have none.
 */
function overTransport(call: unknown): boolean {
  let c = (call as { call?: unknown }).call as { stream?: unknown; nextCall?: unknown } | undefined;
  for (let depth = 0; c !== undefined && depth < 8; depth++) {
    if (c.stream !== undefined) return true;
    c = c.nextCall as typeof c;
  }
  return false;
}
