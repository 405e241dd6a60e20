// The one errno → NTSTATUS table (Linux errno numbers; hosts translate their errors to these).
import * as S from "../smb2/status";

export const EPERM: i32 = 1;
export const ENOENT: i32 = 2;
export const EIO: i32 = 5;
export const EBADF: i32 = 9;
export const EAGAIN: i32 = 11;
export const ENOMEM: i32 = 12;
export const EACCES: i32 = 13;
export const EBUSY: i32 = 16;
export const EEXIST: i32 = 17;
export const EXDEV: i32 = 18;
export const ENOTDIR: i32 = 20;
export const EISDIR: i32 = 21;
export const EINVAL: i32 = 22;
export const ENFILE: i32 = 23;
export const EMFILE: i32 = 24;
export const EFBIG: i32 = 27;
export const ENOSPC: i32 = 28;
export const ESPIPE: i32 = 29;
export const EROFS: i32 = 30;
export const EMLINK: i32 = 31;
export const ENAMETOOLONG: i32 = 36;
export const ENOTEMPTY: i32 = 39;
export const ELOOP: i32 = 40;
export const ENODATA: i32 = 61;
export const EOVERFLOW: i32 = 75;
export const EILSEQ: i32 = 84;
export const ENOTSUP: i32 = 95;
export const EDQUOT: i32 = 122;
/** Not a real errno: the host refused a path that resolves outside the share. */
export const EXSHARE: i32 = 4096;

/** Maps a negative host result (-errno) to the NTSTATUS a Windows server returns. */
export function errnoToStatus(negErrno: i32): u32 {
  switch (-negErrno) {
    case ENOENT: return S.STATUS_OBJECT_NAME_NOT_FOUND;
    case ENOTDIR: return S.STATUS_OBJECT_PATH_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS: return S.STATUS_ACCESS_DENIED;
    case EEXIST: return S.STATUS_OBJECT_NAME_COLLISION;
    case EISDIR: return S.STATUS_FILE_IS_A_DIRECTORY;
    case ENOTEMPTY: return S.STATUS_DIRECTORY_NOT_EMPTY;
    case ENOSPC: return S.STATUS_DISK_FULL;
    case EDQUOT: return S.STATUS_DISK_QUOTA_EXCEEDED;
    case EFBIG:
    case EOVERFLOW: return S.STATUS_FILE_TOO_LARGE;
    case ENAMETOOLONG: return S.STATUS_NAME_TOO_LONG;
    case EBUSY: return S.STATUS_SHARING_VIOLATION;
    case EXDEV: return S.STATUS_NOT_SAME_DEVICE;
    case EMFILE:
    case ENFILE: return S.STATUS_TOO_MANY_OPENED_FILES;
    case ENOMEM: return S.STATUS_NO_MEMORY;
    case EINVAL: return S.STATUS_INVALID_PARAMETER;
    case EILSEQ: return S.STATUS_OBJECT_NAME_INVALID;
    case ELOOP:
    case EXSHARE: return S.STATUS_ACCESS_DENIED;
    case ENOTSUP: return S.STATUS_NOT_SUPPORTED;
    case EBADF: return S.STATUS_INVALID_HANDLE;
    default: return S.STATUS_UNSUCCESSFUL;
  }
}
