// SPDX-License-Identifier: GPL-2.0-or-later
#include "harness.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "codec/text.hpp"
#include "io/monotonic_clock.hpp"

namespace imup::conformance {

namespace {

bool is_request_to_client(std::uint8_t type) {
  switch (MessageType(type)) {
    case MessageType::Relayed: case MessageType::GroupUpdate: case MessageType::LivenessProbe:
    case MessageType::GroupClosed: case MessageType::Invitation: case MessageType::ChatMessage:
      return true;
    default:
      return false;
  }
}

std::string fmt_time(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%8.3f s", t);
  return buf;
}

}  // namespace

// ---------------------------------------------------------------- Run

Run::Run(std::uint64_t seed) : random_(seed) {
  static const char kDigits[] = "abcdefghijkmnpqrstuvwxyz23456789";
  SeededRandom r(seed ^ 0x5EEDu);
  for (int i = 0; i < 4; ++i) tag += kDigits[r.below(sizeof kDigits - 1)];
}

void Run::record_to(const std::string& path) {
  writer_ = std::make_unique<capture::CaptureWriter>(path, capture::CaptureFormat::Pcapng,
                                                     packet::LinkType::Raw);
}

void Run::record(const Endpoint& src, const Endpoint& dst, std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  if (!writer_) return;
  try {
    writer_->write(packet::Timestamp::now(), src, dst, bytes);
  } catch (const std::exception&) {
    // A datagram too big for one frame (the oversized case) is still sent;
    // close_recording() reports a failing file.
  }
}

std::string Run::close_recording() {
  std::lock_guard lock(mutex_);
  if (!writer_) return {};
  try {
    writer_->close();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

bool Run::claim_port(std::uint16_t port) {
  std::lock_guard lock(mutex_);
  return used_ports_.insert(port).second;
}

std::uint64_t Run::next_random() {
  std::lock_guard lock(mutex_);
  return random_.next();
}

// ---------------------------------------------------------------- helpers

Bytes encode_or_throw(const Message& m) { return encode(m); }

Bytes craft(std::uint16_t seq, std::uint8_t type, std::string_view text, std::uint8_t low,
            std::optional<std::uint16_t> length_field) {
  Header h{seq, type, length_field.value_or(length_field_for(text.size())), low};
  Bytes out(kHeaderBytes + text.size());
  store_be32(out.data(), pack(h));
  std::copy(text.begin(), text.end(), out.begin() + kHeaderBytes);
  return out;
}

// ---------------------------------------------------------------- Client

Client::Client(Context& ctx, std::string label)
    : ctx_(ctx), label_(std::move(label)),
      seq_(std::uint16_t(ctx.run().next_random() % kSeqModulo)) {
  // A port no earlier client of the run had (the ones refused stay open
  // until then, so that the kernel offers others).
  std::vector<std::unique_ptr<io::UdpSocket>> refused;
  for (int i = 0; i < 64; ++i) {
    socket_ = std::make_unique<io::UdpSocket>(ctx.run().bind);
    local_ = socket_->local_endpoint();
    if (ctx.run().bind.port != 0 || ctx.run().claim_port(local_.port)) break;
    refused.push_back(std::move(socket_));
  }
  if (!socket_) socket_ = std::move(refused.back());
}

void Client::send_raw(const Bytes& datagram, const std::optional<Endpoint>& to) {
  Endpoint dst = to.value_or(ctx_.run().server);
  ctx_.run().record(local_, dst, datagram);
  socket_->send_to(dst, datagram);
  ctx_.note(label_ + " -> " + (to ? format_endpoint(dst) + " " : std::string()) +
            Context::show(datagram));
}

void Client::send(const Message& m, const std::optional<Endpoint>& to) {
  send_raw(encode_or_throw(m), to);
}

std::optional<Received> Client::request(const Body& body, std::set<MessageType> answers) {
  std::uint16_t seq = take_seq();
  return request_bytes(encode_or_throw(Message{seq, body}), std::move(answers), seq);
}

std::optional<Received> Client::resend(const Bytes& datagram, std::uint16_t seq) {
  return request_bytes(datagram, {}, seq);
}

std::optional<Received> Client::request_bytes(const Bytes& datagram, std::set<MessageType> answers,
                                              std::uint16_t seq, const std::optional<Endpoint>& to,
                                              unsigned tries) {
  if (tries == 0) tries = ctx_.run().client_tries;
  auto key = seq;
  answers_.erase(key);
  outstanding_[key] = to.value_or(ctx_.run().server);
  struct Done {
    std::map<std::uint16_t, Endpoint>& set;
    std::uint16_t key;
    ~Done() { set.erase(key); }
  } done{outstanding_, key};
  // §7: the first timeout in [2 s, 3 s], doubling; never below 2 s whatever
  // the scale. Capped so that a server that never answers costs half a
  // minute, not the protocol's full give-up time.
  double scale = std::max(1.0, ctx_.run().timeout_scale);
  double timeout = (2.0 + double(ctx_.run().next_random() % 1000) / 1000.0) * scale;
  for (unsigned attempt = 1; attempt <= tries; ++attempt) {
    send_raw(datagram, to);
    ctx_.pump(Seconds(timeout), [&] {
      auto it = answers_.find(key);
      return it != answers_.end() &&
             (answers.empty() || answers.contains(MessageType(it->second.type())));
    });
    auto it = answers_.find(key);
    if (it != answers_.end() && (answers.empty() || answers.contains(MessageType(it->second.type())))) {
      Received r = std::move(it->second);
      answers_.erase(it);
      return r;
    }
    timeout = std::min(timeout * 2, 6.0 * scale);
  }
  ctx_.note(label_ + ": no answer to seq=" + std::to_string(seq) + " after " +
            std::to_string(tries) + " tries");
  return std::nullopt;
}

void Client::answer(const Received& request, const Body& body) {
  Message m{request.decoded.header->seq, body};
  Bytes bytes = encode_or_throw(m);
  answered_[{request.from, m.seq}] = {request.bytes, bytes};
  send_raw(bytes, request.from_server ? std::nullopt : std::optional<Endpoint>(request.from));
}

void Client::on_datagram(const Endpoint& from, std::span<const std::uint8_t> bytes) {
  Received r;
  r.at = ctx_.now();
  r.from = from;
  r.bytes.assign(bytes.begin(), bytes.end());
  r.decoded = decode_lenient(bytes);
  r.from_server = from == ctx_.run().server;
  ctx_.note(label_ + " <- " + (r.from_server ? std::string() : format_endpoint(from) + " ") +
            Context::show(bytes));
  if (!r.decoded.header) {
    inbox.push_back(std::move(r));
    return;
  }
  const Header& h = *r.decoded.header;
  if (is_request_to_client(h.type)) {
    all_requests.push_back(r);
    auto key = std::make_pair(from, h.seq);
    auto it = answered_.find(key);
    if (it != answered_.end() && it->second.first == r.bytes) {
      // §6.3: a resend; answered again (byte for byte) and not taken twice.
      if (!it->second.second.empty() && !silent)
        send_raw(it->second.second, r.from_server ? std::nullopt : std::optional<Endpoint>(from));
      return;
    }
    answered_[key] = {r.bytes, {}};
    bool auto_ack = !silent && r.decoded.ok() && h.type != std::uint8_t(MessageType::Invitation) &&
                    !no_auto_ack.contains(h.type) &&
                    (h.type != std::uint8_t(MessageType::LivenessProbe) || answer_probes);
    if (auto_ack) {
      Bytes ack = encode_or_throw(Message{h.seq, Ack{}});
      answered_[key].second = ack;
      send_raw(ack, r.from_server ? std::nullopt : std::optional<Endpoint>(from));
    }
    inbox.push_back(std::move(r));
    return;
  }
  // An answer: to one of our requests (the first one only), else queued.
  auto out = outstanding_.find(h.seq);
  if (out != outstanding_.end() && out->second == from && !answers_.contains(h.seq)) {
    answers_[h.seq] = std::move(r);
    return;
  }
  inbox.push_back(std::move(r));
}

std::optional<Received> Client::expect(std::function<bool(const Received&)> match, Seconds wait) {
  auto find = [&] { return std::find_if(inbox.begin(), inbox.end(), match); };
  ctx_.pump(wait, [&] { return find() != inbox.end(); });
  auto it = find();
  if (it == inbox.end()) return std::nullopt;
  Received r = std::move(*it);
  inbox.erase(it);
  return r;
}

std::optional<Received> Client::expect_type(MessageType t, Seconds wait) {
  return expect([t](const Received& r) { return r.type() == t; }, wait);
}

bool Client::got_within(MessageType t, Seconds wait) {
  ctx_.pump(wait, [&] {
    return std::any_of(inbox.begin(), inbox.end(), [t](const Received& r) { return r.type() == t; });
  });
  return std::any_of(inbox.begin(), inbox.end(), [t](const Received& r) { return r.type() == t; });
}

// ---------------------------------------------------------------- Context

Context::Context(Run& run, std::string case_id)
    : run_(run), case_id_(std::move(case_id)), start_ns_(io::monotonic_ns()) {}

Context::~Context() = default;

double Context::now() const { return double(io::monotonic_ns() - start_ns_) / 1e9; }

Client& Context::client(const std::string& label) {
  clients_.push_back(std::make_unique<Client>(*this, label));
  return *clients_.back();
}

std::string Context::unique_name(const std::string& base) const { return base + "-" + run_.tag; }

Client& Context::connect(const std::string& label, bool verify) {
  Client& c = client(label);
  admit(c, unique_name(label), verify);
  return c;
}

void Context::admit(Client& c, const std::string& name, bool verify) {
  const std::string& label = c.label();
  // §14: a server may remove an endpoint that has not proved its return path
  // within a few seconds (the reference server: 5 s, two probes). Both
  // probes, or our answers, may be lost on a lossy path: then the client
  // connects again, as a real one would.
  for (int attempt = 1; attempt <= 4; ++attempt) {
    c.all_requests.clear();
    auto a = c.request(Connect{name});
    if (!a) fail(label + "'s Connexion (1) \"" + name + "\" was never answered");
    if (a->type() != MessageType::Ack)
      fail(label + "'s Connexion (1) \"" + name + "\" was answered " + show(a->bytes) + ", not 8");
    c.name = name;
    std::optional<bool> probes;
    {
      std::lock_guard lock(run_.learned_mutex);
      probes = run_.server_probes;
    }
    auto probed = [&] {
      return std::any_of(c.all_requests.begin(), c.all_requests.end(), [](const Received& r) {
        return r.type() == MessageType::LivenessProbe;
      });
    };
    if (!c.answer_probes) return;
    if (probes.value_or(true)) {
      pump(scaled(probes ? 8 : 3), probed);
      if (!probes) {
        std::lock_guard lock(run_.learned_mutex);
        if (!run_.server_probes) run_.server_probes = probed();
      }
    }
    if (!verify || await_listed(c)) return;
  }
}

bool Context::await_listed(Client& c) {
  // Proved when it is listed (§14: an unproved endpoint is not); our probe
  // answer may have been lost, and the server's next probe comes in 2-3 s.
  // A list request of one try each: a removed endpoint is answered nothing.
  for (int i = 0; i < 3; ++i) {
    std::optional<std::uint16_t> start;
    for (int page = 0; page < 64; ++page) {
      std::uint16_t seq = c.take_seq();
      auto r = c.request_bytes(encode_or_throw(Message{seq, ListRequest{start}}), {}, seq, std::nullopt, 1);
      const Message* m = r ? r->message() : nullptr;
      if (!m || m->type() != MessageType::UserList) break;
      const auto& p = std::get<UserListPage>(m->body);
      for (const auto& e : p.entries)
        if (e.name == c.name) return true;
      if (!p.more || p.entries.empty() || p.entries.back().id >= kMaxClients - 1) break;
      start = std::uint16_t(p.entries.back().id + 1);
    }
    pump(scaled(0.5));
  }
  return false;
}

std::vector<UserEntry> Context::list_all(Client& c, std::vector<Received>* pages) {
  std::vector<UserEntry> all;
  std::optional<std::uint16_t> start;
  for (int page = 0; page < 1025; ++page) {
    auto r = c.request(ListRequest{start});
    if (!r) fail(c.label() + "'s Demande de liste (4) was never answered");
    const Message* m = r->message();
    if (!m || m->type() != MessageType::UserList)
      fail(c.label() + "'s Demande de liste (4) was answered " + show(r->bytes) + ", not 21");
    const auto& p = std::get<UserListPage>(m->body);
    all.insert(all.end(), p.entries.begin(), p.entries.end());
    if (pages) pages->push_back(*r);
    if (!p.more) return all;
    if (p.entries.empty()) fail("a 21 page with M set and no entry");
    if (p.entries.back().id >= kMaxClients - 1) return all;
    start = std::uint16_t(p.entries.back().id + 1);
  }
  fail("the user list never ended (more than 1024 pages)");
}

void Context::open_group(Client& owner, const std::vector<Client*>& invitees, Mode mode) {
  Invitation inv;
  inv.room = Room::Private;
  inv.mode = Mode::Centralized;
  for (Client* c : invitees) inv.names.push_back(c->name);
  auto offer = owner.request(inv);
  if (!offer) fail("the Invitation (19) was never answered");
  if (offer->type() != MessageType::ModeOffer)
    fail("the Invitation (19) was answered " + show(offer->bytes) + ", not 10 (§9.2)");
  ChooseMode choose;
  choose.mode = mode;
  choose.mode_in_text = true;
  auto ack = owner.request(choose);
  if (!ack) fail("Choisir le mode (20) was never answered");
  if (ack->type() != MessageType::Ack)
    fail("Choisir le mode (20) was answered " + show(ack->bytes) + ", not 8 (§9.2)");
  for (Client* c : invitees) {
    auto invite = c->expect_type(MessageType::Invitation, scaled(20));
    if (!invite) fail(c->label() + " never received the server's Invitation (19) (§9.2 step 4)");
    c->answer(*invite, AcceptInvitation{});
  }
  std::vector<Client*> members{&owner};
  members.insert(members.end(), invitees.begin(), invitees.end());
  for (Client* c : members) {
    auto full = c->expect(
        [&](const Received& r) {
          const Message* m = r.message();
          if (!m || m->type() != MessageType::GroupUpdate) return false;
          const auto& u = std::get<GroupUpdate>(m->body);
          return !u.more && u.members.size() == members.size();
        },
        scaled(20));
    if (!full)
      fail(c->label() + " never received a group update (11) listing all " +
           std::to_string(members.size()) + " members (§9.3)");
    std::erase_if(c->inbox, [](const Received& r) { return r.type() == MessageType::GroupUpdate; });
  }
}

void Context::disconnect_all() {
  std::map<Client*, std::pair<std::uint16_t, Bytes>> pending;
  for (auto& c : clients_) {
    if (c->name.empty() || c->silent) continue;
    std::uint16_t seq = c->take_seq();
    pending[c.get()] = {seq, encode_or_throw(Message{seq, Disconnect{}})};
    c->outstanding_[seq] = run_.server;
  }
  for (int round = 0; round < 2 && !pending.empty(); ++round) {
    for (auto& [c, p] : pending) c->send_raw(p.second);
    pump(Seconds(1.0), [&] {
      return std::all_of(pending.begin(), pending.end(), [](const auto& kv) {
        return kv.first->answers_.contains(kv.second.first);
      });
    });
    std::erase_if(pending, [](const auto& kv) { return kv.first->answers_.contains(kv.second.first); });
  }
  for (auto& c : clients_) c->name.clear();
}

void Context::pump(Seconds wait, const std::function<bool()>& done) {
  const std::int64_t deadline = io::monotonic_ns() + std::int64_t(wait.count() * 1e9);
  std::vector<std::uint8_t> buf(io::UdpSocket::kReceiveBytes);
  while (true) {
    if (done && done()) return;
    std::int64_t left = deadline - io::monotonic_ns();
    if (left <= 0) return;
    std::vector<pollfd> fds;
    for (auto& c : clients_) fds.push_back({c->socket_->fd(), POLLIN, 0});
    int ms = int(std::min<std::int64_t>(left / 1'000'000 + 1, 100));
    int n = ::poll(fds.data(), fds.size(), ms);
    if (n < 0 && errno != EINTR) return;
    if (n <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      Client& c = *clients_[i];
      while (auto d = c.socket_->receive(buf)) {
        run_.record(d->from, c.local_, d->bytes);
        c.on_datagram(d->from, d->bytes);
      }
    }
  }
}

void Context::fail(const std::string& why) { throw CaseFailure(why); }
void Context::skip(const std::string& why) { throw CaseSkip(why); }

void Context::note(const std::string& line) {
  if (transcript_.size() < 20000) transcript_.push_back(fmt_time(now()) + "  " + line);
}

std::string Context::transcript_tail(std::size_t lines) const {
  std::string out;
  std::size_t from = transcript_.size() > lines ? transcript_.size() - lines : 0;
  for (std::size_t i = from; i < transcript_.size(); ++i) out += transcript_[i] + "\n";
  return out;
}

std::string Context::show(std::span<const std::uint8_t> bytes) {
  Decoded d = decode_lenient(bytes);
  if (d.message) return describe(*d.message);
  std::string s = std::to_string(bytes.size()) + "-byte datagram";
  if (d.header) s += " type " + std::to_string(d.header->type) + " seq=" + std::to_string(d.header->seq);
  if (d.error) s += " (" + describe(*d.error) + ")";
  return s;
}

}  // namespace imup::conformance
