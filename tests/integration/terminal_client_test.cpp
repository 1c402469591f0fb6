// SPDX-License-Identifier: GPL-2.0-or-later
// The interactive imup-client on a real pseudo-terminal: a message arriving
// while the user is typing is printed above the line, and the half-typed line
// comes back intact (it is then sent whole); escape sequences from other users
// are shown, not obeyed; the prompt follows the user from the public room into
// a group.
#include "catch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <thread>

#include "imup_processes.hpp"

using namespace imup::testing;

namespace {

class PtyProcess {
 public:
  explicit PtyProcess(std::vector<std::string> argv) {
    winsize size{24, 200, 0, 0};
    pid_ = forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) {
      setenv("TERM", "xterm", 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  ~PtyProcess() {
    if (!exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(master_);
  }
  void type(const std::string& keys) {
    if (::write(master_, keys.data(), keys.size()) < 0) throw std::runtime_error("pty write");
  }
  // Waits until the screen text (escape sequences and CRs removed) since
  // `from` contains `what`; returns the position after it.
  std::size_t wait_for(const std::string& what, std::size_t from = 0,
                       std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto text = plain();
      auto at = text.find(what, from);
      if (at != std::string::npos) return at + what.size();
      if (std::chrono::steady_clock::now() >= deadline)
        throw std::runtime_error("terminal never showed '" + what + "'; it shows:\n" + text);
      pollfd p{master_, POLLIN, 0};
      poll(&p, 1, 50);
      char buf[4096];
      ssize_t n;
      while ((n = ::read(master_, buf, sizeof buf)) > 0) raw_.append(buf, std::size_t(n));
    }
  }
  const std::string& raw() const { return raw_; }
  // The screen's text: CSI sequences (ESC [ ... letter), charset and keypad
  // selections and carriage returns removed.
  std::string plain() const {
    std::string text;
    for (std::size_t i = 0; i < raw_.size(); ++i) {
      char c = raw_[i];
      if (c == '\r') continue;
      if (c != '\x1b' || i + 1 >= raw_.size()) {
        text += c;
        continue;
      }
      char next = raw_[i + 1];
      if (next == '[') {
        std::size_t j = i + 2;
        while (j < raw_.size() && !std::isalpha(static_cast<unsigned char>(raw_[j]))) ++j;
        i = j;
      } else if (next == '(' || next == ')') {
        i += 2;
      } else {
        i += 1;
      }
    }
    return text;
  }
  int wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      while (::read(master_, buf, sizeof buf) > 0) {
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(20000);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool exited_ = false;
  std::string raw_;
};

}  // namespace

TEST_CASE("an incoming message never garbles the line being typed") {
  TempDir dir;
  ServerProcess server(dir);
  ScriptedClient lucy(dir, "lucy", server.address(), {"--name", "Lucy"});
  lucy.expect("connected");

  PtyProcess sheng({client_binary(), "--server", server.address(), "--name", "Sheng"});
  auto at = sheng.wait_for("Sheng@public> ");
  sheng.type("hello wor");
  at = sheng.wait_for("hello wor", at);
  // Sheng is relayed to only once his return path is proved (§14), which a
  // loaded machine may delay past his prompt: wait until Lucy's list shows him.
  bool listed = false;
  for (int attempt = 0; attempt < 20 && !listed; ++attempt) {
    if (attempt) std::this_thread::sleep_for(300ms);
    lucy.send("/list");
    listed = ("," + lucy.expect("user_list")["users"] + ",").find(",Sheng,") != std::string::npos;
  }
  REQUIRE(listed);

  lucy.send("Bonjour Sheng");
  at = sheng.wait_for("<Lucy> Bonjour Sheng\n", at);
  // The prompt and the half-typed text are drawn again below the message.
  at = sheng.wait_for("Sheng@public> hello wor", at);

  sheng.type("ld\r");
  lucy.expect("message_received", {{"from", "Sheng"}, {"text", "hello world"}});

  // A message may hold any character but CR and LF: an escape sequence from
  // another user is shown, not obeyed (here it would clear the screen).
  lucy.send("evil \x1b[2J");
  at = sheng.wait_for("<Lucy> evil \\x1B[2J", at);
  CHECK(sheng.raw().find("\x1b[2J") == std::string::npos);

  // Tab completes commands, and names seen so far (Lucy wrote to us).
  sheng.type("/ms\tLu\tsalut\r");
  lucy.expect("message_received", {{"from", "Sheng"}, {"text", "salut"}, {"direct", "true"}});

  // The prompt says where the user is: into a centralized group with Lucy.
  sheng.type("/invite Lucy centralise\r");
  lucy.expect("invitation_received", {{"inviter", "Sheng"}});
  lucy.send("/accept");
  at = sheng.wait_for("Sheng@group[centralise: Sheng,Lucy]> ", at);
  // Sheng's prompt can show the group before Lucy's client has learnt it is
  // in it (both hear from the server at once); a message sent before then
  // would not be a group message.
  lucy.expect("group_joined");
  lucy.send("On est en groupe");
  at = sheng.wait_for("(group) <Lucy> On est en groupe", at);

  sheng.type("/quit\r");
  CHECK(sheng.wait_exit(15s) == 0);
  lucy.expect("group_closed");
  CHECK(lucy.quit() == 0);
  CHECK(server.stop() == 0);
}
