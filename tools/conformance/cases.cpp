// SPDX-License-Identifier: GPL-2.0-or-later
#include "cases.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "codec/text.hpp"

namespace imup::conformance {

namespace {

using MT = MessageType;

std::string secs(Seconds s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s.count());
  return buf;
}

// A request whose answer must be of type WANT; fails naming what came instead.
Received must_answer(Context& ctx, Client& c, const Body& body, MT want, const std::string& what) {
  auto r = c.request(body);
  if (!r) ctx.fail(what + " was never answered (" + std::to_string(ctx.run().client_tries) + " tries)");
  if (r->type() != want)
    ctx.fail(what + " was answered " + Context::show(r->bytes) + ", expected type " +
             std::to_string(int(want)) + " (" + std::string(english_name(want)) + ")");
  return *r;
}

Received must_answer_bytes(Context& ctx, Client& c, const Bytes& d, std::uint16_t seq, MT want,
                           const std::string& what) {
  auto r = c.request_bytes(d, {}, seq);
  if (!r) ctx.fail(what + " was never answered (" + std::to_string(ctx.run().client_tries) + " tries)");
  if (r->type() != want)
    ctx.fail(what + " was answered " + Context::show(r->bytes) + ", expected type " +
             std::to_string(int(want)) + " (" + std::string(english_name(want)) + ")");
  return *r;
}

// Nothing of type T (any type when T is 0) reaches C within WAIT.
// Type 0: any datagram but the server's own liveness probes (sent when it
// pleases). Only what arrives from now on counts: call before sending.
void must_not_get(Context& ctx, Client& c, std::uint8_t t, Seconds wait, const std::string& why,
                  double since) {
  auto r = c.expect([t, since](const Received& x) {
    if (x.at < since) return false;
    return t == 0 ? x.type() != MT::LivenessProbe : std::uint8_t(x.type()) == t;
  }, wait);
  if (r) ctx.fail(why + ": " + c.label() + " received " + Context::show(r->bytes));
}

void must_not_get(Context& ctx, Client& c, std::uint8_t t, Seconds wait, const std::string& why) {
  must_not_get(ctx, c, t, wait, why, 0.0);
}

// The server still answers: a list request gets its 21.
void still_answers(Context& ctx, Client& c) {
  must_answer(ctx, c, ListRequest{}, MT::UserList, "afterwards, a Demande de liste (4)");
}

const Relayed* relayed(const Received& r) {
  const Message* m = r.message();
  return m && m->type() == MT::Relayed ? &std::get<Relayed>(m->body) : nullptr;
}

// Waits for the 9 relaying MESSAGE to C.
Relayed must_relay(Context& ctx, Client& c, const std::string& message, const std::string& what) {
  auto r = c.expect(
      [&](const Received& x) {
        auto* rel = relayed(x);
        return rel && rel->message == message;
      },
      ctx.scaled(20));
  if (!r) ctx.fail(c.label() + " never received the Relayed message (9) of " + what + " (waited " +
                   secs(ctx.scaled(20)) + ")");
  return *relayed(*r);
}

ChatMessage chat(const std::string& text, std::optional<std::string> to = std::nullopt,
                 Room room = Room::Public, Mode mode = Mode::Centralized) {
  ChatMessage m;
  m.room = room;
  m.mode = mode;
  m.message = text;
  m.recipient = std::move(to);
  return m;
}

bool listed(const std::vector<UserEntry>& users, const std::string& name) {
  return std::any_of(users.begin(), users.end(), [&](const UserEntry& e) { return e.name == name; });
}

// A Connexion of raw NAME bytes (the codec would refuse a bad name); must get 2.
void must_refuse_name(Context& ctx, const std::string& label, const std::string& text,
                      const std::string& what) {
  Client& c = ctx.client(label);
  std::uint16_t seq = c.take_seq();
  auto r = c.request_bytes(craft(seq, 1, text), {}, seq);
  if (!r) ctx.fail("a Connexion with " + what + " was never answered; it must be refused with 2");
  if (r->type() != MT::ConnectRefused) {
    if (r->type() == MT::Ack) c.name = "(accepted)";  // disconnect it at the end
    ctx.fail("a Connexion with " + what + " was answered " + Context::show(r->bytes) +
             ", not 2 (ConnexionInvalide)");
  }
}

// A hand-made Connexion (TEXT, LENGTH field) that must be answered 8 and
// register NAME whole.
void must_accept_crafted(Context& ctx, const std::string& label, const std::string& name,
                         const std::string& text, std::optional<std::uint16_t> length,
                         const std::string& what) {
  Client& c = ctx.client(label);
  // Again when not listed: a lossy path may have cost the return-path proof (§14).
  for (int attempt = 0; attempt < 4; ++attempt) {
    c.all_requests.clear();
    std::uint16_t seq = c.take_seq();
    must_answer_bytes(ctx, c, craft(seq, 1, text, 0, length), seq, MT::Ack, what);
    c.name = name;
    c.got_within(MT::LivenessProbe, ctx.scaled(attempt ? 8 : 1));
    if (ctx.await_listed(c)) return;
  }
  ctx.fail("the name \"" + name + "\" is not listed whole after " + what);
}

// Receives the copies of the server's request that C leaves unanswered: the
// times (case clock) of each sending, until COUNT copies or WAIT.
std::vector<double> copies_of(Context& ctx, Client& c, MT type, std::size_t count, Seconds wait,
                              const std::function<bool(const Received&)>& match = {}) {
  auto matching = [&] {
    std::vector<double> times;
    std::optional<std::uint16_t> seq;
    for (const auto& r : c.all_requests) {
      if (r.type() != type || (match && !match(r))) continue;
      if (!seq) seq = r.decoded.header->seq;
      if (r.decoded.header->seq == *seq) times.push_back(r.at);
    }
    return times;
  };
  ctx.pump(wait, [&] { return matching().size() >= count; });
  return matching();
}

std::string list_times(const std::vector<double>& t) {
  std::string s;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? ", " : "", t[i] - t[0]);
    s += buf;
  }
  return s + " s";
}

// §9.2 steps 1-4: A invites B (19 -> 10, 20 -> 8); B's 19 is returned.
Received invite(Context& ctx, Client& a, Client& b, Mode mode) {
  Invitation inv;
  inv.names = {b.name};
  must_answer(ctx, a, inv, MT::ModeOffer, "the Invitation (19)");
  ChooseMode ch;
  ch.mode = mode;
  must_answer(ctx, a, ch, MT::Ack, "Choisir le mode (20)");
  auto r = b.expect_type(MT::Invitation, ctx.scaled(20));
  if (!r) ctx.fail("the invitee never received the Invitation (19) (§9.2 step 4)");
  return *r;
}

std::vector<Case> make_cases() {
  std::vector<Case> v;
  auto add = [&](std::string id, std::string section, Level level, std::string description,
                 std::function<void(Context&)> body, bool long_running = false) {
    v.push_back(Case{std::move(id), std::move(section), level, std::move(description), long_running,
                     std::move(body)});
  };
  const Level MUST = Level::Must, SHOULD = Level::Should;

  // ------------------------------------------------------------ Connexion
  add("6.1-connect-acked", "6.1", MUST, "a Connexion (1) with a valid name is answered 8, same number",
      [](Context& ctx) {
        Client& a = ctx.connect("ann");
        (void)a;
      });
  add("14-connect-return-path-probe", "14", SHOULD,
      "after the 8 the server proves the new endpoint's return path with a liveness probe (12)",
      [](Context& ctx) {
        Client& c = ctx.client("pia");
        std::string name = ctx.unique_name("pia");
        must_answer(ctx, c, Connect{name}, MT::Ack, "the Connexion (1)");
        c.name = name;
        bool probed = c.got_within(MT::LivenessProbe, ctx.scaled(8));
        if (!probed) ctx.fail("no liveness probe (12) within " + secs(ctx.scaled(8)) + " of the 8");
      });
  add("8-name-taken-refused", "8", MUST, "a Connexion with a name already connected is answered 2",
      [](Context& ctx) {
        Client& a = ctx.connect("tom");
        Client& b = ctx.client("tom-twin");
        auto r = must_answer(ctx, b, Connect{a.name}, MT::ConnectRefused,
                             "a second endpoint's Connexion (1) with the taken name");
        (void)r;
      });
  add("8-name-too-long-refused", "8", MUST,
      "a Connexion with a 21- or 25-character name is answered 2, never accepted or truncated",
      [](Context& ctx) {
        Client& watcher = ctx.connect("wat");
        for (std::size_t n : {21u, 25u}) {
          std::string name = ctx.unique_name("l") + std::string(n - ctx.unique_name("l").size(), 'x');
          must_refuse_name(ctx, "long" + std::to_string(n), name + "\r\n",
                           "a " + std::to_string(n) + "-character name");
          auto users = ctx.list_all(watcher);
          for (const auto& u : users)
            if (name.compare(0, u.name.size(), u.name) == 0 && u.name.size() >= 20)
              ctx.fail("the refused name is listed as \"" + u.name + "\" (truncated?)");
        }
      });
  add("4.2-name-invalid-refused", "4.2", MUST,
      "a Connexion whose name holds a space, a comma or a control character is answered 2",
      [](Context& ctx) {
        std::string t = ctx.run().tag;
        must_refuse_name(ctx, "space", "a b" + t + "\r\n", "a space in the name");
        must_refuse_name(ctx, "comma", "a," + t + "\r\n", "a comma in the name");
        must_refuse_name(ctx, "ctrl", "a\x01" + t + "\r\n", "a control character in the name");
        must_refuse_name(ctx, "empty", "\r\n", "an empty name");
      });
  add("4.2-name-of-20-characters-accepted", "4.2", MUST,
      "a name of 20 characters (35 UTF-8 bytes) is accepted and listed byte for byte",
      [](Context& ctx) {
        Client& c = ctx.client("utf");
        std::string name;
        for (int i = 0; i < 15; ++i) name += "\xC3\xA9";  // é
        name += "-" + ctx.run().tag;
        ctx.admit(c, name, true);
        if (!ctx.await_listed(c)) ctx.fail("the 20-character name is not listed as sent");
      });
  add("4.2-look-alike-name-refused", "4.2", SHOULD,
      "a name confusable with a connected one (Cyrillic A for Latin A) is answered 2",
      [](Context& ctx) {
        Client& a = ctx.connect("Alice");
        std::string fake = "\xD0\x90" + a.name.substr(1);  // U+0410
        must_refuse_name(ctx, "fake", fake + "\r\n", "a look-alike of a connected name");
      });
  add("4.2-invisible-code-point-refused", "4.2", SHOULD,
      "a name holding a zero width space (U+200B) is answered 2", [](Context& ctx) {
        must_refuse_name(ctx, "zwsp", "zw\xE2\x80\x8B" + ctx.run().tag + "\r\n",
                         "a zero width space in the name");
      });
  add("6.3-connect-resend-gets-cached-ack", "6.3", MUST,
      "a resent Connexion whose 8 was lost gets the same 8 byte for byte, never 2", [](Context& ctx) {
        Client& c = ctx.client("dup");
        std::string name = ctx.unique_name("dup");
        std::uint16_t seq = c.take_seq();
        Bytes d = encode_or_throw(Message{seq, Connect{name}});
        Received first = must_answer_bytes(ctx, c, d, seq, MT::Ack, "the Connexion (1)");
        c.name = name;
        auto again = c.resend(d, seq);
        if (!again) ctx.fail("the resent Connexion (same number, same bytes) was never answered");
        if (again->type() == MT::ConnectRefused)
          ctx.fail("the resent Connexion was answered \"name taken\": " + Context::show(again->bytes));
        if (again->bytes != first.bytes)
          ctx.fail("the answer to the resend differs from the first: " + Context::show(again->bytes) +
                   " vs " + Context::show(first.bytes));
      });
  add("3-length-literal-count-accepted", "3", SHOULD,
      "a Connexion whose length field is the literal byte count (the draft's slip) is accepted",
      [](Context& ctx) {
        std::string name = ctx.unique_name("lit");
        must_accept_crafted(ctx, "lit", name, name + "\r\n", std::uint16_t(name.size() + 2),
                            "a Connexion with length field n");
      });
  add("3-length-field-not-trusted", "3", SHOULD,
      "a Connexion with a wrong length field is read as all the bytes after the header", [](Context& ctx) {
        std::string name = ctx.unique_name("badlen");
        must_accept_crafted(ctx, "bad", name, name + "\r\n", 3, "a Connexion with length field 3");
      });
  add("4.1-bare-lf-and-missing-crlf-accepted", "4.1", SHOULD,
      "a name ended by a bare LF, or by nothing, is accepted (warnings, not errors)", [](Context& ctx) {
        std::string n1 = ctx.unique_name("lf"), n2 = ctx.unique_name("nocrlf");
        must_accept_crafted(ctx, "lf", n1, n1 + "\n", std::nullopt, "a Connexion ended by LF");
        must_accept_crafted(ctx, "nocrlf", n2, n2, std::nullopt, "a Connexion without CRLF");
      });
  add("3-server-length-fields-conform", "3", MUST,
      "the server's own 2, 14, 21 and 9 carry length n-1 and pass the strict grammar", [](Context& ctx) {
        Client& a = ctx.connect("len");
        Client& b = ctx.connect("len2");
        std::vector<Received> got;
        got.push_back(must_answer(ctx, ctx.client("len3"), Connect{a.name}, MT::ConnectRefused, "a taken name"));
        got.push_back(must_answer(ctx, a, chat("x", ctx.unique_name("nobody")), MT::UnknownRecipient,
                                  "a message to nobody"));
        got.push_back(must_answer(ctx, a, ListRequest{}, MT::UserList, "a Demande de liste (4)"));
        must_answer(ctx, a, chat("length check"), MT::Ack, "a public message (18)");
        auto r = b.expect([](const Received& x) { return relayed(x) != nullptr; }, ctx.scaled(20));
        if (r) got.push_back(*r);
        for (const auto& g : got) {
          Verdict v = check(g.bytes, Strictness::Strict);
          if (!v.ok()) ctx.fail(Context::show(g.bytes) + " breaks the strict grammar: " + describe(*v.error));
        }
      });

  // ------------------------------------------------------------ Deconnexion
  add("6.1-disconnect-acked-name-freed", "6.1", MUST,
      "a Deconnexion (3) is answered 8; the name is free for another endpoint", [](Context& ctx) {
        Client& a = ctx.connect("dis");
        Disconnect d;
        d.name = a.name;
        must_answer(ctx, a, d, MT::Ack, "the Deconnexion (3)");
        std::string name = a.name;
        a.name.clear();
        Client& b = ctx.client("dis-again");
        must_answer(ctx, b, Connect{name}, MT::Ack, "another endpoint's Connexion with the freed name");
        b.name = name;
      });
  add("12-disconnect-without-name-acked", "12", SHOULD,
      "a Deconnexion with no text (D4, the draft's example) is answered 8", [](Context& ctx) {
        Client& a = ctx.connect("dis4");
        must_answer(ctx, a, Disconnect{}, MT::Ack, "an empty Deconnexion (3)");
        a.name.clear();
      });

  // ------------------------------------------------------------ User list
  add("11-list-first-page", "11", MUST,
      "a Demande de liste (4) is answered 21: connected users, ids increasing, status 00", [](Context& ctx) {
        Client& a = ctx.connect("lia");
        Client& b = ctx.connect("lib");
        auto r = must_answer(ctx, a, ListRequest{}, MT::UserList, "the Demande de liste (4)");
        const auto& p = std::get<UserListPage>(r.message()->body);
        if (p.more) return;  // a busy server: the paged case judges it
        for (std::size_t i = 1; i < p.entries.size(); ++i)
          if (p.entries[i].id <= p.entries[i - 1].id) ctx.fail("user ids do not increase on the page");
        for (Client* c : {&a, &b}) {
          auto it = std::find_if(p.entries.begin(), p.entries.end(),
                                 [&](const UserEntry& e) { return e.name == c->name; });
          if (it == p.entries.end()) ctx.fail(c->name + " is not listed");
          if (it->status != Room::Public) ctx.fail(c->name + " is listed in a private group");
        }
      });
  add("11-list-paged", "11", MUST,
      "with 45 users the list takes pages: full pages with M, ids in order, each user once",
      [](Context& ctx) {
        std::vector<Client*> users;
        for (int i = 0; i < 45; ++i) {
          std::string label = (i < 10 ? "pg0" : "pg") + std::to_string(i) + std::string(11, 'x');
          users.push_back(&ctx.connect(label, false));
        }
        // An unproved client may have been removed (§14: its probes or our
        // answers lost): it connects again until every one is listed.
        std::vector<Received> pages;
        std::vector<UserEntry> all;
        for (int round = 0; round < 6; ++round) {
          pages.clear();
          all = ctx.list_all(*users[0], &pages);
          std::vector<Client*> missing;
          for (Client* c : users)
            if (!listed(all, c->name)) missing.push_back(c);
          if (missing.empty()) break;
          if (round >= 2)
            for (Client* c : missing) ctx.admit(*c, c->name, false);
          ctx.pump(ctx.scaled(2));
        }
        if (pages.size() < 2) ctx.fail("45 users of 20-character names fit one 21 page (more than 1024 bytes)");
        std::size_t previous = 0;
        bool first = true;
        for (std::size_t i = 0; i < pages.size(); ++i) {
          const auto& p = std::get<UserListPage>(pages[i].message()->body);
          std::size_t bytes = 0;
          for (const auto& e : p.entries) {
            if (!first && e.id <= previous)
              ctx.fail("page " + std::to_string(i + 1) + ": id " + std::to_string(e.id) + " after " +
                       std::to_string(previous));
            first = false;
            previous = e.id;
            bytes += user_entry_bytes(e);
          }
          if (p.more && i + 1 < pages.size()) {
            const auto& next = std::get<UserListPage>(pages[i + 1].message()->body);
            if (!next.entries.empty() && bytes + user_entry_bytes(next.entries.front()) <= kMaxTextBytes)
              ctx.fail("page " + std::to_string(i + 1) + " has M set with room for another entry (" +
                       std::to_string(bytes) + " bytes)");
          }
          if (!p.more && i + 1 != pages.size()) ctx.fail("a page without M before the last");
        }
        for (Client* c : users) {
          auto n = std::count_if(all.begin(), all.end(), [&](const UserEntry& e) { return e.name == c->name; });
          if (n != 1) ctx.fail(c->name + " is listed " + std::to_string(n) + " times over the pages");
        }
      });
  add("11-list-from-start-id", "11", MUST,
      "a Demande de liste with a start id lists only users from that id on", [](Context& ctx) {
        Client& a = ctx.connect("sid");
        ctx.connect("sid2");
        auto all = ctx.list_all(a);
        if (all.size() < 2) ctx.fail("fewer than 2 users listed");
        std::uint16_t start = std::uint16_t(all[all.size() - 1].id);
        auto r = must_answer(ctx, a, ListRequest{start}, MT::UserList, "a Demande de liste from id");
        const auto& p = std::get<UserListPage>(r.message()->body);
        if (p.entries.empty()) ctx.fail("the page from id " + std::to_string(start) + " is empty");
        for (const auto& e : p.entries)
          if (e.id < start) ctx.fail("id " + std::to_string(e.id) + " listed on a page asked from " + std::to_string(start));
      });

  // ------------------------------------------------------------ Messages
  add("9.6-public-message-relayed", "9.6", MUST,
      "a public 18 is answered 8 and relayed as 9 (message, sender) to every other user, not back",
      [](Context& ctx) {
        Client& a = ctx.connect("pa");
        Client& b = ctx.connect("pb");
        Client& c = ctx.connect("pc");
        std::string text = "bonjour " + ctx.run().tag;
        must_answer(ctx, a, chat(text), MT::Ack, "the public Message (18)");
        for (Client* x : {&b, &c}) {
          Relayed r = must_relay(ctx, *x, text, "a public message");
          if (r.sender != a.name) ctx.fail("the 9 names sender \"" + r.sender + "\", not " + a.name);
          if (r.recipient) ctx.fail("the 9 of a public message names a recipient");
        }
        must_not_get(ctx, a, std::uint8_t(MT::Relayed), ctx.scaled(0.5), "the sender got its own message");
      });
  add("9.6-direct-message", "9.6", MUST,
      "an 18 with a recipient reaches that user alone, as 9 naming the recipient", [](Context& ctx) {
        Client& a = ctx.connect("da");
        Client& b = ctx.connect("db");
        Client& c = ctx.connect("dc");
        std::string text = "pour toi " + ctx.run().tag;
        must_answer(ctx, a, chat(text, b.name), MT::Ack, "the direct Message (18)");
        Relayed r = must_relay(ctx, b, text, "a direct message");
        if (r.sender != a.name) ctx.fail("the 9 names sender \"" + r.sender + "\"");
        if (r.recipient != b.name) ctx.fail("the 9 of a direct message does not name its recipient");
        must_not_get(ctx, c, std::uint8_t(MT::Relayed), ctx.scaled(0.8), "a third user got the direct message");
      });
  add("9.6-unknown-recipient-14", "9.6", MUST, "an 18 to a name nobody holds is answered 14",
      [](Context& ctx) {
        Client& a = ctx.connect("ua");
        must_answer(ctx, a, chat("hello?", ctx.unique_name("ghost")), MT::UnknownRecipient,
                    "a Message (18) to an unknown recipient");
      });
  add("6.3-message-resend-not-relayed-twice", "6.3", MUST,
      "a resent 18 gets the same 8 again and the others get its 9 once", [](Context& ctx) {
        Client& a = ctx.connect("ra");
        Client& b = ctx.connect("rb");
        std::string text = "une fois " + ctx.run().tag;
        std::uint16_t seq = a.take_seq();
        Bytes d = encode_or_throw(Message{seq, chat(text)});
        Received first = must_answer_bytes(ctx, a, d, seq, MT::Ack, "the Message (18)");
        auto again = a.resend(d, seq);
        if (!again) ctx.fail("the resent Message was never answered");
        if (again->bytes != first.bytes) ctx.fail("the answer to the resend differs: " + Context::show(again->bytes));
        must_relay(ctx, b, text, "the message");
        auto twice = b.expect([&](const Received& x) { auto* r = relayed(x); return r && r->message == text; },
                              ctx.scaled(1.5));
        if (twice) ctx.fail("the message was relayed twice (a new 9: " + Context::show(twice->bytes) + ")");
      });
  add("9.6-empty-message-relayed", "9.6", MUST, "an empty message (CRLF alone) is accepted and relayed",
      [](Context& ctx) {
        Client& a = ctx.connect("ea");
        Client& b = ctx.connect("eb");
        must_answer(ctx, a, chat(""), MT::Ack, "an empty Message (18)");
        must_relay(ctx, b, "", "an empty message");
      });
  add("8-longest-message-relayed-whole", "8", MUST,
      "a message whose 9 takes exactly 1024 bytes is relayed whole, not truncated", [](Context& ctx) {
        Client& a = ctx.connect("big");
        Client& b = ctx.connect("bigr");
        std::string text(kMaxTextBytes - 4 - a.name.size(), 'm');
        must_answer(ctx, a, chat(text), MT::Ack, "a Message (18) whose 9 fills 1024 bytes");
        must_relay(ctx, b, text, "the longest message");
      });
  add("8-oversized-datagram-dropped", "8", MUST,
      "an 18 of 1025 text bytes is never answered nor relayed (no truncation)", [](Context& ctx) {
        Client& a = ctx.connect("ova");
        Client& b = ctx.connect("ovb");
        std::string text(kMaxTextBytes - 1, 'o');
        text += "\r\n";
        double since = ctx.now();
        a.send_raw(craft(a.take_seq(), 18, text));
        must_not_get(ctx, a, 0, ctx.scaled(1.5), "a 1029-byte datagram was answered", since);
        must_not_get(ctx, b, std::uint8_t(MT::Relayed), ctx.scaled(0.5), "a 1029-byte datagram was relayed");
        still_answers(ctx, a);
      });
  add("12-relay-too-long-refused-14", "12", SHOULD,
      "an 18 whose 9 would exceed 1024 bytes is answered 14 (D18), not relayed cut", [](Context& ctx) {
        Client& a = ctx.connect("tla");
        Client& b = ctx.connect("tlb");
        std::string text(kMaxTextBytes - 2, 't');
        must_answer(ctx, a, chat(text), MT::UnknownRecipient, "a Message (18) of 1024 bytes");
        must_not_get(ctx, b, std::uint8_t(MT::Relayed), ctx.scaled(0.8), "the too-long message was relayed");
      });

  // ------------------------------------------------------------ Garbage
  add("5-truncated-datagram-ignored", "5", MUST,
      "datagrams of 0 to 3 bytes are dropped unanswered; the server still answers", [](Context& ctx) {
        Client& a = ctx.connect("tr");
        double since = ctx.now();
        for (std::size_t n : {0u, 1u, 3u}) a.send_raw(Bytes(n, 0x04));
        must_not_get(ctx, a, 0, ctx.scaled(1.0), "a truncated datagram was answered", since);
        still_answers(ctx, a);
      });
  add("5-unknown-type-ignored", "5", MUST,
      "types 0, 22 and 255 are dropped unanswered; the server still answers", [](Context& ctx) {
        Client& a = ctx.connect("ut");
        double since = ctx.now();
        for (std::uint8_t t : {std::uint8_t(0), std::uint8_t(22), std::uint8_t(255)})
          a.send_raw(craft(a.take_seq(), t, "x\r\n"));
        must_not_get(ctx, a, 0, ctx.scaled(1.0), "an unknown type was answered", since);
        still_answers(ctx, a);
      });
  add("5-wrong-direction-ignored", "5", MUST,
      "server-only types (9, 12, 21) sent to the server are dropped, not relayed", [](Context& ctx) {
        Client& a = ctx.connect("wd");
        Client& b = ctx.connect("wdb");
        double since = ctx.now();
        a.send(Message{a.take_seq(), Relayed{"faux", a.name, std::nullopt}});
        a.send(Message{a.take_seq(), LivenessProbe{}});
        a.send(Message{a.take_seq(), UserListPage{}});
        must_not_get(ctx, a, 0, ctx.scaled(1.0), "a server-only type was answered", since);
        must_not_get(ctx, b, std::uint8_t(MT::Relayed), ctx.scaled(0.3), "a client's 9 was relayed");
        still_answers(ctx, a);
      });
  add("4.1-bad-utf8-not-relayed", "4.1", MUST,
      "an 18 whose text is not UTF-8 is never relayed; the server still answers", [](Context& ctx) {
        Client& a = ctx.connect("u8");
        Client& b = ctx.connect("u8b");
        a.send_raw(craft(a.take_seq(), 18, "\xFF\xFE oops\r\n"));
        must_not_get(ctx, b, std::uint8_t(MT::Relayed), ctx.scaled(1.0), "malformed text was relayed");
        still_answers(ctx, a);
      });
  add("5-not-connected-ignored", "5", MUST,
      "an 18 from an endpoint that never connected is not relayed", [](Context& ctx) {
        Client& b = ctx.connect("ncb");
        Client& x = ctx.client("stranger");
        x.send(Message{x.take_seq(), chat("intrus " + ctx.run().tag)});
        must_not_get(ctx, b, std::uint8_t(MT::Relayed), ctx.scaled(1.5), "a stranger's message was relayed");
      });

  // ------------------------------------------------------------ Groups
  add("9.2-invitation-gets-mode-offer", "9.2", MUST, "an Invitation (19) from the public room is answered 10",
      [](Context& ctx) {
        Client& a = ctx.connect("ia");
        Client& b = ctx.connect("ib");
        Invitation inv;
        inv.names = {a.name, b.name};
        must_answer(ctx, a, inv, MT::ModeOffer, "the Invitation (19)");
      });
  add("9.2-choose-mode-invites-invitee", "9.2", MUST,
      "after 10, Choose mode (20) is answered 8 and the invitee gets 19 (state 01, inviter first)",
      [](Context& ctx) {
        Client& a = ctx.connect("ca");
        Client& b = ctx.connect("cb");
        auto r = invite(ctx, a, b, Mode::Centralized);
        const Message* m = r.message();
        if (!m) ctx.fail("the invitee's 19 does not decode: " + Context::show(r.bytes));
        const auto& i = std::get<Invitation>(m->body);
        if (i.room != Room::Private) ctx.fail("the invitee's 19 has state 00");
        if (i.names.empty() || i.names.front() != a.name) ctx.fail("the invitee's 19 does not name the inviter first");
        b.answer(r, RefuseInvitation{});
      });
  add("9.3-accept-sends-group-update", "9.3", MUST,
      "an accepted invitation (5) brings 11 to every member, in joining order, no addresses", [](Context& ctx) {
        Client& a = ctx.connect("ga");
        Client& b = ctx.connect("gb");
        auto r = invite(ctx, a, b, Mode::Centralized);
        b.answer(r, AcceptInvitation{});
        for (Client* c : {&a, &b}) {
          auto u = c->expect([](const Received& x) {
            return x.message() && x.type() == MT::GroupUpdate && !std::get<GroupUpdate>(x.message()->body).more;
          }, ctx.scaled(20));
          if (!u) ctx.fail(c->label() + " never received a group update (11)");
          const auto& g = std::get<GroupUpdate>(u->message()->body);
          if (g.members.size() != 2 || g.members[0].name != a.name || g.members[1].name != b.name)
            ctx.fail(c->label() + "'s 11 does not list inviter then invitee: " + Context::show(u->bytes));
          for (const auto& mbr : g.members)
            if (mbr.endpoint) ctx.fail("a centralized 11 lists an address");
        }
      });
  add("9.2-invite-unknown-user-14", "9.2", MUST, "an Invitation naming an unknown user is answered 14",
      [](Context& ctx) {
        Client& a = ctx.connect("iu");
        Invitation inv;
        inv.names = {ctx.unique_name("ghost")};
        must_answer(ctx, a, inv, MT::UnknownRecipient, "an Invitation (19) of an unknown name");
      });
  add("9.2-choose-mode-without-offer-16", "9.2", MUST, "Choose mode (20) with no pending group is answered 16",
      [](Context& ctx) {
        Client& a = ctx.connect("cm");
        must_answer(ctx, a, ChooseMode{}, MT::GroupEnded, "a Choisir le mode (20) with no offer");
      });
  add("9.2-refused-invitation-closes-group", "9.2", MUST,
      "when every invitee refuses (6), the inviter gets 13: the group is closed", [](Context& ctx) {
        Client& a = ctx.connect("ra1");
        Client& b = ctx.connect("rb1");
        auto r = invite(ctx, a, b, Mode::Centralized);
        b.answer(r, RefuseInvitation{});
        if (!a.expect_type(MT::GroupClosed, ctx.scaled(20))) ctx.fail("the inviter never received 13");
      });
  add("9.6-group-message-stays-in-group", "9.6", MUST,
      "a private 18 reaches the other members only; public traffic does not enter the group",
      [](Context& ctx) {
        Client& a = ctx.connect("gm1");
        Client& b = ctx.connect("gm2");
        Client& c = ctx.connect("gm3");
        ctx.open_group(a, {&b}, Mode::Centralized);
        std::string text = "entre nous " + ctx.run().tag;
        must_answer(ctx, a, chat(text, std::nullopt, Room::Private), MT::Ack, "a private Message (18)");
        must_relay(ctx, b, text, "a group message");
        must_not_get(ctx, c, std::uint8_t(MT::Relayed), ctx.scaled(0.8), "a public user got a group message");
        std::string pub = "public " + ctx.run().tag;
        must_answer(ctx, c, chat(pub), MT::Ack, "a public Message (18)");
        must_not_get(ctx, b, std::uint8_t(MT::Relayed), ctx.scaled(0.8), "a group member got a public message");
      });
  add("9.6-public-message-from-member-15", "9.6", MUST, "a group member's 18 with state 00 is answered 15",
      [](Context& ctx) {
        Client& a = ctx.connect("cr1");
        Client& b = ctx.connect("cr2");
        ctx.open_group(a, {&b}, Mode::Centralized);
        must_answer(ctx, a, chat("dehors"), MT::CrossesRooms, "a member's public Message (18)");
      });
  add("9.6-direct-message-across-rooms-15", "9.6", MUST,
      "a public user's direct 18 to a group member is answered 15", [](Context& ctx) {
        Client& a = ctx.connect("cx1");
        Client& b = ctx.connect("cx2");
        Client& c = ctx.connect("cx3");
        ctx.open_group(a, {&b}, Mode::Centralized);
        must_answer(ctx, c, chat("psst", a.name), MT::CrossesRooms, "a direct Message (18) into a group");
      });
  add("9.6-private-message-outside-group-16", "9.6", MUST,
      "an 18 with state 01 from a user in no group is answered 16", [](Context& ctx) {
        Client& a = ctx.connect("og");
        must_answer(ctx, a, chat("seul", std::nullopt, Room::Private), MT::GroupEnded,
                    "a private Message (18) outside any group");
      });
  add("9.5-leave-acked-members-updated", "9.5", MUST,
      "a member's Leave (7) is answered 8 and the others get an 11 without it", [](Context& ctx) {
        Client& a = ctx.connect("lv1");
        Client& b = ctx.connect("lv2");
        Client& c = ctx.connect("lv3");
        ctx.open_group(a, {&b, &c}, Mode::Centralized);
        must_answer(ctx, c, LeaveGroup{}, MT::Ack, "the Leave (7)");
        for (Client* x : {&a, &b}) {
          auto u = x->expect([&](const Received& r) {
            return r.message() && r.type() == MT::GroupUpdate &&
                   std::get<GroupUpdate>(r.message()->body).members.size() == 2;
          }, ctx.scaled(20));
          if (!u) ctx.fail(x->label() + " never received an 11 without the member who left");
        }
      });
  add("9.5-last-member-gets-group-closed", "9.5", MUST,
      "when a group is left with one member, that member gets 13", [](Context& ctx) {
        Client& a = ctx.connect("lm1");
        Client& b = ctx.connect("lm2");
        ctx.open_group(a, {&b}, Mode::Centralized);
        must_answer(ctx, b, LeaveGroup{}, MT::Ack, "the Leave (7)");
        if (!a.expect_type(MT::GroupClosed, ctx.scaled(20))) ctx.fail("the last member never received 13");
        must_answer(ctx, a, chat("de retour"), MT::Ack, "a public Message (18) after the 13");
      });
  add("9.5-leave-outside-group-16", "9.5", MUST, "a Leave (7) from a user in no group is answered 16",
      [](Context& ctx) {
        Client& a = ctx.connect("lo");
        must_answer(ctx, a, LeaveGroup{}, MT::GroupEnded, "a Leave (7) in the public room");
      });
  add("9.2-member-invites-into-own-group", "9.2", MUST,
      "a member's 19 is answered 8 (no offer) and the new invitee gets 19 for that group", [](Context& ctx) {
        Client& a = ctx.connect("mi1");
        Client& b = ctx.connect("mi2");
        Client& c = ctx.connect("mi3");
        ctx.open_group(a, {&b}, Mode::Centralized);
        Invitation inv;
        inv.names = {c.name};
        must_answer(ctx, a, inv, MT::Ack, "a member's Invitation (19)");
        auto r = c.expect_type(MT::Invitation, ctx.scaled(20));
        if (!r) ctx.fail("the new invitee never received 19");
        c.answer(*r, AcceptInvitation{});
        auto u = c.expect([](const Received& x) {
          return x.message() && x.type() == MT::GroupUpdate && std::get<GroupUpdate>(x.message()->body).members.size() == 3;
        }, ctx.scaled(20));
        if (!u) ctx.fail("the newcomer never received an 11 listing the 3 members");
      });
  add("8-group-member-limit-17", "8", MUST,
      "an Invitation that would bring a group over its member limit is answered 17", [](Context& ctx) {
        std::size_t limit = ctx.run().max_group_members;
        if (limit > 120)
          ctx.skip("needs " + std::to_string(limit + 2) + " clients; give --max-group-members N for a server with a small limit");
        Client& a = ctx.connect("gl");
        Invitation inv;
        std::size_t bytes = 2;
        for (std::size_t i = 0; i < limit; ++i) {
          Client& c = ctx.connect("m" + std::to_string(i));
          inv.names.push_back(c.name);
          bytes += c.name.size() + 1;
        }
        if (bytes > kMaxTextBytes) ctx.skip("the names of " + std::to_string(limit) + " invitees do not fit one 19");
        must_answer(ctx, a, inv, MT::LimitReached, "an Invitation (19) of " + std::to_string(limit) +
                    " users (with the inviter, one over the limit)");
      });
  add("8-group-count-limit-17", "8", MUST,
      "a Choose mode (20) that would open one group more than the limit is answered 17", [](Context& ctx) {
        std::size_t limit = ctx.run().max_groups;
        if (limit > 20)
          ctx.skip("needs " + std::to_string(limit + 2) + " clients; give --max-groups N (at most 20) for a server with a small limit");
        Client& b = ctx.connect("gcb");
        b.silent = false;
        for (std::size_t i = 0; i <= limit; ++i) {
          Client& a = ctx.connect("g" + std::to_string(i));
          Invitation inv;
          inv.names = {b.name};
          must_answer(ctx, a, inv, MT::ModeOffer, "an Invitation (19)");
          auto r = a.request(ChooseMode{});
          if (!r) ctx.fail("Choisir le mode (20) number " + std::to_string(i + 1) + " was never answered");
          if (i < limit && r->type() != MT::Ack)
            ctx.fail("group " + std::to_string(i + 1) + " (under the limit) was answered " + Context::show(r->bytes));
          if (i == limit && r->type() != MT::LimitReached)
            ctx.fail("group " + std::to_string(i + 1) + " (over the limit) was answered " +
                     Context::show(r->bytes) + ", not 17");
        }
      });

  // ------------------------------------------------------------ Decentralized
  add("10-decentralized-member-lines-have-addresses", "10", MUST,
      "in a decentralized group every 11 line names the member's ipv4:port", [](Context& ctx) {
        Client& a = ctx.connect("dz1");
        Client& b = ctx.connect("dz2");
        ctx.open_group(a, {&b}, Mode::Decentralized);
        for (Client* c : {&a, &b}) {
          const Received* last = nullptr;
          for (const auto& r : c->all_requests)
            if (r.message() && r.type() == MT::GroupUpdate) last = &r;
          if (!last) ctx.fail(c->label() + " has no group update (11)");
          const auto& g = std::get<GroupUpdate>(last->message()->body);
          std::set<Endpoint> seen;
          for (const auto& m : g.members) {
            if (!m.endpoint || m.endpoint->port == 0)
              ctx.fail("a decentralized member line has no address: " + Context::show(last->bytes));
            if (!seen.insert(*m.endpoint).second)
              ctx.fail("two members listed at one address: " + Context::show(last->bytes));
          }
        }
      });
  add("10-peers-message-each-other-directly", "10", MUST,
      "a member's 18 (state 01, mode 01) sent to a peer's listed address is answered 8 by that peer",
      [](Context& ctx) {
        Client& a = ctx.connect("pp1");
        Client& b = ctx.connect("pp2");
        auto r = invite(ctx, a, b, Mode::Decentralized);
        b.answer(r, AcceptInvitation{});
        auto u = a.expect([](const Received& x) {
          return x.message() && x.type() == MT::GroupUpdate && std::get<GroupUpdate>(x.message()->body).members.size() == 2;
        }, ctx.scaled(20));
        if (!u) ctx.fail("the inviter never received the 11 listing both members");
        const auto& g = std::get<GroupUpdate>(u->message()->body);
        std::optional<Endpoint> peer;
        for (const auto& m : g.members) {
          if (!m.endpoint) ctx.fail("a decentralized member line has no address: " + Context::show(u->bytes));
          if (m.name == b.name) peer = m.endpoint;
        }
        if (!peer) ctx.fail("the 11 does not list the invitee");
        std::string text = "direct " + ctx.run().tag;
        std::uint16_t seq = a.take_seq();
        Bytes d = encode_or_throw(Message{seq, chat(text, std::nullopt, Room::Private, Mode::Decentralized)});
        auto ack = a.request_bytes(d, {}, seq, *peer);
        if (!ack) ctx.fail("the peer at " + format_endpoint(*peer) + " never answered the direct 18");
        if (ack->type() != MT::Ack) ctx.fail("the peer answered " + Context::show(ack->bytes));
      });

  // ------------------------------------------------------------ Timers (long)
  add("7-server-resends-no-sooner-than-2s", "7", MUST,
      "a relayed 9 left unacknowledged is sent again, each copy at least 2 s after the previous",
      [](Context& ctx) {
        Client& a = ctx.connect("rt1");
        Client& b = ctx.connect("rt2");
        b.no_auto_ack.insert(std::uint8_t(MT::Relayed));
        std::string text = "ack moi " + ctx.run().tag;
        must_answer(ctx, a, chat(text, b.name), MT::Ack, "a direct Message (18)");
        auto match = [&](const Received& r) { auto* x = relayed(r); return x && x->message == text; };
        auto t = copies_of(ctx, b, MT::Relayed, 3, ctx.scaled(30), match);
        if (t.size() < 2) ctx.fail("the 9 was never sent again (copies at " + list_times(t) + ")");
        for (std::size_t i = 1; i < t.size(); ++i)
          if (t[i] - t[i - 1] < 1.995)
            ctx.fail("copies of the 9 at " + list_times(t) + ": one less than 2 s after the previous");
        for (const auto& r : b.all_requests)
          if (match(r)) { b.answer(r, Ack{}); break; }
      }, true);
  add("7-server-resends-back-off", "7", SHOULD,
      "the server's retransmissions of an unacknowledged 9 come at growing intervals (x2)", [](Context& ctx) {
        Client& a = ctx.connect("bo1");
        Client& b = ctx.connect("bo2");
        b.no_auto_ack.insert(std::uint8_t(MT::Relayed));
        std::string text = "backoff " + ctx.run().tag;
        must_answer(ctx, a, chat(text, b.name), MT::Ack, "a direct Message (18)");
        auto match = [&](const Received& r) { auto* x = relayed(r); return x && x->message == text; };
        auto t = copies_of(ctx, b, MT::Relayed, 4, ctx.scaled(45), match);
        if (t.size() < 3) ctx.fail("fewer than 3 copies of the 9 (at " + list_times(t) + ")");
        for (std::size_t i = 2; i < t.size(); ++i)
          if (t[i] - t[i - 1] < 1.1 * (t[i - 1] - t[i - 2]))
            ctx.fail("copies of the 9 at " + list_times(t) + ": the intervals do not grow");
        for (const auto& r : b.all_requests)
          if (match(r)) { b.answer(r, Ack{}); break; }
      }, true);
  add("7-server-gives-up-after-tries", "7", MUST,
      "a client that never answers gets at most the allowed tries of a 9, then is treated as gone",
      [](Context& ctx) {
        Client& a = ctx.connect("gu1");
        Client& b = ctx.connect("gu2");
        b.silent = true;
        std::string text = "tu es la? " + ctx.run().tag;
        must_answer(ctx, a, chat(text, b.name), MT::Ack, "a direct Message (18)");
        unsigned tries = ctx.run().server_tries;
        double give_up = 3.0 * double((1u << tries) - 1) * 1.1 + 5;  // §7: the last try's timeout
        auto match = [&](const Received& r) { auto* x = relayed(r); return x && x->message == text; };
        std::string name = b.name;
        bool gone = false;
        double until = ctx.now() + ctx.scaled(give_up).count();
        while (ctx.now() < until) {
          ctx.pump(ctx.scaled(5));
          if (!listed(ctx.list_all(a), name)) { gone = true; break; }
        }
        auto t = copies_of(ctx, b, MT::Relayed, 1000, Seconds(0), match);
        if (t.size() > tries)
          ctx.fail(std::to_string(t.size()) + " copies of the 9 (at " + list_times(t) + "), more than " +
                   std::to_string(tries) + " tries");
        if (!gone)
          ctx.fail("still listed " + secs(ctx.scaled(give_up)) + " after the 9's first sending (copies at " +
                   list_times(t) + ")");
        b.name.clear();
      }, true);
  add("14-unproved-endpoint-removed", "14", SHOULD,
      "a client that never answers the probe gets it again (>= 2 s later) and loses its name within seconds",
      [](Context& ctx) {
        Client& a = ctx.client("np");
        a.answer_probes = false;
        std::string name = ctx.unique_name("np");
        must_answer(ctx, a, Connect{name}, MT::Ack, "the Connexion (1)");
        auto t = copies_of(ctx, a, MT::LivenessProbe, 2, ctx.scaled(8));
        if (t.empty()) ctx.skip("the server sends no return-path probe");
        for (std::size_t i = 1; i < t.size(); ++i)
          if (t[i] - t[i - 1] < 1.995) ctx.fail("probe copies at " + list_times(t) + ": less than 2 s apart");
        Client& b = ctx.client("np-again");
        double until = ctx.now() + ctx.scaled(30).count();
        while (ctx.now() < until) {
          auto r = b.request(Connect{name});
          if (r && r->type() == MT::Ack) {
            b.name = name;
            return;
          }
          ctx.pump(ctx.scaled(2));
        }
        ctx.fail("the unproved client's name was still taken " + secs(ctx.scaled(30)) + " after its Connexion");
      }, true);
  return v;
}

}  // namespace

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = make_cases();
  return cases;
}

}  // namespace imup::conformance
