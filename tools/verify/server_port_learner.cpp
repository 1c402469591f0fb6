// SPDX-License-Identifier: GPL-2.0-or-later
#include "server_port_learner.hpp"

#include "codec/exchange.hpp"
#include "violation.hpp"  // type_label

namespace imup::verify {

std::optional<LearnedPort> server_port_from(Endpoint src, Endpoint dst,
                                            std::span<const std::uint8_t> payload) {
  // The protocol's own port decides at once, as the plugin dissects all of
  // it: traffic there is IMUP whatever its bytes (broken datagrams are what
  // the checks are for).
  if (src.port == kDefaultPort || dst.port == kDefaultPort)
    return LearnedPort{kDefaultPort, "IMUP's registered port, seen " +
                                         std::string(dst.port == kDefaultPort ? "as the destination" : "as the source")};
  if (payload.size() <= kHeaderBytes) return std::nullopt;
  const std::uint8_t type = std::uint8_t(load_be32(payload.data()) >> 14);
  if (!is_known_type(type)) return std::nullopt;
  const auto t = MessageType(type);
  // ChatMessage and Ack also go between peers, Invitation both ways: they
  // say nothing of which end is the server.
  const bool only_client = client_may_send(t) && !server_may_send(t) && !peer_may_send(t);
  const bool only_server = server_may_send(t) && !client_may_send(t) && !peer_may_send(t);
  if (!only_client && !only_server) return std::nullopt;
  if (!check(payload, Strictness::Strict).clean()) return std::nullopt;
  if (only_client) return LearnedPort{dst.port, "type " + type_label(type) + " sent to it"};
  return LearnedPort{src.port, "type " + type_label(type) + " sent from it"};
}

}  // namespace imup::verify
