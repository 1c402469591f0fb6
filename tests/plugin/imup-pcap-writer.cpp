// SPDX-License-Identifier: GPL-2.0-or-later
// A tiny pcap writer for the dissector's tests, independent of the project's
// codec on purpose: the dissector is checked against bytes built here from the
// specification's own numbers, not against the codec's reading of them.
//
//   imup-pcap-writer scenario FILE.txt OUT.pcap   datagrams listed in a text file
//   imup-pcap-writer bench N OUT.pcap             N datagrams of a busy server
//   imup-pcap-writer random N SEED OUT.pcap       N IMUP-shaped datagrams, random
//   imup-pcap-writer noise N SEED PORT OUT.pcap   N random UDP payloads (not IMUP)
//
// Scenario lines (# starts a comment):
//   TIME SRC_IP:PORT DST_IP:PORT seq=HH type=HH len=HH [low=H] [text: HH HH ...]
//   TIME SRC_IP:PORT DST_IP:PORT raw: HH HH ...
// and "fill: HH COUNT" anywhere in the bytes appends COUNT bytes HH. An IPv6
// endpoint is written [ADDRESS]:PORT (both ends of a datagram IPv6, or both IPv4).
// The header numbers are hex, as the draft's section 5 writes them.

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Endpoint {
    uint32_t ip = 0;  // host byte order
    uint16_t port = 0;
    bool v6 = false;
    uint8_t ip6[16] = {};
};

struct Datagram {
    double time = 0;
    Endpoint src, dst;
    std::vector<uint8_t> payload;
};

class PcapFile {
public:
    explicit PcapFile(const std::string &path) : out_(std::fopen(path.c_str(), "wb"))
    {
        if (!out_) {
            std::perror(path.c_str());
            std::exit(2);
        }
        uint32_t header[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 /* Ethernet */ };
        std::fwrite(header, sizeof header, 1, out_);
    }
    ~PcapFile() { std::fclose(out_); }
    PcapFile(const PcapFile &) = delete;
    PcapFile &operator=(const PcapFile &) = delete;

    void write(const Datagram &d)
    {
        std::vector<uint8_t> frame;
        const uint8_t macs[12] = { 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1 };
        frame.insert(frame.end(), macs, macs + 12);
        if (d.src.v6 != d.dst.v6) {
            std::fprintf(stderr, "imup-pcap-writer: a datagram from IPv4 to IPv6, or back\n");
            std::exit(2);
        }
        if (d.src.v6)
            ipv6_header(frame, d);
        else
            ipv4_header(frame, d);
        push16(frame, d.src.port);
        push16(frame, d.dst.port);
        push16(frame, static_cast<uint16_t>(8 + d.payload.size()));
        push16(frame, d.src.v6 ? udp6_checksum(d) : 0);  // none over IPv4 (allowed there)
        frame.insert(frame.end(), d.payload.begin(), d.payload.end());

        uint32_t seconds = static_cast<uint32_t>(d.time);
        uint32_t micros = static_cast<uint32_t>((d.time - seconds) * 1e6 + 0.5);
        if (micros >= 1000000) {
            seconds++;
            micros -= 1000000;
        }
        uint32_t record[4] = { seconds, micros, static_cast<uint32_t>(frame.size()),
                               static_cast<uint32_t>(frame.size()) };
        std::fwrite(record, sizeof record, 1, out_);
        std::fwrite(frame.data(), 1, frame.size(), out_);
    }

private:
    void ipv4_header(std::vector<uint8_t> &frame, const Datagram &d)
    {
        push16(frame, 0x0800);
        size_t ip_start = frame.size();
        uint16_t ip_length = static_cast<uint16_t>(20 + 8 + d.payload.size());
        frame.push_back(0x45);
        frame.push_back(0);
        push16(frame, ip_length);
        push16(frame, ident_++);
        push16(frame, 0x4000);  // don't fragment
        frame.push_back(64);
        frame.push_back(17);    // UDP
        push16(frame, 0);       // checksum, below
        push32(frame, d.src.ip);
        push32(frame, d.dst.ip);
        uint32_t sum = 0;
        for (size_t i = ip_start; i < ip_start + 20; i += 2)
            sum += (frame[i] << 8) | frame[i + 1];
        uint16_t checksum = fold(sum);
        frame[ip_start + 10] = checksum >> 8;
        frame[ip_start + 11] = checksum & 0xFF;
    }
    static void ipv6_header(std::vector<uint8_t> &frame, const Datagram &d)
    {
        push16(frame, 0x86DD);
        push32(frame, 0x60000000);
        push16(frame, static_cast<uint16_t>(8 + d.payload.size()));
        frame.push_back(17);  // UDP
        frame.push_back(64);
        frame.insert(frame.end(), d.src.ip6, d.src.ip6 + 16);
        frame.insert(frame.end(), d.dst.ip6, d.dst.ip6 + 16);
    }
    static uint16_t fold(uint32_t sum)
    {
        while (sum >> 16)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return static_cast<uint16_t>(~sum);
    }
    // RFC 8200 §8.1: over the pseudo-header, the UDP header and the payload.
    static uint16_t udp6_checksum(const Datagram &d)
    {
        std::vector<uint8_t> bytes(d.src.ip6, d.src.ip6 + 16);
        bytes.insert(bytes.end(), d.dst.ip6, d.dst.ip6 + 16);
        uint32_t length = static_cast<uint32_t>(8 + d.payload.size());
        push32(bytes, length);
        push32(bytes, 17);
        push16(bytes, d.src.port);
        push16(bytes, d.dst.port);
        push16(bytes, static_cast<uint16_t>(length));
        push16(bytes, 0);
        bytes.insert(bytes.end(), d.payload.begin(), d.payload.end());
        if (bytes.size() % 2)
            bytes.push_back(0);
        uint32_t sum = 0;
        for (size_t i = 0; i < bytes.size(); i += 2)
            sum += (bytes[i] << 8) | bytes[i + 1];
        uint16_t checksum = fold(sum);
        return checksum ? checksum : 0xFFFF;
    }
    static void push16(std::vector<uint8_t> &v, uint16_t x)
    {
        v.push_back(x >> 8);
        v.push_back(x & 0xFF);
    }
    static void push32(std::vector<uint8_t> &v, uint32_t x)
    {
        push16(v, x >> 16);
        push16(v, x & 0xFFFF);
    }
    std::FILE *out_;
    uint16_t ident_ = 1;
};

[[noreturn]] void fail(const std::string &why)
{
    std::fprintf(stderr, "imup-pcap-writer: %s\n", why.c_str());
    std::exit(2);
}

Endpoint parse_endpoint(const std::string &text)
{
    size_t colon = text.rfind(':');
    if (colon == std::string::npos)
        fail("endpoint without a port: " + text);
    Endpoint e;
    if (text[0] == '[') {
        if (colon < 2 || text[colon - 1] != ']' ||
            inet_pton(AF_INET6, text.substr(1, colon - 2).c_str(), e.ip6) != 1)
            fail("bad IPv6 address: " + text);
        e.v6 = true;
        e.port = static_cast<uint16_t>(std::stoul(text.substr(colon + 1)));
        return e;
    }
    in_addr addr{};
    if (inet_pton(AF_INET, text.substr(0, colon).c_str(), &addr) != 1)
        fail("bad IPv4 address: " + text);
    e.ip = ntohl(addr.s_addr);
    e.port = static_cast<uint16_t>(std::stoul(text.substr(colon + 1)));
    return e;
}

uint32_t hex_value(const std::string &token, const std::string &key)
{
    if (token.rfind(key, 0) != 0)
        fail("expected " + key + " in '" + token + "'");
    return static_cast<uint32_t>(std::stoul(token.substr(key.size()), nullptr, 16));
}

// The header word of PROTOCOL.md §2.
void put_header(std::vector<uint8_t> &out, uint32_t seq, uint32_t type, uint32_t length, uint32_t low)
{
    uint32_t word = (seq & 0x3FF) << 22 | (type & 0xFF) << 14 | (length & 0x3FF) << 4 | (low & 0xF);
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(word >> shift));
}

int write_scenario(const char *input, const char *output)
{
    std::ifstream in(input);
    if (!in)
        fail(std::string("cannot read ") + input);
    PcapFile pcap(output);
    std::string line;
    int line_number = 0, written = 0;
    while (std::getline(in, line)) {
        line_number++;
        size_t hash = line.find('#');
        if (hash != std::string::npos)
            line.resize(hash);
        std::istringstream words(line);
        std::string time, src, dst, token;
        if (!(words >> time))
            continue;
        if (!(words >> src >> dst >> token))
            fail("line " + std::to_string(line_number) + ": TIME SRC DST and a header or raw: expected");
        Datagram d;
        d.time = std::stod(time);
        d.src = parse_endpoint(src);
        d.dst = parse_endpoint(dst);
        if (token != "raw:") {
            uint32_t seq = hex_value(token, "seq=");
            words >> token;
            uint32_t type = hex_value(token, "type=");
            words >> token;
            uint32_t length = hex_value(token, "len=");
            uint32_t low = 0;
            if (words >> token && token.rfind("low=", 0) == 0) {
                low = hex_value(token, "low=");
                words >> token;
            }
            put_header(d.payload, seq, type, length, low);
            if (!words.fail() && token != "text:")
                fail("line " + std::to_string(line_number) + ": 'text:' expected, got " + token);
        }
        while (words >> token) {
            if (token == "fill:") {  // fill: HH COUNT appends COUNT bytes HH
                std::string byte, count;
                if (!(words >> byte >> count))
                    fail("line " + std::to_string(line_number) + ": fill: needs a byte and a count");
                d.payload.insert(d.payload.end(), std::stoul(count), static_cast<uint8_t>(std::stoul(byte, nullptr, 16)));
                continue;
            }
            d.payload.push_back(static_cast<uint8_t>(std::stoul(token, nullptr, 16)));
        }
        pcap.write(d);
        written++;
    }
    std::fprintf(stderr, "imup-pcap-writer: %d datagrams written to %s\n", written, output);
    return 0;
}

void put_text(std::vector<uint8_t> &out, const std::string &text)
{
    out.insert(out.end(), text.begin(), text.end());
}

std::vector<uint8_t> datagram(uint32_t seq, uint32_t type, uint32_t low, const std::string &text)
{
    std::vector<uint8_t> out;
    put_header(out, seq, type, text.empty() ? 0 : static_cast<uint32_t>(text.size() - 1), low);
    put_text(out, text);
    return out;
}

// A busy public room: clients send messages, the server ACKs them and relays
// each to another client, which ACKs. Sequence numbers wrap many times.
int write_bench(unsigned long count, const char *output)
{
    PcapFile pcap(output);
    const Endpoint server{ 0x7F000001, 2017 };
    const unsigned clients = 50;
    std::vector<uint32_t> to_server(clients, 0), from_server(clients, 0);
    double now = 1.0;
    unsigned long written = 0;
    auto client = [](unsigned i) { return Endpoint{ 0x7F000100u + i / 200, static_cast<uint16_t>(40000 + i) }; };
    for (unsigned i = 0; i < clients && written < count; i++, written += 2) {
        Datagram c{ now += 0.0001, client(i), server, datagram(to_server[i], 1, 0, "user" + std::to_string(i) + "\r\n") };
        pcap.write(c);
        Datagram a{ now += 0.0001, server, client(i), datagram(to_server[i]++, 8, 0, "") };
        pcap.write(a);
    }
    for (unsigned long n = 0; written < count; n++) {
        unsigned from = n % clients, to = (n * 7 + 3) % clients;
        std::string text = "message number " + std::to_string(n) + "\r\n";
        Datagram m{ now += 0.0001, client(from), server, datagram(to_server[from], 18, 0, text) };
        pcap.write(m);
        Datagram ack{ now += 0.0001, server, client(from), datagram(to_server[from]++, 8, 0, "") };
        pcap.write(ack);
        std::string relay = "message number " + std::to_string(n) + "\r\nuser" + std::to_string(from) + "\r\n";
        Datagram r{ now += 0.0001, server, client(to), datagram(from_server[to], 9, 0, relay) };
        pcap.write(r);
        Datagram rack{ now += 0.0001, client(to), server, datagram(from_server[to]++, 8, 0, "") };
        pcap.write(rack);
        written += 4;
    }
    std::fprintf(stderr, "imup-pcap-writer: %lu datagrams written to %s\n", written, output);
    return 0;
}

// IMUP-shaped datagrams with random fields and texts, to shake the dissector
// beyond what byte flips reach: every type, every low-bit value, lengths that
// fit and lengths that do not, texts with and without terminators.
int write_random(unsigned long count, unsigned long seed, const char *output)
{
    PcapFile pcap(output);
    std::mt19937 rng(static_cast<uint32_t>(seed));
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    const Endpoint server{ 0x7F000001, 2017 };
    const char *alphabet[] = { "a", "B", ",", " ", "\r\n", "\n", "\r", ":", ".", "1", "9", "\xc3\xa9", "\xff",
                               "127.0.0.", "Sheng", "Lucy", "centralise", "decentralise" };
    double now = 1.0;
    for (unsigned long i = 0; i < count; i++) {
        auto random_client = [&]() { return Endpoint{ 0x7F000002 + pick(3), static_cast<uint16_t>(40000 + pick(4)) }; };
        Endpoint client = random_client();
        bool to_server = pick(2) == 0;
        uint32_t type = pick(10) == 0 ? pick(256) : 1 + pick(21);
        std::vector<uint8_t> payload;
        if (type == 11 && pick(2)) {
            // Member lines with endpoints among the clients, so that peer
            // conversations get set up and the peer datagrams below use them.
            std::string text;
            for (uint32_t m = pick(5); m > 0; m--) {
                Endpoint e = random_client();
                text += "m" + std::to_string(pick(100)) + " 127.0.0." + std::to_string(e.ip & 0xFF) + ":" +
                        std::to_string(e.port) + (pick(10) ? "\r\n" : "\n");
            }
            put_header(payload, pick(1024), type, text.empty() ? 0 : static_cast<uint32_t>(text.size() - 1), 0);
            put_text(payload, text);
        } else if (type == 21 && pick(2)) {
            // Binary user entries, sometimes broken.
            std::vector<uint8_t> entries;
            for (uint32_t e = pick(6); e > 0; e--) {
                uint32_t len = pick(8) == 0 ? pick(200) : 1 + pick(10);
                uint32_t word = pick(4) << 30 | pick(1024) << 20 | len;
                for (int shift = 24; shift >= 0; shift -= 8)
                    entries.push_back(static_cast<uint8_t>(word >> shift));
                for (uint32_t k = 0; k < len && k < 12; k++)
                    entries.push_back(static_cast<uint8_t>('a' + pick(26)));
            }
            put_header(payload, pick(1024), type, entries.empty() ? 0 : static_cast<uint32_t>(entries.size() - 1), pick(16));
            payload.insert(payload.end(), entries.begin(), entries.end());
        } else {
            std::string text;
            for (uint32_t k = pick(12); k > 0; k--)
                text += alphabet[pick(sizeof alphabet / sizeof alphabet[0])];
            if (pick(50) == 0)
                text.append(1030, 'x');
            uint32_t length = text.empty() ? 0 : static_cast<uint32_t>(text.size() - 1);
            if (pick(5) == 0)
                length = pick(1024);
            put_header(payload, pick(1024), type, length, pick(4) == 0 ? pick(16) : 0);
            put_text(payload, text);
        }
        if (pick(40) == 0)
            payload.resize(pick(4));
        Datagram d{ now += 0.5 * pick(5), to_server ? client : server, to_server ? server : client, payload };
        if (pick(6) == 0)
            d.dst = random_client();  // client to client: a peer datagram, or nobody's
        if (pick(6) == 0)
            d.src = random_client();
        pcap.write(d);
    }
    std::fprintf(stderr, "imup-pcap-writer: %lu random IMUP-shaped datagrams written to %s\n", count, output);
    return 0;
}

// Random payloads on a port IMUP does not use, for the heuristic's false positives.
int write_noise(unsigned long count, unsigned long seed, unsigned port, const char *output)
{
    PcapFile pcap(output);
    std::mt19937 rng(static_cast<uint32_t>(seed));
    double now = 1.0;
    for (unsigned long i = 0; i < count; i++) {
        Datagram d;
        d.time = now += 0.001;
        d.src = Endpoint{ 0x7F000002, static_cast<uint16_t>(port) };
        d.dst = Endpoint{ 0x7F000003, static_cast<uint16_t>(port + 1) };
        // Short payloads are the hard case for a heuristic: few bytes to check.
        uint32_t length = rng() % 4 == 0 ? 4 + rng() % 4 : rng() % 600;
        for (uint32_t k = 0; k < length; k++)
            d.payload.push_back(static_cast<uint8_t>(rng()));
        pcap.write(d);
    }
    std::fprintf(stderr, "imup-pcap-writer: %lu random UDP payloads written to %s\n", count, output);
    return 0;
}

unsigned long number(const char *text)
{
    char *end = nullptr;
    unsigned long value = std::strtoul(text, &end, 10);
    if (!*text || *end)
        fail(std::string("not a number: ") + text);
    return value;
}

void usage(std::FILE *to)
{
    std::fputs("usage: imup-pcap-writer scenario FILE.txt OUT.pcap\n"
               "       imup-pcap-writer bench N OUT.pcap\n"
               "       imup-pcap-writer random N SEED OUT.pcap\n"
               "       imup-pcap-writer noise N SEED PORT OUT.pcap\n", to);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc >= 2 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    try {
        if (argc == 4 && !std::strcmp(argv[1], "scenario"))
            return write_scenario(argv[2], argv[3]);
        if (argc == 4 && !std::strcmp(argv[1], "bench"))
            return write_bench(number(argv[2]), argv[3]);
        if (argc == 5 && !std::strcmp(argv[1], "random"))
            return write_random(number(argv[2]), number(argv[3]), argv[4]);
        if (argc == 6 && !std::strcmp(argv[1], "noise"))
            return write_noise(number(argv[2]), number(argv[3]), static_cast<unsigned>(number(argv[4])), argv[5]);
    } catch (const std::exception &e) {
        fail(std::string("bad input: ") + e.what());
    }
    usage(stderr);
    return 2;
}
