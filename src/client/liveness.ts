/** The client's liveness settings: its keepalive, and how long a new stream waits for its connection. Internal (not exported by index.ts). */
import { connectivityState, type ChannelOptions, type Client } from "@grpc/grpc-js";

/**
 * Client-side liveness: without pings, a stream over a connection that went silent (a network
 * partition, a frozen host) never fails, and every request in flight on it waits forever.
 * Mirrors the server's defaults (network.keepaliveTimeMs / keepaliveTimeoutMs); grpc-js
 * servers do not police ping rates. `channelOptions` override these.
 */
export const CLIENT_KEEPALIVE: ChannelOptions = {
  "grpc.keepalive_time_ms": 5_000,
  "grpc.keepalive_timeout_ms": 5_000,
};

/** The longest timer Node runs as asked (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Where each client `makeClient` made connects, and how long a stream on it waits for the connection. */
const readyBounds = new WeakMap<Client, { address: string; ms: number }>();

/** A keepalive option as set (a positive number of ms), else its CLIENT_KEEPALIVE default. */
function keepaliveMs(options: ChannelOptions, key: "grpc.keepalive_time_ms" | "grpc.keepalive_timeout_ms"): number {
  const v = options[key];
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : (CLIENT_KEEPALIVE[key] as number);
}

/** Books `client`'s bound (`makeClient`): from the keepalive options it was made with. */
export function setReadyBound(client: Client, address: string, channelOptions: ChannelOptions): void {
  readyBounds.set(client, {
    address,
    ms: Math.min(keepaliveMs(channelOptions, "grpc.keepalive_time_ms") + keepaliveMs(channelOptions, "grpc.keepalive_timeout_ms"), MAX_TIMER_MS),
  });
}

/**
 * How long a stream on `client` waits for its connection to become ready before it fails
 * (account-channel.ts): the keepalive's time plus its timeout, the time the client gives a
 * connection that went silent (10 s by default; `channelOptions` change it with the
 * keepalive). The address is the one `client` was made for. A client not made by
 * `makeClient` gets the defaults and its channel's target.
 */
export function readyBoundOf(client: Client): { address: string; ms: number } {
  return readyBounds.get(client) ?? { address: client.getChannel().getTarget(), ms: keepaliveMs({}, "grpc.keepalive_time_ms") + keepaliveMs({}, "grpc.keepalive_timeout_ms") };
}

/**
 * Whether `client`'s channel has been READY at any moment since this call (the function
 * returned answers it). The definite sign that nothing written on a stream of that channel
 * reached a server is that it never was: grpc-js hands a call a transport only through a
 * picker that the load balancer installs together with the READY state (pick_first's), and
 * the channel tells its state watchers synchronously in that same step (so before code that
 * awaits a call's failure runs); a call that fails while no transport was ever ready is
 * dropped with its buffered messages unwritten. Watched from the channel's creation, one
 * watcher at a time and without a timer, until READY or the channel's close (SHUTDOWN).
 * For a channel only this caller watches (a client of its own): another watcher that changed
 * the state from inside its callback could hide a READY from this one.
 */
export function watchEverReady(client: Client): () => boolean {
  const channel = client.getChannel();
  let reached = false;
  const watch = (): void => {
    const state = channel.getConnectivityState(false);
    if (state === connectivityState.READY) reached = true;
    else if (state !== connectivityState.SHUTDOWN) channel.watchConnectivityState(state, Infinity, watch);
  };
  watch();
  return () => reached;
}
