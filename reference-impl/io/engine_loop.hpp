// SPDX-License-Identifier: GPL-2.0-or-later
// Drives a sans-I/O engine (engine/io_contract.hpp) from GLib's main loop.
//
// Two sources and nothing else: a watch on the UDP socket, drained with
// recvmmsg on each wake-up, and one deadline source whose ready time is
// re-armed to the engine's poll_timeout() after every call into the engine.
// The engine keeps its own timers (a heap); the loop never scans anything.
// Everything the engine queues is flushed with sendmmsg right after the call
// that queued it, so the answers to one received batch leave as one batch.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "engine/io_contract.hpp"
#include "io/udp_socket.hpp"

namespace imup::io {

// The engine's clock in the programs: GLib's monotonic clock in milliseconds,
// the same clock the deadline source's ready time is measured on.
engine::Time monotonic_now();

// The driving surface of engine/io_contract.hpp, as an interface so that the
// loop is compiled once for the server and the client engines.
class DrivenEngine {
 public:
  virtual ~DrivenEngine() = default;
  virtual void handle_datagram(const Endpoint& from, std::span<const std::uint8_t> bytes,
                               engine::Time now) = 0;
  virtual void handle_timeout(engine::Time now) = 0;
  virtual std::optional<engine::Time> poll_timeout() const = 0;
  virtual bool poll_transmit(engine::Transmit& out) = 0;
};

template <class Engine>
class EngineAdapter final : public DrivenEngine {
 public:
  explicit EngineAdapter(Engine& e) : engine_(e) {}
  void handle_datagram(const Endpoint& from, std::span<const std::uint8_t> bytes,
                       engine::Time now) override {
    engine_.handle_datagram(from, bytes, now);
  }
  void handle_timeout(engine::Time now) override { engine_.handle_timeout(now); }
  std::optional<engine::Time> poll_timeout() const override { return engine_.poll_timeout(); }
  bool poll_transmit(engine::Transmit& out) override { return engine_.poll_transmit(out); }

 private:
  Engine& engine_;
};

// Sees every datagram the loop moves, in both directions (--record).
class DatagramTap {
 public:
  virtual ~DatagramTap() = default;
  virtual void on_datagram(const Endpoint& source, const Endpoint& destination,
                           std::span<const std::uint8_t> bytes) = 0;
  // End of one wake-up: a good moment to push buffered output to a file.
  virtual void end_of_wakeup() {}
};

struct LoopCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t send_failures = 0;   // refused by the kernel, left to retransmission
  std::uint64_t receive_errors = 0;
  std::uint64_t wakeups = 0;
  std::uint64_t timer_wakeups = 0;
};

class EngineLoop {
 public:
  // Attaches both sources to `context` (nullptr: the default context).
  EngineLoop(DrivenEngine& engine, UdpSocket& socket, GMainContext* context = nullptr);
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  void set_tap(DatagramTap* tap) { tap_ = tap; }
  // Called at the end of every wake-up, after the engine's output was sent
  // (the program reads the engine's events there).
  void set_after_wakeup(std::function<void()> f) { after_wakeup_ = std::move(f); }
  // Call after the program itself called into the engine (a client command):
  // sends what the engine queued and re-arms the deadline.
  void flush();
  // Runs due timers now (after a configuration change, for example).
  void run_timers();

  LoopCounters counters() const;
  Endpoint local_endpoint() const { return local_; }

 private:
  static gboolean on_readable(gint fd, GIOCondition condition, gpointer self);
  static gboolean on_deadline(gpointer self);
  void drain_socket();
  Endpoint seen_local(const Endpoint& peer) const;
  void rearm();
  void end_of_wakeup();

  DrivenEngine& engine_;
  UdpSocket& socket_;
  Endpoint local_;
  DatagramTap* tap_ = nullptr;
  std::function<void()> after_wakeup_;
  GSource* socket_source_ = nullptr;
  GSource* deadline_source_ = nullptr;
  gint64 armed_for_ = -1;
  LoopCounters counters_;
  std::vector<engine::Transmit> outgoing_;
  std::vector<OutgoingDatagram> batch_;
};

}  // namespace imup::io
