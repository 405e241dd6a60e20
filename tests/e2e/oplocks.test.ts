// End-to-end: oplocks and leases (assembly/oplock/) against the real smbtorture, a quick subset
// of smb2.oplock.* and smb2.lease.* (the full suites, incl. the 35-second break timeouts, run in
// `npm run conformance`): breaks to Level II and none, a CREATE waiting for an acknowledgment,
// a holder that closes instead of acknowledging, lease upgrades and epochs, lease keys bound to
// one file, directory leases, and holders whose connection goes away (review item M1).
import { test } from "uvu";
import { tortureShare } from "../helpers/torture-suite.ts";

const USER = "oplockuser";
const PASSWORD = "Oplock-test-pw1";

const TORTURE = [
  "smb2.oplock.exclusive9", // Exclusive broken to Level II or none by dispositions
  "smb2.oplock.batch3", // the holder closes on the break: the waiting open goes on
  "smb2.oplock.doc", // delete pending: no break
  "smb2.oplock.brl3", // a byte-range lock breaks the locker's own Level II
  "smb2.oplock.levelii502", // a Level II holder whose connection dies (M1)
  "smb2.lease.breaking1", // a CREATE waits for the lease break acknowledgment
  "smb2.lease.breaking2", // acknowledgments outside the offered state are refused
  "smb2.lease.upgrade2", // the upgrade matrix
  "smb2.lease.v2_epoch1", // v2 epochs
  "smb2.lease.duplicate_create", // a lease key leases one file
  "smb2.lease.v2_request_parent", // parent lease keys
  "smb2.lease.timeout-disconnect", // a lease holder's connection goes away while breaking (M1)
];

tortureShare(test, "smboplock-", USER, PASSWORD, TORTURE);

test.run();
