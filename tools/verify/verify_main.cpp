// SPDX-License-Identifier: GPL-2.0-or-later
// imup-verify: checks every IMUP datagram and exchange in captures.
#include <glib.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "codec/limits.hpp"
#include "option_strings.hpp"
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
    "(files, or '-' for standard input) against docs/PROTOCOL.md and reports\n"
    "named violations with frame numbers, then a summary.";

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
  GOptionEntry entries[] = {
      {"server-port", 'p', 0, G_OPTION_ARG_INT, &server_port, "The server's UDP port: tells requests' direction (default: learned from the traffic: 2017 when seen, else the first clean datagram whose type only a client sends to the server or only the server sends)", "PORT"},
      {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "JSON Lines: one object per violation, then {\"summary\":...}", nullptr},
      {"ignore", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &ignore, "Do not report this code (repeatable, or CODE,CODE)", "CODE"},
      {"max-repeats", 'm', 0, G_OPTION_ARG_INT64, &max_repeats, "Show at most N reports per code (default 10, 0 = all); all are counted", "N"},
      {"max-tries", 0, 0, G_OPTION_ARG_INT, &max_tries, max_tries_help.c_str(), "N"},
      {"strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Warnings also make the exit status 1", nullptr},
      {"no-summary", 0, 0, G_OPTION_ARG_NONE, &no_summary, "Leave out the summary", nullptr},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only the summary, no line per violation", nullptr},
      {"no-decode-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, "Decode every datagram with text afresh, even repeated bytes (for measurements; text-less headers always use an exact lookup table)", nullptr},
      {"threads", 0, 0, G_OPTION_ARG_INT, &threads, "1: read and check on one thread; 2: read each capture on a second thread while checking (default: 2 when two CPUs are usable)", "N"},
      {"list-codes", 0, 0, G_OPTION_ARG_NONE, &codes, "List every violation code with its severity and meaning", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "CAPTURE...", kSummary, "", true};
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
  if (argc < 2)
    return imup::cli::usage_error(kProgram, "no capture given (a file, or '-' for standard input)");
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
  Report report(ro, stdout);
  if (server_port != kNotGiven) report.given_server_port(std::uint16_t(server_port));
  Verifier verifier(to, report, !no_cache, threads == 2);
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
