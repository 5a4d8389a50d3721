/** A listener that accepts connections and never writes a byte: a frozen sidecar (its connection never becomes READY). */
import net from "node:net";

export async function silentListener(): Promise<{ readonly address: string; close(): void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.on("error", () => {});
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
