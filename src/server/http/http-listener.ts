/**
 * The sidecar's HTTP listener, apart from gRPC: Prometheus scrapes `/metrics` here and the
 * web console is mounted here. Routes are mounted by path prefix; the longest matching
 * prefix serves a request, anything else is 404. It starts and stops with the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { guarded } from "../../state/guarded.js";
import { ListenError } from "../listen-error.js";
import { parseListenAddress } from "../config/listen-address.js";

/** Serves the requests under its prefix; a throw or a rejection is answered 500. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Route {
  readonly prefix: string;
  readonly handler: HttpHandler;
}

/** `prefix` covers `path` when equal, or when `path` continues it with `/` (`/console` covers `/console/app.js`, not `/consoles`). */
function covers(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  return path === prefix || (path.startsWith(prefix) && path[prefix.length] === "/");
}

export class HttpListener {
  private readonly routes: Route[] = [];
  private readonly closers: (() => void)[] = [];
  private server: Server | undefined;
  private closing: Promise<void> | undefined;
  /** Told of a handler's failure (the request is answered 500); the composition root logs it. */
  onError: ((error: unknown, req: IncomingMessage) => void) | undefined;

  /**
   * Serves every request whose path is `prefix` or below it (`/metrics`, `/console`). A
   * later mount may not take a prefix already mounted; the longest prefix wins.
   */
  mount(prefix: string, handler: HttpHandler): void {
    if (!prefix.startsWith("/") || (prefix.length > 1 && prefix.endsWith("/"))) {
      throw new Error(`an HTTP route prefix starts with '/' and does not end with one: '${prefix}'`);
    }
    if (this.routes.some((r) => r.prefix === prefix)) throw new Error(`HTTP route ${prefix} is already mounted`);
    this.routes.push({ prefix, handler });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Called when the listener closes, before open connections are cut (end server-sent event streams here). */
  onClose(callback: () => void): void {
    this.closers.push(callback);
  }

  /** The prefixes mounted, longest first. */
  get prefixes(): readonly string[] {
    return this.routes.map((r) => r.prefix);
  }

  /** The bound port, once listening. */
  get port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === "object" ? (address as AddressInfo).port : undefined;
  }

  /** Binds `HOST:PORT` (port 0 = any free port) and returns the bound port. */
  async listen(address: string): Promise<number> {
    if (this.server) throw new Error("the HTTP listener is already listening");
    const parsed = parseListenAddress(address);
    if (typeof parsed === "string") throw new ListenError(address, parsed, undefined);
    const server = createServer((req, res) => this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const failed = (e: NodeJS.ErrnoException) => {
        this.server = undefined;
        reject(new ListenError(address, e.code ? `${e.message.replace(/^listen \S+: /, "").replace(/ \S+$/, "")} (${e.code})` : e.message, e.code));
      };
      server.once("error", failed);
      server.listen(parsed.port, parsed.host, () => {
        server.off("error", failed);
        resolve();
      });
    });
    return this.port!;
  }

  /**
   * Stops accepting, lets requests in progress finish for up to `graceMs`, then cuts what is
   * left (long-lived streams, idle keep-alive sockets). Idempotent; resolves once closed.
   */
  close(graceMs = 1_000): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      for (const c of this.closers) guarded("closing an HTTP route", c);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
    return this.closing;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const route = this.routes.find((r) => covers(r.prefix, path));
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`no route for ${path}; served: ${this.prefixes.join(", ") || "(none)"}\n`);
      return;
    }
    const failed = (e: unknown) => {
      this.onError?.(e, req);
      // Headers already sent: the response is cut short, which is all a client can be told.
      if (res.headersSent) res.end();
      else res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("internal error\n");
    };
    try {
      const pending = route.handler(req, res);
      if (pending) pending.catch(failed);
    } catch (e) {
      failed(e);
    }
  }
}
