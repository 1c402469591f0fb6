// SPDX-License-Identifier: GPL-2.0-or-later
// The real imup-server and imup-client processes, as tests drive them: the
// server on 127.0.0.1 port 0 (its first line says the real port, so tests
// running in parallel never collide), clients in --script - mode, fed command
// lines and read back as JSON events.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace imup::testing {

using namespace std::chrono_literals;

// A fresh directory under /tmp, removed with its files at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

std::string server_binary();
std::string client_binary();

class ServerProcess {
 public:
  explicit ServerProcess(const TempDir& dir, std::vector<std::string> extra_args = {});
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // SIGUSR1, then the counters block it prints, by name.
  std::map<std::string, std::uint64_t> counters();
  // SIGTERM; the exit status, and the counters printed at exit.
  int stop(std::map<std::string, std::uint64_t>* final_counters = nullptr);
  ChildProcess& process() { return *process_; }

 private:
  std::map<std::string, std::uint64_t> read_counters();
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
};

// One JSON event line, its members as text (arrays joined with ',').
struct Event {
  std::string line;
  std::map<std::string, std::string> fields;
  std::string operator[](const std::string& key) const {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  }
};
Event parse_event(const std::string& line);  // throws on a line that is not a JSON object

class ScriptedClient {
 public:
  ScriptedClient(const TempDir& dir, const std::string& label, const std::string& server,
                 std::vector<std::string> extra_args = {});
  void send(const std::string& line) { process_->write_line(line); }
  // The first unread event of that name whose fields match; throws with the
  // client's transcript when none comes in time.
  Event expect(const std::string& event, const std::map<std::string, std::string>& fields = {},
               std::chrono::milliseconds timeout = 15s);
  // True if such an event is among those read so far (without waiting).
  bool saw(const std::string& event, const std::map<std::string, std::string>& fields = {}) const;
  // Reads the events already written, without waiting: a client whose
  // output nobody reads blocks on a full pipe and stops answering.
  void drain();
  // How many such events were read so far.
  std::size_t count(const std::string& event,
                    const std::map<std::string, std::string>& fields = {}) const;
  // /quit, end of input, and the exit status.
  int quit(std::chrono::milliseconds timeout = 20s);
  std::string transcript() const;
  ChildProcess& process() { return *process_; }

 private:
  std::string label_;
  std::unique_ptr<ChildProcess> process_;
  std::vector<Event> all_;
  std::vector<Event> unread_;
};

}  // namespace imup::testing
