// SPDX-License-Identifier: GPL-2.0-or-later
// What the user (or a script) typed, as a typed command. Pure parsing: no
// engine, no terminal, so every rule is tested on its own.
//
//   plain text                 to the current room (public or our group)
//   /msg USER TEXT             a direct message (TEXT not empty)
//   /list                      the connected users
//   /invite USER,... [MODE]    open a group or invite into ours; MODE answers the offer ahead
//   /mode MODE                 answer the server's offer (MODE: centralized | decentralized;
//                              the draft's French centralise | decentralise too)
//   /accept, /refuse           answer an invitation
//   /leave                     leave the group
//   /connect NAME              connect (again), e.g. after a refused name
//   /disconnect                disconnect and stay
//   /quit                      disconnect and exit
//   /where                     say where we are
//   /help                      the command list
//   /wait EVENT [KEY=VALUE]... [timeout=MS]   scripts: block until such an event
//                              (KEY="VALUE WITH SPACES" for values with spaces)
//   /sleep MS                  scripts: pause
//   //text                     plain text that starts with '/'
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "codec/wire.hpp"

namespace imup::client {

namespace command {
struct SayToRoom { std::string text; };
struct SayTo { std::string recipient; std::string text; };
struct List {};
struct Invite { std::vector<std::string> names; std::optional<Mode> mode; };
struct ChooseMode { Mode mode; };
struct Accept {};
struct Refuse {};
struct Leave {};
struct Connect { std::string name; };
struct Disconnect {};
struct Quit {};
struct Where {};
struct Help {};
struct Wait {
  std::string event;
  std::vector<std::pair<std::string, std::string>> fields;  // must all match
  std::chrono::milliseconds timeout{15000};
};
struct Sleep { std::chrono::milliseconds duration{0}; };
struct Nothing {};  // an empty line
}  // namespace command

using Command =
    std::variant<command::SayToRoom, command::SayTo, command::List, command::Invite,
                 command::ChooseMode, command::Accept, command::Refuse, command::Leave,
                 command::Connect, command::Disconnect, command::Quit, command::Where,
                 command::Help, command::Wait, command::Sleep, command::Nothing>;

struct ParseError {
  std::string message;
};

std::variant<Command, ParseError> parse_command(std::string_view line);

// "centralized", "centralise" (the draft's French), "c" ... -> Mode.
std::optional<Mode> parse_mode(std::string_view word);

const char* command_help();

}  // namespace imup::client
