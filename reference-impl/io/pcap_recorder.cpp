// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/pcap_recorder.hpp"

#include <glib.h>

namespace imup::io {

PcapRecorder::PcapRecorder(const std::string& path)
    : writer_(path, capture::format_for_path(path), packet::LinkType::Raw) {}

void PcapRecorder::on_datagram(const Endpoint& source, const Endpoint& destination,
                               std::span<const std::uint8_t> bytes) {
  if (failed_) return;
  try {
    writer_.write(packet::Timestamp::now(), source, destination, bytes);
  } catch (const capture::CaptureError& e) {
    // A full disk must not stop the server: recording stops, serving goes on.
    failed_ = true;
    g_warning("recording stopped: %s", e.what());
  }
}

void PcapRecorder::end_of_wakeup() {
  if (failed_) return;
  try {
    writer_.flush();
  } catch (const capture::CaptureError& e) {
    failed_ = true;
    g_warning("recording stopped: %s", e.what());
  }
}

std::string PcapRecorder::close() {
  try {
    writer_.close();
  } catch (const capture::CaptureError& e) {
    return e.what();
  }
  return {};
}

}  // namespace imup::io
