// The GDB stub's socket: listens on HOST:PORT (loopback unless told otherwise), serves one
// client at a time — a second one is accepted and closed at once, so it is refused rather
// than left hanging — and pumps bytes between the socket, the wire decoder and the protocol.
// A client that vanishes ends the serving; a peer that sends garbage gets `-` and `E01`.
#pragma once

#include <string>

#include "debug/console.h"

namespace kjump::debug {

struct GdbServerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class GdbServer {
 public:
  // "HOST:PORT" or ":PORT" / "PORT" (127.0.0.1). Throws GdbServerError naming the address.
  GdbServer(Console& console, const std::string& address);
  ~GdbServer();
  int port() const { return port_; }
  // Serves clients until one sends `k` or `D` or disconnects. `log`: one line per event.
  void serve(const std::function<void(const std::string&)>& log);

 private:
  void serve_client(int fd, const std::function<void(const std::string&)>& log);
  void refuse_others();
  Console& console_;
  int listen_fd_ = -1;
  int port_ = 0;
};

}  // namespace kjump::debug
