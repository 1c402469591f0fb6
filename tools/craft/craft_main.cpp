// SPDX-License-Identifier: GPL-2.0-or-later
// imup-craft: builds IMUP datagrams into a capture file (pcap usec/nsec or
// pcapng) from a message script, -e lines, or one message on the command line.
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "capture/capture_writer.hpp"
#include "option_strings.hpp"
#include "fuzz_mutator.hpp"
#include "message_script.hpp"
#include "script_encoder.hpp"
#include "cli/utf8_output.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"

namespace {

using imup::script::ScriptError;

constexpr const char* kSummary =
    "Builds IMUP datagrams into a capture (Ethernet/IPv4/UDP frames with correct\n"
    "checksums unless a line breaks them).\n\n"
    "  imup-craft -o out.pcapng -f script.txt\n"
    "  imup-craft -o out.pcap connect name=Sheng          (one message: TYPE key=value...)\n"
    "  imup-craft -e '0 client server connect name=Sheng' -e '+0.01 server client ack' | tshark -r -";

struct Options {
  gchar* output = nullptr;
  gchar* format = nullptr;
  gchar* link = nullptr;
  gchar* script = nullptr;
  gchar** lines = nullptr;
  gchar* src = nullptr;
  gchar* dst = nullptr;
  gchar* time = nullptr;
  gdouble start = 1767225600.0;  // 2026-01-01T00:00:00Z: reproducible captures
  gdouble gap = 0.001;
  gint server_port = 2017;
  gint64 repeat = 1;
  gint64 fuzz_seed = -1;
  gdouble fuzz_rate = 1.0;
  gboolean explain = FALSE;
  gboolean script_help = FALSE;
};

std::string read_all(const std::string& path) {
  if (path == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScriptError(0, "cannot read script " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Quotes a command-line argument back into script syntax.
std::string requote(const std::string& arg) {
  auto eq = arg.find('=');
  std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
  if (eq == std::string::npos || value.find_first_of(" \t\"\\#\r\n") == std::string::npos)
    return arg;
  std::string out = arg.substr(0, eq + 1) + "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\r') { out += "\\r"; continue; }
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out + "\"";
}

constexpr const char* kProgram = "imup-craft";

// A refused script line or an unwritable capture: its message, and STATUS.
int report(const std::exception& e, int status) {
  std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  return status;
}

// A capture named with -o is written beside it under a temporary name and
// renamed over it only when complete: a failing run leaves the file as it
// was (or absent), never a partial capture a reader would trust. Only a
// regular file (or a name not yet taken) is replaced so: a device, a FIFO or
// a symbolic link (-o /dev/null, -o /dev/stdout, -o link.pcap) is written
// through, as any program would, since renaming over it would replace the
// device or the link itself with a file.
bool replaceable_by_rename(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return errno == ENOENT;
  return S_ISREG(st.st_mode);
}

class PendingFile {
 public:
  explicit PendingFile(const std::string& path) : path_(path), temp_(path + ".XXXXXX") {
    fd_ = g_mkstemp(temp_.data());
    if (fd_ < 0) throw imup::capture::CaptureError("cannot create " + path + ": " + g_strerror(errno));
    // mkstemp makes the file private; a capture gets the modes of any new file.
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd_, 0666 & ~mask);
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile() {
    if (fd_ >= 0) close(fd_);
    if (!committed_) g_unlink(temp_.c_str());
  }
  int fd() const { return fd_; }
  void commit() {
    int fd = fd_;
    fd_ = -1;
    if (close(fd) != 0 || g_rename(temp_.c_str(), path_.c_str()) != 0)
      throw imup::capture::CaptureError("cannot write " + path_ + ": " + g_strerror(errno));
    committed_ = true;
  }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
};

int run(int argc, char** argv) {
  Options o;
  GOptionEntry entries[] = {
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "Capture to write ('-' = standard output, the default)", "FILE"},
      {"format", 'F', 0, G_OPTION_ARG_STRING, &o.format, "pcap (usec), pcap-nsec or pcapng (default: from the file name, else pcap)", "FMT"},
      {"link", 'L', 0, G_OPTION_ARG_STRING, &o.link, "Link layer: ether (default), sll, sll2, raw, ipv4, null, loop", "TYPE"},
      {"script", 'f', 0, G_OPTION_ARG_FILENAME, &o.script, "Message script ('-' = standard input)", "FILE"},
      {"line", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o.lines, "One script line (repeatable; after --script)", "LINE"},
      {"src", 's', 0, G_OPTION_ARG_STRING, &o.src, "Source of the command-line message (default client)", "ADDR:PORT"},
      {"dst", 'd', 0, G_OPTION_ARG_STRING, &o.dst, "Destination of the command-line message (default server)", "ADDR:PORT"},
      {"time", 't', 0, G_OPTION_ARG_STRING, &o.time, "TIME of the command-line message (default 0)", "T"},
      {"start", 0, 0, G_OPTION_ARG_DOUBLE, &o.start, "Capture time of TIME 0, in seconds since 1970 (default 2026-01-01)", "SECONDS"},
      {"gap", 0, 0, G_OPTION_ARG_DOUBLE, &o.gap, "Time between lines whose TIME is '-' (default 0.001)", "SECONDS"},
      {"server-port", 0, 0, G_OPTION_ARG_INT, &o.server_port, "The server's UDP port, to tell who sent a request (default 2017)", "PORT"},
      {"repeat", 'r', 0, G_OPTION_ARG_INT64, &o.repeat, "Write the script N times, later each time, numbers continuing", "N"},
      {"fuzz", 0, 0, G_OPTION_ARG_INT64, &o.fuzz_seed, "Mutate datagrams reproducibly from this seed", "SEED"},
      {"fuzz-rate", 0, 0, G_OPTION_ARG_DOUBLE, &o.fuzz_rate, "Share of datagrams mutated (default 1.0)", "P"},
      {"explain", 0, 0, G_OPTION_ARG_NONE, &o.explain, "Print each fuzz mutation on standard error", nullptr},
      {"script-help", 0, 0, G_OPTION_ARG_NONE, &o.script_help, "Describe the message-script format and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  std::string desc = imup::script::script_format_help();
  imup::cli::CommandLineHelp help{kProgram, "[TYPE [key=value ...]]", kSummary, "", true};
  help.description = desc + "\n" +
                     imup::cli::exit_status_help(
                         "written",
                         "the capture could not be written completely (a write error: a file "
                         "named with -o is then left as it was)",
                         "bad options, script or output file, found before anything is written");
  if (auto status = imup::cli::parse_command_line(help, entries, argc, argv)) return *status;
  using imup::tools::take_string;
  auto output_opt = take_string(o.output), format_opt = take_string(o.format),
       link_opt = take_string(o.link), script_opt = take_string(o.script),
       src_opt = take_string(o.src), dst_opt = take_string(o.dst), time_opt = take_string(o.time);
  auto line_opts = imup::tools::take_strings(o.lines);
  if (o.script_help) {
    std::fputs(desc.c_str(), stdout);
    return 0;
  }

  std::string output = output_opt.value_or("-");
  imup::capture::CaptureFormat format = imup::capture::format_for_path(output);
  if (format_opt) {
    auto f = imup::capture::parse_capture_format(*format_opt);
    if (!f) {
      return imup::cli::usage_error(kProgram, "--format: unknown format '" + *format_opt +
                                                  "' (pcap, pcap-nsec, pcapng)");
    }
    format = *f;
  }
  auto link = imup::packet::LinkType::Ethernet;
  if (link_opt) {
    auto l = imup::packet::parse_link_type(*link_opt);
    if (!l) {
      return imup::cli::usage_error(kProgram, "--link: unknown link type '" + *link_opt +
                                                  "' (ether, sll, sll2, raw, ipv4, null, loop)");
    }
    link = *l;
  }
  using imup::cli::out_of_range;
  if (o.server_port < 1 || o.server_port > 65535) return out_of_range(kProgram, "server-port", o.server_port, "1..65535");
  if (o.repeat < 1) return out_of_range(kProgram, "repeat", double(o.repeat), "1 or more");
  if (!(o.gap >= 0 && o.gap <= 1e6)) return out_of_range(kProgram, "gap", o.gap, "0..1e6 seconds");
  if (!(o.fuzz_rate >= 0 && o.fuzz_rate <= 1)) return out_of_range(kProgram, "fuzz-rate", o.fuzz_rate, "0..1");
  if (!(o.start >= 0 && o.start <= 4e9)) return out_of_range(kProgram, "start", o.start, "0..4e9 seconds");

  imup::script::ScriptParser parser;
  std::vector<imup::script::ScriptMessage> messages;
  try {
    if (script_opt) {
      auto body = read_all(*script_opt);
      auto parsed_lines = parser.parse(body);
      messages.insert(messages.end(), parsed_lines.begin(), parsed_lines.end());
    }
    for (const auto& l : line_opts)
      if (auto m = parser.parse_line(l, 0)) messages.push_back(std::move(*m));
    if (argc > 1) {
      std::string line = time_opt.value_or("0") + " " + src_opt.value_or("client") + " " +
                         dst_opt.value_or("server");
      for (int i = 1; i < argc; ++i) line += " " + requote(argv[i]);
      if (auto m = parser.parse_line(line, 0)) messages.push_back(std::move(*m));
    }
  } catch (const ScriptError& e) {
    return report(e, imup::cli::kExitUsage);
  }
  if (messages.empty()) return imup::cli::usage_error(kProgram, "nothing to write: give --script, -e LINE or TYPE");
  if (output == "-" && isatty(STDOUT_FILENO))
    return imup::cli::usage_error(kProgram, "refusing to write a binary capture to a terminal: use -o FILE or a pipe");
  // Every line is encoded once before the capture is opened, so a line the
  // encoder refuses leaves nothing behind: no pcap header on a pipe that a
  // reader would take for an empty capture, no partial file.
  try {
    imup::script::ScriptEncoder check(imup::packet::Timestamp::from_ns(0), 0, std::uint16_t(o.server_port));
    imup::script::EncodedLine line;
    for (const auto& m : messages) check.encode(m, line);
  } catch (const ScriptError& e) {
    return report(e, imup::cli::kExitUsage);
  }

  // Opening the output is part of the command line's checks (status 2);
  // failing to write it afterwards is a failure (status 1).
  std::optional<PendingFile> pending;
  std::optional<imup::capture::CaptureWriter> opened;
  try {
    if (output == "-" || !replaceable_by_rename(output)) {
      opened.emplace(output, format, link);
    } else {
      pending.emplace(output);
      opened.emplace(pending->fd(), format, link);
    }
  } catch (const imup::capture::CaptureError& e) {
    return report(e, imup::cli::kExitUsage);
  }
  try {
    imup::capture::CaptureWriter& writer = *opened;
    auto start = imup::packet::Timestamp::from_ns(std::int64_t(o.start * 1e9 + 0.5));
    auto gap_ns = std::int64_t(o.gap * 1e9 + 0.5);
    imup::script::ScriptEncoder encoder(start, gap_ns, std::uint16_t(o.server_port));
    std::optional<imup::craft::FuzzMutator> fuzz;
    if (o.fuzz_seed >= 0) fuzz.emplace(std::uint64_t(o.fuzz_seed), o.fuzz_rate);
    imup::script::EncodedLine line;
    for (gint64 round = 0; round < o.repeat; ++round) {
      if (round > 0)
        encoder.set_start(imup::packet::Timestamp::from_ns(encoder.last_time().to_ns() + gap_ns));
      for (const auto& m : messages) {
        try {
          encoder.encode(m, line);
        } catch (const ScriptError& e) {
          return report(e, imup::cli::kExitUsage);
        }
        int copies = 1;
        if (fuzz) {
          bool dup = false;
          auto what = fuzz->mutate(line.payload, dup);
          if (dup) copies = 2;
          // The payload changed: a deliberately wrong checksum must stay wrong.
          if (m.break_udp_checksum)
            line.frame.udp_checksum = imup::script::wrong_udp_checksum(m.src, m.dst, line.payload);
          if (o.explain && !what.empty())
            std::fprintf(stderr, "fuzz: frame %llu (script line %zu): %s\n",
                         (unsigned long long)writer.frames_written() + 1, m.line, what.c_str());
        }
        for (int c = 0; c < copies; ++c) writer.write(line.when, m.src, m.dst, line.payload, line.frame);
      }
    }
    writer.close();
    if (pending) pending->commit();
  } catch (const imup::capture::CaptureError& e) {
    return report(e, imup::cli::kExitFindings);
  }
  return imup::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  return run(argc, argv);
}
