// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture_payloads.hpp"

#include <pcap/pcap.h>

#include <stdexcept>

namespace imup::testing {

std::vector<CapturedDatagram> read_capture(const std::string& path) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), error);
  if (!p) throw std::runtime_error("libpcap cannot read " + path + ": " + error);
  int link = pcap_datalink(p);
  std::size_t link_bytes = link == DLT_EN10MB ? 14 : 0;  // --record writes raw IPv4
  std::vector<CapturedDatagram> out;
  pcap_pkthdr* header;
  const u_char* data;
  while (pcap_next_ex(p, &header, &data) == 1) {
    if (header->caplen < link_bytes + 28) continue;
    const u_char* ip = data + link_bytes;
    std::size_t ihl = std::size_t(ip[0] & 0x0F) * 4;
    if ((ip[0] >> 4) != 4 || ip[9] != 17 || header->caplen < link_bytes + ihl + 8) continue;
    const u_char* udp = ip + ihl;
    CapturedDatagram d;
    d.source_port = std::uint16_t(udp[0] << 8 | udp[1]);
    d.destination_port = std::uint16_t(udp[2] << 8 | udp[3]);
    d.payload.assign(udp + 8, data + header->caplen);
    out.push_back(std::move(d));
  }
  pcap_close(p);
  return out;
}

}  // namespace imup::testing
