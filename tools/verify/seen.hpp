// SPDX-License-Identifier: GPL-2.0-or-later
// One IMUP datagram whose header decoded, as the exchange checks read it
// (exchange_tracker, request_ledger, session_model): built once per datagram
// by the caller and passed down by reference.
#pragma once

#include <cstdint>
#include <span>

#include "codec/codec.hpp"

namespace imup::verify {

// Which conversation a datagram belongs to (ExchangeTracker::classify).
enum class Role : std::uint8_t { ClientToServer, ServerToClient, PeerToPeer, NotImup };

struct Seen {
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
  Endpoint src, dst;
  Role role = Role::NotImup;
  Header header;
  bool well_formed = false;          // its text decoded too
  const Message* message = nullptr;  // read only for types 4, 11 and 21 (needs_message)
  std::span<const std::uint8_t> bytes;
};

// Which convention a datagram's length field follows (PROTOCOL.md §3), for
// the check that a sender keeps to one: None when it has no text or the
// field fits neither (bad_length is reported for that).
enum class LengthConvention : std::uint8_t { None, NMinusOne, Literal };
constexpr LengthConvention length_convention_of(const Seen& s) {
  if (s.bytes.size() <= kHeaderBytes) return LengthConvention::None;
  const std::size_t n = s.bytes.size() - kHeaderBytes;
  if (s.header.length == n - 1) return LengthConvention::NMinusOne;
  if (s.header.length == n) return LengthConvention::Literal;
  return LengthConvention::None;
}

// An endpoint as one integer, the key of the checks' maps.
constexpr std::uint64_t endpoint_key(Endpoint e) { return std::uint64_t(e.ipv4) << 16 | e.port; }

}  // namespace imup::verify
