/** Plain HTTP requests to the console (node:http, so the Host header is ours to set). */
import { request } from "node:http";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function http(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** An AdminService call through the console's JSON door, as the page makes it. */
export async function consoleAdmin(port: number, method: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const answer = await http(port, `/console/api/admin/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-openpit-console": "1", ...headers },
    body: JSON.stringify(body),
  });
  return { status: answer.status, json: JSON.parse(answer.body) };
}
