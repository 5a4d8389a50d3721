/**
 * The lease bucket's configuration as the cluster settled it. On nats-server 2.9, when several
 * instances create the bucket at once, a losing create can be applied on some node for a few
 * milliseconds before the winner's replaces it, and a status read answered then returns the
 * loser's configuration: another instance's epoch base in the description, no leader, its own
 * creation time. An instance that kept that base took epochs the others never issue, below or
 * above theirs, and one takeover's epoch was then refused as stale by every later one (found by
 * review, session 42: in 10 of 11 runs of four instances creating buckets together).
 *
 * Settled: the stream names a leader (in a cluster; a single server has no cluster section and
 * no such race), and a second read agrees on the description and the creation time.
 */
export interface BucketStatus {
  readonly description: string;
  readonly streamInfo: { readonly created: string; readonly cluster?: { readonly leader?: string } };
}

/** Thrown while the bucket is not settled (a transient state: retryTransient reads again). */
export class BucketNotSettledError extends Error {
  override name = "BucketNotSettledError";
}

const leaderless = (s: BucketStatus): boolean => s.streamInfo.cluster !== undefined && !s.streamInfo.cluster.leader;

/** Two reads of the bucket's status that show it settled, or BucketNotSettledError. */
export async function settledStatus<S extends BucketStatus>(read: () => Promise<S>): Promise<S> {
  const first = await read();
  if (leaderless(first)) throw new BucketNotSettledError("its stream names no leader yet (a create may still be settling)");
  const second = await read();
  if (leaderless(second) || second.description !== first.description || second.streamInfo.created !== first.streamInfo.created) {
    throw new BucketNotSettledError("two reads of its configuration disagree (a create may still be settling)");
  }
  return second;
}
