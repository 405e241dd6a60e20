// Minimal ambient declarations for the Bun APIs host-bun uses (stand-in for the `@types/bun`
// devDependency, which is not installed); Bun 1.4 semantics as documented on bun.sh/reference.

/** `import path from "x.wasm" with { type: "file" }`: the file's path (under /$bunfs/ when compiled). */
declare module "*.wasm" {
  const path: string;
  export default path;
}

declare namespace Bun {
  /** argv[0] is the runtime, argv[1] the script (or /$bunfs/root/NAME in a compiled binary). */
  const argv: string[];

  interface BunFile {
    text(): Promise<string>;
    bytes(): Promise<Uint8Array<ArrayBuffer>>;
  }
  function file(path: string): BunFile;
  /** Writes the whole input; an existing file keeps its inode and mode. Resolves to bytes written. */
  function write(destination: string, input: string | Uint8Array): Promise<number>;

  /** A TCP connection of Bun.listen; `data` is the per-socket state. */
  interface Socket<Data> {
    data: Data;
    readonly remoteAddress: string;
    readonly remotePort: number;
    /** Unbuffered: returns bytes written (may be partial; 0 when the send buffer is full, -1 when closed). */
    write(data: Uint8Array): number;
    /** Graceful close: FIN after what the kernel holds; the close handler runs (synchronously). */
    end(): void;
    /** Immediate close (RST). */
    terminate(): void;
    setNoDelay(enable?: boolean): boolean;
    /** Stops delivering `data` until resume(). */
    pause(): void;
    resume(): void;
  }

  interface SocketHandler<Data> {
    open?(socket: Socket<Data>): void | Promise<void>;
    data?(socket: Socket<Data>, data: Uint8Array): void | Promise<void>;
    drain?(socket: Socket<Data>): void | Promise<void>;
    close?(socket: Socket<Data>, error?: Error): void | Promise<void>;
    error?(socket: Socket<Data>, error: Error): void | Promise<void>;
  }

  interface TCPSocketListener {
    readonly port: number;
    readonly hostname: string;
    /** Stops accepting; with true also closes the open connections. */
    stop(closeActiveConnections?: boolean): void;
  }

  /** Listens on hostname:port; throws (e.g. EADDRINUSE) synchronously. */
  function listen<Data = undefined>(options: {
    hostname: string;
    port: number;
    socket: SocketHandler<Data>;
    data?: Data;
  }): TCPSocketListener;
}
