#include "debug/gdb_wire.h"

#include "base/hex.h"

namespace kjump::debug {

void PacketDecoder::feed(std::string_view bytes, std::vector<WireEvent>& out) {
  for (char ch : bytes) {
    const uint8_t c = uint8_t(ch);
    switch (state_) {
      case State::Idle:
        if (c == '$') {
          payload_.clear();
          sum_ = 0;
          overflow_ = false;
          state_ = State::Payload;
        } else if (c == 0x03) {
          out.push_back({WireEvent::Kind::Interrupt, ""});
        } else if (c == '+') {
          out.push_back({WireEvent::Kind::Ack, ""});
        } else if (c == '-') {
          out.push_back({WireEvent::Kind::Nack, ""});
        }  // anything else between packets is noise
        break;
      case State::Payload:
      case State::Escape:
        if (c == '#' && state_ == State::Payload) {
          state_ = State::Sum1;
          break;
        }
        if (c == '$' && state_ == State::Payload) {  // a new packet before this one ended: restart
          payload_.clear();
          sum_ = 0;
          overflow_ = false;
          break;
        }
        sum_ = uint8_t(sum_ + c);
        if (state_ == State::Payload && c == '}') {
          state_ = State::Escape;
          break;
        }
        if (payload_.size() < kMaxPacket) payload_.push_back(char(state_ == State::Escape ? c ^ 0x20 : c));
        else overflow_ = true;
        state_ = State::Payload;
        break;
      case State::Sum1: {
        int d = hex_digit(char(c));
        want_ = uint8_t(d < 0 ? 0 : d << 4);
        if (d < 0) overflow_ = true;  // a malformed checksum: the packet is bad
        state_ = State::Sum2;
        break;
      }
      case State::Sum2: {
        int d = hex_digit(char(c));
        bool ok = d >= 0 && !overflow_ && uint8_t(want_ | d) == sum_;
        if (ok) out.push_back({WireEvent::Kind::Packet, std::move(payload_)});
        else out.push_back({WireEvent::Kind::BadPacket, ""});
        payload_.clear();
        state_ = State::Idle;
        break;
      }
    }
  }
}

std::string frame_packet(std::string_view payload) {
  std::string out = "$";
  uint8_t sum = 0;
  for (char ch : payload) {
    if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
      out.push_back('}');
      sum = uint8_t(sum + '}');
      ch = char(ch ^ 0x20);
    }
    out.push_back(ch);
    sum = uint8_t(sum + uint8_t(ch));
  }
  static const char* kHex = "0123456789abcdef";
  out.push_back('#');
  out.push_back(kHex[sum >> 4]);
  out.push_back(kHex[sum & 15]);
  return out;
}

std::string to_hex(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out.push_back(kHex[uint8_t(c) >> 4]);
    out.push_back(kHex[uint8_t(c) & 15]);
  }
  return out;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int a = hex_digit(hex[i]), b = hex_digit(hex[i + 1]);
    if (a < 0 || b < 0) return false;
    out.push_back(char(a << 4 | b));
  }
  return true;
}

}  // namespace kjump::debug
