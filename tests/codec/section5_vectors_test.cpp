// SPDX-License-Identifier: GPL-2.0-or-later
// Every datagram of the draft's section 5 decodes as its vector file says,
// with exactly the expected warnings (docs/PROTOCOL.md section 13).
#include "catch.hpp"

#include <algorithm>
#include <filesystem>

#include "codec/codec.hpp"
#include "vector_file.hpp"

using namespace imup;

namespace {
std::vector<Vector> load_section5() {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(IMUP_SOURCE_DIR "/tests/vectors/section5"))
    if (entry.path().extension() == ".vec") paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  std::vector<Vector> out;
  for (const auto& p : paths) {
    std::string error;
    auto v = read_vector_file(p.string(), error);
    INFO(error);
    REQUIRE(v);
    out.push_back(std::move(*v));
  }
  return out;
}
std::vector<std::string> names(const std::vector<Problem>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.emplace_back(fault_name(p.fault));
  return out;
}
}  // namespace

TEST_CASE("section-5 vectors decode as expected, with exactly the expected warnings") {
  auto vectors = load_section5();
  REQUIRE(vectors.size() == 37);
  for (const auto& v : vectors) {
    INFO(v.file);
    auto lenient = decode_lenient(v.datagram());
    REQUIRE(lenient.ok());
    CHECK(describe(*lenient.message) == v.expected_decoding);
    CHECK(names(lenient.warnings) == v.expected_warnings);

    auto strict = decode(v.datagram(), Strictness::Strict);
    if (v.expected_strict == "ok") {
      CHECK(strict.ok());
      // A strictly valid datagram is canonical: re-encoding gives it back.
      if (strict.ok()) CHECK(encode(*strict.message) == v.datagram());
    } else {
      REQUIRE(strict.error);
      CHECK(fault_name(strict.error->fault) == v.expected_strict);
    }
  }
}

TEST_CASE("only the two datagrams NOTES.md names break the length rule") {
  int literal = 0, bad = 0;
  for (const auto& v : load_section5()) {
    auto d = decode_lenient(v.datagram());
    for (const auto& w : d.warnings) {
      if (w.fault == Fault::LengthLiteral) {
        ++literal;
        CHECK(v.name == "InvalideEnvoie");
      }
      if (w.fault == Fault::BadLength) {
        ++bad;
        CHECK(v.name == "fermer une messagerie");
      }
    }
  }
  CHECK(literal == 1);
  CHECK(bad == 1);
}

TEST_CASE("the vector reader refuses a broken file with the line at fault") {
  auto dir = std::filesystem::temp_directory_path() / "imup-vector-test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "bad.vec").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("name: x\nfrom: a\nto: b\nseq: 0G\ntype: 01\nlength: 00\ntext: (none)\n"
               "decoded: x\nwarnings: (none)\nstrict: ok\n", f);
    std::fclose(f);
  }
  std::string error;
  CHECK_FALSE(read_vector_file(path, error));
  CHECK(error == path + ":4: '0G' is not hex");
  CHECK_FALSE(read_vector_file((dir / "missing.vec").string(), error));
  CHECK(error.find("cannot open") != std::string::npos);
  std::filesystem::remove_all(dir);
}
