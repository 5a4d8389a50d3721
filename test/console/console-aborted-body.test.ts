/**
 * Found by review (session 31): a console request whose client went away before its body
 * ended made the body's read reject, and the listener logged that as a route failure (an
 * error-level `http_error` with a stack), one line per request and before any credential was
 * checked. It is no failure of ours and nobody is left to answer: nothing is reported.
 */
import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CONSOLE_PREFIX, consoleRoute } from "../../src/server/console/console-route.js";
import { HttpListener } from "../../src/server/http/http-listener.js";
import { startHarness, type Harness } from "../server/harness.js";

describe("a console request body the client abandons", () => {
  let h: Harness | undefined;
  let listener: HttpListener | undefined;
  afterEach(async () => {
    await listener?.close();
    await h?.close();
  });

  it("is not reported as a failed route", async () => {
    h = await startHarness();
    listener = new HttpListener();
    const errors: unknown[] = [];
    listener.onError = (e) => errors.push(e);
    const route = consoleRoute(h.server.guardedServices);
    let arrived!: (req: IncomingMessage) => void;
    const request = new Promise<IncomingMessage>((resolve) => (arrived = resolve));
    listener.mount(CONSOLE_PREFIX, (req, res) => {
      arrived(req);
      return route.handler(req, res);
    });
    const port = await listener.listen("127.0.0.1:0");
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    // 100 bytes announced, 3 sent: the route is reading the body when the client goes.
    socket.write(`POST ${CONSOLE_PREFIX}/api/admin/BlockAccount HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-openpit-console: 1\r\ncontent-type: application/json\r\nContent-Length: 100\r\n\r\n{"a`);
    const req = await request;
    const closed = new Promise((resolve) => req.once("close", resolve));
    socket.destroy();
    await closed;
    // The read's rejection and the route's settling run in the turns after the close.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
  });
});
