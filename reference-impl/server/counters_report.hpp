// SPDX-License-Identifier: GPL-2.0-or-later
// The counters block imup-server prints on SIGUSR1 and at exit: one
// "name value" line each, so that people read it and scripts grep it.
#pragma once

#include <string>

#include "engine/counters.hpp"
#include "io/engine_loop.hpp"

namespace imup::server {

std::string counters_report(const engine::ServerCounters& engine, const io::LoopCounters& io,
                            double uptime_seconds, std::uint64_t log_lines_suppressed);

}  // namespace imup::server
