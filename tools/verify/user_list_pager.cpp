// SPDX-License-Identifier: GPL-2.0-or-later
#include "user_list_pager.hpp"

#include <cstdio>
#include <string>

namespace imup::verify {
namespace {

// §11: a name is 1..80 bytes (20 characters of up to 4 UTF-8 bytes), so an
// entry is at most this long: a page with this much room left could have
// held the next user, whoever it is.
constexpr std::size_t kMaxEntryBytes = 4 + 4 * kMaxNameChars;

std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", double(ns) / 1e9);
  return buf;
}

}  // namespace

void UserListPager::request(const Seen& s, const Message* message) {
  const auto* r = message ? std::get_if<ListRequest>(&message->body) : nullptr;
  if (!r) return;  // malformed: the server drops it
  Listing& l = listings_[endpoint_key(s.src)];
  l.last_active_ns = s.time_ns;
  l.client = s.src;
  l.server = s.dst;
  if (!r->start_id) {
    if (l.open)
      sink_.emit(Code::ListIncomplete, s,
                 "a new listing begins, but the last page (frame " +
                     std::to_string(l.last_page_frame) + ") said more users follow (M) and id " +
                     std::to_string(l.last_id + 1) + " on was never asked for");
    l.restart();
  } else if (l.open) {
    if (*r->start_id != l.last_id + 1)
      sink_.emit(Code::ListPageStart, s,
                 "asks for the page from id " + std::to_string(*r->start_id) +
                     ", but the last page (frame " + std::to_string(l.last_page_frame) +
                     ") ended at id " + std::to_string(l.last_id) + ": the next page starts at " +
                     std::to_string(l.last_id + 1));
  } else {
    l.restart();  // a start id with no open listing: a walk from there
  }
  // Bounded: a client has at most a window of requests open.
  if (l.asked.size() >= kAnswerCacheEntries) l.asked.clear();
  l.asked[s.header.seq] = r->start_id ? int(*r->start_id) : kFirstPage;
}

void UserListPager::check_entries(const Seen& s, const UserListPage& page, int start,
                                  Listing& l) {
  int previous = start == kFirstPage ? -1 : start - 1;
  bool order_reported = false;
  for (const auto& e : page.entries) {
    const int id = e.id;
    if (id <= previous && !order_reported) {
      sink_.emit(Code::ListPageOrder, s,
                 "user id " + std::to_string(id) + " ('" + e.name + "') after " +
                     (previous == start - 1 && start != kFirstPage
                          ? "a request for the page from id " + std::to_string(start)
                          : "id " + std::to_string(previous)) +
                     ": ids go up, from the id asked for");
      order_reported = true;
    }
    if (l.ids.test(std::size_t(id)))
      sink_.emit(Code::ListDuplicateUser, s,
                 "user id " + std::to_string(id) + " ('" + e.name +
                     "') is already on an earlier page of this listing");
    l.ids.set(std::size_t(id));
    if (id > previous) previous = id;
  }
  if (!page.entries.empty()) l.last_id = page.entries.back().id;
}

void UserListPager::page(const Seen& s, const Message* message) {
  const auto* page = message ? std::get_if<UserListPage>(&message->body) : nullptr;
  if (!page || page->text_form) return;  // not an entry list: reported as such already
  auto it = listings_.find(endpoint_key(s.dst));
  if (it == listings_.end()) return;
  Listing& l = it->second;
  l.last_active_ns = s.time_ns;
  auto asked = l.asked.find(s.header.seq);
  if (asked == l.asked.end()) return;  // its request was malformed or forgotten
  const int start = asked->second;
  l.asked.erase(asked);
  check_entries(s, *page, start, l);
  if (page->more) {
    const std::size_t text = s.bytes.size() - kHeaderBytes;
    if (page->entries.empty())
      sink_.emit(Code::ListMoreFlag, s,
                 "M (more users follow) on a page with no entry: the client has no id to ask on from");
    else if (kMaxTextBytes - text >= kMaxEntryBytes)
      sink_.emit(Code::ListMoreFlag, s,
                 "M (more users follow) on a page of " + std::to_string(text) + " bytes: " +
                     std::to_string(kMaxTextBytes - text) +
                     " bytes free would hold the next user, whoever it is");
  }
  l.open = page->more;
  l.last_page_frame = s.frame;
  l.last_page_ns = s.time_ns;
}

void UserListPager::sweep(std::int64_t now, std::int64_t forget_idle_ns) {
  std::erase_if(listings_,
                [&](const auto& kv) { return now - kv.second.last_active_ns > forget_idle_ns; });
}

void UserListPager::finish(std::int64_t end_ns) {
  for (const auto& [key, l] : listings_) {
    if (!l.open || end_ns - l.last_page_ns <= give_up_ns_) continue;  // may still have come
    sink_.emit(Code::ListIncomplete, l.last_page_frame, l.last_page_ns, l.server, l.client,
               int(MessageType::UserList), -1,
               "this page said more users follow (M), but no request for the page from id " +
                   std::to_string(l.last_id + 1) + " came in the " +
                   seconds(end_ns - l.last_page_ns) + " the capture went on");
  }
  listings_.clear();
}

}  // namespace imup::verify
