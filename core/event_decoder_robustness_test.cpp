// SPDX-License-Identifier: Apache-2.0
// Random bytes and random mutations of a valid event: the decoder must never
// crash (run under ASan/UBSan), and must classify JSON syntax exactly as an
// independent parser (Boost.JSON) does.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "core/detail/decoder_test_util.h"
#include "core/event_decoder.h"

namespace vigia {
namespace {

class Checker {
 public:
  Checker() : decoder_(Catalogs::Defaults(), {}) {}

  void Decode(const std::string& input) {
    bool known = true;
    auto r = decoder_.Decode(input, &known);
    if (r) {
      ++accepted_;
      // What we accept, we can re-emit and read back identically.
      const std::string canonical = CanonicalJson(*r);
      auto again = decoder_.Decode(canonical);
      if (!again)
        FAIL_CHECK("canonical JSON rejected: " << canonical << " " << RenderError(again.error()));
      else if (CanonicalJson(*again) != canonical)
        FAIL_CHECK("canonical JSON changed: " << canonical);
      return;
    }
    const EventError& err = r.error();
    ++rejected_[static_cast<size_t>(err.code)];
    const bool decoder_code =
        err.code == ErrorCode::kMalformedJson || err.code == ErrorCode::kInvalidEvent ||
        err.code == ErrorCode::kUnknownRegion || err.code == ErrorCode::kUnknownGroup ||
        err.code == ErrorCode::kTooLarge;
    if (!decoder_code) FAIL_CHECK("unexpected code " << ToString(err.code));
    if (err.message.empty() || err.message.size() > 400 || err.field.size() > 70 ||
        err.id.size() > 128) {
      FAIL_CHECK("bad error for " << input << ": " << RenderError(err));
    }
    boost::json::error_code ec;
    boost::json::parse(RenderError(err), ec);
    if (ec) FAIL_CHECK("reply is not JSON: " << RenderError(err));
    if (err.code == ErrorCode::kTooLarge) return;
    boost::json::parse(input, ec);
    if ((err.code == ErrorCode::kMalformedJson) != static_cast<bool>(ec)) {
      FAIL_CHECK("syntax verdicts differ on " << input << ": ours " << RenderError(err)
                                              << ", Boost.JSON: " << (ec ? ec.message() : "valid"));
    }
  }

  size_t accepted() const { return accepted_; }
  size_t rejected(ErrorCode c) const { return rejected_[static_cast<size_t>(c)]; }

 private:
  EventDecoder decoder_;
  size_t accepted_ = 0;
  size_t rejected_[kErrorCodeCount] = {};
};

std::string RandomBytes(std::mt19937_64& rng) {
  static constexpr std::string_view kJsonish = "{}[]\":,.-+0123456789eE \\/ntrufalsu\"\"\"abcdz";
  const size_t n = rng() % 300;
  const bool jsonish = rng() % 2 == 0;
  std::string s(n, '\0');
  for (char& c : s) {
    c = jsonish ? kJsonish[rng() % kJsonish.size()] : static_cast<char>(rng() % 256);
  }
  if (rng() % 4 == 0 && !s.empty()) s[0] = '{';
  return s;
}

std::string Mutate(std::string s, std::mt19937_64& rng) {
  static constexpr std::string_view kInteresting = "{}[]\":,\\ 0-.eutn\x80\xC3\xFF\x01";
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    const size_t at = rng() % s.size();
    switch (rng() % 6) {
      case 0:
        s[at] = static_cast<char>(rng() % 256);
        break;
      case 1:
        s[at] = kInteresting[rng() % kInteresting.size()];
        break;
      case 2:
        s.insert(at, 1, kInteresting[rng() % kInteresting.size()]);
        break;
      case 3:
        s.erase(at, 1 + rng() % 8);
        break;
      case 4:
        s.resize(at);
        break;
      case 5:
        s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 16));
        break;
    }
  }
  return s;
}

TEST_CASE("random bytes never crash the decoder and get the right syntax verdict",
          "[core][decoder][robustness]") {
  std::mt19937_64 rng(20170323);
  Checker checker;
  for (int i = 0; i < 20'000; ++i) checker.Decode(RandomBytes(rng));
  CHECK(checker.rejected(ErrorCode::kMalformedJson) > 10'000);
}

TEST_CASE("random mutations of a valid event never crash the decoder",
          "[core][decoder][robustness]") {
  std::mt19937_64 rng(412);
  Checker checker;
  const std::string examples[] = {
      std::string(test::kExampleEvent), test::Fields::Valid().Json(),
      test::Fields::Valid()
          .Set("attrs", R"({"n":-1.5e3,"l":["a\u00e9\ud83d\ude00",true,null,0],"b":false})")
          .Json()};
  for (int i = 0; i < 20'000; ++i) checker.Decode(Mutate(examples[i % 3], rng));
  // The mutations reach past the syntax check into the field rules and catalogs.
  CHECK(checker.accepted() > 100);
  CHECK(checker.rejected(ErrorCode::kMalformedJson) > 1000);
  CHECK(checker.rejected(ErrorCode::kInvalidEvent) > 100);
  CHECK(checker.rejected(ErrorCode::kUnknownRegion) + checker.rejected(ErrorCode::kUnknownGroup) >
        10);
}

}  // namespace
}  // namespace vigia
