// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture/capture_reader.hpp"

#include <pcap/pcap.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "capture/capture_writer.hpp"

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

// A frame's time in nanoseconds: `scale` 1 when libpcap gives nanoseconds,
// 1000 when a live capture could only give microseconds.
packet::Timestamp timestamp_of(const pcap_pkthdr* hdr, std::uint32_t scale) {
  return packet::Timestamp{hdr->ts.tv_sec, std::uint32_t(hdr->ts.tv_usec) * scale};
}

}  // namespace

struct CaptureReader::Impl {
  std::unique_ptr<char[]> buffer;  // stdio's buffer for the capture file: outlives the handle
  pcap_t* handle = nullptr;
  int dlt = 0;
  packet::LinkType link = packet::LinkType::Ethernet;
  std::uint32_t subsecond_scale = 1;
  bool live = false;
  int wait_fd = -1;  // a streaming input's descriptor, polled by input_ready(); -1 for a file
  ~Impl() {
    if (handle) pcap_close(handle);
  }
  // The handle's link type, or a CaptureReadError naming `what`.
  void take_link_type(const std::string& what) {
    dlt = pcap_datalink(handle);
    std::optional<packet::LinkType> l = link_of_dlt(dlt);
    if (!l) {
      const char* name = pcap_datalink_val_to_name(dlt);
      throw CaptureReadError(what + ": unsupported link type " + std::to_string(dlt) + " (" +
                             (name ? name : "?") + ")");
    }
    link = *l;
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
  impl->take_link_type(path);
  // A pipe or a terminal may pause: its reader hands on what it has read
  // before waiting (ReadAhead), so each datagram is judged when it comes.
  struct stat st {};
  if (file == stdin && (fstat(fileno(stdin), &st) != 0 || !S_ISREG(st.st_mode)))
    impl->wait_fd = fileno(stdin);
  return impl;
}

std::unique_ptr<CaptureReader::Impl> CaptureReader::open_live(const LiveCaptureOptions& o) {
  auto impl = std::make_unique<CaptureReader::Impl>();
  const std::string where = "cannot capture on interface '" + o.interface + "'";
  char err[PCAP_ERRBUF_SIZE] = {};
  impl->handle = pcap_create(o.interface.c_str(), err);
  if (!impl->handle) throw LiveCaptureError(where + ": " + err, false);
  pcap_t* h = impl->handle;
  // Each setter fails only on a handle already activated (libpcap marks
  // them warn_unused_result from 1.10.5): checked all the same, by name.
  auto set = [&](int result, const char* what) {
    if (result != 0) throw LiveCaptureError(where + ": " + what + ": " + pcap_statustostr(result), false);
  };
  set(pcap_set_snaplen(h, o.snapshot_bytes), "snapshot length");
  set(pcap_set_promisc(h, 0), "promiscuous mode");
  // Immediate mode: each frame is readable when it arrives, not when a
  // block of the ring fills or its timeout runs out. Blocks (Linux's
  // TPACKET_V3) pack frames tightly and wake the reader once a block: far
  // higher rates, each frame at most block_timeout_ms late.
  if (o.block_timeout_ms > 0) set(pcap_set_timeout(h, o.block_timeout_ms), "block timeout");
  else set(pcap_set_immediate_mode(h, 1), "immediate mode");
  set(pcap_set_buffer_size(h, o.buffer_bytes), "buffer size");
  // Nanoseconds where the device offers them; refused, microseconds (read
  // back below), which is no error.
  if (pcap_set_tstamp_precision(h, PCAP_TSTAMP_PRECISION_NANO) != 0) impl->subsecond_scale = 1000;
  int rc = pcap_activate(h);
  if (rc < 0) {
    std::string detail = pcap_geterr(h);
    std::string why;
    bool permission = false;
    switch (rc) {
      case PCAP_ERROR_PERM_DENIED:
      case PCAP_ERROR_PROMISC_PERM_DENIED:
        why = "permission denied: a live capture needs root, or the capabilities CAP_NET_RAW and "
              "CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip on the program)";
        permission = true;
        break;
      case PCAP_ERROR_NO_SUCH_DEVICE: why = "no such interface (`ip link` lists them)"; break;
      case PCAP_ERROR_IFACE_NOT_UP: why = "the interface is not up"; break;
      default: why = pcap_statustostr(rc);
    }
    if (!detail.empty()) why += " (libpcap: " + detail + ")";
    throw LiveCaptureError(where + ": " + why, permission);
  }
  if (pcap_get_tstamp_precision(h) != PCAP_TSTAMP_PRECISION_NANO) impl->subsecond_scale = 1000;
  impl->take_link_type(where);
  if (!o.filter.empty()) {
    bpf_program program{};
    if (pcap_compile(h, &program, o.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
      throw LiveCaptureError(where + ": the filter '" + o.filter + "' does not compile: " + pcap_geterr(h),
                             false);
    rc = pcap_setfilter(h, &program);
    pcap_freecode(&program);
    if (rc != 0) throw LiveCaptureError(where + ": the filter was refused: " + pcap_geterr(h), false);
  }
  if (pcap_setnonblock(h, 1, err) != 0) throw LiveCaptureError(where + ": " + err, false);
  impl->wait_fd = pcap_get_selectable_fd(h);
  if (impl->wait_fd < 0) throw LiveCaptureError(where + ": no descriptor to wait on", false);
  impl->live = true;
  return impl;
}

CaptureReader::CaptureReader(const std::string& path)
    : impl_(open(path)), decoder_(impl_->link) {}

CaptureReader::CaptureReader(const LiveCaptureOptions& options)
    : impl_(open_live(options)), decoder_(impl_->link) {}

bool CaptureReader::streaming() const { return impl_->wait_fd >= 0; }

bool CaptureReader::input_ready() const {
  if (impl_->wait_fd < 0) return true;
  pollfd p{impl_->wait_fd, POLLIN, 0};
  return poll(&p, 1, 0) > 0;  // data, the end (POLLHUP) or an error: a read will not wait
}

int CaptureReader::selectable_fd() const { return impl_->wait_fd; }

LiveCaptureStats CaptureReader::stats() const {
  pcap_stat s{};
  if (!impl_->live || pcap_stats(impl_->handle, &s) != 0) return {};
  return {s.ps_recv, s.ps_drop, s.ps_ifdrop};
}

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
    packet::Timestamp when = timestamp_of(hdr, impl_->subsecond_scale);
    if (keep_) keep_->write_frame(when, {data, hdr->caplen}, hdr->len);
    if (decoder_.decode(frames_, data, hdr->caplen, hdr->len, when, out)) return true;
  }
}

void CaptureReader::read_all(Sink sink, void* context) {
  while (dispatch_once(sink, context, 0) != 0) {
  }
}

std::size_t CaptureReader::dispatch_once(Sink sink, void* context, std::size_t max_frames) {
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
    packet::Timestamp when = timestamp_of(hdr, r.impl_->subsecond_scale);
    try {
      if (r.keep_) r.keep_->write_frame(when, {data, hdr->caplen}, hdr->len);
      if (r.decoder_.decode(r.frames_, data, hdr->caplen, hdr->len, when, l.d)) [[likely]]
        l.sink(l.context, l.d);
    } catch (...) {
      l.failure = std::current_exception();
      pcap_breakloop(r.impl_->handle);
    }
  };
  int rc = pcap_dispatch(impl_->handle, max_frames ? int(max_frames) : -1, each_frame,
                         reinterpret_cast<u_char*>(&loop));
  if (loop.failure) std::rethrow_exception(loop.failure);
  if (rc == 0 || rc == PCAP_ERROR_BREAK) return 0;  // a file's end; nothing ready live
  if (rc < 0) throw CaptureReadError(pcap_geterr(impl_->handle));
  return std::size_t(rc);
}

}  // namespace imup::capture
