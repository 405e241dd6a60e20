// The security descriptors of files that are open, kept on their FileNode (MS-FSA 2.1.1.4
// File): a descriptor lives exactly as long as its node and follows it through renames; one
// read by a CREATE serves the next ones, and a directory's serves the creation of its children.
// O(1) per lookup, whatever the number of open files (smb2.maxfid opens 16384).
import { Request } from "../smb2/request";
import { FileNode, fileNodes, nodeKey } from "./open";
import { slotSet } from "./sd_io";

/** The node of (share, path) if one exists (files that are open). */
export function nodeOf(share: u32, path: string): FileNode | null {
  const key = nodeKey(share, path);
  return fileNodes.has(key) ? fileNodes.get(key) : null;
}

/** Records a node's descriptor ([sd, sd+len), or none with sd 0). */
export function cacheSet(node: FileNode | null, sd: usize, len: u32): void {
  if (node === null) return;
  let copy: StaticArray<u8> | null = null;
  if (sd != 0) {
    copy = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(copy), sd, <usize>len);
  }
  node.sd = copy;
  node.sdKnown = true;
}

/** Fills a slot from the node's descriptor; false when it is not known. */
export function slotFromCache(r: Request, slot: u32, node: FileNode | null): bool {
  if (node === null || !node.sdKnown) return false;
  const sd = node.sd;
  if (sd === null) return slotSet(r, slot, 0, 0);
  return slotSet(r, slot, changetype<usize>(sd), <u32>sd.length);
}
