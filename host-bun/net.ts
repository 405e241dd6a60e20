// Bun sockets for the core: Bun.listen with one copy per received chunk; sends hand core
// memory to the unbuffered socket.write and keep the unwritten rest in a per-connection FIFO
// that `drain` continues (Bun does not buffer partial writes itself).
import process from "node:process";
import type { Core } from "../host-common/core.ts";
import type { Listener } from "../host-common/main.ts";
import type { Logger } from "../host-common/log.ts";

/** A send the socket has not fully taken yet; data stays valid until done() is called. */
interface Pending {
  data: Uint8Array;
  off: number;
  done: (ok: boolean) => void;
}

/** Per-socket state, kept in socket.data (set in `open`). */
interface ConnState {
  /** Core connection id; 0 until accepted (or if refused). */
  id: number;
  queue: Pending[];
  /** close() was requested: the socket is ended exactly once. */
  ending: boolean;
  /** The socket is gone: queued sends failed, core.closed called. */
  closed: boolean;
}

type Sock = Bun.Socket<ConnState>;

/** Writes as much of the FIFO as the socket takes; completes fully written sends in order. */
function flush(sock: Sock, st: ConnState): void {
  while (st.queue.length > 0 && !st.closed) {
    const p = st.queue[0] as Pending;
    const n = sock.write(p.off === 0 ? p.data : p.data.subarray(p.off));
    if (n < 0) {
      fail(st);
      return;
    }
    p.off += n;
    if (p.off < p.data.length) return; // buffer full: `drain` continues
    st.queue.shift();
    p.done(true);
  }
}

/** Fails every queued send (the socket will not take them any more). */
function fail(st: ConnState): void {
  const q = st.queue;
  st.queue = [];
  for (const p of q) p.done(false);
}

/** Starts a listener on address:port whose connections are served by core. */
export function listen(core: Core, address: string, port: number, log: Logger): Promise<Listener> {
  /**
   * Runs a handler body. Bun hands exceptions thrown by socket handlers to `error` and keeps
   * running; a core panic (or a host bug) must end the process as it does under Node.
   */
  const guard = <A extends unknown[]>(f: (...a: A) => void) => (...a: A): void => {
    try {
      f(...a);
    } catch (e) {
      log(0, `Fatal: ${(e as Error)?.stack ?? String(e)}`);
      process.exit(1);
    }
  };
  /** The socket closed or failed: fail pending sends, tell the core once. */
  const finish = (st: ConnState | undefined): void => {
    if (!st || st.closed) return;
    st.closed = true;
    fail(st);
    if (st.id !== 0) core.closed(st.id);
  };
  const open = (sock: Sock): void => {
    sock.setNoDelay(true);
    const st: ConnState = { id: 0, queue: [], ending: false, closed: false };
    sock.data = st;
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    const id = core.accept(
      {
        write: (data, done) => {
          if (st.closed || st.ending) return done(false);
          st.queue.push({ data, off: 0, done });
          if (st.queue.length === 1) flush(sock, st);
        },
        close: () => {
          if (st.ending || st.closed) return;
          st.ending = true;
          sock.end(); // runs the close handler (synchronously) → finish()
        },
        pause: () => sock.pause(),
        resume: () => sock.resume(),
      },
      peer,
    );
    if (id === 0) {
      st.ending = true;
      sock.end();
      return;
    }
    st.id = id;
    // closed while the core handled the accept (before the id was known here)
    if (st.closed) core.closed(id);
    else log(3, `Connection ${id} from ${peer}`);
  };
  try {
    const server = Bun.listen<ConnState>({
      hostname: address,
      port,
      socket: {
        open: guard(open),
        data: guard((sock: Sock, chunk: Uint8Array) => {
          const st = sock.data;
          if (st && st.id !== 0 && !st.closed) core.receive(st.id, chunk);
        }),
        drain: guard((sock: Sock) => {
          if (sock.data) flush(sock, sock.data);
        }),
        close: guard((sock: Sock, err?: Error) => {
          if (err) log(3, `Connection ${sock.data?.id}: ${err.message}`);
          finish(sock.data);
        }),
        error: guard((sock: Sock, err: Error) => {
          log(3, `Connection ${sock.data?.id}: ${err.message}`);
          finish(sock.data);
        }),
      },
    });
    return Promise.resolve({ close: () => server.stop() });
  } catch (e) {
    // Bun's message ("Failed to listen at ADDR") leaves the reason to e.code (EADDRINUSE, …)
    const err = e as { code?: string; message?: string };
    return Promise.reject(err.code ? new Error(`${err.code}: ${err.message}`) : e);
  }
}
