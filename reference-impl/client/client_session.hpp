// SPDX-License-Identifier: GPL-2.0-or-later
// One user's session: the client engine (engine/client.hpp) on a UDP socket
// and GLib's main loop, executing typed commands and handing every event to
// a front end (the terminal, or JSON lines for scripts).
#pragma once

#include <glib.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/command_line_parser.hpp"
#include "engine/client.hpp"
#include "io/engine_loop.hpp"
#include "io/udp_socket.hpp"

namespace imup::client {

class ClientOutput {
 public:
  virtual ~ClientOutput() = default;
  virtual void on_event(const engine::ClientEvent& e) = 0;
  // A command was started (result.ok, with its id) or refused on the spot.
  virtual void on_command(std::string_view line, const engine::CommandResult& result) = 0;
  // Text for the user that is no event: /where, /help, a typo.
  virtual void on_notice(std::string_view kind, std::string_view text) = 0;
  // Called after anything that may have changed where the user is.
  virtual void on_view(const engine::ClientView& view) = 0;
};

class ClientSession {
 public:
  // Throws io::SocketError (bind) or std::invalid_argument (config).
  ClientSession(const engine::ClientConfig& config, const Endpoint& bind, GMainLoop* main_loop,
                ClientOutput& output, std::chrono::milliseconds quit_timeout);
  ~ClientSession();

  void set_tap(io::DatagramTap* tap) { loop_.set_tap(tap); }
  // Runs one parsed command (Wait and Sleep belong to the script runner).
  // A command that needs a connection, given while the Connexion is still
  // unanswered (or, with ClientConfig::reconnect, while the client connects
  // again after losing the server), is held (with a "held" notice) and runs
  // once it is answered: lines piped in at start are not refused for being early.
  void execute(const Command& command, std::string_view line);
  // Nothing held, nothing unanswered, not connecting: every command's fate is known.
  bool idle() const;
  // quit() once idle(), or after `bound` with a "gave_up_waiting" notice:
  // the end of the input does not cut off messages still waiting for an ACK.
  void quit_when_idle(std::chrono::milliseconds bound);
  // The longest the engine can take to settle a request (all its tries), plus a margin.
  std::chrono::milliseconds settle_bound() const;
  // Disconnects if connected, then stops the main loop (at once when there is
  // nothing to say goodbye to, or after quit_timeout at the latest).
  void quit();
  bool quitting() const { return quitting_; }
  // quit() or quit_when_idle() was called: no more commands to come.
  bool leaving() const { return quitting_ || quit_when_idle_; }
  // 0 unless the last connection attempt was refused or the server was lost
  // (with reconnection: and not connected again since).
  int exit_status() const { return exit_status_; }

  Endpoint local_endpoint() const { return loop_.local_endpoint(); }
  const Endpoint& server() const { return engine_.config().server; }
  engine::ClientView view() const { return engine_.view(); }
  const engine::ClientCounters& counters() const { return engine_.counters(); }

 private:
  void after_io();
  bool awaiting_connection() const;
  void run_held();
  void finish();
  static gboolean on_quit_timeout(gpointer self);
  static gboolean on_idle_bound(gpointer self);

  engine::Client engine_;
  io::EngineAdapter<engine::Client> adapter_;
  io::UdpSocket socket_;
  io::EngineLoop loop_;
  GMainLoop* main_loop_;
  ClientOutput& output_;
  std::chrono::milliseconds quit_timeout_;
  // "/invite NAMES MODE": the mode to choose when the offer for that command comes.
  std::map<engine::CommandId, Mode> mode_for_invite_;
  struct HeldCommand {
    Command command;
    std::string line;
  };
  std::deque<HeldCommand> held_;
  bool quit_when_idle_ = false;
  guint idle_bound_timer_ = 0;
  bool quitting_ = false;
  guint quit_timer_ = 0;
  int exit_status_ = 0;
};

}  // namespace imup::client
