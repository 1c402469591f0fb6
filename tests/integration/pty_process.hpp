// SPDX-License-Identifier: GPL-2.0-or-later
// A program on a real pseudo-terminal, for the interactive client's tests:
// keys typed in, the screen read back as text (escape sequences removed).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace imup::testing {

using namespace std::chrono_literals;

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
  // Reads what the program writes for a while (to see what it draws late).
  void drain(std::chrono::milliseconds span) {
    auto deadline = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{master_, POLLIN, 0};
      poll(&p, 1, 20);
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


}  // namespace imup::testing
