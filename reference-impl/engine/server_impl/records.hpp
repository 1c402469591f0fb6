// SPDX-License-Identifier: GPL-2.0-or-later
// What the server holds per client, per group and per address.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "engine/answer_cache.hpp"
#include "engine/io_contract.hpp"
#include "engine/request_channel.hpp"
#include "engine/token_bucket.hpp"

namespace imup::engine {

// Group news for one client (§9.3, §14): a type-11 list in one or more parts,
// or a 13. Sent stop-and-wait, one part at a time, so that the parts of one
// list reach the client in order with no other 11 or 13 between them.
struct GroupNews {
  MessageType type = MessageType::GroupUpdate;
  std::shared_ptr<const std::vector<SharedBytes>> parts;  // a 13: one part
  std::uint64_t tag = 0;
};

struct ClientRec {
  std::uint64_t generation = 0;
  std::uint16_t id = 0;
  std::string name;
  std::string skeleton;  // its key in Server::Impl::by_skeleton
  Endpoint endpoint;
  bool proved = false;
  std::uint64_t bytes_in = 0;   // while unproved: the amplification budget's base
  std::uint64_t bytes_out = 0;
  TokenBucket bucket;
  RequestChannel out;
  AnswerCache cache;
  Time last_heard{};
  Time last_answered{};  // its last answer that closed one of our requests
  Time probe_timer_at{};
  bool probe_outstanding = false;
  std::optional<std::uint32_t> group;
  std::optional<std::vector<std::string>> offer;  // invitees of a 19 answered by 10
  // While unproved: messages and invitations that would reach others, not
  // acted on (nor answered) until the return path is proved (§14).
  struct Held {
    Message message;
    std::uint64_t hash = 0;
    std::size_t size = 0;
  };
  std::vector<Held> held;
  // Front: the news being sent, its part `news_part` submitted and unanswered;
  // behind it, news waiting its turn.
  std::deque<GroupNews> news;
  std::size_t news_part = 0;
  // At least ServerConfig::backlog_per_client requests wait for its window
  // (counted in Server::Impl::backlogged, so that a chat checks its
  // recipients only while some client has a backlog).
  bool backlogged = false;
};

struct GroupRec {
  std::uint32_t id = 0;
  Mode mode = Mode::Centralized;
  std::vector<std::uint16_t> members;   // slots, in joining order
  std::vector<std::uint16_t> invitees;  // slots invited, not yet answered
};

struct IpState {
  TokenBucket bucket;
  std::size_t registrations = 0;
  std::size_t unproved = 0;  // of those, not yet proved
};

}  // namespace imup::engine
