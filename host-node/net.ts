// Node sockets for the core: `node:net` with one copy per received chunk (Node ignores
// `onread` buffers on accepted sockets, nodejs/node#53792); writes hand core memory to the
// socket without copying.
import * as net from "node:net";
import type { Core } from "../host-common/core.ts";
import type { Listener } from "../host-common/main.ts";
import type { Logger } from "../host-common/log.ts";

export function listen(core: Core, address: string, port: number, log: Logger): Promise<Listener> {
  const server = net.createServer({ noDelay: true }, (sock) => {
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    const id = core.accept(
      {
        write: (data, done) => {
          sock.write(data, (err) => done(!err));
        },
        close: () => sock.destroy(),
        pause: () => sock.pause(),
        resume: () => sock.resume(),
      },
      peer,
    );
    if (id === 0) {
      sock.destroy();
      return;
    }
    log(3, `Connection ${id} from ${peer}`);
    sock.on("data", (chunk: Buffer) => core.receive(id, chunk));
    sock.on("error", (err) => log(3, `Connection ${id}: ${err.message}`));
    sock.on("close", () => core.closed(id));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off("error", reject);
      resolve({ close: () => server.close() });
    });
  });
}
