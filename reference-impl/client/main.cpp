// SPDX-License-Identifier: GPL-2.0-or-later
// imup-client: the reference IMUP client, interactive (readline on a
// terminal, plain lines on pipes) or driven by a script whose events come out
// as JSON lines. The protocol lives in the sans-I/O engine (engine/client.hpp).
#include <glib.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "client/client_session.hpp"
#include "client/line_front_end.hpp"
#include "client/script_runner.hpp"
#include "client/terminal_front_end.hpp"
#include "codec/limits.hpp"
#include "codec/text.hpp"
#include "io/logging.hpp"
#include "io/pcap_recorder.hpp"
#include "io/signal_actions.hpp"
#include "io/socket_address.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"

namespace {

constexpr const char* kProgram = "imup-client";

struct Options {
  std::string server = "127.0.0.1:2017";
  std::string bind = "0.0.0.0:0";
  std::string name;
  std::string script;
  std::string record;
  int tries = int(imup::kTries);  // codec/limits.hpp
  int probe_interval_ms = int(imup::kProbeInterval.count());  // §9.4
  bool reconnect = false;
  int reconnect_attempts = 10;
  int quit_timeout_ms = 10000;
  gint64 seed = -1;
  bool strict = false;
  int verbosity = 0;
};

gboolean count_verbose(const gchar*, const gchar*, gpointer data, GError**) {
  ++static_cast<Options*>(data)->verbosity;
  return TRUE;
}
gboolean count_quiet(const gchar*, const gchar*, gpointer data, GError**) {
  --static_cast<Options*>(data)->verbosity;
  return TRUE;
}

int usage_error(const std::string& message) { return imup::cli::usage_error(kProgram, message); }

std::optional<int> parse_options(int& argc, char**& argv, Options& o) {
  gchar *server = nullptr, *bind = nullptr, *name = nullptr, *script = nullptr,
        *record = nullptr;
  gboolean strict = FALSE, reconnect = FALSE;
  // Help texts that name the engine's rules, formatted from them.
  imup::engine::ClientConfig defaults;
  const std::string probe_help =
      "The server's liveness probe interval (PROTOCOL.md 9.4, default " +
      std::to_string(imup::kProbeInterval.count()) +
      "): connected, the client takes the server for gone after hearing nothing from it for "
      "2 x MS + the first retransmission's upper bound (" +
      std::to_string(imup::engine::server_silence_limit(defaults).count() / 1000) +
      " s by default); 0: never";
  const std::string reconnect_help =
      "When the server is lost, connect again under the same name: attempts after 1, 2, 4, ... s, "
      "at most " + std::to_string(defaults.reconnect.max_delay.count() / 1000) +
      " s apart, each one Connexion with its --tries (a taken name counts as a failed attempt); "
      "a new session, in the public room";
  const std::string attempts_help = "Attempts of --reconnect before giving up (default 10, 1.." +
                                    std::to_string(imup::engine::kMaxReconnectAttempts) + ")";
  GOptionEntry entries[] = {
      {"server", 's', 0, G_OPTION_ARG_STRING, &server,
       "The server's ADDR:PORT (default 127.0.0.1:2017)", "ADDR:PORT"},
      // FILENAME keeps the bytes as given: STRING would convert them from the
      // locale's charset and refuse a UTF-8 name under the C locale. The
      // engine checks the name (§4.2, UTF-8 included) when it connects.
      {"name", 'n', 0, G_OPTION_ARG_FILENAME, &name,
       "Connect under NAME at start (else use /connect NAME)", "NAME"},
      {"script", 0, 0, G_OPTION_ARG_FILENAME, &script,
       "Run commands from FILE ('-': standard input) and print events as JSON lines", "FILE"},
      {"bind", 'b', 0, G_OPTION_ARG_STRING, &bind,
       "Local ADDR:PORT to send from (default 0.0.0.0:0, any free port)", "ADDR:PORT"},
      {"tries", 0, 0, G_OPTION_ARG_INT, &o.tries,
       "Sendings of a request before giving up (default 5)", "N"},
      {"reconnect", 0, 0, G_OPTION_ARG_NONE, &reconnect, reconnect_help.c_str(), nullptr},
      {"reconnect-attempts", 0, 0, G_OPTION_ARG_INT, &o.reconnect_attempts, attempts_help.c_str(), "N"},
      {"probe-interval", 0, 0, G_OPTION_ARG_INT, &o.probe_interval_ms, probe_help.c_str(), "MS"},
      {"quit-timeout", 0, 0, G_OPTION_ARG_INT, &o.quit_timeout_ms,
       "Longest wait for the server's goodbye at /quit (default 10000)", "MS"},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &o.seed,
       "Seed of the retransmission jitter (default: random)", "N"},
      {"strict", 0, 0, G_OPTION_ARG_NONE, &strict,
       "Refuse datagrams that deviate from PROTOCOL.md instead of warning", nullptr},
      {"record", 'r', 0, G_OPTION_ARG_FILENAME, &record,
       "Write every datagram sent and received to a capture file ('-': standard output; "
       "the text for people then goes to standard error)", "FILE"},
      {"verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
       reinterpret_cast<gpointer>(count_verbose), "More log lines on standard error", nullptr},
      {"quiet", 'q', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
       reinterpret_cast<gpointer>(count_quiet), "Only warnings and errors", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "", "", "", false};
  help.summary =
      "The reference IMUP client: chat over IMUP (docs/PROTOCOL.md). Type text to talk to\n"
      "your room; /help lists the commands. On pipes (standard input or output not a\n"
      "terminal) lines are read and printed plainly, and the client leaves at the end of\n"
      "the input once every message has its answer. With --script, commands come from\n"
      "lines and every event is printed as one JSON object per line.";
  help.description = imup::cli::exit_status_help(
      "done: every command went through (interactive: the session ended normally)",
      "failures: a command refused or failed, a /wait timed out, the connection\n"
      "     refused, or no answer from the server (with --reconnect: and no new\n"
      "     connection since)",
      "usage or input errors: a bad option, an unreadable script or a line that is\n"
      "     not a command; found before connecting");
  if (auto status = imup::cli::parse_command_line(help, entries, argc, argv, &o)) return status;
  if (server) o.server = server;
  if (bind) o.bind = bind;
  if (name) o.name = name;
  if (script) o.script = script;
  if (record) o.record = record;
  o.strict = strict;
  o.reconnect = reconnect;
  g_free(server); g_free(bind); g_free(name); g_free(script); g_free(record);
  if (o.tries < 1 || o.tries > 16) return imup::cli::out_of_range(kProgram, "tries", o.tries, "1..16");
  if (o.reconnect_attempts < 1 || o.reconnect_attempts > int(imup::engine::kMaxReconnectAttempts))
    return imup::cli::out_of_range(kProgram, "reconnect-attempts", o.reconnect_attempts,
                                   "1.." + std::to_string(imup::engine::kMaxReconnectAttempts));
  if (o.probe_interval_ms != 0 && (o.probe_interval_ms < 1000 || o.probe_interval_ms > 86400000))
    return imup::cli::out_of_range(kProgram, "probe-interval", o.probe_interval_ms,
                                   "0, or 1000..86400000 ms");
  if (o.quit_timeout_ms < 0 || o.quit_timeout_ms > 600000)
    return imup::cli::out_of_range(kProgram, "quit-timeout", o.quit_timeout_ms, "0..600000 ms");
  if (o.seed < -1) return imup::cli::out_of_range(kProgram, "seed", double(o.seed), "0..2^63-1");
  // One format per stream: a capture on standard output leaves no room for
  // the JSON events (the text for people moves to standard error instead,
  // as tcpdump -w - does with its messages).
  if (o.record == "-" && !o.script.empty())
    return usage_error("--record - and --script both write to standard output: record to a file, "
                       "or read the events elsewhere");
  if (!o.name.empty())
    if (auto problem = imup::name_problem(o.name))
      return usage_error("--name '" + o.name + "': " + *problem);
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  Options o;
  if (auto status = parse_options(argc, argv, o)) return *status;

  auto server = imup::io::parse_socket_address(o.server, imup::io::kPeerAddress);
  if (auto* e = std::get_if<imup::io::AddressError>(&server)) return usage_error("--server: " + e->message);
  auto bind = imup::io::parse_socket_address(o.bind, imup::io::kBindAddress);
  if (auto* e = std::get_if<imup::io::AddressError>(&bind)) return usage_error("--bind: " + e->message);

  imup::engine::ClientConfig config;
  config.server = std::get<imup::Endpoint>(server);
  config.reliability.tries = unsigned(o.tries);
  config.server_probe_interval = std::chrono::milliseconds(o.probe_interval_ms);
  if (o.reconnect) config.reconnect.attempts = unsigned(o.reconnect_attempts);
  config.strict_decoding = o.strict;
  config.rng_seed = o.seed >= 0 ? std::uint64_t(o.seed) : (std::uint64_t(g_random_int()) << 32 | g_random_int());
  if (auto problem = imup::engine::check_config(config)) return usage_error(*problem);

  // An unreadable script is an input error, found before connecting.
  std::unique_ptr<imup::client::ScriptRunner> script;
  if (!o.script.empty()) {
    try {
      script = std::make_unique<imup::client::ScriptRunner>(o.script, stdout);
    } catch (const imup::client::ScriptInputError& e) {
      std::fprintf(stderr, "%s: --script %s\n", kProgram, e.what());
      return imup::cli::kExitUsage;
    }
  }

  imup::io::install_log_handler("imup-client", o.verbosity);
  GMainLoop* main_loop = g_main_loop_new(nullptr, FALSE);
  int status = 1;
  try {
    std::unique_ptr<imup::client::TerminalFrontEnd> terminal;
    std::unique_ptr<imup::client::LineFrontEnd> lines;
    imup::client::ClientOutput* output;
    // The text for people: standard output, unless that carries the capture.
    std::FILE* text_out = o.record == "-" ? stderr : stdout;
    if (script) {
      output = script.get();
    } else if (isatty(STDIN_FILENO) && isatty(fileno(text_out))) {
      terminal = std::make_unique<imup::client::TerminalFrontEnd>(text_out);
      output = terminal.get();
    } else {
      // Not a terminal at one end: no readline, no escapes, plain lines.
      lines = std::make_unique<imup::client::LineFrontEnd>(text_out);
      output = lines.get();
    }
    imup::client::ClientSession session(config, std::get<imup::Endpoint>(bind), main_loop,
                                        *output, std::chrono::milliseconds(o.quit_timeout_ms));
    std::unique_ptr<imup::io::PcapRecorder> recorder;
    if (!o.record.empty()) {
      recorder = std::make_unique<imup::io::PcapRecorder>(o.record);
      session.set_tap(recorder.get());
    }
    imup::io::SignalActions signals;
    int interrupts = 0;
    auto stop = [&] {
      // The first signal says goodbye to the server; a second one leaves at once.
      if (++interrupts > 1 || session.quitting()) g_main_loop_quit(main_loop);
      session.quit();
    };
    signals.on(SIGINT, stop);
    signals.on(SIGTERM, stop);
    if (script) script->attach(session);
    if (terminal) terminal->attach(session);
    if (lines) lines->attach(session);
    if (!o.name.empty())
      session.execute(imup::client::command::Connect{o.name}, "/connect " + o.name);
    g_main_loop_run(main_loop);
    if (script) script->print_summary();
    status = script ? script->exit_status() : lines ? lines->exit_status() : session.exit_status();
    if (recorder) {
      auto error = recorder->close();
      if (!error.empty()) std::fprintf(stderr, "imup-client: --record: %s\n", error.c_str());
    }
  } catch (const imup::io::SocketError& e) {
    std::fprintf(stderr, "imup-client: %s\n", e.what());
  } catch (const imup::capture::CaptureError& e) {
    std::fprintf(stderr, "imup-client: --record: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imup-client: %s\n", e.what());
  }
  g_main_loop_unref(main_loop);
  return status;
}
