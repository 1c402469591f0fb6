// SPDX-License-Identifier: GPL-2.0-or-later
// The user list (4 -> 8, §11): pages of proved users by slot, encoded once
// per change of the user table (users_changed()) with sequence number 0 and
// given each request's number, so a request costs a copy, not a rebuild.
#include <algorithm>
#include <array>

#include "codec/codec.hpp"
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"

namespace imup::engine {

void Server::Impl::on_list(ClientRec& c, std::uint16_t seq, std::uint64_t hash, std::uint16_t start,
                           Time now) {
  if (list_pages_version != users_version) {
    list_pages.clear();
    list_pages_version = users_version;
  }
  auto it = list_pages.find(start);
  if (it == list_pages.end()) it = list_pages.emplace(start, list_page(start)).first;
  if (it->second.empty()) return;  // every page fits; defensive
  std::array<std::uint8_t, kMaxDatagramBytes> buf;
  std::copy(it->second.begin(), it->second.end(), buf.begin());
  std::span<std::uint8_t> bytes(buf.data(), it->second.size());
  set_seq(bytes, seq);
  answer_bytes(c, seq, hash, bytes, now);
}

// The page of users from slot `start` on, encoded with sequence number 0.
std::vector<std::uint8_t> Server::Impl::list_page(std::uint16_t start) const {
  UserListPage page;
  std::size_t bytes = 0;
  for (std::size_t s = start; s < kMaxClients; ++s) {
    const ClientRec* u = slots[s].get();
    if (!u || !u->proved) continue;
    UserEntry entry{u->group ? Room::Private : Room::Public, u->id, u->name};
    std::size_t need = user_entry_bytes(entry);
    if (bytes + need > kMaxTextBytes) {
      page.more = true;
      break;
    }
    bytes += need;
    page.entries.push_back(std::move(entry));
  }
  return encode_or_empty(Message{0, std::move(page)});
}

}  // namespace imup::engine
