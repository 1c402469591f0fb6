// SPDX-License-Identifier: GPL-2.0-or-later
#include "message_script.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "codec/text.hpp"
#include "codec/wire.hpp"

namespace imup::script {
namespace {

struct TypeWord {
  std::uint8_t type;
  std::string_view word;
};
// The first word of each type is its canonical name; the rest are aliases
// (the draft's French names, the English ones).
constexpr std::array<TypeWord, 46> kTypeWords{{
    {1, "connect"}, {1, "connexion"},
    {2, "refused"}, {2, "connect-refused"}, {2, "connexion-invalide"},
    {3, "disconnect"}, {3, "deconnexion"},
    {4, "list"}, {4, "list-request"}, {4, "demande-de-liste"},
    {5, "accept"}, {5, "accept-invitation"},
    {6, "refuse"}, {6, "refuse-invitation"},
    {7, "leave"}, {7, "leave-group"}, {7, "quitter"},
    {8, "ack"},
    {9, "relayed"}, {9, "relay"},
    {10, "offer"}, {10, "mode-offer"},
    {11, "update"}, {11, "group-update"}, {11, "invitation-valide"},
    {12, "probe"}, {12, "liveness-probe"},
    {13, "closed"}, {13, "group-closed"},
    {14, "unknown-recipient"}, {14, "envoie-invalide"},
    {15, "crosses-rooms"},
    {16, "group-ended"},
    {17, "limit-reached"},
    {18, "message"}, {18, "msg"}, {18, "chat-message"},
    {19, "invitation"}, {19, "invite"},
    {20, "choose-mode"}, {20, "choose"},
    {21, "user-list"}, {21, "userlist"}, {21, "list-page"},
    {0, "type"}, {0, "raw"},
}};

std::string normalize(std::string_view w) {
  std::string s(w);
  for (auto& c : s) {
    if (c == '_' || c == ' ') c = '-';
    c = char(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  }
  T v{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Seconds with a fraction ("1.25") to nanoseconds.
std::optional<std::int64_t> parse_seconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t dot = s.find('.');
  auto whole = parse_number<std::int64_t>(s.substr(0, dot));
  if (!whole && dot != 0) return std::nullopt;
  // Up to about 31 years: far beyond any capture, far from overflowing.
  if (whole && (*whole < 0 || *whole > 1'000'000'000)) return std::nullopt;
  std::int64_t ns = whole.value_or(0) * 1'000'000'000;
  if (dot != std::string_view::npos) {
    auto frac = s.substr(dot + 1);
    if (frac.size() > 9 || !std::all_of(frac.begin(), frac.end(), ::isdigit)) return std::nullopt;
    std::int64_t f = 0;
    for (std::size_t i = 0; i < 9; ++i) f = f * 10 + (i < frac.size() ? frac[i] - '0' : 0);
    ns += f;
  }
  return ns;
}

// The keys each type accepts (beyond the header, raw and frame keys).
std::vector<std::string_view> text_keys(std::uint8_t type) {
  switch (type) {
    case 1: return {"name"};
    case 2: case 10: case 13: case 14: case 15: case 16: case 17: return {"reason"};
    case 3: return {"name"};
    case 4: return {"start"};
    case 9: return {"message", "sender", "recipient"};
    case 11: return {"member", "more"};
    case 18: return {"message", "recipient", "state", "mode"};
    case 19: return {"names", "note", "state", "mode"};
    case 20: return {"mode", "state", "mode-text"};
    case 21: return {"entry", "more", "text-form"};
    default: return {};
  }
}

template <typename T>
T need_number(std::string_view key, std::string_view value, std::size_t line, T max) {
  auto v = parse_number<std::uint64_t>(value);
  if (!v || *v > max)
    throw ScriptError(line, std::string(key) + "=" + std::string(value) +
                                ": expected a number from 0 to " + std::to_string(max));
  return T(*v);
}

bool need_bool(std::string_view key, std::string_view value, std::size_t line) {
  if (value.empty() || value == "1" || value == "yes" || value == "true") return true;
  if (value == "0" || value == "no" || value == "false") return false;
  throw ScriptError(line, std::string(key) + "=" + std::string(value) + ": expected yes or no");
}

// state=public|private|0..3, mode=centralized|decentralized|0..3 (2 and 3 are
// invalid on the wire, which is the point of allowing them).
std::uint8_t state_value(std::string_view v, std::size_t line) {
  if (v == "public" || v == "publique") return 0;
  if (v == "private" || v == "privee") return 1;
  return need_number<std::uint8_t>("state", v, line, 3);
}
std::uint8_t mode_value(std::string_view v, std::size_t line) {
  if (v == "centralized" || v == "centralise" || v == "c") return 0;
  if (v == "decentralized" || v == "decentralise" || v == "d") return 1;
  return need_number<std::uint8_t>("mode", v, line, 3);
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto comma = s.find(',', start);
    out.emplace_back(s.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::optional<std::uint8_t> parse_type_word(std::string_view word) {
  if (auto n = parse_number<unsigned>(word); n && *n <= 255) return std::uint8_t(*n);
  auto w = normalize(word);
  if (w.starts_with("type") && w.size() > 4) {
    if (auto n = parse_number<unsigned>(std::string_view(w).substr(4)); n && *n <= 255)
      return std::uint8_t(*n);
  }
  for (const auto& t : kTypeWords)
    if (t.word == w && t.type != 0) return t.type;
  for (std::uint8_t t = kMinType; t <= kMaxType; ++t) {
    if (normalize(english_name(MessageType(t))) == w || normalize(french_name(MessageType(t))) == w)
      return t;
  }
  return std::nullopt;
}

std::string_view type_word(std::uint8_t type) {
  for (const auto& t : kTypeWords)
    if (t.type == type && type != 0) return t.word;
  return "";
}

std::vector<std::string> tokenize(std::string_view line, std::size_t n) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    std::string tok;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
      if (line[i] != '"') {
        tok += line[i++];
        continue;
      }
      ++i;  // opening quote
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          tok += c;
          continue;
        }
        if (i >= line.size()) break;
        char e = line[i++];
        switch (e) {
          case 'r': tok += '\r'; break;
          case 'n': tok += '\n'; break;
          case 't': tok += '\t'; break;
          case '\\': tok += '\\'; break;
          case '"': tok += '"'; break;
          case 'x': {
            auto hex = line.substr(i, 2);
            auto v = hex.size() == 2 ? parse_number<unsigned>("0x" + std::string(hex)) : std::nullopt;
            if (!v) throw ScriptError(n, "\\x needs two hex digits");
            tok += char(*v);
            i += 2;
            break;
          }
          default:
            throw ScriptError(n, std::string("unknown escape \\") + e);
        }
      }
      if (!closed) throw ScriptError(n, "unterminated quote");
    }
    tokens.push_back(std::move(tok));
  }
  return tokens;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  int nibble = -1;
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '-') continue;
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
            : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                        : -1;
    if (v < 0) return std::nullopt;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(std::uint8_t(nibble << 4 | v));
      nibble = -1;
    }
  }
  if (nibble >= 0) return std::nullopt;
  return out;
}

ScriptParser::ScriptParser() {
  names_["client"] = Endpoint{0xC000020A, 40000};   // 192.0.2.10:40000
  names_["client2"] = Endpoint{0xC000020B, 40001};  // 192.0.2.11:40001
  names_["client3"] = Endpoint{0xC000020C, 40002};  // 192.0.2.12:40002
  names_["server"] = Endpoint{0xC0000201, kDefaultPort};  // 192.0.2.1:2017
}

namespace {

// ADDRESS:PORT, where "localhost" is 127.0.0.1 as on every command line of
// the toolkit (io::parse_socket_address; no resolver is asked).
std::optional<Endpoint> address_and_port(std::string_view token) {
  constexpr std::string_view kLocalhost = "localhost:";
  if (token.starts_with(kLocalhost))
    return parse_endpoint("127.0.0.1:" + std::string(token.substr(kLocalhost.size())));
  return parse_endpoint(token);
}

}  // namespace

std::optional<Endpoint> ScriptParser::endpoint(std::string_view token) const {
  if (auto it = names_.find(token); it != names_.end()) return it->second;
  return address_and_port(token);
}

std::vector<ScriptMessage> ScriptParser::parse(std::string_view script) {
  std::vector<ScriptMessage> out;
  std::size_t number = 0;
  while (!script.empty()) {
    auto nl = script.find('\n');
    auto line = script.substr(0, nl);
    script = nl == std::string_view::npos ? std::string_view{} : script.substr(nl + 1);
    if (auto m = parse_line(line, ++number)) out.push_back(std::move(*m));
  }
  return out;
}

std::optional<ScriptMessage> ScriptParser::parse_line(std::string_view text, std::size_t n) {
  auto tok = tokenize(text, n);
  if (tok.empty()) return std::nullopt;
  if (tok[0] == "define") {
    if (tok.size() != 3) throw ScriptError(n, "expected: define NAME ADDRESS:PORT");
    auto e = address_and_port(tok[2]);
    if (!e) throw ScriptError(n, "'" + tok[2] + "' is not an IPv4 address:port (or localhost:port)");
    define(tok[1], *e);
    return std::nullopt;
  }
  if (tok.size() < 4)
    throw ScriptError(n, "expected: TIME SOURCE DESTINATION TYPE [key=value ...]");

  ScriptMessage m;
  m.line = n;
  const std::string& t = tok[0];
  if (t == "-") {
    m.time.kind = TimeSpec::Kind::Next;
  } else if (t[0] == '+') {
    auto ns = parse_seconds(std::string_view(t).substr(1));
    if (!ns) throw ScriptError(n, "bad time '" + t + "': expected +SECONDS");
    m.time = {TimeSpec::Kind::Relative, *ns};
  } else {
    auto ns = parse_seconds(t);
    if (!ns) throw ScriptError(n, "bad time '" + t + "': expected SECONDS, +SECONDS or -");
    m.time = {TimeSpec::Kind::Absolute, *ns};
  }
  auto src = endpoint(tok[1]);
  if (!src) throw ScriptError(n, "unknown source '" + tok[1] + "' (ADDRESS:PORT or a defined name)");
  auto dst = endpoint(tok[2]);
  if (!dst) throw ScriptError(n, "unknown destination '" + tok[2] + "' (ADDRESS:PORT or a defined name)");
  m.src = *src;
  m.dst = *dst;
  auto type = parse_type_word(tok[3]);
  if (!type) throw ScriptError(n, "unknown type '" + tok[3] + "' (see --help for the type words)");
  m.type = *type;
  m.message.body = is_known_type(*type) ? make_body(MessageType(*type)) : Body(Ack{});

  auto keys = text_keys(m.type);
  std::optional<std::uint8_t> state, mode;
  for (std::size_t i = 4; i < tok.size(); ++i) {
    const std::string& kv = tok[i];
    auto eq = kv.find('=');
    std::string key = normalize(std::string_view(kv).substr(0, eq));
    std::string value = eq == std::string::npos ? std::string() : kv.substr(eq + 1);
    std::string_view v = value;
    auto& b = m.message.body;

    // Header fields.
    if (key == "seq") { m.header.seq = need_number<std::uint16_t>(key, v, n, 1023); continue; }
    if (key == "length" || key == "len") { m.header.length = need_number<std::uint16_t>(key, v, n, 1023); continue; }
    if (key == "low") { m.header.low = need_number<std::uint8_t>(key, v, n, 15); continue; }
    if (key == "force-type") { m.header.type = need_number<std::uint8_t>(key, v, n, 255); continue; }
    if (key == "resend") { m.resend = need_bool(key, v, n); continue; }
    // Raw content.
    if (key == "text") { m.raw_text = value; continue; }
    if (key == "payload") {
      auto bytes = parse_hex(v);
      if (!bytes) throw ScriptError(n, "payload= needs hex bytes");
      m.payload = std::move(*bytes);
      continue;
    }
    // Frame fields.
    auto& f = m.frame;
    if (key == "ttl") { f.ttl = need_number<std::uint8_t>(key, v, n, 255); continue; }
    if (key == "tos") { f.tos = need_number<std::uint8_t>(key, v, n, 255); continue; }
    if (key == "ip-id") { f.ip_id = need_number<std::uint16_t>(key, v, n, 65535); continue; }
    if (key == "ip-checksum") { f.ip_checksum = need_number<std::uint16_t>(key, v, n, 65535); continue; }
    if (key == "udp-checksum") { f.udp_checksum = need_number<std::uint16_t>(key, v, n, 65535); continue; }
    if (key == "udp-length") { f.udp_length = need_number<std::uint16_t>(key, v, n, 65535); continue; }
    if (key == "ip-length") { f.ip_total_length = need_number<std::uint16_t>(key, v, n, 65535); continue; }
    if (key == "df") { f.dont_fragment = need_bool(key, v, n); continue; }
    if (key == "fragment") { f.fragment_payload = need_number<std::size_t>(key, v, n, 65535); continue; }
    if (key == "reverse-fragments") { f.reverse_fragments = need_bool(key, v, n); continue; }
    if (key == "bad-checksum") { m.break_udp_checksum = need_bool(key, v, n); continue; }
    if (key == "vlan") {
      for (const auto& id : split_commas(v)) f.vlan_ids.push_back(need_number<std::uint16_t>(key, id, n, 4095));
      continue;
    }

    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string accepted;
      for (auto k : keys) accepted += std::string(accepted.empty() ? "" : ", ") + std::string(k);
      throw ScriptError(n, "'" + key + "' is not a field of " +
                               (type_word(m.type).empty() ? "type " + std::to_string(m.type)
                                                          : std::string(type_word(m.type))) +
                               (accepted.empty() ? " (it has no text fields)"
                                                 : " (its fields: " + accepted + ")"));
    }
    if (key == "state") { state = state_value(v, n); continue; }
    if (key == "mode") { mode = mode_value(v, n); continue; }
    if (auto* c = std::get_if<Connect>(&b)) c->name = value;
    else if (auto* d = std::get_if<Disconnect>(&b)) d->name = value;
    else if (auto* l = std::get_if<ListRequest>(&b)) l->start_id = need_number<std::uint16_t>(key, v, n, 65535);
    else if (auto* r = std::get_if<Relayed>(&b)) {
      if (key == "message") r->message = value;
      else if (key == "sender") r->sender = value;
      else r->recipient = value;
    } else if (auto* u = std::get_if<GroupUpdate>(&b); u && key == "more") {
      u->more = need_bool(key, v, n);
    } else if (auto* u = std::get_if<GroupUpdate>(&b)) {
      GroupMember gm;
      auto at = value.find('@');
      gm.name = value.substr(0, at);
      if (at != std::string::npos) {
        gm.endpoint = parse_endpoint(std::string_view(value).substr(at + 1));
        if (!gm.endpoint) throw ScriptError(n, "member=NAME@ADDRESS:PORT: bad address in '" + value + "'");
      }
      u->members.push_back(std::move(gm));
    } else if (auto* cm = std::get_if<ChatMessage>(&b)) {
      if (key == "message") cm->message = value;
      else cm->recipient = value;
    } else if (auto* inv = std::get_if<Invitation>(&b)) {
      if (key == "names") inv->names = split_commas(v);
      else inv->note = value;
    } else if (auto* ch = std::get_if<ChooseMode>(&b)) {
      ch->mode_in_text = need_bool(key, v, n);
    } else if (auto* ul = std::get_if<UserListPage>(&b)) {
      if (key == "more") ul->more = need_bool(key, v, n);
      else if (key == "text-form") ul->text_form = value;
      else {
        // entry=[public|private:]ID:NAME
        UserEntry e;
        std::string_view rest = v;
        if (rest.starts_with("public:")) rest.remove_prefix(7);
        else if (rest.starts_with("private:")) { e.status = Room::Private; rest.remove_prefix(8); }
        auto colon = rest.find(':');
        if (colon == std::string_view::npos) throw ScriptError(n, "entry= expects [public:|private:]ID:NAME");
        e.id = need_number<std::uint16_t>("entry id", rest.substr(0, colon), n, 1023);
        e.name = std::string(rest.substr(colon + 1));
        ul->entries.push_back(std::move(e));
      }
    } else {
      // The Reason<> types: the only key they take is reason.
      std::visit([&](auto& body) {
        if constexpr (requires { body.reason; }) body.reason = value;
      }, b);
    }
  }
  // State and mode: valid values go into the typed message, invalid ones
  // (2, 3) only into the header's low bits.
  if (state || mode) {
    std::uint8_t s = state.value_or(255), md = mode.value_or(255);
    auto apply = [&](auto& body) {
      if (s <= 1) body.room = Room(s);
      if (md <= 1) body.mode = Mode(md);
      if ((s != 255 && s > 1) || (md != 255 && md > 1)) {
        std::uint8_t room = s != 255 ? s : std::uint8_t(body.room);
        std::uint8_t mm = md != 255 ? md : std::uint8_t(body.mode);
        if (!m.header.low) m.header.low = std::uint8_t((room & 3) << 2 | (mm & 3));
      }
    };
    std::visit([&](auto& body) {
      if constexpr (requires { body.room; body.mode; }) apply(body);
    }, m.message.body);
  }
  return m;
}

std::string script_format_help() {
  std::string h =
      "Message script: one datagram per line, '#' starts a comment.\n"
      "  TIME SOURCE DESTINATION TYPE [key=value ...]\n"
      "  define NAME ADDRESS:PORT          names an endpoint for later lines\n"
      "TIME: SECONDS from the start (1.5), +SECONDS after the previous line, or '-'\n"
      "  (previous + --gap). SOURCE, DESTINATION: ADDRESS:PORT or a name; predefined:\n"
      "  client 192.0.2.10:40000, client2 192.0.2.11:40001, client3 192.0.2.12:40002,\n"
      "  server 192.0.2.1:2017. localhost:PORT is 127.0.0.1:PORT.\n"
      "Values: plain words, or \"quoted\" with \\r \\n \\t \\\\ \\\" \\xHH escapes; numbers\n"
      "  in decimal, 0x hex or 0b binary.\n"
      "TYPE and its fields:\n";
  for (std::uint8_t t = 1; t <= kMaxType; ++t) {
    std::string line = "  " + std::to_string(t) + " " + std::string(type_word(t));
    line.resize(std::max<std::size_t>(line.size() + 1, 24), ' ');
    auto keys = text_keys(t);
    if (keys.empty()) line += "(no text)";
    for (auto k : keys) line += std::string(k) + "= ";
    h += line + "\n";
  }
  h +=
      "  TYPE may also be a number (0..255, unknown ones included) or typeN.\n"
      "  member=NAME or NAME@ADDRESS:PORT (repeat); names=A,B; entry=[public:|private:]ID:NAME\n"
      "  (repeat); state=public|private|0..3; mode=centralized|decentralized|0..3;\n"
      "  mode-text=yes writes the mode into type 20's text; more=yes sets the M bit of type 11 or 21.\n"
      "Any type also takes:\n"
      "  header:  seq=N (default: per sender->receiver counter for requests; an answer\n"
      "           takes the number of the request it answers) resend=yes (reuse the\n"
      "           last request's number) length=N low=N force-type=N (any value, invalid\n"
      "           ones included)\n"
      "  content: text=\"...\" (replaces the encoded text; length still computed unless\n"
      "           length= is given) payload=HEX (the whole UDP payload, nothing filled in)\n"
      "  frame:   ttl= tos= ip-id= df=yes ip-checksum= udp-checksum= (0 = none)\n"
      "           bad-checksum=yes udp-length= ip-length= vlan=ID[,ID] fragment=BYTES\n"
      "           reverse-fragments=yes\n";
  return h;
}

}  // namespace imup::script
