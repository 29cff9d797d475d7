// GDB remote serial protocol, the wire: `$payload#xx` framing with a mod-256 checksum,
// `+`/`-` acknowledgements (until no-ack mode), the 0x03 interrupt byte, and `}` escapes
// (docs/debugger-reference.md §a). Bytes in, events out; nothing here knows what a packet means.
// A hostile peer cannot make it grow without bound: a packet longer than kMaxPacket is
// dropped (and nacked) as one with a bad checksum would be.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kjump::debug {

inline constexpr size_t kMaxPacket = 0x4000;  // what qSupported announces as PacketSize

struct WireEvent {
  enum class Kind { Packet, Interrupt, Ack, Nack, BadPacket } kind;
  std::string payload;  // Packet: unescaped
};

class PacketDecoder {
 public:
  // Appends the events the bytes complete.
  void feed(std::string_view bytes, std::vector<WireEvent>& out);

 private:
  enum class State { Idle, Payload, Escape, Sum1, Sum2 } state_ = State::Idle;
  std::string payload_;
  uint8_t sum_ = 0;
  uint8_t want_ = 0;
  bool overflow_ = false;
};

// `$payload#xx` with `#$}*` escaped (binary-safe).
std::string frame_packet(std::string_view payload);
std::string to_hex(std::string_view bytes);
// False on odd length or a non-hex digit.
bool from_hex(std::string_view hex, std::string& out);

}  // namespace kjump::debug
