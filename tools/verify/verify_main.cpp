// SPDX-License-Identifier: GPL-2.0-or-later
// imup-verify: checks every IMUP datagram and exchange in captures.
#include <glib.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/capture_writer.hpp"
#include "codec/limits.hpp"
#include "option_strings.hpp"
#include "stop_signals.hpp"
#include "verifier.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"

namespace {

using namespace imup::verify;

constexpr const char* kProgram = "imup-verify";
constexpr gint kNotGiven = G_MININT;  // no option value means this

constexpr const char* kSummary =
    "Checks every IMUP datagram and every exchange in pcap/pcapng captures\n"
    "(files, or '-' for standard input, read as it comes) or live on an\n"
    "interface (--interface) against docs/PROTOCOL.md and reports named\n"
    "violations with frame numbers as they are found, then a summary.";

// The live capture's default filter: the server's port, and IPv4 fragments
// after the first (which carry no UDP header), for reassembly.
std::string default_filter(int port) {
  return "udp port " + std::to_string(port) + " or (ip[6:2] & 0x1fff != 0)";
}

double monotonic_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

struct LiveRun {
  std::string interface;
  std::string filter;
  std::optional<std::string> write;
  double duration_s = 0;
  gint64 count = 0;
  double stats_every_s = 0;
  bool clients = false;
  int block_ms = 0;
};

// --interface: capture until a stop, verify as it comes, then the summary.
int run_live(const LiveRun& live, Verifier& verifier, Report& report) {
  std::unique_ptr<imup::capture::CaptureReader> reader;
  try {
    reader = std::make_unique<imup::capture::CaptureReader>(
        imup::capture::LiveCaptureOptions{.interface = live.interface, .filter = live.filter,
                                          .block_timeout_ms = live.block_ms});
  } catch (const imup::capture::CaptureReadError& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return imup::cli::kExitUsage;
  }
  std::unique_ptr<imup::capture::CaptureWriter> keep;
  if (live.write) {
    try {
      keep = std::make_unique<imup::capture::CaptureWriter>(
          *live.write, imup::capture::CaptureFormat::Pcapng, reader->link_type());
    } catch (const imup::capture::CaptureError& e) {
      std::fprintf(stderr, "%s: --write %s: %s\n", kProgram, live.write->c_str(), e.what());
      return imup::cli::kExitUsage;
    }
    reader->keep_frames(keep.get());
  }
  imup::tools::catch_stop_signals();
  std::fprintf(stderr, "%s: capturing on %s, filter '%s'%s\n", kProgram, live.interface.c_str(),
               live.filter.c_str(), live.duration_s || live.count ? "" : "; Ctrl-C to stop");
  const double start = monotonic_s();
  double next_stats = start + live.stats_every_s;
  auto stats_line = [&] {
    imup::capture::LiveCaptureStats cs = reader->stats();
    verifier.running(monotonic_s() - start, reader->frames(), &cs, live.clients);
  };
  LiveLimits limits;
  limits.duration_ns = std::int64_t(live.duration_s * 1e9);
  limits.count = std::uint64_t(live.count);
  LiveSource source(
      *reader, limits,
      [&](std::int64_t capture_now) {
        verifier.advance(capture_now);
        if (live.stats_every_s > 0 && monotonic_s() >= next_stats) {
          stats_line();
          next_stats += live.stats_every_s;
        }
      },
      [] { return imup::tools::stop_signal != 0; });
  bool read = verifier.check_live(source, live.interface);
  std::fflush(stdout);
  if (source.stopped_by() == "signal")
    std::fprintf(stderr, "%s: stopped by %s\n", kProgram, imup::tools::stop_signal_name());
  imup::capture::LiveCaptureStats cs = reader->stats();
  std::fprintf(stderr, "%s: %llu frames captured on %s, %llu dropped by the kernel, %llu by the interface\n",
               kProgram, static_cast<unsigned long long>(reader->frames()), live.interface.c_str(),
               static_cast<unsigned long long>(cs.dropped),
               static_cast<unsigned long long>(cs.interface_dropped));
  if (keep) {
    try {
      keep->close();
    } catch (const imup::capture::CaptureError& e) {
      std::fprintf(stderr, "%s: --write %s: %s\n", kProgram, live.write->c_str(), e.what());
      read = false;
    }
  }
  if (live.clients) stats_line();  // the clients as they were at the end
  verifier.summary();
  std::fflush(stdout);
  // A signal is the ordinary end of a live run: the status is the verdict's.
  return read ? report.exit_status() : std::max(report.exit_status(), int(imup::cli::kExitUsage));
}

void list_codes(bool json) {
  for (const auto& c : all_codes()) {
    const char* sev = c.severity == Severity::Error ? "error" : "warning";
    if (json)
      std::printf("{\"code\":\"%.*s\",\"severity\":\"%s\",\"explanation\":%s}\n",
                  int(c.name.size()), c.name.data(), sev, json_string(c.explanation).c_str());
    else
      std::printf("%-24.*s %-8s %.*s\n", int(c.name.size()), c.name.data(), sev,
                  int(c.explanation.size()), c.explanation.data());
  }
}

// CPUs this process may run on (its affinity mask, which containers and
// taskset narrow), at least 1.
int usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

int run(int argc, char** argv) {
  // Not given: the server port is learned from the traffic, the threads
  // follow the usable CPUs (any value given is checked against its range).
  gint server_port = kNotGiven, max_tries = gint(imup::kTries), threads = kNotGiven;
  const std::string max_tries_help =
      "Tries allowed per request (default " + std::to_string(imup::kTries) + ")";
  gint64 max_repeats = 10;
  gboolean json = FALSE, strict = FALSE, no_summary = FALSE, quiet = FALSE, codes = FALSE,
           no_cache = FALSE;
  gchar** ignore = nullptr;
  gchar *interface = nullptr, *filter = nullptr, *write = nullptr;
  gdouble duration = 0, stats_every = 0;
  gint64 count = 0;
  // Not given: kDefaultBlockMs. Blocks, not immediate mode, by default: Linux
  // gives each frame of immediate mode a whole slot of the ring, which drops
  // first under load (make bench: from 25,000 datagrams/s on a loaded 2-core
  // machine, where 50 ms blocks kept 400,000/s), and 50 ms is well within
  // the second in which a violation is to be shown.
  constexpr gint kBlockMsNotGiven = G_MININT, kDefaultBlockMs = 50;
  gint block_ms = kBlockMsNotGiven;
  gboolean clients = FALSE;
  GOptionEntry entries[] = {
      {"interface", 'i', 0, G_OPTION_ARG_STRING, &interface, "Capture live on this interface (lo, eth0, any) instead of reading captures: needs root or CAP_NET_RAW and CAP_NET_ADMIN; runs until Ctrl-C, SIGTERM, --duration or --count", "IFACE"},
      {"filter", 0, 0, G_OPTION_ARG_STRING, &filter, "With --interface: this BPF filter (pcap-filter(7)) instead of 'udp port PORT or (ip[6:2] & 0x1fff != 0)' (the server port and IPv4 fragments)", "EXPR"},
      {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "With --interface: stop after this many seconds", "SECONDS"},
      {"count", 0, 0, G_OPTION_ARG_INT64, &count, "With --interface: stop after N frames", "N"},
      {"write", 'w', 0, G_OPTION_ARG_FILENAME, &write, "With --interface: also keep every frame captured in FILE (pcapng)", "FILE"},
      {"block-ms", 0, 0, G_OPTION_ARG_INT, &block_ms, "With --interface: take frames from the kernel in blocks, each at most MS milliseconds late (default 50); 0: each as it arrives (libpcap's immediate mode, which drops frames from some tens of thousands of datagrams/s)", "MS"},
      {"stats-every", 0, 0, G_OPTION_ARG_DOUBLE, &stats_every, "With --interface: a one-line running summary every SECONDS, on standard error ({\"stats\":...} on standard output with --json)", "SECONDS"},
      {"clients", 0, 0, G_OPTION_ARG_NONE, &clients, "With --stats-every: list the clients known, with names, groups and counts", nullptr},
      {"server-port", 'p', 0, G_OPTION_ARG_INT, &server_port, "The server's UDP port: tells requests' direction (default: learned from the traffic: 2017 when seen, else the first clean datagram whose type only a client sends to the server or only the server sends)", "PORT"},
      {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "JSON Lines: one object per violation, then {\"summary\":...}", nullptr},
      {"ignore", 'x', 0, G_OPTION_ARG_STRING_ARRAY, &ignore, "Do not report this code (repeatable, or CODE,CODE)", "CODE"},
      {"max-repeats", 'm', 0, G_OPTION_ARG_INT64, &max_repeats, "Show at most N reports per code (default 10, 0 = all); all are counted", "N"},
      {"max-tries", 0, 0, G_OPTION_ARG_INT, &max_tries, max_tries_help.c_str(), "N"},
      {"strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Warnings also make the exit status 1", nullptr},
      {"no-summary", 0, 0, G_OPTION_ARG_NONE, &no_summary, "Leave out the summary", nullptr},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only the summary, no line per violation", nullptr},
      {"no-decode-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, "Decode every datagram with text afresh, even repeated bytes (for measurements; text-less headers always use an exact lookup table)", nullptr},
      {"threads", 0, 0, G_OPTION_ARG_INT, &threads, "1: read and check on one thread; 2: read each capture on a second thread while checking (default: 2 when two CPUs are usable)", "N"},
      {"list-codes", 0, 0, G_OPTION_ARG_NONE, &codes, "List every violation code with its severity and meaning", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "CAPTURE... | --interface IFACE", kSummary, "", true};
  help.description = "Violation codes:\n";
  for (const auto& c : all_codes())
    help.description += "  " + std::string(c.name) + std::string(c.name.size() < 24 ? 24 - c.name.size() : 1, ' ') +
                        (c.severity == Severity::Error ? "error    " : "warning  ") + std::string(c.explanation) + "\n";
  help.description += "\n" + imup::cli::exit_status_help(
      "clean (warnings allowed unless --strict)",
      "findings: violations, or no IMUP datagram checked at all",
      "usage or input errors: bad options, a capture that could not be read to its end");
  if (auto status = imup::cli::parse_command_line(help, entries, argc, argv)) return *status;
  auto ignored = imup::tools::take_strings(ignore);
  auto live_interface = imup::tools::take_string(interface);
  auto live_filter = imup::tools::take_string(filter);
  auto live_write = imup::tools::take_string(write);
  if (codes) {
    list_codes(json);
    return imup::cli::kExitOk;
  }
  using imup::cli::out_of_range;
  if (threads != kNotGiven && (threads < 1 || threads > 2)) return out_of_range(kProgram, "threads", threads, "1 or 2");
  if (max_tries < 1 || max_tries > 255) return out_of_range(kProgram, "max-tries", max_tries, "1..255");
  if (server_port != kNotGiven && (server_port < 1 || server_port > 65535))
    return out_of_range(kProgram, "server-port", server_port, "1..65535");
  if (max_repeats < 0) return out_of_range(kProgram, "max-repeats", double(max_repeats), "0 or more");
  if (duration < 0) return out_of_range(kProgram, "duration", duration, "0 or more seconds");
  if (count < 0) return out_of_range(kProgram, "count", double(count), "0 or more");
  if (stats_every < 0) return out_of_range(kProgram, "stats-every", stats_every, "0 or more seconds");
  const bool block_given = block_ms != kBlockMsNotGiven;
  if (!block_given) block_ms = kDefaultBlockMs;
  if (block_ms < 0 || block_ms > 1000) return out_of_range(kProgram, "block-ms", block_ms, "0..1000");
  if (!live_interface) {
    const char* live_only = live_filter ? "filter" : duration ? "duration" : count ? "count" : block_given ? "block-ms"
                            : live_write ? "write" : stats_every ? "stats-every" : clients ? "clients" : nullptr;
    if (live_only)
      return imup::cli::usage_error(kProgram, std::string("--") + live_only + " needs --interface");
    if (argc < 2)
      return imup::cli::usage_error(kProgram, "no capture given (a file, '-' for standard input, or --interface IFACE)");
  } else if (argc > 1) {
    return imup::cli::usage_error(kProgram, "--interface captures live: give no capture file too");
  }
  if (clients && !stats_every) return imup::cli::usage_error(kProgram, "--clients needs --stats-every");
  if (threads == kNotGiven) threads = usable_cpus() >= 2 ? 2 : 1;
  ReportOptions ro;
  ro.json = json;
  ro.strict = strict;
  ro.summary = !no_summary;
  ro.lines = !quiet;
  ro.max_repeats = std::uint64_t(max_repeats);
  for (const auto& i : ignored) {
    gchar** parts = g_strsplit(i.c_str(), ",", -1);
    for (gchar** p = parts; *p; ++p) {
      if (!**p) continue;
      auto c = code_by_name(*p);
      if (!c) {
        std::fprintf(stderr, "imup-verify: unknown code '%s' (see --list-codes)\n", *p);
        g_strfreev(parts);
        return imup::cli::kExitUsage;
      }
      ro.ignored.insert(*c);
    }
    g_strfreev(parts);
  }

  static char buffer[1 << 16];
  std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  TrackerOptions to;
  to.server_port = server_port == kNotGiven ? 0 : std::uint16_t(server_port);
  to.max_tries = unsigned(max_tries);
  to.give_up_ns = sender_gives_up_ns(to.max_tries);
  if (live_interface) {
    // The filter needs the port: the default one unless told.
    if (server_port == kNotGiven) server_port = gint(imup::kDefaultPort);
    to.server_port = std::uint16_t(server_port);
    to.sweep_every_ns = 200'000'000;  // timer verdicts within a fraction of a second of due
  }
  Report report(ro, stdout);
  if (server_port != kNotGiven) report.given_server_port(std::uint16_t(server_port));
  Verifier verifier(to, report, !no_cache, threads == 2);
  if (live_interface) {
    LiveRun live{*live_interface, live_filter.value_or(default_filter(server_port)), live_write,
                 duration, count, stats_every, bool(clients), block_ms};
    return run_live(live, verifier, report);
  }
  for (int i = 1; i < argc; ++i) verifier.check(argv[i]);
  verifier.summary();
  std::fflush(stdout);
  return report.exit_status();
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  return run(argc, argv);
}
