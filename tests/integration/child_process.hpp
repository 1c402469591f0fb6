// SPDX-License-Identifier: GPL-2.0-or-later
// A real program started by a test: its standard input is a pipe the test
// writes lines to, its standard output a pipe the test reads lines from with a
// deadline, its standard error a file kept for the failure report.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace imup::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with its arguments. Throws std::runtime_error.
  ChildProcess(std::vector<std::string> argv, const std::string& stderr_path);
  ~ChildProcess();  // kills the process if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void write_line(const std::string& line);
  void close_input();
  // The next line of standard output, or nullopt at the deadline or at end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void signal(int sig);
  // The exit status (128 + signal when killed), or nullopt if still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> status_;
  std::string stderr_path_;
};

}  // namespace imup::testing
