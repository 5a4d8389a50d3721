import { request } from "node:http";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpListener } from "../../src/server/http/http-listener.js";
import { checkHttpListen } from "../../src/server/http/http-listen-policy.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { ListenError } from "../../src/server/listen-error.js";
import { ManualClock } from "../../src/engine/index.js";
import { testConfig } from "../server/harness.js";

interface Got {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function get(port: number, path: string, method = "GET"): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const listeners: HttpListener[] = [];
const sidecars: StartedSidecar[] = [];
afterEach(async () => {
  for (const l of listeners.splice(0)) await l.close(0);
  for (const s of sidecars.splice(0)) await s.server.shutdown();
});

async function listening(setup: (l: HttpListener) => void): Promise<{ listener: HttpListener; port: number }> {
  const listener = new HttpListener();
  listeners.push(listener);
  setup(listener);
  return { listener, port: await listener.listen("127.0.0.1:0") };
}

describe("the HTTP listener", () => {
  it("routes by the longest mounted prefix, at the prefix and below it only", async () => {
    const { port, listener } = await listening((l) => {
      l.mount("/console", (req, res) => void res.end(`console ${req.url}`));
      l.mount("/console/api", (req, res) => void res.end(`api ${req.url}`));
    });
    expect(listener.port).toBe(port);
    expect((await get(port, "/console")).body).toBe("console /console");
    expect((await get(port, "/console/app.js?x=1")).body).toBe("console /console/app.js?x=1");
    expect((await get(port, "/console/api/accounts")).body).toBe("api /console/api/accounts");
    const missing = await get(port, "/consoles");
    expect(missing.status).toBe(404);
    expect(missing.body).toBe("no route for /consoles; served: /console/api, /console\n");
  });

  it("a handler's throw or rejection is a 500 and is reported; the listener keeps serving", async () => {
    const errors: string[] = [];
    const { port } = await listening((l) => {
      l.onError = (e, req) => errors.push(`${req.url}: ${(e as Error).message}`);
      l.mount("/throws", () => {
        throw new Error("boom");
      });
      l.mount("/rejects", async () => {
        throw new Error("later");
      });
      l.mount("/ok", (_req, res) => void res.end("ok"));
    });
    expect(await get(port, "/throws")).toMatchObject({ status: 500, body: "internal error\n" });
    expect(await get(port, "/rejects")).toMatchObject({ status: 500, body: "internal error\n" });
    expect((await get(port, "/ok")).body).toBe("ok");
    expect(errors).toEqual(["/throws: boom", "/rejects: later"]);
  });

  it("refuses a prefix mounted twice or not shaped like a path", () => {
    const l = new HttpListener();
    l.mount("/metrics", () => {});
    expect(() => l.mount("/metrics", () => {})).toThrow("HTTP route /metrics is already mounted");
    expect(() => l.mount("metrics", () => {})).toThrow("an HTTP route prefix starts with '/' and does not end with one: 'metrics'");
    expect(() => l.mount("/console/", () => {})).toThrow("does not end with one: '/console/'");
  });

  it("close ends long-lived responses: onClose hooks run, then what is left is cut after the grace period", async () => {
    const open: import("node:http").ServerResponse[] = [];
    let hookRan = false;
    const { listener, port } = await listening((l) => {
      l.mount("/events", (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": open\n\n");
        open.push(res);
      });
      l.onClose(() => (hookRan = true));
    });
    const ended = new Promise<string>((resolve) => {
      request({ host: "127.0.0.1", port, path: "/events" }, (res) => {
        res.on("data", () => {});
        res.on("close", () => resolve("closed"));
      }).end();
    });
    while (open.length === 0) await new Promise((r) => setImmediate(r));
    await listener.close(10);
    expect(hookRan).toBe(true);
    expect(await ended).toBe("closed");
    await expect(get(port, "/events")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("a port in use is a ListenError with the OS's reason", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await new HttpListener().listen(`127.0.0.1:${port}`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      expect((err as ListenError).message).toBe(`cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`);
    } finally {
      blocker.close();
    }
  });
});

describe("the HTTP listener in the sidecar", () => {
  it("starts with the server on metrics.listen, serves /metrics with the process metrics, and stops with it", async () => {
    const sidecar = await startSidecar(parseSidecarConfig(testConfig()), new ManualClock(1_000));
    sidecars.push(sidecar);
    const port = sidecar.httpPort!;
    expect(port).toBeGreaterThan(0);
    const scrape = await get(port, "/metrics");
    expect(scrape.status).toBe(200);
    expect(scrape.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(scrape.body).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
    expect(scrape.body).toContain("# TYPE nodejs_gc_duration_seconds histogram");
    expect(scrape.body).toContain("# TYPE process_cpu_seconds_total counter");
    expect(await get(port, "/metrics", "HEAD")).toMatchObject({ status: 200, body: "" });
    expect(await get(port, "/metrics", "POST")).toMatchObject({ status: 405, body: "only GET and HEAD\n" });
    await sidecar.server.shutdown();
    await expect(get(port, "/metrics")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("metrics.listen: off serves no HTTP", async () => {
    const sidecar = await startSidecar(parseSidecarConfig(testConfig({ metrics: { listen: "off" } })), new ManualClock(1_000));
    sidecars.push(sidecar);
    expect(sidecar.httpPort).toBeUndefined();
    expect(sidecar.server.http.port).toBeUndefined();
  });

  it("a non-loopback address needs --insecure, and then says so at start", () => {
    expect(checkHttpListen("127.0.0.1:9464", false)).toEqual([]);
    expect(checkHttpListen("[::1]:9464", false)).toEqual([]);
    expect(() => checkHttpListen("0.0.0.0:9464", false)).toThrow(
      "metrics.listen 0.0.0.0:9464 is not a loopback address and the HTTP listener (/metrics, the console) has no TLS or authentication: " +
        "listen on 127.0.0.1 (scrape through a local agent or a proxy), or pass --insecure (security.insecure: true) to accept the risk",
    );
    expect(checkHttpListen("0.0.0.0:9464", true)).toEqual([
      "WARNING: --insecure: the HTTP listener 0.0.0.0:9464 serves /metrics and the console without TLS or authentication; anyone who can reach it can use it",
    ]);
  });
});

describe("metrics.listen, OPENPIT_METRICS_LISTEN and --metrics-listen", () => {
  const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ argv, env });
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected an error");
  };

  it("defaults to 127.0.0.1:9464; the file, then the environment, then the flag decide", () => {
    expect(load([]).metrics.listen).toBe("127.0.0.1:9464");
    expect(parseSidecarConfig(testConfig({ metrics: { listen: "[::1]:0" } })).metrics.listen).toBe("[::1]:0");
    expect(load([], { OPENPIT_METRICS_LISTEN: "127.0.0.1:9100" }).metrics.listen).toBe("127.0.0.1:9100");
    expect(load(["--metrics-listen", "off"], { OPENPIT_METRICS_LISTEN: "127.0.0.1:9100" }).metrics.listen).toBe("off");
  });

  it("is validated like --listen, with the source named", () => {
    expect(error(() => load(["--metrics-listen", "localhost"]))).toBe(
      "--metrics-listen: 'localhost' is not a listen address (no port); expected HOST:PORT with a port in 0..65535 (IPv6 in brackets: [::1]:50051), or 'off'",
    );
    expect(error(() => load([], { OPENPIT_METRICS_LISTEN: "127.0.0.1:99999" }))).toMatch(/^OPENPIT_METRICS_LISTEN: '127\.0\.0\.1:99999' is not a listen address/);
    expect(error(() => parseSidecarConfig(testConfig({ metrics: { listen: "9464" } })))).toMatch(/^config\.metrics\.listen: '9464' is not a listen address/);
    expect(error(() => parseSidecarConfig(testConfig({ metrics: { port: 1 } })))).toMatch(/^config\.metrics\.port: unknown field/);
    expect(error(() => load(["--metrics-listen"]))).toMatch(/^--metrics-listen needs a value\n/);
  });
});
