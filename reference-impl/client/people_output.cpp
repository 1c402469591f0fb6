// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/people_output.hpp"

#include <glib.h>

#include "client/event_text.hpp"
#include "io/socket_address.hpp"

namespace imup::client {

namespace {
constexpr std::size_t kSentRemembered = 1000;  // bounds the map when ACKs never come

std::string with_time(const std::string& line) { return local_clock_time() + " " + line; }

std::string seconds_since(std::chrono::steady_clock::time_point start) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return std::to_string((ms.count() + 500) / 1000) + " s";
}
}  // namespace

std::string local_clock_time() {
  GDateTime* now = g_date_time_new_now_local();
  gchar* text = g_date_time_format(now, "%H:%M:%S");
  std::string out = text ? text : "";
  g_free(text);
  g_date_time_unref(now);
  return out;
}

int PeopleOutput::exit_status() const {
  if (failures_ > 0 || connect_failed_) return 1;
  return session_ ? session_->exit_status() : 0;
}

std::string PeopleOutput::server_text() const {
  return session_ ? io::to_string(session_->server()) : std::string("the server");
}

void PeopleOutput::remember(engine::CommandId id, Sent sent) {
  if (sent_.size() >= kSentRemembered) sent_.erase(sent_.begin());
  sent_[id] = std::move(sent);
}

std::string PeopleOutput::sent_summary(engine::CommandId id) const {
  auto it = sent_.find(id);
  return it == sent_.end() ? std::string() : it->second.summary;
}

void PeopleOutput::on_command(std::string_view line, const engine::CommandResult& result) {
  auto parsed = parse_command(line);
  const Command* command = std::get_if<Command>(&parsed);
  if (!result.ok) {
    ++failures_;
    if (auto* say = command ? std::get_if<command::SayToRoom>(command) : nullptr)
      return show(with_time("* not sent: " + say->text + " (" + result.error + ")"));
    if (auto* to = command ? std::get_if<command::SayTo>(command) : nullptr)
      return show(with_time("* not sent: (to " + to->recipient + ") " + to->text + " (" + result.error + ")"));
    return show("* " + result.error);
  }
  if (!command) return;
  if (auto* c = std::get_if<command::Connect>(command)) {
    connect_started_ = std::chrono::steady_clock::now();
    connect_tries_ = 1;
    connect_failed_ = false;
    show("* connecting to " + server_text() + " as " + c->name + "...");
  } else if (auto* say = std::get_if<command::SayToRoom>(command)) {
    auto view = session_ ? session_->view() : engine::ClientView{};
    bool group = view.room == Room::Private;
    remember(result.id, {say->text, group && view.mode == Mode::Decentralized});
    show_sent(with_time(std::string(group ? "(group) " : "") + "<" + view.name + "> " + say->text));
  } else if (auto* to = std::get_if<command::SayTo>(command)) {
    auto view = session_ ? session_->view() : engine::ClientView{};
    std::string summary = "(to " + to->recipient + ") " + to->text;
    remember(result.id, {summary, view.room == Room::Private && view.mode == Mode::Decentralized});
    show_sent(with_time("(to " + to->recipient + ") <" + view.name + "> " + to->text));
  } else if (auto* invite = std::get_if<command::Invite>(command)) {
    if (invite->mode) invite_with_mode_[result.id] = true;
  }
}

void PeopleOutput::run_typed_line(const std::string& line) {
  auto parsed = parse_command(line);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ++failures_;
    return show("* " + error->message);
  }
  const auto& command = std::get<Command>(parsed);
  if (std::holds_alternative<command::Where>(command)) return show("* " + where_for(session_->view()));
  if (std::holds_alternative<command::Wait>(command) || std::holds_alternative<command::Sleep>(command))
    return show("* /wait and /sleep are for --script");
  session_->execute(command, line);
}

void PeopleOutput::on_notice(std::string_view kind, std::string_view text) {
  std::string t(text);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  if (t.empty()) return;
  // The program's own remarks are marked like events; the help is a table.
  show(kind == "help" ? t : "* " + t);
}

void PeopleOutput::on_event(const engine::ClientEvent& event) {
  namespace ev = engine::event;
  saw(event);
  if (auto* d = std::get_if<ev::MessageDelivered>(&event)) {
    auto it = sent_.find(d->command);
    if (it == sent_.end()) return;
    show(with_time("* delivered" + (d->peer ? " to " + *d->peer : std::string()) + ": " +
                   it->second.summary));
    if (!it->second.to_peers) sent_.erase(it);
    return;
  }
  if (auto* f = std::get_if<ev::DeliveryFailed>(&event)) {
    if (f->request == MessageType::Connect) {
      // Never connected: the whole schedule of tries (§7) went unanswered.
      connect_failed_ = true;
      std::string took = connect_started_ ? " in " + seconds_since(*connect_started_) : std::string();
      if (session_ && session_->view().reconnecting)  // --reconnect: the next attempt is scheduled
        return show("* no answer from " + server_text() + " after " + std::to_string(connect_tries_) +
                    " tries" + took);
      show("* no answer from " + server_text() + " after " + std::to_string(connect_tries_) + " tries" +
           took + ": giving up (is the server running there, on that port?)");
      // Nothing to do without a connection: the program ends (status 1).
      if (session_) session_->quit();
      return;
    }
    ++failures_;
    auto what = sent_summary(f->command);
    if (what.empty()) return show(with_time(describe_for_people(event)));  // a request, not a message
    show(with_time("* NOT delivered" + (f->peer ? " to " + *f->peer : std::string()) + ": " + what + " (" +
                   f->detail + ")"));
    return;
  }
  if (auto* e = std::get_if<ev::ErrorReceived>(&event)) {
    auto what = sent_summary(e->command);
    ++failures_;
    if (what.empty()) return show(describe_for_people(event));
    show(with_time("* NOT delivered: " + what + " (the server answered " + std::to_string(int(e->error)) +
                   " " + std::string(english_name(e->error)) + ": \"" + e->reason + "\")"));
    sent_.erase(e->command);
    return;
  }
  if (auto* r = std::get_if<ev::RequestRetried>(&event)) {
    if (r->request == MessageType::Connect) {
      connect_tries_ = r->tries;
      show("* no answer from " + server_text() + " yet: asking again (try " + std::to_string(r->tries) +
           " of " + std::to_string(r->max_tries) + ", " +
           (connect_started_ ? seconds_since(*connect_started_) : std::string("?")) + " so far)");
      return;
    }
    auto what = sent_summary(r->command);
    if (!what.empty())
      return show("* no answer yet " + (r->peer ? "from " + *r->peer : std::string("from the server")) +
                  " for: " + what + " (try " + std::to_string(r->tries) + " of " +
                  std::to_string(r->max_tries) + ")");
    return show(describe_for_people(event));
  }
  if (auto* offer = std::get_if<ev::ModeOffered>(&event)) {
    // "/invite USERS MODE": the session answers the offer; no question to ask.
    if (invite_with_mode_.erase(offer->command)) return;
  }
  if (std::holds_alternative<ev::Reconnecting>(event)) {
    // The engine's own Connexion: its progress is shown as the user's is.
    connect_started_ = std::chrono::steady_clock::now();
    connect_tries_ = 1;
    connect_failed_ = false;
  }
  if (std::holds_alternative<ev::ServerGone>(event) && connect_failed_) return;  // said above
  // A name taken while reconnecting is one failed attempt; giving up is the failure.
  bool retrying = session_ && session_->view().reconnecting;
  if (std::holds_alternative<ev::ConnectRefused>(event) && !retrying) ++failures_;
  if (std::holds_alternative<ev::ReconnectGaveUp>(event)) ++failures_;
  auto text = describe_for_people(event);
  if (text.empty()) return;
  if (std::holds_alternative<ev::MessageReceived>(event)) text = with_time(text);
  show(text);
}

}  // namespace imup::client
