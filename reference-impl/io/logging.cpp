// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/logging.hpp"

#include "io/printable_text.hpp"

#include <cstdio>
#include <ctime>

namespace imup::io {

namespace {
const char* g_program = "imup";
int g_verbosity = 0;

bool wanted(GLogLevelFlags level) {
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) return true;
  if (level & G_LOG_LEVEL_MESSAGE) return g_verbosity >= 0;
  if (level & G_LOG_LEVEL_INFO) return g_verbosity >= 1;
  return g_verbosity >= 2;
}

const char* level_name(GLogLevelFlags level) {
  if (level & G_LOG_LEVEL_ERROR) return "error";
  if (level & G_LOG_LEVEL_CRITICAL) return "critical";
  if (level & G_LOG_LEVEL_WARNING) return "warning";
  if (level & G_LOG_LEVEL_MESSAGE) return "notice";
  if (level & G_LOG_LEVEL_INFO) return "info";
  return "debug";
}

void handler(const gchar*, GLogLevelFlags level, const gchar* message, gpointer) {
  if (!wanted(level)) return;
  gint64 now = g_get_real_time();
  std::time_t seconds = now / G_USEC_PER_SEC;
  std::tm tm{};
  localtime_r(&seconds, &tm);
  std::fprintf(stderr, "%02d:%02d:%02d.%03d %s %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
               int(now % G_USEC_PER_SEC / 1000), g_program, level_name(level),
               printable(message ? message : "").c_str());
  std::fflush(stderr);
}
}  // namespace

void install_log_handler(const char* program, int verbosity) {
  g_program = program;
  g_verbosity = verbosity;
  g_log_set_default_handler(handler, nullptr);
}

void set_log_verbosity(int verbosity) { g_verbosity = verbosity; }

void RateLimitedLog::log(GLogLevelFlags level, const std::string& key, const std::string& line,
                         Clock::time_point now) {
  auto& b = budgets_[key];
  if (now - b.window_start >= window_) {
    b.window_start = now;
    b.used = 0;
  }
  if (b.used >= burst_) {
    ++b.suppressed;
    ++suppressed_total_;
    return;
  }
  ++b.used;
  if (b.suppressed > 0) {
    g_log(G_LOG_DOMAIN, level, "%s (and %llu more like it not logged)", line.c_str(),
          static_cast<unsigned long long>(b.suppressed));
    b.suppressed = 0;
  } else {
    g_log(G_LOG_DOMAIN, level, "%s", line.c_str());
  }
}

}  // namespace imup::io
