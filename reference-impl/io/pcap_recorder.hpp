// SPDX-License-Identifier: GPL-2.0-or-later
// --record FILE.pcapng: every datagram a program sends and receives, written
// as raw IPv4 packets with synthesized IPv4/UDP headers (imup_capture), so that a
// deployment can be looked at in Wireshark without root or a capture device.
#pragma once

#include <memory>
#include <string>

#include "io/engine_loop.hpp"
#include "capture/capture_writer.hpp"

namespace imup::io {

class PcapRecorder final : public DatagramTap {
 public:
  // Throws capture::CaptureError when the file cannot be created. The format
  // follows the name: .pcapng -> pcapng, anything else classic pcap.
  explicit PcapRecorder(const std::string& path);
  void on_datagram(const Endpoint& source, const Endpoint& destination,
                   std::span<const std::uint8_t> bytes) override;
  void end_of_wakeup() override;
  // Flushes and closes; returns the error text if the file could not be completed.
  std::string close();
  std::uint64_t frames() const { return writer_.frames_written(); }

 private:
  capture::CaptureWriter writer_;
  bool failed_ = false;
};

}  // namespace imup::io
