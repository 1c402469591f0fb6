// SPDX-License-Identifier: GPL-2.0-or-later
// imup-server: the reference IMUP server. The protocol lives in the sans-I/O
// engine (engine/server.hpp); this program gives it a socket, a clock (GLib's
// main loop), a configuration, logs, signals and an optional capture file.
#include <glib.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "engine/server.hpp"
#include "io/engine_loop.hpp"
#include "io/logging.hpp"
#include "io/pcap_recorder.hpp"
#include "io/signal_actions.hpp"
#include "io/socket_address.hpp"
#include "io/udp_socket.hpp"
#include "server/counters_report.hpp"
#include "server/server_settings.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"

namespace {

using imup::server::ServerSettings;

constexpr const char* kProgram = "imup-server";

// The capture goes to standard output ("--record -"): then the program's own
// text goes to standard error, so that a pipe gets a capture and nothing else.
bool capture_on_stdout(const ServerSettings& s) { return s.record_path == "-"; }

struct CommandLine {
  std::string config_path;
  std::optional<std::string> listen;
  std::optional<std::string> record;
  std::vector<std::string> assignments;
  int verbosity = 0;
  bool print_config = false;
};

gboolean count_verbose(const gchar*, const gchar*, gpointer data, GError**) {
  ++static_cast<CommandLine*>(data)->verbosity;
  return TRUE;
}
gboolean count_quiet(const gchar*, const gchar*, gpointer data, GError**) {
  --static_cast<CommandLine*>(data)->verbosity;
  return TRUE;
}

// Returns the exit status to stop with, or nullopt to run.
std::optional<int> parse_command_line(int& argc, char**& argv, CommandLine& cl) {
  gchar* config = nullptr;
  gchar* listen = nullptr;
  gchar* record = nullptr;
  gchar** sets = nullptr;
  gboolean print_config = FALSE;
  GOptionEntry entries[] = {
      {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
       "Listen on ADDR:PORT (default 0.0.0.0:2017; port 0 picks a free port)", "ADDR:PORT"},
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
       "Read settings from a key file (see --print-config); SIGHUP re-reads it", "FILE"},
      {"record", 'r', 0, G_OPTION_ARG_FILENAME, &record,
       "Write every datagram sent and received to a capture file (.pcapng or .pcap)", "FILE"},
      {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets,
       "Override one setting, e.g. --set limits.max-clients=10 (repeatable)", "GROUP.KEY=VALUE"},
      {"print-config", 0, 0, G_OPTION_ARG_NONE, &print_config,
       "Print the settings in force as a key file and exit", nullptr},
      {"verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
       reinterpret_cast<gpointer>(count_verbose), "More log lines (-v info, -vv debug)", nullptr},
      {"quiet", 'q', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
       reinterpret_cast<gpointer>(count_quiet), "Only warnings and errors", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "- the reference IMUP server", "", "", false};
  help.summary =
      "Serves IMUP (docs/PROTOCOL.md) on one UDP socket. Prints the bound address on its first\n"
      "line of output. SIGTERM/SIGINT stop it, SIGHUP reloads the limits from --config,\n"
      "SIGUSR1 prints the counters (also printed at exit).\n\n"
      "--record - writes the capture to standard output (imup-server --record - | tshark -r -):\n"
      "the listening line and the counters then go to standard error, as tcpdump -w -\n"
      "moves its messages, so standard output is a capture and nothing else.";
  help.description = imup::cli::exit_status_help(
      "stopped by SIGTERM or SIGINT, the capture (if any) complete",
      "a failure while serving: the capture could not be completed",
      "usage or input errors: bad options, settings or key file, a socket or capture not opened");
  // Strings GLib allocated are freed on every path, a refusal's too.
  auto status = imup::cli::parse_command_line(help, entries, argc, argv, &cl);
  if (status) {
    g_free(config);
    g_free(listen);
    g_free(record);
    g_strfreev(sets);
    return status;
  }
  if (config) cl.config_path = config;
  if (listen) cl.listen = listen;
  if (record) cl.record = record;
  for (gchar** s = sets; s && *s; ++s) cl.assignments.emplace_back(*s);
  cl.print_config = print_config;
  g_free(config);
  g_free(listen);
  g_free(record);
  g_strfreev(sets);
  return std::nullopt;
}

// Defaults, then the key file, then the command line; checked as a whole.
std::variant<ServerSettings, std::string> build_settings(const CommandLine& cl) {
  ServerSettings s;
  if (!cl.config_path.empty())
    if (auto e = imup::server::load_key_file(s, cl.config_path)) return *e;
  for (const auto& a : cl.assignments)
    if (auto e = imup::server::apply_assignment(s, a)) return "--set " + a + ": " + *e;
  if (cl.listen)
    if (auto e = imup::server::apply_setting(s, "server", "listen", *cl.listen))
      return "--listen: " + *e;
  if (cl.record) s.record_path = *cl.record;
  if (auto e = imup::engine::check_config(s.engine)) return "invalid settings: " + *e;
  return s;
}

class ServerProgram {
 public:
  ServerProgram(const CommandLine& cl, const ServerSettings& s)
      : command_line_(cl),
        settings_(s),
        engine_(s.engine),
        adapter_(engine_),
        socket_(s.listen),
        loop_(adapter_, socket_),
        main_loop_(g_main_loop_new(nullptr, FALSE)),
        started_(std::chrono::steady_clock::now()),
        text_out_(capture_on_stdout(s) ? stderr : stdout) {
    if (!s.record_path.empty()) {
      recorder_ = std::make_unique<imup::io::PcapRecorder>(s.record_path);
      loop_.set_tap(recorder_.get());
    }
    loop_.set_after_wakeup([this] { log_events(); });
    signals_.on(SIGTERM, [this] { stop("SIGTERM"); });
    signals_.on(SIGINT, [this] { stop("SIGINT"); });
    signals_.on(SIGHUP, [this] { reload(); });
    signals_.on(SIGUSR1, [this] { print_counters(); });
  }
  ~ServerProgram() { g_main_loop_unref(main_loop_); }

  int run() {
    // The first line of output: tests bind port 0 and read the real port here.
    std::fprintf(text_out_, "imup-server listening on %s\n",
                 imup::io::to_string(socket_.local_endpoint()).c_str());
    std::fflush(text_out_);
    g_message("listening on %s%s%s", imup::io::to_string(socket_.local_endpoint()).c_str(),
              recorder_ ? ", recording to " : "", recorder_ ? settings_.record_path.c_str() : "");
    g_main_loop_run(main_loop_);
    log_events();
    print_counters();
    if (recorder_) {
      auto error = recorder_->close();
      if (!error.empty()) {
        g_warning("capture file %s is incomplete: %s", settings_.record_path.c_str(),
                  error.c_str());
        return 1;
      }
      g_message("wrote %llu datagrams to %s",
                static_cast<unsigned long long>(recorder_->frames()),
                settings_.record_path.c_str());
    }
    return 0;
  }

 private:
  void stop(const char* why) {
    g_message("%s: stopping", why);
    g_main_loop_quit(main_loop_);
  }

  void reload() {
    if (command_line_.config_path.empty()) {
      g_warning("SIGHUP: no --config file to reload; settings unchanged");
      return;
    }
    auto built = build_settings(command_line_);
    if (auto* e = std::get_if<std::string>(&built)) {
      g_warning("SIGHUP: %s; settings unchanged", e->c_str());
      return;
    }
    auto& s = std::get<ServerSettings>(built);
    if (s.listen != settings_.listen || s.record_path != settings_.record_path)
      g_warning("SIGHUP: [server] listen and record take effect only at the next start");
    if (auto e = engine_.reconfigure(s.engine)) {
      g_warning("SIGHUP: the engine refused the settings: %s; settings unchanged", e->c_str());
      return;
    }
    settings_.engine = s.engine;
    g_message("SIGHUP: reloaded settings from %s", command_line_.config_path.c_str());
    loop_.run_timers();  // new timers may already be due
  }

  void print_counters() {
    double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    auto text = imup::server::counters_report(engine_.counters(), loop_.counters(), uptime,
                                              drop_log_.suppressed_total());
    std::fputs(text.c_str(), text_out_);
    std::fflush(text_out_);
  }

  void log_events() {
    using Kind = imup::engine::ServerEvent::Kind;
    imup::engine::ServerEvent e;
    while (engine_.poll_event(e)) {
      auto text = imup::engine::describe(e);
      switch (e.kind) {
        case Kind::Dropped:
          // Anyone can send garbage: one reason may not flood the log.
          drop_log_.log(G_LOG_LEVEL_MESSAGE, std::string(imup::engine::drop_reason_name(e.drop)),
                        text);
          break;
        case Kind::ClientProved:
          g_info("%s", text.c_str());
          break;
        default:
          g_message("%s", text.c_str());
      }
    }
  }

  const CommandLine& command_line_;
  ServerSettings settings_;
  imup::engine::Server engine_;
  imup::io::EngineAdapter<imup::engine::Server> adapter_;
  imup::io::UdpSocket socket_;
  imup::io::EngineLoop loop_;
  std::unique_ptr<imup::io::PcapRecorder> recorder_;
  imup::io::SignalActions signals_;
  imup::io::RateLimitedLog drop_log_{5, std::chrono::seconds(10)};
  GMainLoop* main_loop_;
  std::chrono::steady_clock::time_point started_;
  std::FILE* text_out_;  // the listening line and the counters
};

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  CommandLine cl;
  if (auto status = parse_command_line(argc, argv, cl)) return *status;
  auto built = build_settings(cl);
  if (auto* e = std::get_if<std::string>(&built)) return imup::cli::usage_error(kProgram, *e);
  auto& settings = std::get<ServerSettings>(built);
  if (cl.print_config) {
    std::fputs(imup::server::to_key_file(settings).c_str(), stdout);
    return imup::cli::kExitOk;
  }
  if (capture_on_stdout(settings) && isatty(STDOUT_FILENO))
    return imup::cli::usage_error(kProgram,
                                  "--record -: refusing to write a binary capture to a terminal "
                                  "(use --record FILE or a pipe)");
  imup::io::install_log_handler(kProgram, cl.verbosity);
  // What stops the server before it serves (a port taken, a capture file not
  // created, settings the engine refuses) is an input error.
  try {
    ServerProgram program(cl, settings);
    return program.run();
  } catch (const imup::io::SocketError& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  } catch (const imup::capture::CaptureError& e) {
    std::fprintf(stderr, "%s: --record: %s\n", kProgram, e.what());
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s: invalid settings: %s\n", kProgram, e.what());
  }
  return imup::cli::kExitUsage;
}
