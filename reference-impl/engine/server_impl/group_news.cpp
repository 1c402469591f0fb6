// SPDX-License-Identifier: GPL-2.0-or-later
// Group news to each client, stop-and-wait (§9.3, §14): a type-11 list in
// parts of at most 1024 text bytes, or a 13, the next part only once the
// previous one is acknowledged, so that no other 11 or 13 comes between the
// parts of one list.
#include "codec/codec.hpp"
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {

// Queues an 11 (all its parts) or a 13 for `c`. A newer list of the same
// group replaces one that waits unsent behind the news in flight: the
// client needs only the latest, and nothing is reordered.
void Server::Impl::send_news(ClientRec& c, GroupNews n, Time now) {
  if (n.type == MessageType::GroupUpdate && c.news.size() >= 2 &&
      c.news.back().type == MessageType::GroupUpdate && c.news.back().tag == n.tag) {
    c.news.back() = std::move(n);
    return;
  }
  c.news.push_back(std::move(n));
  if (c.news.size() == 1) submit_news_part(c, now);
}

void Server::Impl::submit_news_part(ClientRec& c, Time now) {
  const GroupNews& n = c.news.front();
  request(c, n.type, (*n.parts)[c.news_part], n.tag, now);
}

// The client acknowledged the news part in flight: the next part, or the
// next news, may go.
void Server::Impl::news_answered(ClientRec& c, Time now) {
  if (c.news.empty()) return;
  if (++c.news_part < c.news.front().parts->size()) return submit_news_part(c, now);
  c.news.pop_front();
  c.news_part = 0;
  if (!c.news.empty()) submit_news_part(c, now);
}

void Server::Impl::send_closed(ClientRec& c, const char* reason, Time now) {
  Message m{0, GroupClosed{reason}};
  auto bytes = encode_or_empty(m);
  if (bytes.empty()) return;
  auto parts = std::make_shared<std::vector<SharedBytes>>();
  parts->push_back(std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)));
  send_news(c, GroupNews{MessageType::GroupClosed, std::move(parts), make_tag(Purpose::Close)}, now);
}

// The group's member list (§9.3) as type-11 parts of at most 1024 text
// bytes, split between member lines; every part but the last has M set.
// Encoded once, shared by every member's copy.
std::shared_ptr<const std::vector<SharedBytes>> Server::Impl::update_parts(const GroupRec& g) const {
  auto parts = std::make_shared<std::vector<SharedBytes>>();
  GroupUpdate part;
  std::size_t bytes = 0;
  auto flush = [&](bool more) {
    part.more = more;
    auto encoded = encode_or_empty(Message{0, part});
    if (encoded.empty()) return false;
    parts->push_back(std::make_shared<const std::vector<std::uint8_t>>(std::move(encoded)));
    part.members.clear();
    bytes = 0;
    return true;
  };
  for (auto s : g.members) {
    const ClientRec& m = *slots[s];
    GroupMember gm{m.name, std::nullopt};
    if (g.mode == Mode::Decentralized) gm.endpoint = m.endpoint;
    std::size_t line = group_member_bytes(gm);
    if (bytes + line > kMaxTextBytes && !part.members.empty() && !flush(true)) {
      parts->clear();
      return parts;
    }
    part.members.push_back(std::move(gm));
    bytes += line;
  }
  if (!flush(false)) parts->clear();
  return parts;
}

}  // namespace imup::engine
