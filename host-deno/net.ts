// Deno sockets for the core: Deno.listen, zero-copy receive (conn.read straight into the
// core's receive buffer in Wasm memory — the memory is fixed-size, so views never detach)
// and in-order, complete writes of core memory through a per-connection FIFO.
import type { Core, CoreConn } from "../host-common/core.ts";
import type { Listener } from "../host-common/main.ts";
import type { Logger } from "../host-common/log.ts";

interface PendingWrite {
  data: Uint8Array;
  done: (ok: boolean) => void;
}

/** One accepted connection: the read loop, the write queue, and a close that happens once. */
class Connection implements CoreConn {
  private queue: PendingWrite[] = [];
  private writing: Promise<void> | null = null;
  private closedConn = false;
  id = 0;

  constructor(
    private conn: Deno.TcpConn,
    private log: Logger,
  ) {}

  write(data: Uint8Array, done: (ok: boolean) => void): void {
    if (this.closedConn) {
      done(false);
      return;
    }
    this.queue.push({ data, done });
    if (this.writing === null) this.writing = this.drain();
  }

  /** Writes queued buffers one after the other, each completely. */
  private async drain(): Promise<void> {
    await null; // so that `writing` is set before this can finish
    try {
      while (this.queue.length > 0 && !this.closedConn) {
        const w = this.queue[0];
        try {
          let off = 0;
          while (off < w.data.length) off += await this.conn.write(w.data.subarray(off));
        } catch (e) {
          this.log(3, `Connection ${this.id}: write: ${(e as Error).message}`);
          this.close();
          break;
        }
        this.queue.shift();
        w.done(true); // may queue more writes: the loop picks them up
      }
    } finally {
      this.writing = null;
      if (this.closedConn) this.failQueued();
    }
  }

  private failQueued(): void {
    const q = this.queue;
    this.queue = [];
    for (const w of q) w.done(false);
  }

  close(): void {
    if (this.closedConn) return;
    this.closedConn = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
    if (this.writing === null) this.failQueued();
  }

  /** Reads into core memory until the peer or the core ends the connection. */
  async serve(core: Core): Promise<void> {
    const id = this.id;
    while (!this.closedConn) {
      let view = core.rxView(id);
      while (!view && !this.closedConn && core.isOpen(id)) {
        await core.waitReadable(id); // the core's frame memory is full: read again later
        view = core.rxView(id);
      }
      if (!view) break;
      let n: number | null;
      try {
        n = await this.conn.read(view);
      } catch (e) {
        if (!this.closedConn) this.log(3, `Connection ${id}: read: ${(e as Error).message}`);
        break;
      }
      if (n === null) break;
      if (n === 0) {
        // only a detached view reads 0 bytes; the core's memory never detaches
        this.log(1, `Connection ${id}: read 0 bytes into core memory; closing`);
        break;
      }
      core.commit(id, n); // a core panic throws here and ends the process, as on Node
    }
    this.close();
    // A write still in flight may read core memory: tell the core (which then reuses the
    // memory of outstanding sends) only once it has settled.
    if (this.writing !== null) await this.writing;
    core.closed(id);
  }
}

function peerName(a: Deno.Addr): string {
  return a.transport === "tcp" || a.transport === "udp" ? `${a.hostname}:${a.port}` : a.transport;
}

async function acceptLoop(core: Core, listener: Deno.TcpListener, log: Logger, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    let conn: Deno.TcpConn;
    try {
      conn = await listener.accept();
    } catch (e) {
      if (stopped() || e instanceof Deno.errors.BadResource) return;
      log(1, `accept: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100)); // e.g. out of file descriptors
      continue;
    }
    try {
      conn.setNoDelay(true);
    } catch {
      // not fatal
    }
    const peer = peerName(conn.remoteAddr);
    const c = new Connection(conn, log);
    const id = core.accept(c, peer);
    if (id === 0) {
      c.close();
      continue;
    }
    c.id = id;
    log(3, `Connection ${id} from ${peer}`);
    void c.serve(core);
  }
}

/** Listens on address:port and hands every connection to the core. */
export function listen(core: Core, address: string, port: number, log: Logger): Promise<Listener> {
  const listener = Deno.listen({ hostname: address, port, transport: "tcp" });
  let stopped = false;
  void acceptLoop(core, listener, log, () => stopped);
  return Promise.resolve({
    close: () => {
      if (stopped) return;
      stopped = true;
      listener.close();
    },
  });
}
