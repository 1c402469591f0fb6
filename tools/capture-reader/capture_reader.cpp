// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture_reader.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "common/byte_order.hpp"
#include "ipv4_reassembly.hpp"
#include "pcap/internet_checksum.hpp"

namespace imup::capture {
namespace {

constexpr std::int64_t kFragmentTimeoutNs = 30'000'000'000;  // as Linux's ipfrag_time
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
using pcap::ipv4_header_ok;   // the checks, inline from the one Internet checksum
using pcap::udp_checksum_ok;

// A UDP checksum that does not verify: what a capture on the sender shows
// with checksum offload (the stack leaves the pseudo-header sum in the field
// for the NIC to finish), or simply wrong.
ChecksumState wrong_udp_sum(std::uint16_t field, std::uint32_t src_ip, std::uint32_t dst_ip,
                            std::size_t udp_len) {
  std::uint16_t partial = pcap::fold64(pcap::udp_pseudo_header_sum(src_ip, dst_ip, udp_len));
  return field == partial || field == std::uint16_t(~partial) ? ChecksumState::OffloadArtefact
                                                              : ChecksumState::Bad;
}

}  // namespace

constexpr std::size_t kReadBuffer = 1 << 20;

struct CaptureReader::Impl {
  std::unique_ptr<char[]> buffer;  // stdio's buffer for the capture file: outlives the handle
  pcap_t* handle = nullptr;
  int dlt = 0;
  Ipv4Reassembler reassembler;
  std::int64_t last_expiry_ns = 0;
};

void finish_udp_checksum(Datagram& d) {
  if (d.udp_checksum != ChecksumState::Deferred) return;
  const std::uint8_t* udp = d.payload.data() - 8;
  const std::size_t udp_len = d.payload.size() + 8;
  d.udp_checksum = udp_checksum_ok(htonl(d.src.ipv4), htonl(d.dst.ipv4), udp, udp_len)
                       ? ChecksumState::Good
                       : wrong_udp_sum(load_be16(udp + 6), d.src.ipv4, d.dst.ipv4, udp_len);
}

CaptureReader::CaptureReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  char err[PCAP_ERRBUF_SIZE] = {};
  // libpcap reads through stdio, two fread calls per frame; with stdio's
  // default 4 KiB buffer that is a read system call every few dozen frames.
  // A 1 MiB buffer (set before the first read) makes those calls rare, and
  // the kernel is told the reading is sequential.
  std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!file) throw CaptureReadError(path + ": " + std::strerror(errno));
  if (file != stdin) {  // stdin outlives this reader, and so would its buffer
    impl_->buffer = std::make_unique_for_overwrite<char[]>(kReadBuffer);
    std::setvbuf(file, impl_->buffer.get(), _IOFBF, kReadBuffer);
    posix_fadvise(fileno(file), 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint only
  }
  impl_->handle = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!impl_->handle) {
    if (file != stdin) std::fclose(file);
    throw CaptureReadError(path + ": " + err);
  }
  impl_->dlt = pcap_datalink(impl_->handle);
  switch (impl_->dlt) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_RAW: case DLT_IPV4:
    case DLT_NULL: case DLT_LOOP:
      break;
    default:
      pcap_close(impl_->handle);
      impl_->handle = nullptr;
      throw CaptureReadError(path + ": unsupported link type " + std::to_string(impl_->dlt) +
                             " (" + (pcap_datalink_val_to_name(impl_->dlt)
                                         ? pcap_datalink_val_to_name(impl_->dlt)
                                         : "?") +
                             ")");
  }
}

CaptureReader::~CaptureReader() {
  if (impl_->handle) pcap_close(impl_->handle);
}

int CaptureReader::link_type() const { return impl_->dlt; }

std::string_view CaptureReader::link_type_name() const {
  const char* n = pcap_datalink_val_to_name(impl_->dlt);
  return n ? n : "unknown";
}

// The commonest frame by far, in one straight line: untagged Ethernet, IPv4
// without options, not a fragment, UDP whose lengths agree, captured whole.
// Returns false, having changed nothing, for any other frame: next() then
// takes the general path below, which handles (and reports) everything; for
// the frames accepted here both paths give the same Datagram.
inline bool CaptureReader::fast_path(const std::uint8_t* p, std::size_t n, bool whole,
                                     pcap::Timestamp when, Datagram& out) {
  constexpr std::size_t kEthernet = 14, kIp = 20, kUdp = 8;
  if (!whole || n < kEthernet + kIp + kUdp || load_be16(p + 12) != kEtherTypeIpv4) return false;
  const std::uint8_t* ip = p + kEthernet;
  std::size_t total = load_be16(ip + 2);
  // Version 4 with a 20-byte header, UDP, neither MF nor an offset, and the
  // IP total length within what was captured.
  if (ip[0] != 0x45 || ip[9] != 17 || (load_be16(ip + 6) & 0x3FFF) != 0 || total < kIp + kUdp ||
      total > n - kEthernet)
    return false;
  const std::uint8_t* u = ip + kIp;
  std::size_t udp_len = load_be16(u + 4);
  if (udp_len < kUdp || udp_len > total - kIp) return false;

  std::int64_t now = when.to_ns();
  if (now - impl_->last_expiry_ns > 1'000'000'000) return false;  // the general path expires
  std::uint32_t src_ip = load_be32(ip + 12), dst_ip = load_be32(ip + 16);
  if (ipv4_header_ok(ip, kIp)) out.ip_checksum = ChecksumState::Good;
  else if (load_be16(ip + 10) == 0) out.ip_checksum = ChecksumState::OffloadArtefact;
  else out.ip_checksum = ChecksumState::Bad;
  std::uint16_t udp_sum = load_be16(u + 6);
  std::uint32_t src_net, dst_net;
  std::memcpy(&src_net, ip + 12, 4);
  std::memcpy(&dst_net, ip + 16, 4);
  if (udp_sum == 0) out.udp_checksum = ChecksumState::Absent;
  else if (defer_udp_checksums_) out.udp_checksum = ChecksumState::Deferred;
  else if (udp_checksum_ok(src_net, dst_net, u, udp_len)) [[likely]]
    out.udp_checksum = ChecksumState::Good;
  else out.udp_checksum = wrong_udp_sum(udp_sum, src_ip, dst_ip, udp_len);
  out.fragments = 1;
  out.frame = frames_;
  out.when = when;
  out.src = Endpoint{src_ip, load_be16(u)};
  out.dst = Endpoint{dst_ip, load_be16(u + 2)};
  out.payload = std::span<const std::uint8_t>(u + kUdp, udp_len - kUdp);
  return true;
}

bool CaptureReader::next(Datagram& out) {
  for (;;) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(impl_->handle, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) return false;
    if (rc != 1) throw CaptureReadError(pcap_geterr(impl_->handle));
    ++frames_;
    pcap::Timestamp when{hdr->ts.tv_sec, std::uint32_t(hdr->ts.tv_usec)};  // nanoseconds here
    if (impl_->dlt == DLT_EN10MB && fast_path(data, hdr->caplen, hdr->caplen == hdr->len, when, out))
      [[likely]] return true;
    if (any_frame(*hdr, data, when, out)) return true;
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
    pcap::Timestamp when{hdr->ts.tv_sec, std::uint32_t(hdr->ts.tv_usec)};  // nanoseconds here
    try {
      if ((r.impl_->dlt == DLT_EN10MB &&
           r.fast_path(data, hdr->caplen, hdr->caplen == hdr->len, when, l.d)) ||
          r.any_frame(*hdr, data, when, l.d)) [[likely]]
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

// Every other frame (out of line, so that next() stays a short loop): false
// when the frame holds no UDP datagram, or only a fragment of one so far.
bool CaptureReader::any_frame(const pcap_pkthdr& frame, const std::uint8_t* data,
                              pcap::Timestamp when, Datagram& out) {
  const pcap_pkthdr* hdr = &frame;
  const std::uint8_t* p = data;
  std::size_t n = hdr->caplen;
  const std::int64_t frame_ns = when.to_ns();
  auto report = [&](std::string_view code, std::string detail) {
    if (on_problem_) on_problem_(FrameProblem{frames_, code, std::move(detail), frame_ns});
  };
  // Link layer -> start of an IPv4 packet, or skip the frame.
  bool ipv4 = false;
  switch (impl_->dlt) {
    case DLT_EN10MB: {
      if (n < 14) break;
      std::size_t at = 12;
      std::uint16_t type = load_be16(p + at);
      while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && n >= at + 6) {
        at += 4;
        type = load_be16(p + at);
      }
      if (type == kEtherTypeIpv4) {
        p += at + 2;
        n -= at + 2;
        ipv4 = true;
      }
      break;
    }
    case DLT_LINUX_SLL:
      if (n >= 16 && load_be16(p + 14) == kEtherTypeIpv4) {
        p += 16;
        n -= 16;
        ipv4 = true;
      }
      break;
    case DLT_LINUX_SLL2:
      if (n >= 20 && load_be16(p) == kEtherTypeIpv4) {
        p += 20;
        n -= 20;
        ipv4 = true;
      }
      break;
    case DLT_NULL:
    case DLT_LOOP: {
      // AF_INET is 2 everywhere; NULL stores it in the writer's byte order.
      if (n >= 4 && (load_be32(p) == 2 || (impl_->dlt == DLT_NULL && load_be32(p) == 0x02000000))) {
        p += 4;
        n -= 4;
        ipv4 = true;
      }
      break;
    }
    default:  // raw IP
      ipv4 = true;
  }
  if (!ipv4 || n < 1 || (p[0] >> 4) != 4) {
    ++skipped_;
    return false;
  }
  if (n < 20) {
    report("truncated_frame", "frame ends inside the IPv4 header");
    ++skipped_;
    return false;
  }
  std::size_t ihl = std::size_t(p[0] & 0xF) * 4;
  std::size_t total = load_be16(p + 2);
  if (ihl < 20 || total < ihl) {
    report("bad_ip_header", "IPv4 header length " + std::to_string(ihl) + ", total length " +
                                std::to_string(total));
    ++skipped_;
    return false;
  }
  if (p[9] != 17) {
    ++skipped_;
    return false;
  }
  bool snapped = hdr->caplen < hdr->len;
  if (n < total) {
    if (!snapped || n < ihl + 8) {
      report("truncated_frame", "IPv4 total length " + std::to_string(total) + " but " +
                                    std::to_string(n) + " bytes captured");
      ++skipped_;
      return false;
    }
    total = n;  // snapped capture: use what is there, checksums unverifiable
  }
  std::uint32_t src_ip = load_be32(p + 12), dst_ip = load_be32(p + 16);
  std::uint16_t ip_sum = load_be16(p + 10);
  if (ipv4_header_ok(p, ihl)) out.ip_checksum = ChecksumState::Good;
  else if (ip_sum == 0) out.ip_checksum = ChecksumState::OffloadArtefact;
  else out.ip_checksum = ChecksumState::Bad;

  std::uint16_t flags_offset = load_be16(p + 6);
  bool more = flags_offset & 0x2000;
  std::size_t frag_offset = std::size_t(flags_offset & 0x1FFF) * 8;
  std::span<const std::uint8_t> ip_payload{p + ihl, total - ihl};
  out.fragments = 1;

  std::int64_t now = frame_ns;
  if (now - impl_->last_expiry_ns > 1'000'000'000) {
    impl_->last_expiry_ns = now;
    if (std::size_t k = impl_->reassembler.expire(now, kFragmentTimeoutNs))
      report("fragment_timeout", std::to_string(k) +
                                     " IPv4 datagram(s) never completed within 30 s");
  }
  if (more || frag_offset != 0) {
    Ipv4Reassembler::Key key{src_ip, dst_ip, load_be16(p + 4), 17};
    std::span<const std::uint8_t> whole;
    std::uint16_t count = 0;
    Ipv4Reassembler::Result also{};
    auto r = impl_->reassembler.add(key, frag_offset, more, ip_payload, now, whole, count, also);
    if (also == Ipv4Reassembler::Result::Overlap)
      report("fragment_overlap", "IPv4 fragment overlaps bytes already received");
    if (also == Ipv4Reassembler::Result::TableFull)
      report("fragment_table_full", "too many IPv4 datagrams in reassembly; oldest dropped");
    if (r == Ipv4Reassembler::Result::TooBig)
      report("bad_ip_header", "IPv4 fragment beyond 65,535 bytes");
    if (r != Ipv4Reassembler::Result::Complete) return false;
    ip_payload = whole;
    out.fragments = count;
    snapped = false;
  }

  if (ip_payload.size() < 8) {
    report("truncated_frame", "frame ends inside the UDP header");
    ++skipped_;
    return false;
  }
  const std::uint8_t* u = ip_payload.data();
  std::size_t udp_len = load_be16(u + 4);
  if (udp_len < 8 || udp_len > ip_payload.size()) {
    if (!(snapped && udp_len > ip_payload.size())) {
      report("bad_udp_length", "UDP length " + std::to_string(udp_len) + " but " +
                                   std::to_string(ip_payload.size()) + " bytes of IP payload");
    }
    udp_len = ip_payload.size();
  }
  std::uint16_t udp_sum = load_be16(u + 6);
  if (snapped) {
    out.udp_checksum = ChecksumState::Unchecked;
  } else if (udp_sum == 0) {
    out.udp_checksum = ChecksumState::Absent;
  } else {
    out.udp_checksum = udp_checksum_ok(htonl(src_ip), htonl(dst_ip), u, udp_len)
                           ? ChecksumState::Good
                           : wrong_udp_sum(udp_sum, src_ip, dst_ip, udp_len);
  }
  out.frame = frames_;
  out.when = when;
  out.src = Endpoint{src_ip, load_be16(u)};
  out.dst = Endpoint{dst_ip, load_be16(u + 2)};
  out.payload = ip_payload.subspan(8, udp_len - 8);
  return true;
}

}  // namespace imup::capture
