// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture/capture_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imup::capture {
namespace {

constexpr std::uint32_t kSnapLength = 262144;
constexpr std::size_t kFlushThreshold = 1 << 20;
constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kBlockSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kBlockInterface = 0x00000001;
constexpr std::uint32_t kBlockEnhancedPacket = 0x00000006;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptShbUserAppl = 4;
constexpr std::uint16_t kOptIfTsresol = 9;

std::size_t pad4(std::size_t n) { return (n + 3) & ~std::size_t(3); }

// Records are written in the host's byte order, as libpcap does; the magic
// numbers let readers on any machine tell which that was.
template <typename T>
void put(std::vector<std::uint8_t>& b, T v) {
  auto at = b.size();
  b.resize(at + sizeof v);
  std::memcpy(b.data() + at, &v, sizeof v);
}

}  // namespace

std::optional<CaptureFormat> parse_capture_format(std::string_view name) {
  if (name == "pcap" || name == "pcap-usec" || name == "usec") return CaptureFormat::PcapMicro;
  if (name == "pcap-nsec" || name == "nsec") return CaptureFormat::PcapNano;
  if (name == "pcapng") return CaptureFormat::Pcapng;
  return std::nullopt;
}

CaptureFormat format_for_path(std::string_view path) {
  return path.ends_with(".pcapng") ? CaptureFormat::Pcapng : CaptureFormat::PcapMicro;
}

CaptureWriter::CaptureWriter(const std::string& path, CaptureFormat format, LinkType link)
    : format_(format), link_(link) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw CaptureError("cannot open " + path + ": " + std::strerror(errno));
    owns_fd_ = true;
  }
  buffer_.reserve(kFlushThreshold + 70000);
  write_file_header();
}

CaptureWriter::CaptureWriter(int fd, CaptureFormat format, LinkType link)
    : fd_(fd), format_(format), link_(link) {
  buffer_.reserve(kFlushThreshold + 70000);
  write_file_header();
}

CaptureWriter::~CaptureWriter() {
  try {
    close();
  } catch (const CaptureError&) {
    // A destructor cannot report; callers who care call close() themselves.
  }
}

void CaptureWriter::write_file_header() {
  if (format_ == CaptureFormat::Pcapng) {
    static constexpr char kApp[] = "imup";
    std::size_t app_len = sizeof kApp - 1;
    std::uint32_t shb_len = std::uint32_t(28 + 4 + pad4(app_len) + 4);
    put<std::uint32_t>(buffer_, kBlockSectionHeader);
    put<std::uint32_t>(buffer_, shb_len);
    put<std::uint32_t>(buffer_, kByteOrderMagic);
    put<std::uint16_t>(buffer_, 1);
    put<std::uint16_t>(buffer_, 0);
    put<std::int64_t>(buffer_, -1);  // section length unknown: we stream
    put<std::uint16_t>(buffer_, kOptShbUserAppl);
    put<std::uint16_t>(buffer_, std::uint16_t(app_len));
    append(kApp, app_len);
    buffer_.resize(buffer_.size() + pad4(app_len) - app_len, 0);
    put<std::uint16_t>(buffer_, kOptEnd);
    put<std::uint16_t>(buffer_, 0);
    put<std::uint32_t>(buffer_, shb_len);

    std::uint32_t idb_len = 20 + 8 + 4;
    put<std::uint32_t>(buffer_, kBlockInterface);
    put<std::uint32_t>(buffer_, idb_len);
    put<std::uint16_t>(buffer_, std::uint16_t(link_));
    put<std::uint16_t>(buffer_, 0);
    put<std::uint32_t>(buffer_, kSnapLength);
    put<std::uint16_t>(buffer_, kOptIfTsresol);
    put<std::uint16_t>(buffer_, 1);
    put<std::uint32_t>(buffer_, 9);  // 10^-9 s units; the 3 padding bytes are 0
    put<std::uint16_t>(buffer_, kOptEnd);
    put<std::uint16_t>(buffer_, 0);
    put<std::uint32_t>(buffer_, idb_len);
  } else {
    put<std::uint32_t>(buffer_,
                       format_ == CaptureFormat::PcapNano ? kPcapMagicNano : kPcapMagicMicro);
    put<std::uint16_t>(buffer_, 2);
    put<std::uint16_t>(buffer_, 4);
    put<std::int32_t>(buffer_, 0);
    put<std::uint32_t>(buffer_, 0);
    put<std::uint32_t>(buffer_, kSnapLength);
    put<std::uint32_t>(buffer_, std::uint32_t(link_));
  }
  maybe_flush();
}

void CaptureWriter::append(const void* data, std::size_t size) {
  auto at = buffer_.size();
  buffer_.resize(at + size);
  if (size) std::memcpy(buffer_.data() + at, data, size);
}

void CaptureWriter::write(Timestamp when, Endpoint src, Endpoint dst,
                          std::span<const std::uint8_t> payload) {
  if (!packet::build_udp_frame(link_, FrameOptions{}, std::uint16_t(frames_), src, dst, payload,
                       frame_))
    throw CaptureError("datagram of " + std::to_string(payload.size()) +
                       " bytes does not fit an IPv4 packet");
  write_frame(when, frame_);
}

void CaptureWriter::write(Timestamp when, Endpoint src, Endpoint dst,
                          std::span<const std::uint8_t> payload, const FrameOptions& options) {
  if (!packet::build_udp_frames(link_, options, std::uint16_t(frames_), src, dst, payload, frags_))
    throw CaptureError("datagram of " + std::to_string(payload.size()) +
                       " bytes does not fit an IPv4 packet");
  for (const auto& f : frags_) write_frame(when, f);
}

void CaptureWriter::write_frame(Timestamp when, std::span<const std::uint8_t> frame,
                                std::uint32_t original_length) {
  if (fd_ < 0) throw CaptureError("capture already closed");
  if (frame.size() > kSnapLength) throw CaptureError("frame longer than the snap length");
  auto caplen = std::uint32_t(frame.size());
  auto origlen = std::max(original_length, caplen);
  if (format_ == CaptureFormat::Pcapng) {
    std::uint32_t len = std::uint32_t(28 + pad4(caplen) + 4);
    auto units = std::uint64_t(when.to_ns());
    put<std::uint32_t>(buffer_, kBlockEnhancedPacket);
    put<std::uint32_t>(buffer_, len);
    put<std::uint32_t>(buffer_, 0);
    put<std::uint32_t>(buffer_, std::uint32_t(units >> 32));
    put<std::uint32_t>(buffer_, std::uint32_t(units));
    put<std::uint32_t>(buffer_, caplen);
    put<std::uint32_t>(buffer_, origlen);
    append(frame.data(), caplen);
    buffer_.resize(buffer_.size() + pad4(caplen) - caplen, 0);
    put<std::uint32_t>(buffer_, len);
  } else {
    std::uint32_t frac = format_ == CaptureFormat::PcapNano ? when.nsec : when.nsec / 1000;
    put<std::uint32_t>(buffer_, std::uint32_t(when.sec));
    put<std::uint32_t>(buffer_, frac);
    put<std::uint32_t>(buffer_, caplen);
    put<std::uint32_t>(buffer_, origlen);
    append(frame.data(), caplen);
  }
  ++frames_;
  maybe_flush();
}

void CaptureWriter::maybe_flush() {
  if (flush_each_ || buffer_.size() >= kFlushThreshold) flush();
}

void CaptureWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      buffer_.clear();
      throw CaptureError(std::string("cannot write capture: ") + std::strerror(e));
    }
    done += std::size_t(n);
  }
  buffer_.clear();
}

void CaptureWriter::close() {
  if (fd_ < 0) return;
  try {
    flush();
  } catch (...) {
    if (owns_fd_) ::close(fd_);
    fd_ = -1;
    throw;
  }
  int fd = fd_;
  fd_ = -1;
  if (owns_fd_ && ::close(fd) != 0)
    throw CaptureError(std::string("cannot close capture: ") + std::strerror(errno));
}

}  // namespace imup::capture
