// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/command_line_parser.hpp"

#include <charconv>

namespace imup::client {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Splits off the first word; `rest` keeps the remainder, trimmed.
std::string_view next_word(std::string_view& rest) {
  rest = trim(rest);
  auto end = rest.find_first_of(" \t");
  auto word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : trim(rest.substr(end));
  return word;
}

std::optional<std::chrono::milliseconds> parse_millis(std::string_view text) {
  unsigned long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > 86400000)
    return std::nullopt;
  return std::chrono::milliseconds(v);
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto name = trim(list.substr(0, comma));
    if (!name.empty()) names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return names;
}

}  // namespace

std::optional<Mode> parse_mode(std::string_view w) {
  if (w == "centralise" || w == "centralised" || w == "centralized" || w == "central" ||
      w == "c")
    return Mode::Centralized;
  if (w == "decentralise" || w == "decentralised" || w == "decentralized" || w == "p2p" ||
      w == "d")
    return Mode::Decentralized;
  return std::nullopt;
}

std::variant<Command, ParseError> parse_command(std::string_view line) {
  // Only the line ending is cut from plain text: spaces are the user's.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  auto trimmed = trim(line);
  if (trimmed.empty()) return command::Nothing{};
  if (trimmed.starts_with("//")) return command::SayToRoom{std::string(trimmed.substr(1))};
  if (trimmed.front() != '/') return command::SayToRoom{std::string(line)};

  std::string_view rest = trimmed;
  auto verb = next_word(rest);
  auto no_arguments = [&](Command c) -> std::variant<Command, ParseError> {
    if (!rest.empty()) return ParseError{std::string(verb) + " takes no arguments"};
    return c;
  };
  if (verb == "/list" || verb == "/who") return no_arguments(command::List{});
  if (verb == "/accept") return no_arguments(command::Accept{});
  if (verb == "/refuse") return no_arguments(command::Refuse{});
  if (verb == "/leave") return no_arguments(command::Leave{});
  if (verb == "/disconnect") return no_arguments(command::Disconnect{});
  if (verb == "/quit" || verb == "/exit") return no_arguments(command::Quit{});
  if (verb == "/where") return no_arguments(command::Where{});
  if (verb == "/help") return command::Help{};
  if (verb == "/msg") {
    auto name = next_word(rest);
    // An empty message says nothing: refused here rather than sent (§8 allows it).
    if (name.empty() || rest.empty()) return ParseError{"usage: /msg USER TEXT"};
    return command::SayTo{std::string(name), std::string(rest)};
  }
  if (verb == "/connect") {
    auto name = next_word(rest);
    if (name.empty() || !rest.empty()) return ParseError{"usage: /connect NAME"};
    return command::Connect{std::string(name)};
  }
  if (verb == "/invite") {
    auto list = next_word(rest);
    auto names = split_names(list);
    if (names.empty()) return ParseError{"usage: /invite USER[,USER...] [centralized|decentralized]"};
    command::Invite invite{std::move(names), std::nullopt};
    if (!rest.empty()) {
      auto mode_word = next_word(rest);
      invite.mode = parse_mode(mode_word);
      if (!invite.mode || !rest.empty())
        return ParseError{"the mode after /invite USERS is centralized or decentralized, not '" +
                          std::string(mode_word) + "'"};
    }
    return invite;
  }
  if (verb == "/mode") {
    auto word = next_word(rest);
    auto mode = parse_mode(word);
    if (!mode || !rest.empty()) return ParseError{"usage: /mode centralized|decentralized"};
    return command::ChooseMode{*mode};
  }
  if (verb == "/sleep") {
    auto ms = parse_millis(next_word(rest));
    if (!ms || !rest.empty()) return ParseError{"usage: /sleep MILLISECONDS"};
    return command::Sleep{*ms};
  }
  if (verb == "/wait") {
    command::Wait wait;
    wait.event = std::string(next_word(rest));
    if (wait.event.empty()) return ParseError{"usage: /wait EVENT [KEY=VALUE]... [timeout=MS]"};
    while (!rest.empty()) {
      // KEY=VALUE, or KEY="VALUE WITH SPACES".
      auto eq = rest.find('=');
      auto space = rest.find_first_of(" \t");
      if (eq == std::string_view::npos || eq == 0 || (space != std::string_view::npos && space < eq))
        return ParseError{"/wait: '" + std::string(next_word(rest)) + "' is not KEY=VALUE"};
      auto key = rest.substr(0, eq);
      rest.remove_prefix(eq + 1);
      std::string_view value;
      if (!rest.empty() && rest.front() == '"') {
        auto close = rest.find('"', 1);
        if (close == std::string_view::npos)
          return ParseError{"/wait: " + std::string(key) + "= has no closing quote"};
        value = rest.substr(1, close - 1);
        rest = trim(rest.substr(close + 1));
      } else {
        value = next_word(rest);
      }
      if (key == "timeout") {
        auto ms = parse_millis(value);
        if (!ms) return ParseError{"/wait: timeout=" + std::string(value) + " is not milliseconds"};
        wait.timeout = *ms;
      } else {
        wait.fields.emplace_back(key, value);
      }
    }
    return wait;
  }
  return ParseError{"unknown command " + std::string(verb) + " (try /help)"};
}

const char* command_help() {
  return "text                      send to the current room (//text for a leading '/')\n"
         "/msg USER TEXT            direct message\n"
         "/list                     connected users\n"
         "/invite USER,... [MODE]   open a private group (MODE: centralized | decentralized)\n"
         "/mode MODE                answer the server's offer of modes\n"
         "/accept  /refuse          answer an invitation\n"
         "/leave                    leave the private group\n"
         "/connect NAME             connect (again) under NAME\n"
         "/disconnect  /quit        disconnect (and exit)\n"
         "/where                    where you are\n"
         "/wait EVENT [K=V] [timeout=MS]   scripts: wait for an event\n"
         "/sleep MS                 scripts: pause\n";
}

}  // namespace imup::client
