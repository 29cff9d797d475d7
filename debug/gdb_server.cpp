#include "debug/gdb_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "debug/gdb_target.h"
#include "debug/gdb_wire.h"

namespace kjump::debug {

GdbServer::GdbServer(Console& console, const std::string& address) : console_(console) {
  std::string host = "127.0.0.1", port = address;
  if (auto colon = address.rfind(':'); colon != std::string::npos) {
    host = colon ? address.substr(0, colon) : "127.0.0.1";
    port = address.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535) throw GdbServerError("--gdb " + address + ": bad port '" + port + "'");
  sa.sin_port = htons(uint16_t(p));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
    throw GdbServerError("--gdb " + address + ": bad IPv4 address '" + host + "'");
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(listen_fd_, 2) != 0)
    throw GdbServerError("--gdb " + address + ": " + std::strerror(errno));
  socklen_t len = sizeof sa;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
}

GdbServer::~GdbServer() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

void GdbServer::refuse_others() {
  pollfd pf{listen_fd_, POLLIN, 0};
  while (poll(&pf, 1, 0) > 0 && (pf.revents & POLLIN)) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) break;
    const char msg[] = "$E01#a6";  // one client at a time
    (void)!write(fd, msg, sizeof msg - 1);
    close(fd);
  }
}

void GdbServer::serve(const std::function<void(const std::string&)>& log) {
  log("gdb stub listening on port " + std::to_string(port_));
  int fd = accept(listen_fd_, nullptr, nullptr);
  if (fd < 0) throw GdbServerError(std::string("gdb stub: accept: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  log("gdb client connected");
  serve_client(fd, log);
  close(fd);
  log("gdb client gone");
}

void GdbServer::serve_client(int fd, const std::function<void(const std::string&)>& log) {
  PacketDecoder decoder;
  std::vector<WireEvent> events;
  bool interrupted = false;
  // Between slices of a running `c`: anything from the peer is looked at; 0x03 stops it.
  auto poll_interrupt = [&]() {
    refuse_others();
    pollfd pf{fd, POLLIN, 0};
    if (poll(&pf, 1, 0) <= 0) return false;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return true;  // gone: stop running, the loop below sees it
    std::vector<WireEvent> ev;
    decoder.feed(std::string_view(buf, size_t(n)), ev);
    for (auto& e : ev) {
      if (e.kind == WireEvent::Kind::Interrupt) interrupted = true;
      else events.push_back(std::move(e));  // kept for after the stop
    }
    bool stop = interrupted;
    interrupted = false;
    return stop;
  };
  SessionTarget target(console_, poll_interrupt);
  GdbProtocol proto(target);
  console_.redirect([&](const std::string& l) { target.collect(l); });
  auto send_all = [&](const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = write(fd, s.data() + off, s.size() - off);
      if (n <= 0) return false;
      off += size_t(n);
    }
    return true;
  };
  char buf[4096];
  bool running = true;
  while (running) {
    refuse_others();
    if (events.empty()) {
      pollfd pfs[2] = {{fd, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      if (poll(pfs, 2, -1) < 0 && errno != EINTR) break;
      if (pfs[1].revents & POLLIN) continue;  // refused at the top
      if (!(pfs[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;  // the client vanished
      decoder.feed(std::string_view(buf, size_t(n)), events);
    }
    std::vector<WireEvent> batch;
    batch.swap(events);
    for (WireEvent& e : batch) {
      if (e.kind == WireEvent::Kind::BadPacket) {
        if (!proto.no_ack() && !send_all("-")) running = false;
        continue;
      }
      if (e.kind == WireEvent::Kind::Interrupt) {
        // Not running: report where we are.
        if (!send_all(frame_packet("T02thread:01;"))) running = false;
        continue;
      }
      if (e.kind != WireEvent::Kind::Packet) continue;
      if (!proto.no_ack() && !send_all("+")) {
        running = false;
        break;
      }
      std::vector<std::string> replies;
      bool go_on = true;
      try {
        go_on = proto.handle(e.payload, replies);
      } catch (const std::exception& ex) {
        log(std::string("gdb stub: ") + ex.what());
        replies = {"E01"};
      }
      for (const std::string& r : replies)
        if (!send_all(frame_packet(r))) go_on = false;
      if (!go_on) {
        running = false;
        break;
      }
    }
  }
  console_.redirect(nullptr);
}

}  // namespace kjump::debug
