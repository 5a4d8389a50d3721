/** A TCP proxy the client tests freeze, as a network that goes silent or a sidecar stopped by SIGSTOP would. */
import net from "node:net";

/**
 * A TCP proxy to `target` that `freeze()` makes silent: the open connections' bytes are
 * accepted and never forwarded, and new connections are accepted and never forwarded either
 * (a process stopped by SIGSTOP, whose kernel still completes handshakes).
 */
export async function freezableProxy(target: string) {
  const port = Number(target.slice(target.lastIndexOf(":") + 1));
  const sockets: net.Socket[] = [];
  const pairs: [net.Socket, net.Socket][] = [];
  let frozen = false;
  const server = net.createServer((client) => {
    client.on("error", () => {});
    sockets.push(client);
    if (frozen) return;
    const upstream = net.connect(port, "127.0.0.1");
    upstream.on("error", () => {});
    sockets.push(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    freeze() {
      frozen = true;
      for (const [c, u] of pairs) {
        c.unpipe(u);
        u.unpipe(c);
        u.removeAllListeners("end");
        c.pause();
        u.pause();
      }
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
