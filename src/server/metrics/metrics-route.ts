/** GET /metrics: the Prometheus text exposition of a registry (HEAD too; anything else 405). */
import type { Registry } from "prom-client";
import type { HttpHandler } from "../http/http-listener.js";

export function metricsRoute(registry: Registry): HttpHandler {
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("only GET and HEAD\n");
      return;
    }
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
}
