// SPDX-License-Identifier: GPL-2.0-or-later
// Writing capture files (the frames crafted by packet/udp_frame.hpp): classic pcap (micro- or nanosecond timestamps) and
// pcapng (written block by block here, since libpcap cannot write pcapng).
// Used by imup-craft and by the reference server's `--record FILE.pcapng`.
//
//   imup::capture::CaptureWriter out("trace.pcapng", imup::capture::CaptureFormat::Pcapng);
//   out.write(imup::packet::Timestamp::now(), client, server, datagram);
//
// Errors (unwritable path, disk full) throw imup::capture::CaptureError.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "codec/message.hpp"  // imup::Endpoint
#include "packet/timestamp.hpp"
#include "packet/udp_frame.hpp"

namespace imup::capture {

using packet::FrameOptions;
using packet::LinkType;
using packet::Timestamp;

enum class CaptureFormat : std::uint8_t {
  PcapMicro,  // classic pcap, microsecond timestamps (magic a1b2c3d4)
  PcapNano,   // classic pcap, nanosecond timestamps (magic a1b23c4d)
  Pcapng,     // pcapng: SHB + one IDB (if_tsresol = 9) + one EPB per frame
};
// "pcap" / "pcap-usec", "pcap-nsec", "pcapng"; nullopt on anything else.
std::optional<CaptureFormat> parse_capture_format(std::string_view name);
// The format a file name suggests: ".pcapng" -> Pcapng, else PcapMicro.
CaptureFormat format_for_path(std::string_view path);

class CaptureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CaptureWriter {
 public:
  // `path` "-" writes to standard output. The file header is written at once.
  CaptureWriter(const std::string& path, CaptureFormat format,
                LinkType link = LinkType::Ethernet);
  // Writes to an open descriptor, which the writer does not close.
  CaptureWriter(int fd, CaptureFormat format, LinkType link = LinkType::Ethernet);
  ~CaptureWriter();  // flushes; errors at that point are lost: call close() to see them
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // One UDP datagram from `src` to `dst`, wrapped in a frame of the file's
  // link type with correct IPv4 and UDP checksums. Payloads too big for one
  // IPv4 packet throw CaptureError.
  void write(Timestamp when, Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload);
  // The same with every frame field controllable (VLAN tags, TTL, IP id,
  // forced or broken checksums, fragmentation): one or more frames.
  void write(Timestamp when, Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload,
             const FrameOptions& options);
  // A whole frame of the file's link type, written as given. `original_length`
  // 0 means the frame's own size (a longer one records a snapped frame).
  void write_frame(Timestamp when, std::span<const std::uint8_t> frame,
                   std::uint32_t original_length = 0);

  // Output is buffered; flush() pushes it to the file, close() flushes and
  // closes (both throw CaptureError on failure). With flush_each_frame(true)
  // every write reaches the file at once (for live recording).
  void flush();
  void close();
  void flush_each_frame(bool on) { flush_each_ = on; }

  CaptureFormat format() const { return format_; }
  LinkType link_type() const { return link_; }
  std::uint64_t frames_written() const { return frames_; }

 private:
  void write_file_header();
  void append(const void* data, std::size_t size);
  void maybe_flush();

  int fd_ = -1;
  bool owns_fd_ = false;
  CaptureFormat format_;
  LinkType link_;
  bool flush_each_ = false;
  std::uint64_t frames_ = 0;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> frame_;              // scratch for write()
  std::vector<std::vector<std::uint8_t>> frags_; // scratch for fragmented writes
};

}  // namespace imup::capture
