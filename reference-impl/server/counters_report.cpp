// SPDX-License-Identifier: GPL-2.0-or-later
#include "server/counters_report.hpp"

#include <cstdio>
#include <sstream>

namespace imup::server {

namespace {
void line(std::ostringstream& out, const char* name, std::uint64_t value) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "  %-28s %llu\n", name, static_cast<unsigned long long>(value));
  out << buf;
}
}  // namespace

std::string counters_report(const engine::ServerCounters& c, const io::LoopCounters& io,
                            double uptime_seconds, std::uint64_t log_lines_suppressed) {
  std::ostringstream out;
  char head[80];
  std::snprintf(head, sizeof head, "counters after %.1f s:\n", uptime_seconds);
  out << head;
  line(out, "datagrams_in", c.datagrams_in);
  line(out, "datagrams_out", c.datagrams_out);
  line(out, "bytes_in", c.bytes_in);
  line(out, "bytes_out", c.bytes_out);
  line(out, "retransmissions", c.retransmissions);
  line(out, "duplicates", c.duplicates);
  line(out, "give_ups", c.give_ups);
  line(out, "clients_removed", c.clients_removed);
  line(out, "clients", c.clients);
  line(out, "groups", c.groups);
  line(out, "drops", c.total_drops());
  for (std::size_t r = 0; r < engine::kDropReasonCount; ++r) {
    std::string name = "drops." + std::string(engine::drop_reason_name(engine::DropReason(r)));
    line(out, name.c_str(), c.drops[r]);
  }
  line(out, "events_lost", c.events_lost);
  line(out, "log_lines_suppressed", log_lines_suppressed);
  line(out, "socket.wakeups", io.wakeups);
  line(out, "socket.timer_wakeups", io.timer_wakeups);
  line(out, "socket.send_failures", io.send_failures);
  line(out, "socket.receive_errors", io.receive_errors);
  return out.str();
}

}  // namespace imup::server
