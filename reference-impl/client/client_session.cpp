// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/client_session.hpp"

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
}

void ClientSession::execute(const Command& command, std::string_view line) {
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
          [&](const command::Quit&) { quit(); },
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

void ClientSession::quit() {
  if (quitting_) return;
  quitting_ = true;
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
        output_.on_command(std::string("/mode ") + (it->second == Mode::Decentralized
                                                        ? "decentralise"
                                                        : "centralise"),
                           result);
        mode_for_invite_.erase(it);
        sent_more = true;
      }
    } else if (std::holds_alternative<ev::ConnectRefused>(event)) {
      exit_status_ = 1;
    } else if (std::holds_alternative<ev::Connected>(event)) {
      exit_status_ = 0;
    } else if (std::holds_alternative<ev::ServerGone>(event)) {
      exit_status_ = 1;
    }
  }
  if (sent_more) loop_.flush();
  output_.on_view(engine_.view());
  if (quitting_ && engine_.view().connection == engine::ConnectionState::Disconnected) finish();
}

}  // namespace imup::client
