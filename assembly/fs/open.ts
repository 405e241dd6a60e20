// MS-SMB2 3.3.1.10 Open and the per-file shared state (share modes, delete pending).
import { Session, Tree } from "../smb2/session";
import { RpcPipe } from "../rpc/pipe";
import { random_fill } from "../abi/imports";
import { ByteLock } from "./locks";
import { WaitList } from "../smb2/async";
import { Lease } from "../oplock/state";
import { Durable } from "./durable";

/** State shared by all opens of one file (MS-FSA 2.1.1.4 Stream / File). */
export class FileNode {
  key: string;
  opens: Array<Open> = new Array<Open>(0);
  deletePending: bool = false;
  /** Byte-range locks held on the file (fs/locks.ts). */
  locks: Array<ByteLock> = new Array<ByteLock>(0);
  /** LOCK requests waiting for a range to become free. */
  lockWaiters: WaitList = new WaitList();
  /** CREATE/SET_INFO requests waiting for oplock or lease breaks on this file (oplock/state.ts). */
  oplockWaiters: WaitList = new WaitList();
  /** A named stream's node: the node of its file (fs/streams.ts); null for files and directories. */
  base: FileNode | null = null;
  /** A file's node: the nodes of its named streams in use (they keep this node alive). */
  streams: Array<FileNode> | null = null;
  /** The file's security descriptor as last read or written (fs/sd_cache.ts), when sdKnown. */
  sd: StaticArray<u8> | null = null;
  sdKnown: bool = false;
  /**
   * AllocationSize set by CREATE's AlSi context or FileAllocationInformation while the file is
   * open (MS-FSA 2.1.5.15.1); reported as long as it exceeds the data's own, dropped with the node.
   */
  allocation: u64 = 0;

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
  /** Path relative to the share root, '/'-separated, "" for the root (a stream's: its file's). */
  path: string;
  isDir: bool = false;
  /** The named stream this open is on, "" for the file or directory itself (fs/streams.ts). */
  stream: string = "";
  /** A stream open whose file is a directory. */
  streamBaseDir: bool = false;
  /** Set when closing this stream open is what lets its delete-pending file go (fs/streams.ts). */
  deleteBase: bool = false;
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

  // oplocks and leases (MS-SMB2 3.3.1.10 Open.OplockLevel/OplockState/Lease; oplock/state.ts)
  /** Granted oplock level; SMB2_OPLOCK_LEVEL_LEASE (0xFF) for an open of a lease. */
  oplockLevel: u8 = 0;
  /** An oplock break was sent and is not acknowledged yet (OplockState Breaking). */
  oplockBreaking: bool = false;
  /** The level the break notification offered. */
  oplockBreakTo: u8 = 0;
  /** The lowest level requesters need while breaking (a further break follows the ack if above). */
  oplockRequired: u8 = 0;
  /** When the break is taken as acknowledged (ms). */
  oplockDeadline: f64 = 0;
  /** The lease this open belongs to, or null. */
  lease: Lease | null = null;
  /** Opened with attribute rights only: never breaks oplocks or leases (MS-FSA 2.1.4.12). */
  statOpen: bool = false;
  /** The lease table key of the parent directory's lease this open named (v2 ParentLeaseKey), or "". */
  leaseParent: string = "";
  /** Data or metadata written through this open: its close breaks the parent's directory leases. */
  modified: bool = false;
  /** Durable handle state (fs/durable.ts), null for an open that is not durable. */
  durable: Durable | null = null;
  /** Open.LockSequenceArray of a durable open (commands/lock_sequence.ts), made on first use. */
  lockSequence: StaticArray<u8> | null = null;

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

/**
 * The key of (share index, path) in fileNodes: names are case-insensitive, so every spelling of
 * a file shares one node (share modes, locks, oplocks and leases see each other).
 */
export function nodeKey(share: u32, path: string): string {
  return share.toString() + ":" + path.toUpperCase();
}

/** The shared node of (share index, path), created on first use. */
export function getFileNode(share: u32, path: string): FileNode {
  const key = nodeKey(share, path);
  if (fileNodes.has(key)) return fileNodes.get(key);
  const n = new FileNode(key);
  fileNodes.set(key, n);
  return n;
}

export function releaseFileNode(n: FileNode): void {
  const l = n.streams;
  if (l !== null && l.length > 0) return; // its streams' nodes are in use
  if (n.opens.length == 0 && n.locks.length == 0 && n.lockWaiters.length == 0 && n.oplockWaiters.length == 0 && fileNodes.has(n.key)) {
    fileNodes.delete(n.key);
    const b = n.base;
    if (b !== null) {
      // a stream's node leaves its file's list; the file's node may go too
      n.base = null;
      const bl = b.streams;
      if (bl !== null) {
        const i = bl.indexOf(n);
        if (i >= 0) bl.splice(i, 1);
      }
      releaseFileNode(b);
    }
  }
}
