/**
 * A 3-node JetStream cluster of the system's nats-server (Debian 2.9.10 at /usr/sbin/nats-server)
 * on 127.0.0.1, for the high-availability suites. No containers: three child processes with
 * config files written here, store directories under one temp directory, and client, cluster
 * and monitoring ports of their own (free ports picked by binding port 0; a node keeps its
 * ports across restarts so the other two find it again on their routes).
 *
 * Readiness is polled (with a deadline) on each node's monitoring endpoint: JetStream is ready
 * once `/jsz` names a meta leader and the cluster has all its peers; a restarted node is ready
 * once its `/healthz` says ok (it has caught up with the meta group and its streams).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NodeConnectionOptions } from "@nats-io/transport-node";
import { AckPolicy, jetstreamManager } from "@nats-io/jetstream";
import { missingPaths, toolchainReady } from "../server/client-toolchain.js";

export const NATS_SERVER = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";

/** The cluster suites run where Debian's nats-server is installed (CI must have it: .ci/run installs it). */
export const NATS_READY = toolchainReady("high-availability (3-node JetStream cluster)", missingPaths([NATS_SERVER]), "nats-server");

interface NodeSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly httpPort: number;
  readonly configFile: string;
  readonly logFile: string;
}

export interface NatsCluster {
  /** One client URL per node (`nats://127.0.0.1:PORT`), index = node number. */
  readonly urls: readonly string[];
  /** The server names, index = node number (`n0`, `n1`, `n2`). */
  readonly names: readonly string[];
  /** The temp directory holding configs, logs and store dirs. */
  readonly dir: string;
  /** Sends a signal to node `node`; for SIGKILL/SIGTERM/SIGINT resolves once it has exited. */
  kill(node: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node `node` again on its ports and store; resolves once it reports healthy. */
  restart(node: number): Promise<void>;
  /** Node number of the current leader of `stream` (waits up to 10 s for one; else undefined). */
  leaderOf(stream: string): Promise<number | undefined>;
  /**
   * Resolves once a consumer can be made on `stream` (waits up to 30 s): after a node loss the
   * meta group, which assigns consumers, may need longer than the stream to elect a leader.
   */
  consumersReady(stream: string): Promise<void>;
  /** Whether node `node` runs (started and not exited). */
  isRunning(node: number): boolean;
  /** Kills every node and removes the temp directory. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** How long to wait for readiness (default 15 s). */
  readonly readyTimeoutMs?: number;
  /** nats-server's max_payload, in bytes (default: the server's, 1 MiB). */
  readonly maxPayload?: number;
  /**
   * TLS on the client port (nats-server's `tls` block): the server's certificate and key, and
   * with `caFile` and `verify` client certificates required and checked against that CA.
   * Routes between the nodes stay plaintext on loopback.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string; readonly verify?: boolean };
  /** nats-server's `authorization` block as written (users, permissions), for the client port. */
  readonly authorization?: Record<string, unknown>;
  /** What the helper's own connections (leaderOf, consumersReady) add: TLS, a credential. */
  readonly clientOptions?: NodeConnectionOptions;
}

async function freePorts(count: number): Promise<number[]> {
  // Held open together so that the same port is never handed out twice in one call.
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === "string") throw new Error("no port");
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

async function httpJson(port: number, path: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
  return response.json();
}

async function pollUntil(what: string, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`nats cluster: timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function configText(spec: NodeSpec, storeDir: string, routes: readonly number[], options: NatsClusterOptions): string {
  const { maxPayload, tls, authorization } = options;
  // JSON is valid nats-server config syntax, and quoting every string avoids its lexer's surprises.
  return JSON.stringify(
    {
      server_name: spec.name,
      ...(maxPayload === undefined ? {} : { max_payload: maxPayload }),
      ...(tls === undefined ? {} : { tls: { cert_file: tls.certFile, key_file: tls.keyFile, ...(tls.caFile === undefined ? {} : { ca_file: tls.caFile }), verify: tls.verify ?? false } }),
      ...(authorization === undefined ? {} : { authorization }),
      host: "127.0.0.1",
      port: spec.clientPort,
      http: `127.0.0.1:${spec.httpPort}`,
      jetstream: { store_dir: storeDir, max_memory_store: 256 * 1024 * 1024, max_file_store: 1024 * 1024 * 1024 },
      cluster: {
        name: "openpit-ha-test",
        listen: `127.0.0.1:${spec.clusterPort}`,
        routes: routes.map((p) => `nats-route://127.0.0.1:${p}`),
      },
    },
    null,
    2,
  );
}

/** Starts the cluster; resolves once JetStream has a meta leader and all three peers. */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const dir = mkdtempSync(join(tmpdir(), "openpit-nats-"));
  const size = 3;
  const ports = await freePorts(size * 3);
  const specs: NodeSpec[] = Array.from({ length: size }, (_, i) => ({
    name: `n${i}`,
    clientPort: ports[i * 3]!,
    clusterPort: ports[i * 3 + 1]!,
    httpPort: ports[i * 3 + 2]!,
    configFile: join(dir, `n${i}.conf`),
    logFile: join(dir, `n${i}.log`),
  }));
  for (const spec of specs) {
    const storeDir = join(dir, spec.name, "store");
    mkdirSync(storeDir, { recursive: true });
    const routes = specs.filter((s) => s !== spec).map((s) => s.clusterPort);
    writeFileSync(spec.configFile, configText(spec, storeDir, routes, options));
  }

  const children: (ChildProcess | undefined)[] = new Array(size).fill(undefined);
  const exits: Promise<void>[] = new Array(size).fill(Promise.resolve());
  const running = (i: number): boolean => {
    const c = children[i];
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  };
  const launch = (i: number): void => {
    const spec = specs[i]!;
    const child = spawn(NATS_SERVER, ["-c", spec.configFile, "-l", spec.logFile], { stdio: "ignore" });
    children[i] = child;
    exits[i] = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
  };
  const healthy = async (i: number): Promise<boolean> => {
    const health = (await httpJson(specs[i]!.httpPort, "/healthz")) as { status?: string };
    return health.status === "ok";
  };
  const stop = async (): Promise<void> => {
    for (let i = 0; i < size; i++) {
      const c = children[i];
      if (c !== undefined && running(i)) {
        c.kill("SIGKILL");
      }
    }
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };

  for (let i = 0; i < size; i++) launch(i);
  try {
    const deadline = Date.now() + readyTimeoutMs;
    await pollUntil("a JetStream meta leader with 3 peers", deadline, async () => {
      for (let i = 0; i < size; i++) {
        if (!running(i)) throw new Error(`node ${specs[i]!.name} exited (log: ${specs[i]!.logFile})`);
      }
      const jsz = (await httpJson(specs[0]!.httpPort, "/jsz")) as { meta_cluster?: { leader?: string; cluster_size?: number } };
      return Boolean(jsz.meta_cluster?.leader) && jsz.meta_cluster?.cluster_size === size;
    });
    for (let i = 0; i < size; i++) await pollUntil(`node ${specs[i]!.name} healthy`, deadline, () => healthy(i));
  } catch (error) {
    await stop();
    throw error;
  }

  const urls = specs.map((s) => `nats://127.0.0.1:${s.clientPort}`);
  const names = specs.map((s) => s.name);
  return {
    urls,
    names,
    dir,
    isRunning: running,
    async kill(node, signal = "SIGKILL") {
      const child = children[node];
      if (child === undefined || !running(node)) return;
      child.kill(signal);
      if (signal === "SIGKILL" || signal === "SIGTERM" || signal === "SIGINT") await exits[node];
    },
    async restart(node) {
      if (running(node)) {
        children[node]!.kill("SIGKILL");
        await exits[node];
      }
      launch(node);
      // Twice the start's bound: a restarted node recovers its streams and catches up with the
      // others before it reports healthy, and with several clusters of the suite's HA files
      // running beside it that took over 15 s twice in session 41's full runs (both nodes of a
      // leaderless test restarted together, on a loaded 2-core machine).
      await pollUntil(`node ${specs[node]!.name} healthy after restart`, Date.now() + 2 * readyTimeoutMs, async () => {
        if (!running(node)) throw new Error(`node ${specs[node]!.name} exited (log: ${specs[node]!.logFile})`);
        return healthy(node);
      });
    },
    async leaderOf(stream) {
      // Asked of the running nodes, retried briefly: right after a node loss the meta group
      // or the stream may be between leaders, and the API answers nothing until it has one.
      const servers = urls.filter((_, i) => running(i));
      const nc = await connect({ ...options.clientOptions, servers, timeout: 2000, maxReconnectAttempts: 0 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
        let leader: number | undefined;
        await pollUntil(`a leader of stream ${stream}`, Date.now() + 10_000, async () => {
          const name = (await jsm.streams.info(stream)).cluster?.leader;
          leader = name === undefined ? undefined : names.indexOf(name);
          return leader !== undefined;
        }).catch(() => undefined);
        return leader;
      } finally {
        await nc.close();
      }
    },
    async consumersReady(stream) {
      const servers = urls.filter((_, i) => running(i));
      const nc = await connect({ ...options.clientOptions, servers, timeout: 2000, maxReconnectAttempts: 0 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
        await pollUntil(`a consumer on stream ${stream}`, Date.now() + 30_000, async () => {
          const made = await jsm.consumers.add(stream, { ack_policy: AckPolicy.None, inactive_threshold: 5_000_000_000 });
          await jsm.consumers.delete(stream, made.name);
          return true;
        });
      } finally {
        await nc.close();
      }
    },
    stop,
  };
}
