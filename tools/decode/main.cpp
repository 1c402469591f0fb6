// SPDX-License-Identifier: GPL-2.0-or-later
// imup-decode: decodes IMUP datagrams given in hex, or the project's test-vector
// files, and prints one line each (or a table, or JSON Lines).
#include <glib.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "vector_file.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"

namespace {

constexpr const char* kProgram = "imup-decode";

gboolean opt_strict = FALSE, opt_json = FALSE, opt_vectors = FALSE;
GOptionEntry kEntries[] = {
    {"strict", 's', 0, G_OPTION_ARG_NONE, &opt_strict,
     "Strict decoding: any deviation from docs/PROTOCOL.md is an error", nullptr},
    {"vectors", 'V', 0, G_OPTION_ARG_NONE, &opt_vectors,
     "Arguments are test-vector files (tests/vectors/README.md): print a table", nullptr},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &opt_json, "One JSON object per datagram", nullptr},
    {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += char(c); }
    else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); out += b; }
    else out += char(c);
  }
  return out + "\"";
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char b[4];
  for (auto c : bytes) { std::snprintf(b, sizeof b, "%02x", c); out += b; }
  return out;
}

// Decodes one datagram and prints it; returns false when it does not decode.
bool report(const std::vector<std::uint8_t>& datagram, const std::string& label) {
  auto d = imup::decode(datagram, opt_strict ? imup::Strictness::Strict : imup::Strictness::Lenient);
  if (opt_json) {
    std::string line = "{\"input\":" + json_string(label) + ",\"bytes\":" + json_string(hex(datagram));
    if (d.header)
      line += ",\"seq\":" + std::to_string(d.header->seq) + ",\"type\":" + std::to_string(d.header->type) +
              ",\"length_field\":" + std::to_string(d.header->length) +
              ",\"low_bits\":" + std::to_string(d.header->low);
    if (d.message) line += ",\"decoded\":" + json_string(imup::describe(*d.message));
    if (d.error)
      line += ",\"error\":{\"code\":" + json_string(std::string(imup::fault_name(d.error->fault))) +
              ",\"field\":" + json_string(d.error->field) + ",\"detail\":" + json_string(d.error->detail) + "}";
    line += ",\"warnings\":[";
    for (std::size_t i = 0; i < d.warnings.size(); ++i)
      line += (i ? "," : "") + json_string(std::string(imup::fault_name(d.warnings[i].fault)));
    std::cout << line << "]}\n";
  } else {
    std::cout << label << "  ";
    if (d.message) std::cout << imup::describe(*d.message);
    else std::cout << "ERROR " << imup::describe(*d.error);
    for (const auto& w : d.warnings) std::cout << "\n    warning " << imup::describe(w);
    std::cout << "\n";
  }
  return d.ok();
}

int run_vectors(int argc, char** argv) {
  bool all_ok = true;
  if (!opt_json)
    std::printf("%-3s %-16s %-5s %-5s %-10s %s\n", "#", "from -> to", "type", "len", "text bytes",
                "decoding (lenient) / warnings");
  for (int i = 1; i < argc; ++i) {
    std::string error;
    auto v = imup::read_vector_file(argv[i], error);
    if (!v) {
      std::cerr << "imup-decode: " << error << "\n";
      return imup::cli::kExitUsage;
    }
    auto datagram = v->datagram();
    if (opt_json) {
      all_ok &= report(datagram, v->name);
      continue;
    }
    auto d = imup::decode(datagram, opt_strict ? imup::Strictness::Strict : imup::Strictness::Lenient);
    std::string dir = v->from + " -> " + v->to;
    std::printf("%-3d %-16s 0x%02x  0x%03x %-10zu %s\n", i, dir.c_str(), v->header.type, v->header.length,
                v->text.size(), d.message ? imup::describe(*d.message).c_str()
                                          : ("ERROR " + imup::describe(*d.error)).c_str());
    for (const auto& w : d.warnings)
      std::printf("%-43s ! %s\n", "", imup::describe(w).c_str());
    all_ok &= d.ok();
  }
  return all_ok ? imup::cli::kExitOk : imup::cli::kExitFindings;
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  imup::cli::CommandLineHelp help{kProgram, "HEX... | - | --vectors FILE...", "", "", true};
  help.summary =
      "Decodes IMUP datagrams (docs/PROTOCOL.md) given as hex strings, as hex lines on\n"
      "standard input (-), or as test-vector files (--vectors), and prints each decoding\n"
      "with its warnings. Lenient by default: the draft's own deviations are warnings.";
  help.description =
      "Examples:\n"
      "  imup-decode 004040605368656e670d0a            (Connect seq=1 name=\"Sheng\")\n"
      "  imup-decode --vectors tests/vectors/section5/*.vec\n"
      "  printf '00420000\\n' | imup-decode --json -     (ACK seq=1)\n\n" +
      imup::cli::exit_status_help("every datagram decoded", "some did not",
                                  "bad usage, text that is not hex, or a bad vector file");
  if (auto status = imup::cli::parse_command_line(help, kEntries, argc, argv)) return *status;
  if (argc < 2) return imup::cli::usage_error(kProgram, "nothing to decode");
  if (opt_vectors) return run_vectors(argc, argv);

  bool all_ok = true;
  bool bad_input = false;  // text that is not hex is an input error (2), not a finding (1)
  auto one = [&](const std::string& text, const std::string& label) {
    auto bytes = imup::parse_hex(text);
    if (!bytes) {
      std::cerr << "imup-decode: " << label << ": not hex bytes: '" << text << "'\n";
      bad_input = true;
      return;
    }
    all_ok &= report(*bytes, label);
  };
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "-") {
      std::string line;
      for (int n = 1; std::getline(std::cin, line); ++n)
        if (!line.empty()) one(line, "line " + std::to_string(n));
    } else {
      one(argv[i], argv[i]);
    }
  }
  if (bad_input) return imup::cli::kExitUsage;
  return all_ok ? imup::cli::kExitOk : imup::cli::kExitFindings;
}
