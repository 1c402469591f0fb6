// SPDX-License-Identifier: GPL-2.0-or-later
// Round-trip times in constant memory: exact while there are at most 4096
// of them, then a log-scale histogram with 64 sub-buckets per power of two
// (quantiles within ~1.1%); min and max always exact.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

namespace imup::verify {

class RttHistogram {
 public:
  void add(std::uint64_t ns) {
    ++count_;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
    ++buckets_[bucket_of(ns)];
    if (count_ <= kExact) exact_.push_back(ns);
    else if (!exact_.empty()) std::vector<std::uint64_t>().swap(exact_);
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  // The q-quantile (0..1), as the middle of its bucket, clamped to [min, max].
  std::uint64_t quantile(double q) const {
    if (!count_) return 0;
    if (count_ <= kExact) {
      std::vector<std::uint64_t> v = exact_;
      auto at = std::size_t(q * double(v.size() - 1) + 0.5);
      std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(at), v.end());
      return v[at];
    }
    auto rank = std::uint64_t(q * double(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      seen += buckets_[b];
      if (seen >= rank) return std::clamp(middle_of(b), min(), max_);
    }
    return max_;
  }

 private:
  static constexpr std::uint64_t kExact = 4096;
  static constexpr int kSubBits = 6;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) << kSubBits;
  static std::size_t bucket_of(std::uint64_t v) {
    if (v < (1u << kSubBits)) return std::size_t(v);
    int exp = 63 - std::countl_zero(v) - kSubBits + 1;  // >= 1
    return (std::size_t(exp) << kSubBits) + std::size_t((v >> (exp - 1)) & ((1u << kSubBits) - 1));
  }
  static std::uint64_t middle_of(std::size_t b) {
    std::size_t exp = b >> kSubBits;
    std::uint64_t sub = b & ((1u << kSubBits) - 1);
    if (exp == 0) return sub;
    std::uint64_t low = ((std::uint64_t(1) << kSubBits) | sub) << (exp - 1);
    return low + ((std::uint64_t(1) << (exp - 1)) >> 1);
  }
  std::uint64_t count_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::vector<std::uint64_t> exact_;
};

}  // namespace imup::verify
