// SPDX-License-Identifier: GPL-2.0-or-later
// A file name in a folder of the system's temporary directory that belongs
// to this test process (`folder`-PID), created on first use.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace imup::test {

inline std::string temp_path(const std::string& folder, const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / (folder + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace imup::test
