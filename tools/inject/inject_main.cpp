// SPDX-License-Identifier: GPL-2.0-or-later
// imup-inject: sends crafted datagrams (a message script or a capture) to a
// live server over UDP sockets, replayed at a controlled rate or as a client.
#include <glib.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "capture/capture_reader.hpp"
#include "client_mode.hpp"
#include "codec/limits.hpp"
#include "codec/text.hpp"
#include "io/socket_address.hpp"
#include "option_strings.hpp"
#include "replayer.hpp"
#include "stop_signals.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"

namespace {

using namespace imup::inject;

constexpr const char* kSummary =
    "Sends IMUP datagrams from a message script (see imup-craft --script-help)\n"
    "or a capture to a live server over ordinary UDP sockets (no root needed;\n"
    "works on loopback). Each source of the input gets its own local socket, so\n"
    "the server sees as many clients; destinations are rewritten to --server.\n\n"
    "Replay (default): sends the datagrams addressed to the server port at their\n"
    "original pace (--speed), at --pps, or --topspeed, in sendmmsg batches on\n"
    "absolute times, and reports the achieved rate against the requested one.\n"
    "--client: numbers requests itself, waits for the answer echoing each one,\n"
    "retransmits (2-3 s, doubling, --tries), answers the server's requests, and\n"
    "reports per request what answered it, the RTT and the retries.\n"
    "--raw IFACE: sends whole Ethernet frames with libpcap (root; spoofed sources\n"
    "on real interfaces; frames injected on lo never reach a socket).\n\n"
    "  imup-inject --server 127.0.0.1:2017 --client -f session.txt\n"
    "  imup-inject --server 127.0.0.1:2017 -r trace.pcapng --pps 50000 --loop 10\n\n"
    "SIGINT (Ctrl-C) or SIGTERM stops it with its summary; in client mode each\n"
    "client still connected first sends the server its Deconnexion (waiting up to\n"
    "1 s for the ACK). The exit status is then 130 (SIGINT) or 143 (SIGTERM).";

constexpr const char* kProgram = "imup-inject";

int run(int argc, char** argv) {
  gchar* server = nullptr;
  gchar* script = nullptr;
  gchar** lines = nullptr;
  gchar* capture = nullptr;
  gchar* bind = nullptr;
  gchar* raw = nullptr;
  gboolean client = FALSE, topspeed = FALSE, progress = FALSE, all = FALSE, json = FALSE,
           refuse = FALSE, no_times = FALSE;
  gdouble pps = 0, speed = 1.0, wait = 0.2, linger = 0.3;
  gint64 count = 0, loop = 1, seed = 1;
  gint server_port = 2017, tries = gint(imup::kTries);
  const std::string tries_help =
      "Client: tries per request (default " + std::to_string(imup::kTries) + ")";
  GOptionEntry entries[] = {
      {"server", 's', 0, G_OPTION_ARG_STRING, &server, "The live server (every datagram goes there)", "ADDR:PORT"},
      {"script", 'f', 0, G_OPTION_ARG_FILENAME, &script, "Message script to send ('-' = standard input)", "FILE"},
      {"line", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &lines, "One script line (repeatable)", "LINE"},
      {"capture", 'r', 0, G_OPTION_ARG_FILENAME, &capture, "Capture whose datagrams to send", "FILE"},
      {"bind", 'b', 0, G_OPTION_ARG_STRING, &bind, "Local address of the sending sockets (default 127.0.0.1)", "ADDR"},
      {"client", 'c', 0, G_OPTION_ARG_NONE, &client, "Behave like a client (see above)", nullptr},
      {"pps", 0, 0, G_OPTION_ARG_DOUBLE, &pps, "Send at this many datagrams per second", "RATE"},
      {"topspeed", 't', 0, G_OPTION_ARG_NONE, &topspeed, "Send as fast as possible", nullptr},
      {"speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "Original pace divided by this (default 1)", "X"},
      {"count", 'n', 0, G_OPTION_ARG_INT64, &count, "Stop after this many datagrams", "N"},
      {"loop", 'l', 0, G_OPTION_ARG_INT64, &loop, "Send the input N times (0 = until --count, or forever)", "N"},
      {"raw", 0, 0, G_OPTION_ARG_STRING, &raw, "Send whole frames on this interface with libpcap", "IFACE"},
      {"progress", 'P', 0, G_OPTION_ARG_NONE, &progress, "Progress line on standard error (default: when it is a terminal)", nullptr},
      {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Replay: also send the datagrams the input shows going to clients", nullptr},
      {"server-port", 0, 0, G_OPTION_ARG_INT, &server_port, "The server's port in the input (default 2017)", "PORT"},
      {"wait", 0, 0, G_OPTION_ARG_DOUBLE, &wait, "Replay: count answers this long after the last send (default 0.2)", "SECONDS"},
      {"tries", 0, 0, G_OPTION_ARG_INT, &tries, tries_help.c_str(), "N"},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Client: seed of the retransmission jitter (default 1)", "N"},
      {"no-script-times", 0, 0, G_OPTION_ARG_NONE, &no_times, "Client: do not wait for the script's times", nullptr},
      {"refuse-invitations", 0, 0, G_OPTION_ARG_NONE, &refuse, "Client: answer invitations with 6, not 5", nullptr},
      {"linger", 0, 0, G_OPTION_ARG_DOUBLE, &linger, "Client: keep answering the server this long at the end (default 0.3)", "SECONDS"},
      {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Client: JSON Lines output", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "", kSummary, "", false};
  help.description = imup::cli::exit_status_help(
      "done (client mode: every request answered as the script expects)",
      "failures: datagrams the kernel refused, requests unanswered or answered otherwise",
      "usage or input errors: bad options, script or capture, a socket not opened");
  if (auto status = imup::cli::parse_command_line(help, entries, argc, argv)) return *status;
  using imup::tools::take_string;
  auto server_opt = take_string(server), script_opt = take_string(script),
       capture_opt = take_string(capture), bind_opt = take_string(bind), raw_opt = take_string(raw);
  auto line_opts = imup::tools::take_strings(lines);
  auto fail = [](const std::string& why) { return imup::cli::usage_error(kProgram, why); };
  if (!script_opt && line_opts.empty() && !capture_opt)
    return fail("nothing to send: give --script, -e LINE or --capture");
  if ((script_opt || !line_opts.empty()) && capture_opt) return fail("give a script or a capture, not both");
  if (!server_opt && !raw_opt) return fail("--server ADDR:PORT is required (or --raw IFACE)");
  std::optional<imup::Endpoint> dest;
  if (server_opt) {
    auto parsed = imup::io::parse_socket_address(*server_opt, imup::io::kPeerAddress);
    if (auto* e = std::get_if<imup::io::AddressError>(&parsed)) return fail("--server: " + e->message);
    dest = std::get<imup::Endpoint>(parsed);
  }
  std::uint32_t bind_ip = 0x7F000001;
  if (bind_opt) {  // an address alone: each socket gets its own port
    auto parsed = imup::io::parse_socket_address(*bind_opt + ":0", imup::io::kBindAddress);
    if (auto* e = std::get_if<imup::io::AddressError>(&parsed)) return fail("--bind: " + e->message);
    bind_ip = std::get<imup::Endpoint>(parsed).ipv4;
  }
  // One refusal per option, naming it and its range. The negated forms
  // also refuse NaN, which GOption reads as a double.
  using imup::cli::out_of_range;
  if (!(pps >= 0)) return out_of_range(kProgram, "pps", pps, "0 or more datagrams per second (0: not set)");
  if (!(speed > 0)) return out_of_range(kProgram, "speed", speed, "above 0");
  if (count < 0) return out_of_range(kProgram, "count", double(count), "0 or more (0: no limit)");
  if (loop < 0) return out_of_range(kProgram, "loop", double(loop), "0 or more (0: until --count, or forever)");
  if (tries < 1 || unsigned(tries) > imup::kMaxTries)
    return out_of_range(kProgram, "tries", tries, "1.." + std::to_string(imup::kMaxTries));
  if (server_port < 1 || server_port > 65535) return out_of_range(kProgram, "server-port", server_port, "1..65535");
  if (!(wait >= 0 && wait <= 3600)) return out_of_range(kProgram, "wait", wait, "0..3600 seconds");
  if (!(linger >= 0 && linger <= 3600)) return out_of_range(kProgram, "linger", linger, "0..3600 seconds");
  if (client && (raw_opt || topspeed || pps > 0)) return fail("--client cannot be combined with --raw, --pps or --topspeed");
  imup::tools::catch_stop_signals();
  if (loop == 0 && count == 0 && !client && !progress && !isatty(STDERR_FILENO))
    std::fprintf(stderr, "imup-inject: --loop 0 without --count sends until interrupted\n");

  std::vector<Item> items;
  try {
    if (capture_opt) items = load_capture(*capture_opt);
    else items = load_script(script_opt.value_or(""), line_opts, std::uint16_t(server_port));
  } catch (const imup::capture::CaptureReadError& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  // Failures past this point (a socket, an interface) are reported as such:
  // not a usage error, though still status 2, before anything was sent.
  auto failed_setup = [](const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return imup::cli::kExitUsage;
  };
  try {
    if (client) {
      ClientOptions co;
      co.server = *dest;
      co.bind_ipv4 = bind_ip;
      co.script_server_port = std::uint16_t(server_port);
      co.tries = unsigned(tries);
      co.seed = std::uint64_t(seed);
      co.follow_script_times = !no_times;
      co.refuse_invitations = refuse;
      co.linger_s = linger;
      co.json = json;
      return imup::tools::status_after_stop(run_client(items, co, stdout));
    }
    if (!all) {
      std::erase_if(items, [&](const Item& it) { return it.dst.port != server_port; });
      if (items.empty())
        return fail("no datagram in the input goes to port " + std::to_string(server_port) +
                    " (use --server-port, or --all)");
    }
    ReplayOptions ro;
    if (dest) ro.server = *dest;
    ro.bind_ipv4 = bind_ip;
    ro.pps = pps;
    ro.topspeed = topspeed;
    ro.speed = speed;
    ro.count = std::uint64_t(count);
    ro.loops = std::uint64_t(loop);
    ro.progress = progress || isatty(STDERR_FILENO);
    ro.wait_answers_s = raw_opt ? 0 : wait;
    if (raw_opt) ro.raw_interface = *raw_opt;
    ReplayResult r = replay(items, ro);
    double achieved = r.seconds > 0 ? double(r.sent) / r.seconds : 0;
    std::printf("sent %" PRIu64 " datagrams (%" PRIu64 " bytes) in %.3f s: %.0f datagrams/s",
                r.sent, r.bytes, r.seconds, achieved);
    if (r.requested_pps > 0)
      std::printf(" against %.0f requested (%.1f%%)", r.requested_pps, 100.0 * achieved / r.requested_pps);
    else if (topspeed)
      std::printf(" (top speed)");
    std::printf("; %" PRIu64 " failed; %" PRIu64 " answers received", r.failed, r.answers);
    if (imup::tools::stop_signal) std::printf("; stopped by %s", imup::tools::stop_signal_name());
    std::printf("\n");
    return imup::tools::status_after_stop(r.failed ? imup::cli::kExitFindings : imup::cli::kExitOk);
  } catch (const std::exception& e) {
    return failed_setup(e);
  }
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  return run(argc, argv);
}
