// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

#include "codec/codec.hpp"
#include "server_port_learner.hpp"

namespace imup::verify {

Verifier::Verifier(TrackerOptions tracker_options, Report& report, bool decode_cache,
                   bool read_ahead)
    : report_(report),
      tracker_(tracker_options, [this](Violation&& v) { report_.add(v); }),
      port_known_(tracker_options.server_port != 0),
      use_cache_(decode_cache),
      read_ahead_(read_ahead),
      cache_(decode_cache ? kCacheSlots : 0),
      header_only_(256) {}

const Verdict& Verifier::verdict_of(std::span<const std::uint8_t> payload) {
  if (payload.size() == kHeaderBytes) {
    std::uint32_t key = load_be32(payload.data()) & 0x3FFFFF;  // all but the sequence number
    HeaderOnlySlot& slot = header_only_[(key >> 14) & 0xFF];  // by type
    if (!slot.used || slot.key != key) {
      slot.used = true;
      slot.key = key;
      slot.verdict = check_lenient(payload);
    }
    return slot.verdict;
  }
  // The key: the payload with the sequence bits (the top 10 of the header) cleared.
  std::uint8_t masked1 = std::uint8_t(payload[1] & 0x3F);
  std::string_view rest(reinterpret_cast<const char*>(payload.data()) + 2, payload.size() - 2);
  std::size_t h = std::hash<std::string_view>{}(rest) * 31 + masked1;
  auto byte_at = [&](std::size_t i) -> std::uint8_t { return i == 1 ? masked1 : payload[i]; };
  CacheSlot& slot = cache_[h % kCacheSlots];
  bool hit = slot.used && slot.key.size() == payload.size() && slot.key[1] == byte_at(1) &&
             std::equal(payload.begin() + 2, payload.end(), slot.key.begin() + 2);
  if (!hit) {
    slot.used = true;
    slot.key.assign(payload.begin(), payload.end());
    slot.key[0] = 0;
    slot.key[1] = byte_at(1);
    slot.verdict = check_lenient(payload);
  }
  return slot.verdict;
}

// One capture through either reader (CaptureReader or ReadAhead: the same
// datagrams and problems in the same order).
template <class Reader>
void Verifier::read(Reader& reader, const std::string& path, std::int64_t& last_ns) {
  file_ = path == "-" ? "<stdin>" : path;
  report_.set_file(file_, 0);
  report_.flush_each_line(reader.streaming());
  bool first = true;  // times are shown relative to the first frame checked
  reader.on_problem([&](const packet::FrameProblem& p) {
    if (first) {
      report_.set_first_time(p.when_ns);
      first = false;
    }
    if (auto c = code_of_frame_problem(p.code))
      report_.add(Violation{*c, p.frame, p.when_ns, {}, {}, -1, -1, p.detail});
  });
  std::uint64_t frames_before = totals_.frames;
  try {
    reader.for_each([&](const packet::Datagram& d) {
      if (first) [[unlikely]] {
        report_.set_first_time(d.when.to_ns());
        first = false;
      }
      last_ns = d.when.to_ns();
      if (!port_known_) [[unlikely]] {
        if (!learn_or_hold(d, file_)) return;
      }
      datagram(d);
    });
  } catch (const capture::CaptureReadError&) {
    totals_.frames = frames_before + reader.frames();  // what was read counts
    throw;
  }
  totals_.frames = frames_before + reader.frames();
}

bool Verifier::check(const std::string& path) {
  std::int64_t last_ns = 0;
  const std::uint64_t frames_before = totals_.frames;
  try {
    if (read_ahead_) {
      capture::ReadAhead reader(path);
      read(reader, path, last_ns);
    } else {
      capture::CaptureReader reader(path);
      read(reader, path, last_ns);
    }
    drop_held();
    tracker_.finish(last_ns);
    return true;
  } catch (const capture::CaptureReadError& e) {
    drop_held();
    tracker_.finish(last_ns);
    // Open errors name the path; errors part way through do not.
    std::string why = e.what();
    if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
    // libpcap's words for a file that ends inside a record (or its header).
    if (why.find("file header bytes, only got 0") != std::string::npos)
      why = "empty input, not even a capture file header: " + why;
    else if (why.starts_with("truncated dump file") || why.starts_with("truncated pcapng dump file"))
      why = "the capture ends in the middle of a record (a cut file?): " + why;
    report_.unreadable(path == "-" ? "<stdin>" : path, why, totals_.frames - frames_before);
    return false;
  }
}

bool Verifier::check_live(LiveSource& source, const std::string& name) {
  std::int64_t last_ns = 0;
  bool read = true;
  try {
    this->read(source, name, last_ns);
  } catch (const capture::CaptureReadError& e) {
    report_.unreadable(name, e.what(), source.frames());
    read = false;
  }
  drop_held();
  // The capture ends when it was stopped, not at its last datagram.
  tracker_.finish(std::max(last_ns, source.capture_now_ns()));
  return read;
}

void Verifier::running(double elapsed_s, std::uint64_t frames,
                       const capture::LiveCaptureStats* capture, bool with_clients) {
  std::vector<ClientView> clients;
  if (with_clients) {
    tracker_.sessions().for_each_client(
        [&](Endpoint e, const ClientSession& c) { clients.push_back({e, &c}); });
    std::sort(clients.begin(), clients.end(),
              [](const ClientView& a, const ClientView& b) { return a.endpoint < b.endpoint; });
  }
  report_.running(totals_, tracker_.stats(),
                  RunningState{elapsed_s, frames, capture, with_clients ? &clients : nullptr});
}

bool Verifier::learn_or_hold(const packet::Datagram& d, const std::string& file) {
  auto learned = server_port_from(d.src, d.dst, d.payload);
  if (!learned) {
    if (held_.size() == kMaxHeld) {
      // Too long without a sign of IMUP: the oldest counts as other traffic.
      ++totals_.udp;
      held_.pop_front();
    }
    Held& h = held_.emplace_back(Held{d, {d.payload.begin(), d.payload.end()}});
    h.datagram.payload = h.bytes;
    return false;
  }
  port_known_ = true;
  tracker_.set_server_port(learned->port);
  report_.learned_server_port(learned->port, "frame " + std::to_string(d.frame) + " of " + file +
                                                 ": " + learned->why);
  // What came before, in order, now that its direction is known.
  std::deque<Held> held;
  held.swap(held_);
  for (const Held& h : held) datagram(h.datagram);
  return true;
}

void Verifier::drop_held() {
  totals_.udp += held_.size();  // never shown to be IMUP
  held_.clear();
}

void Verifier::datagram(const packet::Datagram& d) {
  ++totals_.udp;
  Role role = tracker_.classify(d.src, d.dst);
  if (role == Role::NotImup) return;
  ++totals_.imup;
  if (d.fragments > 1) ++totals_.reassembled;
  std::int64_t now = d.when.to_ns();
  using packet::ChecksumState;
  auto fine = [](ChecksumState s) { return s != ChecksumState::Bad && s != ChecksumState::OffloadArtefact; };
  if (!fine(d.ip_checksum) || !fine(d.udp_checksum)) [[unlikely]] checksum_issues(d, now);
  if (d.payload.size() > kHeaderBytes && use_cache_) judge(d, role, now, verdict_of(d.payload));
  else if (d.payload.size() == kHeaderBytes) judge(d, role, now, verdict_of(d.payload));
  else judge(d, role, now, check_lenient(d.payload));
}

void Verifier::checksum_issues(const packet::Datagram& d, std::int64_t now) {
  auto frame_issue = [&](Code c, const char* what) {
    report_.add(Violation{c, d.frame, now, d.src, d.dst, -1, -1, what});
  };
  using packet::ChecksumState;
  if (d.ip_checksum == ChecksumState::Bad) frame_issue(Code::BadIpChecksum, "IPv4 header checksum is wrong");
  if (d.ip_checksum == ChecksumState::OffloadArtefact)
    frame_issue(Code::ChecksumOffload, "IPv4 header checksum 0: left for the NIC");
  if (d.udp_checksum == ChecksumState::Bad) frame_issue(Code::BadUdpChecksum, "UDP checksum is wrong");
  if (d.udp_checksum == ChecksumState::OffloadArtefact)
    frame_issue(Code::ChecksumOffload, "UDP checksum holds the pseudo-header sum: left for the NIC");
}

// Reports the codec's error and warnings on one datagram (out of line: rare).
void Verifier::faults(const packet::Datagram& d, std::int64_t now, const Header& h,
                      const Verdict& verdict) {
  if (verdict.error)
    report_.add(Violation{from_fault(verdict.error->fault), d.frame, now, d.src, d.dst, h.type,
                          h.seq, std::string(verdict.error->field) + ": " + verdict.error->detail});
  for (const auto& w : verdict.warnings)
    report_.add(Violation{from_fault(w.fault), d.frame, now, d.src, d.dst, h.type, h.seq,
                          std::string(w.field) + ": " + w.detail});
}

void Verifier::judge(const packet::Datagram& d, Role role, std::int64_t now,
                     const Verdict& verdict) {
  if (!verdict.header) {
    report_.add(Violation{Code::Truncated, d.frame, now, d.src, d.dst, -1, -1,
                          std::to_string(d.payload.size()) + "-byte datagram"});
    return;
  }
  // The header as sent (a cached verdict holds another datagram's number).
  const Seen seen{d.frame, now, d.src, d.dst, role, unpack(load_be32(d.payload.data())),
                  verdict.ok(), nullptr, d.payload};
  ++totals_.by_type[seen.header.type];
  if (!verdict.clean()) [[unlikely]] faults(d, now, seen.header, verdict);
  if (seen.well_formed && ExchangeTracker::needs_message(seen.header.type)) [[unlikely]] {
    with_message(seen);
    return;
  }
  tracker_.datagram(seen);
}

// A group update, list request or user-list page (rare; the tracker reads
// their member lines, start ids and entries): the same
// grammar again, this time keeping the fields.
void Verifier::with_message(const Seen& seen) {
  Decoded full = decode_lenient(seen.bytes);
  Seen with = seen;
  with.message = full.message ? &*full.message : nullptr;
  tracker_.datagram(with);
}

}  // namespace imup::verify
