// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture/capture_reader.hpp"

#include <pcap/pcap.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

namespace imup::capture {
namespace {

constexpr std::size_t kReadBuffer = 1 << 20;

// libpcap reports DLT_ values, which differ from the files' LINKTYPE_
// values for some types (DLT_RAW is 12 on Linux, 14 on OpenBSD).
std::optional<packet::LinkType> link_of_dlt(int dlt) {
  switch (dlt) {
    case DLT_EN10MB: return packet::LinkType::Ethernet;
    case DLT_LINUX_SLL: return packet::LinkType::LinuxSll;
    case DLT_LINUX_SLL2: return packet::LinkType::LinuxSll2;
    case DLT_RAW: return packet::LinkType::Raw;
    case DLT_IPV4: return packet::LinkType::Ipv4;
    case DLT_NULL: return packet::LinkType::Null;
    case DLT_LOOP: return packet::LinkType::Loop;
  }
  return std::nullopt;
}

}  // namespace

struct CaptureReader::Impl {
  std::unique_ptr<char[]> buffer;  // stdio's buffer for the capture file: outlives the handle
  pcap_t* handle = nullptr;
  int dlt = 0;
  packet::LinkType link = packet::LinkType::Ethernet;
  ~Impl() {
    if (handle) pcap_close(handle);
  }
};

std::unique_ptr<CaptureReader::Impl> CaptureReader::open(const std::string& path) {
  auto impl = std::make_unique<CaptureReader::Impl>();
  char err[PCAP_ERRBUF_SIZE] = {};
  // libpcap reads through stdio, two fread calls per frame; with stdio's
  // default 4 KiB buffer that is a read system call every few dozen frames.
  // A 1 MiB buffer (set before the first read) makes those calls rare, and
  // the kernel is told the reading is sequential.
  std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!file) throw CaptureReadError(path + ": " + std::strerror(errno));
  if (file != stdin) {  // stdin outlives this reader, and so would its buffer
    impl->buffer = std::make_unique_for_overwrite<char[]>(kReadBuffer);
    std::setvbuf(file, impl->buffer.get(), _IOFBF, kReadBuffer);
    posix_fadvise(fileno(file), 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint only
  }
  impl->handle = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!impl->handle) {
    if (file != stdin) std::fclose(file);
    throw CaptureReadError(path + ": " + err);
  }
  impl->dlt = pcap_datalink(impl->handle);
  std::optional<packet::LinkType> link = link_of_dlt(impl->dlt);
  if (!link) {
    const char* name = pcap_datalink_val_to_name(impl->dlt);
    throw CaptureReadError(path + ": unsupported link type " + std::to_string(impl->dlt) + " (" +
                           (name ? name : "?") + ")");
  }
  impl->link = *link;
  return impl;
}

CaptureReader::CaptureReader(const std::string& path)
    : impl_(open(path)), decoder_(impl_->link) {}

CaptureReader::~CaptureReader() = default;

std::string_view CaptureReader::link_type_name() const {
  const char* n = pcap_datalink_val_to_name(impl_->dlt);
  return n ? n : "unknown";
}

bool CaptureReader::next(Datagram& out) {
  for (;;) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(impl_->handle, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) return false;
    if (rc != 1) throw CaptureReadError(pcap_geterr(impl_->handle));
    ++frames_;
    packet::Timestamp when{hdr->ts.tv_sec, std::uint32_t(hdr->ts.tv_usec)};  // nanoseconds here
    if (decoder_.decode(frames_, data, hdr->caplen, hdr->len, when, out)) return true;
  }
}

void CaptureReader::read_all(Sink sink, void* context) {
  // libpcap's loop calls back through C: an exception must not cross it, so
  // one thrown by the sink is held, the loop broken, and the exception
  // rethrown here.
  struct Loop {
    CaptureReader* reader;
    Sink sink;
    void* context;
    std::exception_ptr failure;
    Datagram d;
  } loop{this, sink, context, nullptr, {}};
  auto each_frame = [](u_char* user, const pcap_pkthdr* hdr, const u_char* data) {
    auto& l = *reinterpret_cast<Loop*>(user);
    CaptureReader& r = *l.reader;
    ++r.frames_;
    packet::Timestamp when{hdr->ts.tv_sec, std::uint32_t(hdr->ts.tv_usec)};  // nanoseconds here
    try {
      if (r.decoder_.decode(r.frames_, data, hdr->caplen, hdr->len, when, l.d)) [[likely]]
        l.sink(l.context, l.d);
    } catch (...) {
      l.failure = std::current_exception();
      pcap_breakloop(r.impl_->handle);
    }
  };
  for (;;) {
    int rc = pcap_dispatch(impl_->handle, -1, each_frame, reinterpret_cast<u_char*>(&loop));
    if (loop.failure) std::rethrow_exception(loop.failure);
    if (rc == 0 || rc == PCAP_ERROR_BREAK) return;  // the end of the capture
    if (rc < 0) throw CaptureReadError(pcap_geterr(impl_->handle));
  }
}

}  // namespace imup::capture
