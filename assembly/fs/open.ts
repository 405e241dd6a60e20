// MS-SMB2 3.3.1.10 Open and the per-file shared state (share modes, delete pending).
import { Session, Tree } from "../smb2/session";
import { RpcPipe } from "../rpc/pipe";
import { random_fill } from "../abi/imports";
import { ByteLock } from "./locks";
import { WaitList } from "../smb2/async";

/** State shared by all opens of one file (MS-FSA 2.1.1.4 Stream / File). */
export class FileNode {
  key: string;
  opens: Array<Open> = new Array<Open>(0);
  deletePending: bool = false;
  /** Byte-range locks held on the file (fs/locks.ts). */
  locks: Array<ByteLock> = new Array<ByteLock>(0);
  /** LOCK requests waiting for a range to become free. */
  lockWaiters: WaitList = new WaitList();

  constructor(key: string) {
    this.key = key;
  }
}

export class Open {
  persistentId: u64;
  volatileId: u64;
  session: Session;
  tree: Tree;
  /** Host handle (file or directory), 0 when none is open on the host. */
  hostHandle: i32 = 0;
  /** Path relative to the share root, '/'-separated, "" for the root. */
  path: string;
  isDir: bool = false;
  pipe: RpcPipe | null = null;
  grantedAccess: u32 = 0;
  shareAccess: u32 = 0;
  createOptions: u32 = 0;
  deleteOnClose: bool = false;
  position: u64 = 0;
  node: FileNode | null = null;
  /** Operations in progress that use hostHandle; the host close waits for them. */
  inflight: i32 = 0;
  closed: bool = false;

  // directory enumeration (QUERY_DIRECTORY)
  dirIndex: i32 = 0;
  dirPattern: string = "";
  dirStarted: bool = false;
  dirEnded: bool = false;

  constructor(volatileId: u64, session: Session, tree: Tree, path: string) {
    this.volatileId = volatileId;
    this.persistentId = volatileId;
    this.session = session;
    this.tree = tree;
    this.path = path;
  }
}

export const opens = new Map<u64, Open>();
export const fileNodes = new Map<string, FileNode>();

let nextVolatile: u64 = 0;

export function newVolatileId(): u64 {
  if (nextVolatile == 0) {
    const p = memory.data(8);
    random_fill(p, 8);
    nextVolatile = (load<u64>(p) & 0x0000_ffff_ffff_0000) | 1;
  }
  let id = nextVolatile++;
  while (id == 0 || id == 0xffff_ffff_ffff_ffff || opens.has(id)) id = nextVolatile++;
  return id;
}

/** The shared node of (share index, path), created on first use. */
export function getFileNode(share: u32, path: string): FileNode {
  const key = share.toString() + ":" + path;
  if (fileNodes.has(key)) return fileNodes.get(key);
  const n = new FileNode(key);
  fileNodes.set(key, n);
  return n;
}

export function releaseFileNode(n: FileNode): void {
  if (n.opens.length == 0 && n.locks.length == 0 && n.lockWaiters.length == 0 && fileNodes.has(n.key)) fileNodes.delete(n.key);
}
