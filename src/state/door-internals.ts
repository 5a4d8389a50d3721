/**
 * @internal What the door's parts that live outside sidecar-state.ts (command execution,
 * announcements, the audited admin run, snapshots, replay) use of it. Module functions given the
 * state, rather than objects of their own: the door's state stays in one place and the
 * order path takes no extra hop.
 */
import type { MarketDataService } from "../marketdata/index.js";
import type { Clock, ManualClock } from "../engine/index.js";
import type { ChannelHost, ChannelLimits, ChannelState } from "./channel-state.js";
import type { AuditLog } from "./audit-log.js";
import type { AccountId } from "../param/index.js";
import type { EventHub, SequencedEvent } from "./event-hub.js";
import type { Journal } from "./journal/journal.js";
import type { DoorObserver } from "./door-observer.js";
import type { NoticeListener } from "./sidecar-state.js";
import type { CloseReason } from "./command-execution.js";
import type { JournalWriter } from "./journal-writer.js";
import type { ListedQuoteTtls } from "./listed-quote-ttls.js";
import type { PendingAccountList, PendingQuoteTtls } from "./settings-parts.js";

export interface DoorInternals extends ChannelHost {
  /** Set by the journal's settings (door-settings.ts). */
  limits: ChannelLimits;
  pinning: boolean;
  knownAccounts: ReadonlySet<AccountId> | undefined;
  /** The parts of a strict list journaled so far, not in force until their `settings` record (settings-parts.ts). */
  pendingAccountList: PendingAccountList | undefined;
  /** The parts of the listed instruments' TTLs journaled so far, likewise (settings-parts.ts). */
  pendingQuoteTtls: PendingQuoteTtls | undefined;
  /** The file's quote TTLs as the journal last set them (listed-quote-ttls.ts); undefined after a snapshot written before they were kept. */
  listedQuoteTtls: ListedQuoteTtls | undefined;
  readonly marketData: MarketDataService;
  readonly events: EventHub;
  readonly audit: AuditLog;
  readonly journal: Journal;
  readonly observer: DoorObserver | undefined;
  readonly onNotice: NoticeListener | undefined;
  /** The clock the engine and market data read: set to each command's time. */
  readonly clock: ManualClock;
  /** Where live commands get their timestamps. */
  readonly timeSource: Clock;
  /** Added to the time source after a restart on a clock that is behind the journal. */
  timeOffset: number;
  readonly live: Map<bigint, ChannelState>;
  nextChannelId: bigint;
  lastTs: number;
  replaying: boolean;
  relaying: boolean;
  readonly outbox: (() => void)[];
  readonly eventOutbox: (() => void)[];
  readonly unannounced: SequencedEvent[];
  readonly relayedUnannounced: Set<bigint>;
  actingAs: string | undefined;
  /** This build, which writes what it appends (journal-writer.ts). */
  readonly writer: JournalWriter;
  /** Who wrote the records the state has run so far: a snapshot's writer, then each `writer` record's; undefined for a snapshot of a build that did not record it. */
  recordsWriter: JournalWriter | undefined;
  operatorBlocking: boolean;
  /** Accounts whose group and currency a command decided: the file's entries no longer apply to them (decided-accounts.ts). */
  decidedAccounts: Set<AccountId>;
  closeChannel(channel: bigint, reason: CloseReason): void;
}
