// The SMB2 command dispatch table, indexed by command code (MS-SMB2 2.2.1.2).
import { Request } from "../request";
import { smb2Negotiate } from "./negotiate";
import { smb2SessionSetup } from "./session_setup";
import { smb2Logoff } from "./logoff";
import { smb2TreeConnect, smb2TreeDisconnect } from "./tree_connect";
import { smb2Create } from "./create";
import { smb2Close } from "./close";
import { smb2Flush } from "./flush";
import { smb2Read } from "./read";
import { smb2Write } from "./write";
import { smb2Ioctl } from "./ioctl";
import { smb2Echo, smb2Cancel } from "./echo";
import { smb2QueryDirectory } from "./query_directory";
import { smb2QueryInfo } from "./query_info";
import { smb2SetInfo } from "./set_info";
import { smb2OplockBreak } from "./oplock_break";
import { smb2ChangeNotify } from "./change_notify";
import { smb2Lock } from "./lock";

export type Handler = (r: Request) => u32;

export const HANDLERS: StaticArray<Handler> = [
  smb2Negotiate,
  smb2SessionSetup,
  smb2Logoff,
  smb2TreeConnect,
  smb2TreeDisconnect,
  smb2Create,
  smb2Close,
  smb2Flush,
  smb2Read,
  smb2Write,
  smb2Lock,
  smb2Ioctl,
  smb2Cancel,
  smb2Echo,
  smb2QueryDirectory,
  smb2ChangeNotify,
  smb2QueryInfo,
  smb2SetInfo,
  smb2OplockBreak,
];
