// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/engine_loop.hpp"

#include <glib-unix.h>

namespace imup::io {

namespace {
// How many recvmmsg batches one wake-up may take before the loop gives timers
// and signals their turn (the socket stays readable, so it is called again).
constexpr int kBatchesPerWakeup = 16;

// A source that only has a ready time: GLib wakes at that time and dispatches.
struct DeadlineSource {
  GSource base;
};
gboolean dispatch_deadline(GSource* source, GSourceFunc callback, gpointer data) {
  g_source_set_ready_time(source, -1);
  return callback ? callback(data) : G_SOURCE_CONTINUE;
}
GSourceFuncs deadline_funcs = {nullptr, nullptr, dispatch_deadline, nullptr, nullptr, nullptr};
}  // namespace

Endpoint EngineLoop::seen_local(const Endpoint& peer) const {
  // A socket bound to 0.0.0.0 has no one address; a capture needs one. Loopback
  // peers reach us at 127.0.0.1, others at the wildcard (as the kernel reports).
  if (local_.ipv4 != 0) return local_;
  bool loopback = (peer.ipv4 >> 24) == 127;
  return Endpoint{loopback ? 0x7F000001u : 0u, local_.port};
}

engine::Time monotonic_now() {
  return engine::Time(engine::Millis(g_get_monotonic_time() / 1000));
}

EngineLoop::EngineLoop(DrivenEngine& engine, UdpSocket& socket, GMainContext* context)
    : engine_(engine), socket_(socket), local_(socket.local_endpoint()) {
  outgoing_.resize(UdpSocket::kBatch);
  batch_.reserve(UdpSocket::kBatch);
  socket_source_ = g_unix_fd_source_new(socket.fd(), G_IO_IN);
  g_source_set_callback(socket_source_, G_SOURCE_FUNC(on_readable), this,
                        nullptr);
  g_source_attach(socket_source_, context);
  deadline_source_ = g_source_new(&deadline_funcs, sizeof(DeadlineSource));
  g_source_set_callback(deadline_source_, on_deadline, this, nullptr);
  g_source_attach(deadline_source_, context);
  rearm();
}

EngineLoop::~EngineLoop() {
  g_source_destroy(socket_source_);
  g_source_unref(socket_source_);
  g_source_destroy(deadline_source_);
  g_source_unref(deadline_source_);
}

gboolean EngineLoop::on_readable(gint, GIOCondition, gpointer self) {
  auto* loop = static_cast<EngineLoop*>(self);
  ++loop->counters_.wakeups;
  loop->drain_socket();
  loop->end_of_wakeup();
  return G_SOURCE_CONTINUE;
}

gboolean EngineLoop::on_deadline(gpointer self) {
  auto* loop = static_cast<EngineLoop*>(self);
  loop->armed_for_ = -1;
  ++loop->counters_.timer_wakeups;
  loop->run_timers();
  loop->end_of_wakeup();
  return G_SOURCE_CONTINUE;
}

void EngineLoop::run_timers() {
  auto now = monotonic_now();
  auto due = engine_.poll_timeout();
  if (due && *due <= now) engine_.handle_timeout(now);
  flush();
}

void EngineLoop::drain_socket() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto received = socket_.receive_batch();
    if (received.empty()) break;
    auto now = monotonic_now();
    for (const auto& d : received) {
      ++counters_.datagrams_in;
      counters_.bytes_in += d.bytes.size();
      if (tap_) tap_->on_datagram(d.from, seen_local(d.from), d.bytes);
      engine_.handle_datagram(d.from, d.bytes, now);
    }
    // Answers to this batch leave before the next batch is read.
    flush();
    if (received.size() < UdpSocket::kBatch) break;
  }
}

void EngineLoop::flush() {
  for (;;) {
    std::size_t n = 0;
    while (n < outgoing_.size() && engine_.poll_transmit(outgoing_[n])) ++n;
    if (n == 0) break;
    batch_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      batch_.push_back({outgoing_[i].peer, outgoing_[i].bytes});
      counters_.bytes_out += outgoing_[i].bytes.size();
      if (tap_) tap_->on_datagram(seen_local(outgoing_[i].peer), outgoing_[i].peer, outgoing_[i].bytes);
    }
    counters_.datagrams_out += socket_.send_batch(batch_);
    if (n < outgoing_.size()) break;
  }
  rearm();
}

void EngineLoop::rearm() {
  auto due = engine_.poll_timeout();
  gint64 ready = due ? gint64(due->time_since_epoch().count()) * 1000 : -1;
  if (ready != armed_for_) {
    armed_for_ = ready;
    g_source_set_ready_time(deadline_source_, ready);
  }
}

void EngineLoop::end_of_wakeup() {
  if (after_wakeup_) after_wakeup_();
  if (tap_) tap_->end_of_wakeup();
  // The program may have called into the engine from after_wakeup_.
  rearm();
}

LoopCounters EngineLoop::counters() const {
  LoopCounters c = counters_;
  c.send_failures = socket_.send_failures();
  c.receive_errors = socket_.receive_errors();
  return c;
}

}  // namespace imup::io
