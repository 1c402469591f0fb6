// SPDX-License-Identifier: GPL-2.0-or-later
#include "server/server_settings.hpp"

#include <glib.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>
#include <variant>

#include "io/socket_address.hpp"

namespace imup::server {

namespace {

using Error = std::optional<std::string>;

template <class Int>
Error parse_unsigned(std::string_view text, Int& out, std::uint64_t max) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return "'" + std::string(text) + "' is not a whole number";
  if (v > max) return "'" + std::string(text) + "' is above the maximum " + std::to_string(max);
  out = Int(v);
  return {};
}

Error parse_rate(std::string_view text, double& out) {
  std::string s(text);
  char* end = nullptr;
  double v = g_ascii_strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
    return "'" + s + "' is not a number >= 0";
  out = v;
  return {};
}

Error parse_bool(std::string_view text, bool& out) {
  if (text == "true" || text == "yes" || text == "1") { out = true; return {}; }
  if (text == "false" || text == "no" || text == "0") { out = false; return {}; }
  return "'" + std::string(text) + "' is not true or false";
}

std::string format_double(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_dtostr(buf, sizeof buf, v);
}

// One key of the key file: how to read it and how to write it back.
struct Key {
  const char* group;
  const char* name;
  std::function<Error(ServerSettings&, std::string_view)> set;
  std::function<std::string(const ServerSettings&)> get;
  const char* help;
};

template <class Member>
Key count_key(const char* group, const char* name, Member member, std::uint64_t max,
              const char* help) {
  return {group, name,
          [member, max](ServerSettings& s, std::string_view v) {
            return parse_unsigned(v, std::invoke(member, s), max);
          },
          [member](const ServerSettings& s) {
            return std::to_string(std::invoke(member, const_cast<ServerSettings&>(s)));
          },
          help};
}

template <class Member>
Key millis_key(const char* group, const char* name, Member member, const char* help) {
  return {group, name,
          [member](ServerSettings& s, std::string_view v) {
            std::uint64_t ms = 0;
            if (auto e = parse_unsigned(v, ms, 24ull * 3600 * 1000)) return e;
            std::invoke(member, s) = engine::Millis(ms);
            return Error{};
          },
          [member](const ServerSettings& s) {
            return std::to_string(std::invoke(member, const_cast<ServerSettings&>(s)).count());
          },
          help};
}

template <class Member>
Key rate_key(const char* group, const char* name, Member member, const char* help) {
  return {group, name,
          [member](ServerSettings& s, std::string_view v) {
            return parse_rate(v, std::invoke(member, s));
          },
          [member](const ServerSettings& s) {
            return format_double(std::invoke(member, const_cast<ServerSettings&>(s)));
          },
          help};
}

template <class Member>
Key bool_key(const char* group, const char* name, Member member, const char* help) {
  return {group, name,
          [member](ServerSettings& s, std::string_view v) {
            return parse_bool(v, std::invoke(member, s));
          },
          [member](const ServerSettings& s) {
            return std::string(std::invoke(member, const_cast<ServerSettings&>(s)) ? "true"
                                                                                   : "false");
          },
          help};
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = [] {
    std::vector<Key> k;
    k.push_back({"server", "listen",
                 [](ServerSettings& s, std::string_view v) -> Error {
                   auto parsed = io::parse_socket_address(v, io::kBindAddress);
                   if (auto* e = std::get_if<io::AddressError>(&parsed)) return e->message;
                   s.listen = std::get<Endpoint>(parsed);
                   return {};
                 },
                 [](const ServerSettings& s) { return io::to_string(s.listen); },
                 "ADDR:PORT to listen on (port 0: any free port)"});
    k.push_back({"server", "record",
                 [](ServerSettings& s, std::string_view v) -> Error {
                   s.record_path = std::string(v);
                   return {};
                 },
                 [](const ServerSettings& s) { return s.record_path; },
                 "capture file for every datagram sent and received (empty: none)"});
    auto e = [](auto member) {
      return [member](ServerSettings& s) -> decltype(auto) { return (s.engine.*member); };
    };
    auto rel = [](auto member) {
      return [member](ServerSettings& s) -> decltype(auto) {
        return (s.engine.reliability.*member);
      };
    };
    using C = engine::ServerConfig;
    using R = engine::ReliabilityConfig;
    k.push_back(count_key("limits", "max-clients", e(&C::max_clients), kMaxClients,
                          "connected clients (at most 1024)"));
    k.push_back(count_key("limits", "max-name-chars", e(&C::max_name_chars), kMaxNameChars,
                          "characters of a user name (at most 20)"));
    k.push_back(count_key("limits", "max-groups", e(&C::max_groups), engine::kMaxGroupsSetting,
                          "private groups open at once"));
    k.push_back(count_key("limits", "max-group-members", e(&C::max_group_members), kMaxClients,
                          "members + pending invitees of one group"));
    k.push_back(count_key("limits", "max-registrations-per-ip",
                          e(&C::max_registrations_per_ip), kMaxClients,
                          "connected names from one IPv4 address"));
    k.push_back(count_key("limits", "max-queued-per-client", e(&C::max_queued_per_client),
                          1u << 24, "requests waiting for window room per client"));
    k.push_back(count_key("limits", "backlog-per-client", e(&C::backlog_per_client), 1u << 24,
                          "requests waiting for a client that keeps up, beyond which messages to it wait for their senders' resends (0: no back-pressure)"));
    k.push_back(count_key("limits", "max-tracked-ips", e(&C::max_tracked_ips), 1u << 24,
                          "per-address rate buckets kept at once"));
    k.push_back(count_key("limits", "max-events", e(&C::max_events), 1u << 24,
                          "log events queued between two wake-ups"));
    k.push_back(rate_key("abuse", "client-rate",
                         [](ServerSettings& s) -> double& { return s.engine.per_client.per_second; },
                         "datagrams per second from one endpoint (0: no limit)"));
    k.push_back(rate_key("abuse", "client-burst",
                         [](ServerSettings& s) -> double& { return s.engine.per_client.burst; },
                         "burst allowed above client-rate"));
    k.push_back(rate_key("abuse", "ip-rate",
                         [](ServerSettings& s) -> double& { return s.engine.per_ip.per_second; },
                         "datagrams per second from one IPv4 address (0: no limit)"));
    k.push_back(rate_key("abuse", "ip-burst",
                         [](ServerSettings& s) -> double& { return s.engine.per_ip.burst; },
                         "burst allowed above ip-rate"));
    k.push_back(count_key("abuse", "amplification-factor", e(&C::amplification_factor), 1000,
                          "bytes sent to an unproved endpoint per byte received"));
    k.push_back(bool_key("abuse", "prove-return-path", e(&C::prove_return_path),
                         "probe every new client before it counts"));
    k.push_back(millis_key("abuse", "proof-timeout-ms", e(&C::proof_timeout),
                           "an unproved client is removed after this (slot and name freed)"));
    k.push_back(count_key("abuse", "max-unproved-per-ip", e(&C::max_unproved_per_ip), kMaxClients,
                          "clients not yet proved from one IPv4 address at once"));
    k.push_back(count_key("abuse", "max-held-unproved", e(&C::max_held_unproved), kWindow,
                          "messages and invitations of an unproved client kept for its proof"));
    // Help texts that name a protocol limit, formatted from it (codec/limits.hpp);
    // static, as the table that points at them.
    static const std::string first_timeout_help =
        "first retransmission, lower bound (at least " +
        std::to_string(kMinRetransmitInterval.count()) + ")";
    static const std::string tries_help =
        "sendings of a request before the peer is given up (1.." + std::to_string(kMaxTries) + ")";
    static const std::string window_help =
        "unanswered requests per peer (1.." + std::to_string(kWindow) + ")";
    k.push_back(millis_key("timers", "first-timeout-min-ms", rel(&R::first_timeout_min),
                           first_timeout_help.c_str()));
    k.push_back(millis_key("timers", "first-timeout-max-ms", rel(&R::first_timeout_max),
                           "first retransmission, upper bound"));
    k.push_back(count_key("timers", "tries", rel(&R::tries), kMaxTries,
                          tries_help.c_str()));
    k.push_back(count_key("timers", "window", rel(&R::window), kWindow, window_help.c_str()));
    k.push_back(count_key("timers", "answer-cache", rel(&R::answer_cache), engine::kMaxAnswerCache,
                          "answers kept per peer (more than window)"));
    k.push_back(millis_key("timers", "answer-cache-lifetime-ms", rel(&R::answer_cache_lifetime),
                           "how long answers stay in the cache"));
    k.push_back(millis_key("timers", "probe-interval-ms", e(&C::probe_interval),
                           "liveness probe interval"));
    static const std::string probe_tries_help =
        "sendings of a liveness probe before its client is removed (0: tries; 1.." +
        std::to_string(kMaxTries) + "); fewer free a vanished client's slot sooner";
    k.push_back(count_key("timers", "probe-tries", e(&C::probe_tries), kMaxTries,
                          probe_tries_help.c_str()));
    k.push_back(bool_key("protocol", "strict-decoding", e(&C::strict_decoding),
                         "reject the draft's deviations instead of warning"));
    k.push_back(count_key("protocol", "seed", e(&C::rng_seed), UINT64_MAX,
                          "retransmission jitter seed"));
    return k;
  }();
  return table;
}

const Key* find_key(std::string_view group, std::string_view name) {
  for (const auto& k : keys())
    if (group == k.group && name == k.name) return &k;
  return nullptr;
}

bool known_group(std::string_view group) {
  for (const auto& k : keys())
    if (group == k.group) return true;
  return false;
}

}  // namespace

std::optional<std::string> apply_setting(ServerSettings& s, std::string_view group,
                                         std::string_view key, std::string_view value) {
  const Key* k = find_key(group, key);
  if (!k) {
    if (!known_group(group)) return "unknown group [" + std::string(group) + "]";
    return "unknown key '" + std::string(key) + "' in [" + std::string(group) + "]";
  }
  if (auto e = k->set(s, value))
    return "[" + std::string(group) + "] " + std::string(key) + ": " + *e;
  return {};
}

std::optional<std::string> apply_assignment(ServerSettings& s, std::string_view assignment) {
  auto dot = assignment.find('.');
  auto eq = assignment.find('=');
  if (dot == std::string_view::npos || eq == std::string_view::npos || dot > eq)
    return "'" + std::string(assignment) + "' is not GROUP.KEY=VALUE (e.g. limits.max-clients=10)";
  return apply_setting(s, assignment.substr(0, dot), assignment.substr(dot + 1, eq - dot - 1),
                       assignment.substr(eq + 1));
}

std::optional<std::string> load_key_file(ServerSettings& s, const std::string& path) {
  std::unique_ptr<GKeyFile, decltype(&g_key_file_free)> file(g_key_file_new(), g_key_file_free);
  GError* error = nullptr;
  if (!g_key_file_load_from_file(file.get(), path.c_str(), G_KEY_FILE_NONE, &error)) {
    std::string msg = path + ": " + error->message;
    g_error_free(error);
    return msg;
  }
  gsize group_count = 0;
  gchar** groups = g_key_file_get_groups(file.get(), &group_count);
  std::optional<std::string> problem;
  for (gsize g = 0; g < group_count && !problem; ++g) {
    gsize key_count = 0;
    gchar** names = g_key_file_get_keys(file.get(), groups[g], &key_count, nullptr);
    for (gsize i = 0; i < key_count && !problem; ++i) {
      // Raw values: the settings' own parsers give the error messages, and a
      // value is taken as written (no GKeyFile escapes or list syntax).
      gchar* value = g_key_file_get_value(file.get(), groups[g], names[i], nullptr);
      std::string text = value ? g_strstrip(value) : "";
      g_free(value);
      if (auto e = apply_setting(s, groups[g], names[i], text)) problem = path + ": " + *e;
    }
    g_strfreev(names);
  }
  g_strfreev(groups);
  return problem;
}

std::string to_key_file(const ServerSettings& s) {
  std::ostringstream out;
  std::string group;
  for (const auto& k : keys()) {
    if (group != k.group) {
      if (!group.empty()) out << "\n";
      group = k.group;
      out << "[" << group << "]\n";
    }
    out << "# " << k.help << "\n" << k.name << " = " << k.get(s) << "\n";
  }
  return out.str();
}

std::vector<std::string> setting_names() {
  std::vector<std::string> names;
  for (const auto& k : keys()) names.push_back(std::string(k.group) + "." + k.name);
  return names;
}

}  // namespace imup::server
