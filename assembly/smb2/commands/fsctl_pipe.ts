// MS-SMB2 3.3.5.15.2 FSCTL_PIPE_TRANSCEIVE: writes the input to the named pipe (DCE/RPC) and
// answers with what the pipe has to read, STATUS_BUFFER_OVERFLOW when more is left.
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { Open } from "../../fs/open";
import { respond, outBuffer } from "./fsctl";

/** FSCTL_PIPE_TRANSCEIVE on r.open (a pipe; other opens: STATUS_INVALID_DEVICE_REQUEST). */
export function fsctlPipeTransceive(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  const pipe = (r.open as Open).pipe;
  if (pipe === null) return S.STATUS_INVALID_DEVICE_REQUEST;
  const st = pipe.write(input, <i32>inCount);
  if (st != S.STATUS_SUCCESS) return st;
  if (!r.reserve(48 + maxOut)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const n = pipe.read(outBuffer(r), <i32>maxOut);
  respond(r, n < 0 ? 0 : <u32>n);
  if (pipe.moreData()) {
    r.bodyReady = true;
    return S.STATUS_BUFFER_OVERFLOW;
  }
  return S.STATUS_SUCCESS;
}
