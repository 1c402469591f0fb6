// SPDX-License-Identifier: GPL-2.0-or-later
// Everything imup-server can be told: where to listen, what to record, and the
// engine's limits and timers. Settings come from built-in defaults, then the
// key file (--config), then command-line overrides, each checked with an
// error that names the file, the group and the key.
//
// Key file layout (every key optional; --print-config shows them all):
//   [server]   listen, record
//   [limits]   max-clients, max-name-chars, max-groups, max-group-members,
//              max-registrations-per-ip, max-queued-per-client, backlog-per-client, max-tracked-ips,
//              max-events
//   [abuse]    client-rate, client-burst, ip-rate, ip-burst, amplification-factor,
//              prove-return-path, proof-timeout-ms, max-unproved-per-ip, max-held-unproved
//   [timers]   first-timeout-min-ms, first-timeout-max-ms, tries, window, answer-cache,
//              answer-cache-lifetime-ms, probe-interval-ms, probe-tries
//   [protocol] strict-decoding, seed
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/message.hpp"
#include "engine/config.hpp"

namespace imup::server {

struct ServerSettings {
  Endpoint listen{0, 2017};
  std::string record_path;  // empty: no recording
  engine::ServerConfig engine;
};

// Sets "group.key" (or group + key) from its text form. Returns what is wrong.
std::optional<std::string> apply_setting(ServerSettings& s, std::string_view group,
                                         std::string_view key, std::string_view value);
// "group.key=value", as given to --set.
std::optional<std::string> apply_assignment(ServerSettings& s, std::string_view assignment);

// Reads a key file into `s`. Unknown groups or keys are errors (a typo must not
// silently leave a default in force). Messages start with the file name.
std::optional<std::string> load_key_file(ServerSettings& s, const std::string& path);

// Every setting in key-file form: a valid --config file.
std::string to_key_file(const ServerSettings& s);

// All the "group.key" names, in key-file order.
std::vector<std::string> setting_names();

}  // namespace imup::server
