// SPDX-License-Identifier: GPL-2.0-or-later
// Which UDP port is the IMUP server's, learned from the traffic when the
// user did not say (imup-verify without --server-port). The verifier needs
// the port to tell requests' direction; guessing a default silently checked
// nothing on a server that listens elsewhere.
//
// A datagram to or from IMUP's registered port (2017) decides at once, as
// the plugin's registration on that port claims all of its traffic.
// Elsewhere a datagram decides only when everything about it is right, as the
// Wireshark plugin's heuristic claims one (plugin/packet-imup.cpp,
// looks_like_imup): the strict grammar passes with no warning, it carries a
// text (a bare 4-byte header is any protocol's counter), and its type is one
// that only a client sends to the server (the port is its destination) or
// only the server sends (the port is its source).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "codec/codec.hpp"

namespace imup::verify {

struct LearnedPort {
  std::uint16_t port = 0;
  std::string why;  // "type 1 (Connect) sent to it"
};

// The server port `payload`, sent from `src` to `dst`, proves, if any.
std::optional<LearnedPort> server_port_from(Endpoint src, Endpoint dst,
                                            std::span<const std::uint8_t> payload);

}  // namespace imup::verify
