// SPDX-License-Identifier: GPL-2.0-or-later
// imup-conformance: plays a battery of named cases against a live IMUP
// server and says, case by case, which rule of docs/PROTOCOL.md it breaks
// (as h2spec does for HTTP/2). The cases are in cases.cpp, the test client
// they use in harness.cpp; this file is the command line, the scheduling
// (the long timer cases beside the others) and the reports (text, JSON
// Lines, JUnit XML).
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cases.hpp"
#include "cli/json_string.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"
#include "codec/text.hpp"
#include "io/monotonic_clock.hpp"
#include "io/socket_address.hpp"
#include "option_strings.hpp"

namespace {

using namespace imup::conformance;
constexpr const char* kProgram = "imup-conformance";

enum class Outcome { Pass, Fail, Skip };
const char* outcome_name(Outcome o) { return o == Outcome::Pass ? "PASS" : o == Outcome::Fail ? "FAIL" : "SKIP"; }

struct Result {
  const Case* c = nullptr;
  Outcome outcome = Outcome::Pass;
  std::string reason;
  std::string transcript;  // what was sent and received before a failure
  double seconds = 0;
};

std::string xml_escape(const std::string& s) {
  std::string o;
  for (unsigned char ch : s) {
    switch (ch) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default:
        if (ch < 0x20 && ch != '\n' && ch != '\t') o += ' ';
        else o += char(ch);
    }
  }
  return o;
}

class Reporter {
 public:
  Reporter(bool json, std::size_t total) : json_(json), total_(total), tty_(isatty(2)) {}

  void started(const Case& c) {
    std::lock_guard lock(mutex_);
    running_.insert(c.id);
    progress();
  }

  void finished(Result r) {
    std::lock_guard lock(mutex_);
    running_.erase(r.c->id);
    clear_progress();
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", r.seconds);
    if (json_) {
      std::printf("{\"id\":%s,\"section\":%s,\"level\":\"%s\",\"result\":\"%s\",\"seconds\":%s,"
                  "\"description\":%s",
                  imup::cli::json_string(r.c->id).c_str(), imup::cli::json_string(r.c->section).c_str(), level_name(r.c->level),
                  outcome_name(r.outcome), secs, imup::cli::json_string(r.c->description).c_str());
      if (!r.reason.empty()) std::printf(",\"reason\":%s", imup::cli::json_string(r.reason).c_str());
      if (!r.transcript.empty()) std::printf(",\"transcript\":%s", imup::cli::json_string(r.transcript).c_str());
      std::printf("}\n");
    } else {
      std::printf("%s  %-48s §%-4s %-6s %s s\n", outcome_name(r.outcome), r.c->id.c_str(),
                  r.c->section.c_str(), level_name(r.c->level), secs);
      if (r.outcome != Outcome::Pass) {
        std::printf("      %s\n", r.c->description.c_str());
        std::printf("      %s: %s\n", r.outcome == Outcome::Fail ? "failed" : "skipped", r.reason.c_str());
        if (!r.transcript.empty()) {
          std::printf("      what was sent and received (last datagrams):\n");
          std::string line;
          for (char ch : r.transcript) {
            if (ch == '\n') {
              std::printf("        %s\n", line.c_str());
              line.clear();
            } else {
              line += ch;
            }
          }
        }
      }
    }
    std::fflush(stdout);
    results_.push_back(std::move(r));
    progress();
  }

  std::vector<Result> results() {
    std::lock_guard lock(mutex_);
    clear_progress();
    return results_;
  }

 private:
  void progress() {
    if (!tty_ || running_.empty()) return;
    std::string names;
    for (const auto& n : running_) names += (names.empty() ? "" : ", ") + n;
    if (names.size() > 60) names = names.substr(0, 57) + "...";
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", results_.size(), total_, names.c_str());
    std::fflush(stderr);
    shown_ = true;
  }
  void clear_progress() {
    if (!shown_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }

  std::mutex mutex_;
  bool json_;
  std::size_t total_;
  bool tty_;
  bool shown_ = false;
  std::set<std::string> running_;
  std::vector<Result> results_;
};

Result run_case(Run& run, const Case& c) {
  Result r;
  r.c = &c;
  auto start = imup::io::monotonic_ns();
  Context ctx(run, c.id);
  try {
    c.body(ctx);
  } catch (const CaseFailure& e) {
    r.outcome = Outcome::Fail;
    r.reason = e.what();
    r.transcript = ctx.transcript_tail(10);
  } catch (const CaseSkip& e) {
    r.outcome = Outcome::Skip;
    r.reason = e.what();
  } catch (const std::exception& e) {
    r.outcome = Outcome::Fail;
    r.reason = std::string("the case stopped: ") + e.what();
    r.transcript = ctx.transcript_tail(10);
  }
  try {
    ctx.disconnect_all();
  } catch (const std::exception&) {
  }
  r.seconds = double(imup::io::monotonic_ns() - start) / 1e9;
  return r;
}

bool in_section(const Case& c, const std::string& s) {
  return c.section == s || (c.section.size() > s.size() && c.section.compare(0, s.size(), s) == 0 &&
                            c.section[s.size()] == '.');
}

void write_junit(const std::string& path, const std::vector<Result>& results, double seconds) {
  std::ofstream out(path);
  std::size_t failures = 0, skipped = 0;
  for (const auto& r : results) {
    failures += r.outcome == Outcome::Fail;
    skipped += r.outcome == Outcome::Skip;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites>\n<testsuite name=\"imup-conformance\" tests=\"" << results.size()
      << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\" time=\"" << seconds << "\">\n";
  for (const auto& r : results) {
    out << "  <testcase classname=\"PROTOCOL.md section " << xml_escape(r.c->section) << " "
        << level_name(r.c->level) << "\" name=\"" << xml_escape(r.c->id) << "\" time=\"" << r.seconds << "\"";
    if (r.outcome == Outcome::Pass) {
      out << "/>\n";
      continue;
    }
    out << ">\n";
    if (r.outcome == Outcome::Fail)
      out << "    <failure message=\"" << xml_escape(r.reason) << "\">" << xml_escape(r.c->description)
          << "\n" << xml_escape(r.transcript) << "</failure>\n";
    else
      out << "    <skipped message=\"" << xml_escape(r.reason) << "\"/>\n";
    out << "  </testcase>\n";
  }
  out << "</testsuite>\n</testsuites>\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

struct Options {
  gchar* server = nullptr;
  gchar* bind = nullptr;
  gboolean json = FALSE;
  gchar* junit = nullptr;
  gboolean list = FALSE;
  gchar* run = nullptr;
  gchar* section = nullptr;
  gdouble timeout_scale = 1.0;
  gint64 seed = 0;
  gchar* write = nullptr;
  gint tries = 6;
  gint server_tries = 5;
  gint max_group_members = 100;
  gint max_groups = 100;
};

int run(int argc, char** argv) {
  Options o;
  GOptionEntry entries[] = {
      {"server", 's', 0, G_OPTION_ARG_STRING, &o.server, "The server under test", "ADDR:PORT"},
      {"bind", 'b', 0, G_OPTION_ARG_STRING, &o.bind, "Local address of the test clients (default 127.0.0.1)", "ADDR"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &o.json, "One JSON object per case (JSON Lines), then a summary object", nullptr},
      {"junit", 0, 0, G_OPTION_ARG_FILENAME, &o.junit, "Also write the results as JUnit XML", "FILE"},
      {"list", 0, 0, G_OPTION_ARG_NONE, &o.list, "List the cases (id, section, level, description) and exit", nullptr},
      {"run", 0, 0, G_OPTION_ARG_STRING, &o.run, "Run only these cases", "ID,ID"},
      {"section", 0, 0, G_OPTION_ARG_STRING, &o.section, "Run only the cases of this PROTOCOL.md section (9 takes 9.2, 9.6...)", "N"},
      {"timeout-scale", 0, 0, G_OPTION_ARG_DOUBLE, &o.timeout_scale, "Multiply every wait by X (a slow or distant server; default 1)", "X"},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Seed of the names, sequence numbers and timer jitter (default: from the clock)", "N"},
      {"write", 'w', 0, G_OPTION_ARG_FILENAME, &o.write, "Record every datagram sent and received as pcapng", "FILE"},
      {"tries", 0, 0, G_OPTION_ARG_INT, &o.tries, "Sendings of each request of the test clients before giving up (default 6)", "N"},
      {"server-tries", 0, 0, G_OPTION_ARG_INT, &o.server_tries, "The most sendings the server may make of one request (default 5, §7)", "N"},
      {"max-group-members", 0, 0, G_OPTION_ARG_INT, &o.max_group_members, "The server's member limit per group (default 100, §8; over 120: skipped)", "N"},
      {"max-groups", 0, 0, G_OPTION_ARG_INT, &o.max_groups, "The server's limit of simultaneous groups (default 100, §8; over 120: skipped)", "N"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "", "", "", false};
  help.summary =
      "Plays a battery of named test cases against a live IMUP server and says, case\n"
      "by case, which rule of docs/PROTOCOL.md it breaks. Each case has a stable id,\n"
      "the section it checks and a level (MUST, or SHOULD); a failure shows what was\n"
      "sent and what came back. The test clients are ordinary UDP sockets on --bind\n"
      "that number, retransmit (§7) and answer the server as real clients do.\n\n"
      "  imup-conformance --server 127.0.0.1:2017\n"
      "  imup-conformance --server 127.0.0.1:2017 --section 9 --json\n"
      "  imup-conformance --server 127.0.0.1:2017 --run 6.3-connect-resend-gets-cached-ack -w run.pcapng";
  help.description = imup::cli::exit_status_help(
      "every MUST case passed (SHOULD failures and skips are reported, not counted)",
      "a MUST case failed, or the run could not be completed",
      "usage errors: a bad option or address, an unknown case id or section");
  if (auto status = imup::cli::parse_command_line(help, entries, argc, argv)) return *status;
  auto server_opt = imup::tools::take_string(o.server), bind_opt = imup::tools::take_string(o.bind),
       junit_opt = imup::tools::take_string(o.junit), run_opt = imup::tools::take_string(o.run),
       section_opt = imup::tools::take_string(o.section), write_opt = imup::tools::take_string(o.write);
  auto usage = [](const std::string& why) { return imup::cli::usage_error(kProgram, why); };
  using imup::cli::out_of_range;
  if (!(o.timeout_scale >= 0.1 && o.timeout_scale <= 100))
    return out_of_range(kProgram, "timeout-scale", o.timeout_scale, "0.1..100");
  if (o.tries < 1 || o.tries > int(imup::kMaxTries)) return out_of_range(kProgram, "tries", o.tries, "1..16");
  if (o.server_tries < 1 || o.server_tries > int(imup::kMaxTries))
    return out_of_range(kProgram, "server-tries", o.server_tries, "1..16");
  if (o.max_group_members < 1 || o.max_group_members > int(imup::kMaxClients))
    return out_of_range(kProgram, "max-group-members", o.max_group_members, "1..1024");
  if (o.max_groups < 1 || o.max_groups > 100000) return out_of_range(kProgram, "max-groups", o.max_groups, "1..100000");

  const auto& cases = all_cases();
  std::vector<const Case*> selected;
  if (run_opt) {
    gchar** ids = g_strsplit(run_opt->c_str(), ",", -1);
    for (gchar** id = ids; *id; ++id) {
      std::string want = *id;
      if (want.empty()) continue;
      auto it = std::find_if(cases.begin(), cases.end(), [&](const Case& c) { return c.id == want; });
      if (it == cases.end()) {
        g_strfreev(ids);
        return usage("--run: no case '" + want + "' (see --list)");
      }
      selected.push_back(&*it);
    }
    g_strfreev(ids);
  } else {
    for (const auto& c : cases) selected.push_back(&c);
  }
  if (section_opt) {
    std::erase_if(selected, [&](const Case* c) { return !in_section(*c, *section_opt); });
    if (selected.empty()) return usage("--section " + *section_opt + ": no case checks that section (see --list)");
  }
  if (o.list) {
    for (const Case* c : selected)
      std::printf("%-48s §%-4s %-6s %s\n", c->id.c_str(), c->section.c_str(), level_name(c->level),
                  c->description.c_str());
    return imup::cli::kExitOk;
  }
  if (!server_opt) return usage("--server ADDR:PORT is required");
  auto server = imup::io::parse_socket_address(*server_opt, imup::io::kPeerAddress);
  if (auto* e = std::get_if<imup::io::AddressError>(&server)) return usage("--server: " + e->message);
  std::uint64_t seed = o.seed ? std::uint64_t(o.seed) : std::uint64_t(imup::io::monotonic_ns()) ^ std::uint64_t(getpid());
  Run run(seed);
  run.server = std::get<imup::Endpoint>(server);
  if (bind_opt) {
    std::string text = bind_opt->find(':') == std::string::npos ? *bind_opt + ":0" : *bind_opt;
    auto bind = imup::io::parse_socket_address(text, imup::io::kBindAddress);
    if (auto* e = std::get_if<imup::io::AddressError>(&bind)) return usage("--bind: " + e->message);
    run.bind = std::get<imup::Endpoint>(bind);
    try {
      imup::io::UdpSocket probe(run.bind);
    } catch (const std::exception& e) {
      return usage(std::string("--bind ") + *bind_opt + ": " + e.what());
    }
  }
  run.timeout_scale = o.timeout_scale;
  run.client_tries = unsigned(o.tries);
  run.server_tries = unsigned(o.server_tries);
  run.max_group_members = std::size_t(o.max_group_members);
  run.max_groups = std::size_t(o.max_groups);
  if (write_opt) {
    try {
      run.record_to(*write_opt);
    } catch (const std::exception& e) {
      return usage("-w " + *write_opt + ": " + e.what());
    }
  }

  if (!o.json)
    std::printf("imup-conformance: %zu cases against %s (clients on %s, seed %llu, names end in -%s)\n",
                selected.size(), imup::io::to_string(run.server).c_str(),
                imup::format_endpoint(imup::Endpoint{run.bind.ipv4, 0}).c_str(),
                static_cast<unsigned long long>(seed), run.tag.c_str());
  std::fflush(stdout);
  Reporter reporter(o.json, selected.size());
  auto start = imup::io::monotonic_ns();
  // The long cases watch the server's timers for a minute or more: each on
  // a thread of its own, beside the others, which run one after another.
  std::vector<std::thread> threads;
  for (const Case* c : selected) {
    if (!c->long_running) continue;
    threads.emplace_back([&run, &reporter, c] {
      reporter.started(*c);
      reporter.finished(run_case(run, *c));
    });
  }
  for (const Case* c : selected) {
    if (c->long_running) continue;
    reporter.started(*c);
    reporter.finished(run_case(run, *c));
  }
  for (auto& t : threads) t.join();
  double seconds = double(imup::io::monotonic_ns() - start) / 1e9;
  auto results = reporter.results();
  std::string recording_error = run.close_recording();

  // The summary: by level, by section, the verdict.
  struct Tally { std::size_t pass = 0, fail = 0, skip = 0; };
  std::map<std::string, Tally> by_level;
  std::map<std::string, Tally, bool (*)(const std::string&, const std::string&)> by_section(
      +[](const std::string& a, const std::string& b) { return ::strverscmp(a.c_str(), b.c_str()) < 0; });
  bool must_failed = false;
  for (const auto& r : results) {
    for (Tally* t : {&by_level[level_name(r.c->level)], &by_section[r.c->section]}) {
      if (r.outcome == Outcome::Pass) ++t->pass;
      else if (r.outcome == Outcome::Fail) ++t->fail;
      else ++t->skip;
    }
    if (r.outcome == Outcome::Fail && r.c->level == Level::Must) must_failed = true;
  }
  if (o.json) {
    std::printf("{\"summary\":true,\"cases\":%zu,\"seconds\":%.2f,\"verdict\":\"%s\"", results.size(), seconds,
                must_failed ? "fail" : "pass");
    for (const auto& [level, t] : by_level)
      std::printf(",\"%s\":{\"pass\":%zu,\"fail\":%zu,\"skip\":%zu}", level.c_str(), t.pass, t.fail, t.skip);
    std::printf("}\n");
  } else {
    std::printf("\nsummary by section:\n");
    for (const auto& [section, t] : by_section)
      std::printf("  §%-5s %2zu passed, %zu failed, %zu skipped\n", section.c_str(), t.pass, t.fail, t.skip);
    std::printf("summary by level:\n");
    for (const auto& [level, t] : by_level)
      std::printf("  %-6s %2zu passed, %zu failed, %zu skipped\n", level.c_str(), t.pass, t.fail, t.skip);
    std::printf("%zu cases in %.1f s: %s\n", results.size(), seconds,
                must_failed ? "FAIL (a MUST case failed)" : "PASS (every MUST case passed)");
  }
  std::fflush(stdout);
  if (junit_opt) {
    try {
      write_junit(*junit_opt, results, seconds);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: --junit: %s\n", kProgram, e.what());
      return imup::cli::kExitFindings;
    }
  }
  if (!recording_error.empty()) {
    std::fprintf(stderr, "%s: -w: %s\n", kProgram, recording_error.c_str());
    return imup::cli::kExitFindings;
  }
  return must_failed ? imup::cli::kExitFindings : imup::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  return run(argc, argv);
}
