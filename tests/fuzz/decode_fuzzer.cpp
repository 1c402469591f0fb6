// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the codec's decoder. Beyond "never crash", it checks the
// codec's promises on every input it reaches:
//   - a strict decode that succeeds is canonical: re-encoding gives the bytes back;
//   - a lenient decode with no warnings agrees with the strict decode;
//   - every outcome is a message or a named error, never both, never neither;
//   - check() (the grammar without building the message) gives exactly
//     decode()'s verdict: header, error and warnings, in both modes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "codec/codec.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  auto strict = imup::decode(input, imup::Strictness::Strict);
  auto lenient = imup::decode(input, imup::Strictness::Lenient);
  require(strict.ok() != strict.error.has_value());
  require(lenient.ok() != lenient.error.has_value());
  if (strict.ok()) {
    require(lenient.ok() && lenient.warnings.empty());
    require(*lenient.message == *strict.message);
    std::uint8_t out[imup::kMaxDatagramBytes];
    auto r = imup::encode(*strict.message, out);
    require(r.ok() && r.size == size);
    require(std::equal(out, out + size, data));
  }
  if (lenient.ok()) {
    (void)imup::describe(*lenient.message);
    if (lenient.warnings.empty()) require(strict.ok());
  }
  for (const auto& w : lenient.warnings) (void)imup::describe(w);
  auto strict_verdict = imup::check(input, imup::Strictness::Strict);
  auto lenient_verdict = imup::check(input, imup::Strictness::Lenient);
  require(strict_verdict.header == strict.header && strict_verdict.error == strict.error &&
          strict_verdict.warnings == strict.warnings && strict_verdict.ok() == strict.ok());
  require(lenient_verdict.header == lenient.header && lenient_verdict.error == lenient.error &&
          lenient_verdict.warnings == lenient.warnings && lenient_verdict.ok() == lenient.ok());
  return 0;
}
