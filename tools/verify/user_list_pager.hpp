// SPDX-License-Identifier: GPL-2.0-or-later
// The user list's paging (docs/PROTOCOL.md §11) as imup-verify checks it:
// per client, the pages (type-21 answers) of one walk through the list,
// joined as the Wireshark plugin joins them (plugin/imup-tracking.cpp): a 4
// with an empty text starts a listing, a 4 with a start id continues the
// open one, and a page without the more flag (M, header bit 3) ends it.
//
// The rules, each a code: ids in increasing order from the id asked for
// (list_page_order); no user twice in one listing (list_duplicate_user); M
// only when more users follow and the page is full (list_more_flag); the next
// page asked for from the last id received + 1 (list_page_start); a listing
// whose last page said more follow is continued (list_incomplete).
//
// State is per client, bounded (a bitset of the 1024 ids, the start ids of
// at most a window's worth of open requests), and forgotten when idle.
#pragma once

#include <bitset>
#include <cstdint>
#include <unordered_map>

#include "codec/codec.hpp"
#include "codec/limits.hpp"
#include "seen.hpp"
#include "violation.hpp"

namespace imup::verify {

class UserListPager {
 public:
  // `give_up_ns`: how long a client may take before it must have asked for
  // the next page (its request's tries), for list_incomplete at the end.
  UserListPager(const ViolationSink& sink, std::int64_t give_up_ns)
      : sink_(sink), give_up_ns_(give_up_ns) {}

  // A new (not resent) 4 from a client; `message` null when malformed.
  void request(const Seen& s, const Message* message);
  // The first answer `s` (a 21) to the client's 4 numbered s.header.seq.
  void page(const Seen& s, const Message* message);

  void sweep(std::int64_t now, std::int64_t forget_idle_ns);
  // The end of a capture: open listings the client had time to continue.
  void finish(std::int64_t end_ns);

 private:
  static constexpr int kFirstPage = -1;  // a request with no start id
  struct Listing {
    bool open = false;  // the last page had M set
    int last_id = -1;   // the last id the listing received
    std::bitset<kMaxClients> ids;
    std::uint64_t last_page_frame = 0;
    std::int64_t last_page_ns = 0;
    Endpoint server, client;  // for reports made at the end
    std::unordered_map<std::uint16_t, int> asked;  // open request's seq -> start id
    std::int64_t last_active_ns = 0;
    void restart() {
      open = false;
      last_id = -1;
      ids.reset();
    }
  };
  void check_entries(const Seen& s, const UserListPage& page, int start, Listing& l);

  const ViolationSink& sink_;
  std::int64_t give_up_ns_;
  std::unordered_map<std::uint64_t, Listing> listings_;  // by client endpoint
};

}  // namespace imup::verify
