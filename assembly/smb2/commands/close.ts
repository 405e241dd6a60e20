// MS-SMB2 2.2.15/2.2.16 CLOSE (3.3.5.10), with SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB and
// delete-on-close completed before the response is sent.
import * as S from "../status";
import { Request } from "../request";
import { Tree } from "../session";
import { Open } from "../../fs/open";
import { lookupOpen, detachOpen } from "../../fs/handles";
import { submitCloseDelete, notifyCloseDelete } from "../../fs/streams";
import { ioFstat, ioUnlink, statArea } from "../../fs/ops";
import { writeTimes, openAttributes, openAllocation } from "../../fs/info";
import { endOfFile } from "../../fs/stat";
import { notifyChange, FILE_ACTION_REMOVED, FILE_NOTIFY_CHANGE_DIR_NAME, FILE_NOTIFY_CHANGE_FILE_NAME } from "../../fs/notify";

const SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB: u16 = 0x0001;
const STEP_STATED = 1;
const STEP_DELETED = 2;

export function smb2Close(r: Request): u32 {
  if (r.step == 0) {
    const o = lookupOpen(r, r.body + 8);
    if (o === null) return S.STATUS_FILE_CLOSED;
    r.o0 = o;
    memory.fill(statArea(r), 0, 80);
    if ((load<u16>(r.body, 2) & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB) != 0 && o.hostHandle != 0) {
      r.step = STEP_STATED;
      return ioFstat(r, o);
    }
    return finish(r, o, false);
  }
  const o = r.o0 as Open;
  if (r.step == STEP_STATED) {
    return finish(r, o, r.ioResult == 0);
  }
  // STEP_DELETED: the file, directory or stream is gone (or could not be deleted: nothing more
  // to tell the client)
  if (r.ioResult == 0) notifyCloseDelete(o);
  return S.STATUS_SUCCESS;
}

function finish(r: Request, o: Open, haveStat: bool): u32 {
  const out = r.out;
  store<u16>(out, 60, 0);
  memory.fill(out + 2, 0, 58);
  if (haveStat) {
    store<u16>(out, SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB, 2);
    const st = statArea(r);
    writeTimes(out + 8, st);
    store<u64>(out, openAllocation(st, o), 40);
    store<u64>(out, endOfFile(st), 48);
    store<u32>(out, openAttributes(st, o), 56);
  }
  r.outLen = 60;
  if (detachOpen(o)) {
    r.step = STEP_DELETED;
    return submitCloseDelete(r, o); // fs/streams.ts
  }
  return S.STATUS_SUCCESS;
}
