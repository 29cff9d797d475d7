#include "lib/errno.h"

namespace kjump {

const char* errno_name(int e) {
  switch (-e) {
    case 0: return "0";
    case EPERM: return "-EPERM";
    case ENOENT: return "-ENOENT";
    case EIO: return "-EIO";
    case ENOEXEC: return "-ENOEXEC";
    case ENOMEM: return "-ENOMEM";
    case EFAULT: return "-EFAULT";
    case EBUSY: return "-EBUSY";
    case EINVAL: return "-EINVAL";
    case EADDRNOTAVAIL: return "-EADDRNOTAVAIL";
    default: return "-E?";
  }
}

}  // namespace kjump
