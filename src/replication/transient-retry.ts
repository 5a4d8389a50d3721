/**
 * Retrying the JetStream requests of a start or a takeover (stream info, consumer creation,
 * snapshot reads) while the cluster is between leaders: right after a server is lost, the
 * meta group or the stream may need seconds to elect one, and until then requests time out
 * or find no responders. Refusals (the API's own errors) are not retried.
 */
import { JetStreamApiError } from "@nats-io/jetstream";

export const DEFAULT_TRANSIENT_DEADLINE_MS = 20_000;

export async function retryTransient<T>(what: string, fn: () => Promise<T>, deadlineMs = DEFAULT_TRANSIENT_DEADLINE_MS): Promise<T> {
  const deadline = performance.now() + deadlineMs;
  let delay = 100;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof JetStreamApiError || performance.now() + delay > deadline) {
        if (e instanceof Error) e.message = `${what}: ${e.message}`;
        throw e;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}
