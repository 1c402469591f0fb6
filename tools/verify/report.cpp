// SPDX-License-Identifier: GPL-2.0-or-later
#include "report.hpp"

#include <cinttypes>

#include "cli/usage.hpp"
#include "codec/text.hpp"

namespace imup::verify {

void Report::add(const Violation& v) {
  if (opt_.ignored.contains(v.code)) return;
  const auto& ci = info(v.code);
  auto& n = counts_[std::size_t(v.code)];
  ++n;
  (ci.severity == Severity::Error ? errors_ : warnings_)++;
  if (!opt_.lines) return;
  if (opt_.max_repeats && n > opt_.max_repeats) {
    if (n == opt_.max_repeats + 1 && !opt_.json)
      std::fprintf(out_, "%s: further %.*s reports suppressed (--max-repeats %" PRIu64 ")\n",
                   file_.c_str(), int(ci.name.size()), ci.name.data(), opt_.max_repeats);
    line_done();
    return;
  }
  const char* sev = ci.severity == Severity::Error ? "error" : "warning";
  double rel = double(v.time_ns - first_ns_) / 1e9;
  if (opt_.json) {
    std::string line = "{\"file\":" + json_string(file_) + ",\"frame\":" + std::to_string(v.frame);
    char t[64];
    std::snprintf(t, sizeof t, ",\"time\":%" PRId64 ".%09" PRId64 ",\"time_relative\":%.9f",
                  v.time_ns / 1'000'000'000, v.time_ns % 1'000'000'000, rel);
    line += t;
    line += ",\"severity\":\"" + std::string(sev) + "\",\"code\":\"" + std::string(ci.name) + "\"";
    if (v.src != Endpoint{} || v.dst != Endpoint{})  // frame problems have no UDP endpoints
      line += ",\"src\":" + json_string(format_endpoint(v.src)) +
              ",\"dst\":" + json_string(format_endpoint(v.dst));
    if (v.type >= 0) line += ",\"type\":" + std::to_string(v.type);
    if (v.seq >= 0) line += ",\"seq\":" + std::to_string(v.seq);
    line += ",\"detail\":" + json_string(v.detail) +
            ",\"explanation\":" + json_string(ci.explanation) + "}\n";
    std::fputs(line.c_str(), out_);
    line_done();
    return;
  }
  std::string where = v.src != Endpoint{} || v.dst != Endpoint{}
                          ? format_endpoint(v.src) + " -> " + format_endpoint(v.dst)
                          : std::string("(IPv4/UDP)");
  if (v.type >= 0) where += " type=" + std::to_string(v.type);
  if (v.seq >= 0) where += " seq=" + std::to_string(v.seq);
  std::fprintf(out_, "%s:%" PRIu64 " t=%.6f %s %.*s %s: %s\n", file_.c_str(), v.frame, rel, sev,
               int(ci.name.size()), ci.name.data(), where.c_str(), v.detail.c_str());
  line_done();
}

void Report::unreadable(const std::string& file, const std::string& why,
                        std::uint64_t frames_read) {
  std::fflush(out_);
  std::string reason = why;
  if (frames_read)
    reason = "read only up to frame " + std::to_string(frames_read) + ", then: " + reason;
  std::fprintf(stderr, "imup-verify: %s: %s\n", file.c_str(), reason.c_str());
  not_checked_.emplace_back(file, std::move(reason));
}

void Report::given_server_port(std::uint16_t port) {
  server_port_ = port;
  port_origin_ = "given with --server-port";
}

void Report::learned_server_port(std::uint16_t port, const std::string& origin) {
  server_port_ = port;
  port_origin_ = "learned from the traffic (" + origin + ")";
  std::fflush(out_);
  std::fprintf(stderr, "imup-verify: server port %u, %s\n", unsigned(port), port_origin_.c_str());
}

std::string Report::nothing_checked_why(const CaptureTotals& t) const {
  std::string n = std::to_string(t.udp) + " UDP datagram" + (t.udp == 1 ? "" : "s");
  if (t.udp == 0) return not_checked_.empty() ? "the input held no UDP datagram" : "no capture was read";
  if (server_port_ == 0) return "none of " + n + " looked like IMUP; give --server-port";
  return "none of " + n + " went to or from port " + std::to_string(server_port_);
}

void Report::summary(const CaptureTotals& t, const TrackerStats& s) {
  nothing_checked_ = t.imup == 0;
  if (!opt_.summary) {
    // The status alone would not say why it is 1.
    if (nothing_checked_ && not_checked_.empty())
      std::fprintf(stderr, "imup-verify: no IMUP datagrams checked: %s\n", nothing_checked_why(t).c_str());
    return;
  }
  const char* verdict = !not_checked_.empty()             ? "not_checked"
                        : nothing_checked_                ? "no_imup_datagrams"
                        : exit_status() == 0              ? "clean"
                                                          : "findings";
  auto ms = [](std::uint64_t ns) { return double(ns) / 1e6; };
  if (opt_.json) {
    std::string line = "{\"summary\":{\"frames\":" + std::to_string(t.frames) +
                       ",\"udp_datagrams\":" + std::to_string(t.udp) +
                       ",\"imup_datagrams\":" + std::to_string(t.imup) +
                       ",\"reassembled\":" + std::to_string(t.reassembled) + ",\"by_type\":{";
    bool first = true;
    for (std::size_t i = 0; i < t.by_type.size(); ++i) {
      if (!t.by_type[i]) continue;
      line += std::string(first ? "" : ",") + "\"" + std::to_string(i) + "\":" + std::to_string(t.by_type[i]);
      first = false;
    }
    char rtt[256];
    std::snprintf(rtt, sizeof rtt,
                  "},\"requests\":%" PRIu64 ",\"answers\":%" PRIu64 ",\"retransmissions\":%" PRIu64
                  ",\"unanswered\":%" PRIu64 ",\"rtt_ms\":{\"count\":%" PRIu64
                  ",\"min\":%.6f,\"median\":%.6f,\"p99\":%.6f,\"max\":%.6f}",
                  s.requests, s.answers, s.retransmissions, s.unanswered, s.rtt.count(),
                  ms(s.rtt.min()), ms(s.rtt.quantile(0.5)), ms(s.rtt.quantile(0.99)), ms(s.rtt.max()));
    line += rtt;
    line += ",\"errors\":" + std::to_string(errors_) + ",\"warnings\":" + std::to_string(warnings_) +
            ",\"violations\":{";
    first = true;
    for (const auto& ci : all_codes()) {
      if (!counts_[std::size_t(ci.code)]) continue;
      line += std::string(first ? "" : ",") + "\"" + std::string(ci.name) + "\":" +
              std::to_string(counts_[std::size_t(ci.code)]);
      first = false;
    }
    line += "},\"server_port\":" + (server_port_ ? std::to_string(server_port_) : "null") +
            ",\"server_port_origin\":" + json_string(port_origin_) + ",\"not_checked\":[";
    first = true;
    for (const auto& [file, reason] : not_checked_) {
      line += std::string(first ? "" : ",") + "{\"file\":" + json_string(file) +
              ",\"reason\":" + json_string(reason) + "}";
      first = false;
    }
    line += "]";
    if (nothing_checked_)
      line += ",\"no_imup_datagrams_checked\":" + json_string(nothing_checked_why(t));
    line += ",\"verdict\":\"" + std::string(verdict) + "\"}}\n";
    std::fputs(line.c_str(), out_);
    return;
  }
  std::fprintf(out_, "summary: %" PRIu64 " frames, %" PRIu64 " UDP datagrams, %" PRIu64
                     " IMUP datagrams (%" PRIu64 " reassembled from fragments)\n",
               t.frames, t.udp, t.imup, t.reassembled);
  if (server_port_)
    std::fprintf(out_, "server port: %u, %s\n", unsigned(server_port_), port_origin_.c_str());
  std::string types;
  for (std::size_t i = 0; i < t.by_type.size(); ++i) {
    if (!t.by_type[i]) continue;
    types += "  " + std::to_string(i) + " " +
             (is_known_type(std::uint8_t(i)) ? std::string(english_name(MessageType(i))) : "unknown") +
             ": " + std::to_string(t.by_type[i]) + "\n";
  }
  if (!types.empty()) std::fprintf(out_, "by type:\n%s", types.c_str());
  std::fprintf(out_, "exchanges: %" PRIu64 " requests, %" PRIu64 " answers, %" PRIu64
                     " retransmissions, %" PRIu64 " unanswered\n",
               s.requests, s.answers, s.retransmissions, s.unanswered);
  if (s.rtt.count())
    std::fprintf(out_, "answer RTT: min %.3f ms, median %.3f ms, p99 %.3f ms, max %.3f ms (%" PRIu64
                       " answers)\n",
                 ms(s.rtt.min()), ms(s.rtt.quantile(0.5)), ms(s.rtt.quantile(0.99)),
                 ms(s.rtt.max()), s.rtt.count());
  for (const auto& [file, reason] : not_checked_)
    std::fprintf(out_, "not checked: %s: %s\n", file.c_str(), reason.c_str());
  if (nothing_checked_)
    std::fprintf(out_, "no IMUP datagrams checked: %s\n", nothing_checked_why(t).c_str());
  // Counts of an incomplete run are only of what was read: said on the line itself.
  std::string caveat;
  if (!not_checked_.empty())
    caveat = " in what was read; " + std::to_string(not_checked_.size()) + " capture" +
             (not_checked_.size() == 1 ? "" : "s") + " not checked to the end";
  else if (nothing_checked_)
    caveat = "; nothing was checked";
  std::fprintf(out_, "violations: %" PRIu64 " errors, %" PRIu64 " warnings%s\n", errors_, warnings_,
               caveat.c_str());
  for (const auto& ci : all_codes()) {
    auto n = counts_[std::size_t(ci.code)];
    if (!n) continue;
    std::fprintf(out_, "  %-24.*s %8" PRIu64 "  %s\n", int(ci.name.size()), ci.name.data(), n,
                 ci.severity == Severity::Error ? "error" : "warning");
  }
}

int Report::exit_status() const {
  if (!not_checked_.empty()) return imup::cli::kExitUsage;
  if (nothing_checked_ || errors_ || (opt_.strict && warnings_)) return imup::cli::kExitFindings;
  return imup::cli::kExitOk;
}

}  // namespace imup::verify

namespace imup::verify {
namespace {

const char* mode_name(std::int8_t mode) {
  return mode == 0 ? "centralized" : mode == 1 ? "decentralized" : "unknown";
}

std::string member_names(const ClientSession& c, bool json) {
  std::string out;
  for (const auto& m : c.members) {
    if (!out.empty()) out += json ? "," : ", ";
    out += json ? json_string(m.name) : m.name;
  }
  return out;
}

}  // namespace

void Report::running(const CaptureTotals& t, const TrackerStats& s, const RunningState& st) {
  auto ms = [](std::uint64_t ns) { return double(ns) / 1e6; };
  char head[512];
  if (opt_.json) {
    std::snprintf(head, sizeof head,
                  "{\"stats\":{\"elapsed\":%.3f,\"frames\":%" PRIu64 ",\"udp_datagrams\":%" PRIu64
                  ",\"imup_datagrams\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"answers\":%" PRIu64
                  ",\"retransmissions\":%" PRIu64 ",\"unanswered\":%" PRIu64 ",\"errors\":%" PRIu64
                  ",\"warnings\":%" PRIu64 ",\"rtt_ms\":{\"count\":%" PRIu64
                  ",\"median\":%.6f,\"p99\":%.6f}",
                  st.elapsed_s, st.frames, t.udp, t.imup, s.requests, s.answers, s.retransmissions,
                  s.unanswered, errors_, warnings_, s.rtt.count(), ms(s.rtt.quantile(0.5)),
                  ms(s.rtt.quantile(0.99)));
    std::string line = head;
    if (st.capture)
      line += ",\"capture\":{\"received\":" + std::to_string(st.capture->received) +
              ",\"dropped\":" + std::to_string(st.capture->dropped) +
              ",\"interface_dropped\":" + std::to_string(st.capture->interface_dropped) + "}";
    if (st.clients) {
      line += ",\"clients\":[";
      bool first = true;
      for (const auto& [e, c] : *st.clients) {
        line += std::string(first ? "" : ",") + "{\"endpoint\":" + json_string(format_endpoint(e)) +
                ",\"name\":" + (c->name.empty() ? "null" : json_string(c->name)) +
                ",\"connected\":" + (c->connected ? "true" : "false") + ",\"group\":" +
                (c->in_group ? "{\"mode\":\"" + std::string(mode_name(c->group_mode)) +
                                   "\",\"members\":[" + member_names(*c, true) + "]}"
                             : std::string("null")) +
                ",\"sent\":" + std::to_string(c->sent) + ",\"received\":" + std::to_string(c->received) +
                ",\"requests\":" + std::to_string(c->requests) +
                ",\"retransmissions\":" + std::to_string(c->retransmissions) + "}";
        first = false;
      }
      line += "]";
    }
    line += "}}\n";
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    return;
  }
  std::fflush(out_);  // what came before, first
  std::snprintf(head, sizeof head,
                "imup-verify: stats at %.1f s: %" PRIu64 " frames, %" PRIu64 " datagrams (%" PRIu64
                " IMUP), %" PRIu64 " requests, %" PRIu64 " answers, %" PRIu64
                " retransmissions, %" PRIu64 " unanswered; violations: %" PRIu64 " errors, %" PRIu64
                " warnings; RTT median %.3f ms, p99 %.3f ms",
                st.elapsed_s, st.frames, t.udp, t.imup, s.requests, s.answers, s.retransmissions,
                s.unanswered, errors_, warnings_, ms(s.rtt.quantile(0.5)), ms(s.rtt.quantile(0.99)));
  std::string line = head;
  if (st.capture)
    line += "; capture: " + std::to_string(st.capture->received) + " received, " +
            std::to_string(st.capture->dropped + st.capture->interface_dropped) + " dropped";
  line += "\n";
  if (st.clients) {
    for (const auto& [e, c] : *st.clients) {
      line += "imup-verify:   client " + format_endpoint(e) +
              (c->name.empty() ? std::string(" (no name)") : " \"" + c->name + "\"") +
              (c->connected ? " connected" : " not connected");
      if (c->in_group)
        line += ", group " + std::string(mode_name(c->group_mode)) + " (" + member_names(*c, false) + ")";
      line += ": " + std::to_string(c->sent) + " sent, " + std::to_string(c->received) + " received, " +
              std::to_string(c->requests) + " requests, " + std::to_string(c->retransmissions) +
              " retransmissions\n";
    }
  }
  std::fputs(line.c_str(), stderr);
}

}  // namespace imup::verify
