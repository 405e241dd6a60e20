// A man-in-the-middle for tests: a node:net proxy between a real client and the server that
// reassembles direct-TCP frames (MS-SMB2 2.1) in both directions, records them, and lets a test
// rewrite client → server frames (e.g. strip a signature) before forwarding them.
import * as net from "node:net";

export type Direction = "c2s" | "s2c";

export interface SeenFrame {
  dir: Direction;
  /** Connection number (0, 1, …) in accept order. */
  conn: number;
  /** The frame without its 4-byte transport header (after any rewrite). */
  bytes: Buffer;
  /** 0xFE 'SMB' = 0x424d53fe, 0xFD (transform) = 0x424d53fd, … */
  protocolId: number;
}

/** Rewrites a client → server frame (without the transport header); return it unchanged to pass it on. */
export type Rewrite = (frame: Buffer, conn: number) => Buffer;

export class FrameProxy {
  readonly frames: SeenFrame[] = [];
  rewrite: Rewrite | null = null;
  private sockets = new Set<net.Socket>();
  private connCount = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free 127.0.0.1 port and forwards each connection to 127.0.0.1:targetPort. */
  static start(targetPort: number): Promise<FrameProxy> {
    return new Promise((resolve, reject) => {
      let proxy: FrameProxy;
      const server = net.createServer((client) => proxy.accept(client, targetPort));
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        proxy = new FrameProxy(server, (server.address() as net.AddressInfo).port);
        resolve(proxy);
      });
    });
  }

  private accept(client: net.Socket, targetPort: number): void {
    const conn = this.connCount++;
    const upstream = net.connect({ port: targetPort, host: "127.0.0.1" });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on("error", () => undefined);
      s.on("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pump(client, upstream, "c2s", conn);
    this.pump(upstream, client, "s2c", conn);
  }

  private pump(from: net.Socket, to: net.Socket, dir: Direction, conn: number): void {
    let rx = Buffer.alloc(0);
    from.on("data", (d: Buffer) => {
      rx = Buffer.concat([rx, d]);
      while (rx.length >= 4) {
        const len = rx.readUInt32BE(0) & 0xffffff;
        if (rx.length < 4 + len) break;
        let f: Buffer = Buffer.from(rx.subarray(4, 4 + len));
        rx = rx.subarray(4 + len);
        if (dir === "c2s" && this.rewrite) f = this.rewrite(f, conn);
        this.frames.push({ dir, conn, bytes: f, protocolId: f.length >= 4 ? f.readUInt32LE(0) : 0 });
        const hdr = Buffer.alloc(4);
        hdr.writeUInt32BE(f.length & 0xffffff);
        if (!to.destroyed) to.write(Buffer.concat([hdr, f]));
      }
    });
  }

  /** Stops listening and drops every proxied connection. */
  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The plain SMB2 messages of a frame (none for a transform or other frame). */
export function plainMessages(f: Buffer): { command: number; status: number; flags: number; offset: number; end: number }[] {
  const out: { command: number; status: number; flags: number; offset: number; end: number }[] = [];
  for (let off = 0; off + 64 <= f.length && f.readUInt32LE(off) === 0x424d53fe; ) {
    const next = f.readUInt32LE(off + 20);
    const end = next === 0 ? f.length : off + next;
    out.push({ command: f.readUInt16LE(off + 12), status: f.readUInt32LE(off + 8), flags: f.readUInt32LE(off + 16), offset: off, end });
    if (next === 0 || end > f.length) break;
    off = end;
  }
  return out;
}
