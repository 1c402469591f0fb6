// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/client_session.hpp"

#include "client/event_json.hpp"
#include "client/overloaded.hpp"

namespace imup::client {

ClientSession::ClientSession(const engine::ClientConfig& config, const Endpoint& bind,
                             GMainLoop* main_loop, ClientOutput& output,
                             std::chrono::milliseconds quit_timeout)
    : engine_(config),
      adapter_(engine_),
      socket_(bind),
      loop_(adapter_, socket_),
      main_loop_(main_loop),
      output_(output),
      quit_timeout_(quit_timeout) {
  loop_.set_after_wakeup([this] { after_io(); });
}

ClientSession::~ClientSession() {
  if (quit_timer_) g_source_remove(quit_timer_);
  if (idle_bound_timer_) g_source_remove(idle_bound_timer_);
}

namespace {
// What the engine refuses with "not connected" while the Connexion is unanswered.
bool needs_connection(const Command& c) {
  return std::holds_alternative<command::SayToRoom>(c) || std::holds_alternative<command::SayTo>(c) ||
         std::holds_alternative<command::List>(c) || std::holds_alternative<command::Invite>(c) ||
         std::holds_alternative<command::ChooseMode>(c) || std::holds_alternative<command::Leave>(c);
}
}  // namespace

// The Connexion is unanswered, or the server was lost and a new one is on
// its way (--reconnect): commands that need the connection wait for it.
bool ClientSession::awaiting_connection() const {
  auto v = engine_.view();
  return v.connection == engine::ConnectionState::Connecting || v.reconnecting;
}

void ClientSession::execute(const Command& command, std::string_view line) {
  if ((awaiting_connection() || !held_.empty()) && needs_connection(command) && !quitting_) {
    // Behind the held ones too, so that the lines keep their order.
    held_.push_back({command, std::string(line)});
    output_.on_notice("held", "held until connected: " + std::string(line));
    return;
  }
  auto now = io::monotonic_now();
  std::optional<engine::CommandResult> result;
  std::visit(
      Overloaded{
          [&](const command::SayToRoom& c) { result = engine_.send_to_room(c.text, now); },
          [&](const command::SayTo& c) { result = engine_.send_direct(c.recipient, c.text, now); },
          [&](const command::List&) { result = engine_.request_list(now); },
          [&](const command::Invite& c) {
            result = engine_.invite(c.names, now);
            if (result->ok && c.mode) mode_for_invite_[result->id] = *c.mode;
          },
          [&](const command::ChooseMode& c) { result = engine_.choose_mode(c.mode, now); },
          [&](const command::Accept&) { result = engine_.accept_invitation(now); },
          [&](const command::Refuse&) { result = engine_.refuse_invitation(now); },
          [&](const command::Leave&) { result = engine_.leave_group(now); },
          [&](const command::Connect& c) { result = engine_.connect(c.name, now); },
          [&](const command::Disconnect&) { result = engine_.disconnect(now); },
          // Messages still waiting for their ACK are not cut off by a /quit.
          [&](const command::Quit&) { quit_when_idle(settle_bound()); },
          [&](const command::Where&) {},
          [&](const command::Help&) { output_.on_notice("help", command_help()); },
          [&](const command::Wait&) {},
          [&](const command::Sleep&) {},
          [&](const command::Nothing&) {},
      },
      command);
  if (result) output_.on_command(line, *result);
  loop_.flush();
  after_io();
}

bool ClientSession::idle() const {
  return held_.empty() && engine_.pending_requests() == 0 &&
         engine_.view().connection != engine::ConnectionState::Connecting;
}

std::chrono::milliseconds ClientSession::settle_bound() const {
  const auto& r = engine_.config().reliability;
  // The waits double after each sending (§7): first * (2^tries - 1) in all.
  return r.first_timeout_max * ((1LL << r.tries) - 1) + std::chrono::seconds(5);
}

void ClientSession::quit_when_idle(std::chrono::milliseconds bound) {
  if (quit_when_idle_ || quitting_) return;
  quit_when_idle_ = true;
  if (idle()) return quit();
  output_.on_notice("waiting", "leaving once the " +
                                   std::to_string(engine_.pending_requests() + held_.size()) +
                                   " open requests have their answer");
  idle_bound_timer_ = g_timeout_add(guint(bound.count()), on_idle_bound, this);
}

gboolean ClientSession::on_idle_bound(gpointer self) {
  auto* session = static_cast<ClientSession*>(self);
  session->idle_bound_timer_ = 0;
  session->output_.on_notice("gave_up_waiting",
                             std::to_string(session->engine_.pending_requests() + session->held_.size()) +
                                 " requests still without an answer; leaving anyway");
  session->quit();
  return G_SOURCE_REMOVE;
}

void ClientSession::run_held() {
  // Once the Connexion is answered (or refused: then each is refused, and
  // said so), or the reconnection given up.
  if (held_.empty() || awaiting_connection()) return;
  auto held = std::move(held_);
  held_.clear();
  for (auto& h : held) execute(h.command, h.line);
}

void ClientSession::quit() {
  if (quitting_) return;
  quitting_ = true;
  if (idle_bound_timer_) {
    g_source_remove(idle_bound_timer_);
    idle_bound_timer_ = 0;
  }
  // Commands held for a connection that will not come now.
  for (auto& h : held_) output_.on_command(h.line, engine::CommandResult{false, 0, "no connection"});
  held_.clear();
  auto state = engine_.view().connection;
  if (state == engine::ConnectionState::Connected ||
      state == engine::ConnectionState::Connecting) {
    auto result = engine_.disconnect(io::monotonic_now());
    if (result.ok) {
      loop_.flush();
      quit_timer_ = g_timeout_add(guint(quit_timeout_.count()), on_quit_timeout, this);
      return;
    }
  }
  if (state == engine::ConnectionState::Disconnecting) {
    quit_timer_ = g_timeout_add(guint(quit_timeout_.count()), on_quit_timeout, this);
    return;
  }
  finish();
}

gboolean ClientSession::on_quit_timeout(gpointer self) {
  auto* session = static_cast<ClientSession*>(self);
  session->quit_timer_ = 0;
  session->output_.on_notice("quit_timeout", "the server did not acknowledge the disconnection");
  session->finish();
  return G_SOURCE_REMOVE;
}

void ClientSession::finish() { g_main_loop_quit(main_loop_); }

void ClientSession::after_io() {
  namespace ev = engine::event;
  engine::ClientEvent event;
  bool sent_more = false;
  while (engine_.poll_event(event)) {
    output_.on_event(event);
    if (auto* offer = std::get_if<ev::ModeOffered>(&event)) {
      auto it = mode_for_invite_.find(offer->command);
      if (it != mode_for_invite_.end()) {
        auto result = engine_.choose_mode(it->second, io::monotonic_now());
        output_.on_command("/mode " + std::string(mode_word(it->second)), result);
        mode_for_invite_.erase(it);
        sent_more = true;
      }
    } else if (std::holds_alternative<ev::ConnectRefused>(event)) {
      exit_status_ = 1;
    } else if (std::holds_alternative<ev::Connected>(event)) {
      exit_status_ = 0;
    } else if (std::holds_alternative<ev::ServerGone>(event) ||
               std::holds_alternative<ev::ReconnectGaveUp>(event)) {
      // With --reconnect, a later Connected sets it back to 0.
      exit_status_ = 1;
    }
  }
  if (sent_more) loop_.flush();
  output_.on_view(engine_.view());
  run_held();
  if (quit_when_idle_ && !quitting_ && idle()) quit();
  if (quitting_ && engine_.view().connection == engine::ConnectionState::Disconnected) finish();
}

}  // namespace imup::client
