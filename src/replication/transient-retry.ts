/**
 * Retrying the JetStream requests of a start or a takeover (stream info, consumer creation,
 * snapshot reads) while the cluster is between leaders: right after a server is lost, the
 * meta group or the stream may need seconds to elect one, and until then requests time out
 * or find no responders. Refusals (the API's own errors) are not retried.
 *
 * How long to wait is the deployment's (`replication.leaderWaitMs`): nats-server 2.9 elects
 * in 5-8 s on a quiet machine, several times that on a loaded one.
 */
import { JetStreamApiError } from "@nats-io/jetstream";

export const DEFAULT_LEADER_WAIT_MS = 20_000;

/** The clock and the pause between attempts: real time unless a test injects its own. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realRetryClock: RetryClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface TransientRetryOptions {
  /** Give up when the next attempt would start later than this after the first (ms). */
  readonly leaderWaitMs?: number;
  readonly clock?: RetryClock;
}

/** The first pause between attempts, and the longest (the pauses double up to it). */
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 1_000;

export async function retryTransient<T>(what: string, fn: () => Promise<T>, options: TransientRetryOptions = {}): Promise<T> {
  const clock = options.clock ?? realRetryClock;
  const deadline = clock.now() + (options.leaderWaitMs ?? DEFAULT_LEADER_WAIT_MS);
  let delay = FIRST_RETRY_DELAY_MS;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if ((e instanceof JetStreamApiError && !isTemporarilyUnavailable(e)) || clock.now() + delay > deadline) {
        if (e instanceof Error) e.message = `${what}: ${e.message}`;
        throw e;
      }
      await clock.sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

/** 10008 "JetStream system temporarily unavailable": the stream or meta group has no quorum/leader yet. */
function isTemporarilyUnavailable(e: JetStreamApiError): boolean {
  return e.code === 10008;
}
