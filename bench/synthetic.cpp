// SPDX-License-Identifier: Apache-2.0
// The synthetic event stream (synthetic.h). Events are built as vigia::Event
// and rendered with CanonicalJson, so they are valid by construction (the unit
// test decodes every one anyway).
#include "bench/synthetic.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "bench/random.h"
#include "bench/synthetic_tables.h"
#include "core/event.h"

namespace vigia::bench {
namespace {

using detail::WeightedCode;

template <size_t N>
std::vector<std::string_view> Codes(const WeightedCode (&table)[N]) {
  std::vector<std::string_view> out;
  for (const WeightedCode& w : table) out.push_back(w.code);
  return out;
}
template <size_t N>
Weighted Weights(const WeightedCode (&table)[N]) {
  std::vector<double> w;
  for (const WeightedCode& c : table) w.push_back(c.weight);
  return Weighted(w);
}

std::string Hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}
std::string Padded(uint64_t v, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*llu", digits, static_cast<unsigned long long>(v));
  return buf;
}

// A bijection of 32-bit values (MurmurHash3's finalizer): subject ids look
// random but never collide.
uint32_t Scramble(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6BU;
  h ^= h >> 13;
  h *= 0xC2B2AE35U;
  h ^= h >> 16;
  return h;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

AttrValue Text(std::string_view s) {
  AttrValue v;
  v.scalar = Scalar::String(std::string(s));
  return v;
}

struct Subject {
  std::string id;                   // "p-" and 8 hex digits
  uint32_t region = 0;              // index into the regions by activity
  std::vector<std::string> groups;  // 1-3, no duplicates
  std::string municipality;
  std::string project;  // land and indigenous defenders: the project they oppose
  std::string case_id;  // protected persons (check-ins): "MP-2017-NNNNNN"
};

// One event due at a given time: check-ins of protected persons and all-clears.
struct Scheduled {
  TimeUs due;
  uint64_t order;  // tie-break: scheduling order
  enum class Kind : uint8_t { kCheckin, kAllClear } kind;
  uint32_t subject;
  bool operator>(const Scheduled& o) const {
    return due != o.due ? due > o.due : order > o.order;
  }
};

constexpr int kMunicipalities = 12;  // per region
constexpr int kProjects = 6;         // per region
constexpr double kCheckinShare = 0.025;  // of the stream, sets the number of protected persons

class StreamGenerator {
 public:
  explicit StreamGenerator(const StreamOptions& o)
      : o_(o),
        rng_(o.seed * 0x9E3779B97F4A7C15ULL + 0x5EED),
        regions_(detail::RegionsByActivity()),
        region_rank_(Weighted::Zipf(regions_.size(), o.region_zipf)),
        subject_rank_(Weighted::Zipf(o.subjects, o.zipf)),
        municipality_rank_(Weighted::Zipf(kMunicipalities, 1.0)),
        groups_(GroupCodes()),
        group_weights_(GroupWeights(groups_)),
        report_categories_(Codes(detail::kReportCategories)),
        report_weights_(Weights(detail::kReportCategories)),
        media_categories_(Codes(detail::kMediaCategories)),
        media_weights_(Weights(detail::kMediaCategories)),
        kinds_({0.74, 0.19, 0.01, 0.002, 0.003, 0.035}) {
    MakeSubjects();
  }

  std::vector<std::string> Run() {
    std::vector<std::string> out;
    out.reserve(o_.events);
    const double interval = 1e6 / o_.rate;
    TimeUs t = o_.start;
    for (size_t i = 0; i < o_.events; ++i) {
      t += std::max<TimeUs>(1, static_cast<TimeUs>(interval * (0.5 + rng_.Uniform())));
      Event e;
      e.time = t;
      if (!due_.empty() && due_.top().due <= t) {
        Scheduled s = due_.top();
        due_.pop();
        if (s.kind == Scheduled::Kind::kCheckin) {
          Checkin(e, s.subject);
        } else {
          AllClear(e, s.subject);
        }
      } else {
        Random(e, t);
      }
      e.id = e.source + "-" + std::to_string(o_.seed) + "-" + Padded(i, 9);
      std::sort(e.attrs.begin(), e.attrs.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back(CanonicalJson(e));
    }
    return out;
  }

 private:
  std::vector<std::string> GroupCodes() const {
    std::vector<std::string> out;
    for (const CatalogEntry& g : Catalogs::Defaults().groups.entries()) out.push_back(g.code);
    return out;
  }
  static Weighted GroupWeights(const std::vector<std::string>& groups) {
    std::vector<double> w;
    for (const std::string& g : groups) {
      double weight = 1;
      for (const WeightedCode& c : detail::kGroupWeights)
        if (c.code == g) weight = c.weight;
      w.push_back(weight);
    }
    return Weighted(w);
  }

  std::vector<std::string> DrawGroups(size_t n) {
    std::vector<std::string> out;
    for (int tries = 0; out.size() < n && tries < 20; ++tries) {
      const std::string& g = groups_[group_weights_.Sample(rng_)];
      if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
    }
    return out;
  }
  std::string Municipality(uint32_t region) {
    return regions_[region].substr(3) + "-" + Padded(municipality_rank_.Sample(rng_) + 1, 2);
  }

  void MakeSubjects() {
    const size_t n = o_.subjects;
    // Protected persons, spread over the ranks (the most attacked among them).
    const size_t checkers = std::clamp<size_t>(
        static_cast<size_t>(kCheckinShare * o_.rate * (kCheckinEvery / kSecond)), 1, n);
    const size_t stride = std::max<size_t>(1, n / checkers);
    subjects_.resize(n);
    for (size_t k = 0; k < n; ++k) {
      Subject& s = subjects_[k];
      s.id = "p-" + Hex(Scramble(static_cast<uint32_t>(k + o_.seed * 0x9E3779B9ULL)), 8);
      s.region = static_cast<uint32_t>(region_rank_.Sample(rng_));
      const double u = rng_.Uniform();
      s.groups = DrawGroups(u < 0.65 ? 1 : u < 0.93 ? 2 : 3);
      s.municipality = Municipality(s.region);
      for (const std::string& g : s.groups)
        if ((g == "land_environment" || g == "indigenous") && rng_.Chance(0.7))
          s.project = "proj-" + Lower(regions_[s.region].substr(3)) + "-" +
                      std::to_string(rng_.Below(kProjects) + 1);
      if (k % stride == 0 && checkers_.size() < checkers) {
        s.case_id = "MP-2017-" + Padded(k, 6);
        checkers_.push_back(static_cast<uint32_t>(k));
        Schedule(o_.start + static_cast<TimeUs>(rng_.Uniform() * kCheckinEvery),
                 Scheduled::Kind::kCheckin, static_cast<uint32_t>(k));
      }
    }
  }

  void Schedule(TimeUs due, Scheduled::Kind kind, uint32_t subject) {
    due_.push(Scheduled{due, ++scheduled_, kind, subject});
  }

  void About(Event& e, const Subject& s, bool with_groups) {
    e.subject = s.id;
    e.region = regions_[s.region];
    if (with_groups) e.groups = s.groups;
  }

  // A protected person's regular check-in; schedules the next one.
  void Checkin(Event& e, uint32_t k) {
    const Subject& s = subjects_[k];
    e.type = "checkin";
    e.source = "mecanismo";
    About(e, s, rng_.Chance(0.3));
    e.attrs.emplace_back("case", Text(s.case_id));
    static const std::vector<std::string_view> kChannels = {"app", "app", "app", "sms", "call"};
    e.attrs.emplace_back("channel", Text(rng_.Pick(kChannels)));
    const double u = rng_.Uniform();
    const TimeUs t = e.time;
    if (u < 0.002) {  // stops checking in
      e.attrs.emplace_back("status", Text("ok"));
      return;
    }
    if (u < 0.007) {  // distress; the next check-in says ok again
      e.attrs.emplace_back("status", Text("distress"));
    } else {
      e.attrs.emplace_back("status", Text("ok"));
    }
    TimeUs next = t + static_cast<TimeUs>(kCheckinEvery * (0.9 + 0.2 * rng_.Uniform()));
    if (u > 0.985) {  // late: the heartbeat fires, then this check-in retracts it
      next = t + static_cast<TimeUs>(kCheckinEvery * (2.5 + 1.5 * rng_.Uniform()));
    } else if (u > 0.955) {  // announces a longer gap
      e.attrs.emplace_back("next_checkin_within", Text("3m"));
      next = t + static_cast<TimeUs>(kCheckinEvery * (2.5 + 0.3 * rng_.Uniform()));
    }
    Schedule(next, Scheduled::Kind::kCheckin, k);
  }

  void AllClear(Event& e, uint32_t k) {
    const Subject& s = subjects_[k];
    e.type = "checkin";
    e.source = "panic-app";
    About(e, s, false);
    if (!s.case_id.empty()) e.attrs.emplace_back("case", Text(s.case_id));
    e.attrs.emplace_back("channel", Text("call"));
    e.attrs.emplace_back("status", Text("safe"));
  }

  void Random(Event& e, TimeUs t) {
    if (burst_until_ > t && rng_.Chance(0.03)) return Burst(e);
    if (burst_until_ <= t && rng_.Chance(1.0 / (o_.rate * 120))) {
      // A smear campaign after an official's statement: for 30 s, 3 % of the
      // stream is about one state (what the spike rules are for).
      burst_until_ = t + 30 * kSecond;
      burst_region_ = static_cast<uint32_t>(region_rank_.Sample(rng_));
    }
    switch (kinds_.Sample(rng_)) {
      case 0: return Report(e, false);
      case 1: return Report(e, true);
      case 2: return Measure(e);
      case 3: return Missed(e);
      case 4: return Panic(e, t);
      default: return CasualCheckin(e);
    }
  }

  void Report(Event& e, bool media) {
    static const std::vector<std::string_view> kNgos = {
        "red-tdt", "red-tdt", "article19", "cencos", "cemda", "serapaz", "centro-prodh"};
    e.type = media ? "media_alert" : "report";
    e.source = std::string(media ? "monitor-medios" : rng_.Pick(kNgos));
    const Subject* s = nullptr;
    if (rng_.Chance(media ? 0.7 : 0.85)) {
      s = &subjects_[subject_rank_.Sample(rng_)];
      About(e, *s, true);
      if (rng_.Chance(0.1)) e.region = regions_[region_rank_.Sample(rng_)];  // away from home
      if (rng_.Chance(0.7)) e.municipality = s->municipality;
    } else {
      const uint32_t r = static_cast<uint32_t>(region_rank_.Sample(rng_));
      e.region = regions_[r];
      const double u = rng_.Uniform();
      e.groups = DrawGroups(u < 0.05 ? 0 : u < 0.8 ? 1 : 2);
      if (rng_.Chance(0.5)) e.municipality = Municipality(r);
    }
    e.category = std::string(media ? media_categories_[media_weights_.Sample(rng_)]
                                   : report_categories_[report_weights_.Sample(rng_)]);
    if (rng_.Chance(0.8)) e.severity = Severity(*e.category);
    const double tag = rng_.Uniform();
    if (tag < 0.08) e.tags = {"unverified"};
    if (tag > 0.85) e.tags = {"social_media"};
    if (tag > 0.97) e.tags = {"social_media", "unverified"};
    static const std::vector<std::string_view> kActors = {
        "official", "public_servant", "police", "police", "military", "organized_crime",
        "organized_crime", "private_company", "unknown", "unknown"};
    if (rng_.Chance(media ? 0.5 : 0.4)) e.attrs.emplace_back("actor_type", Text(rng_.Pick(kActors)));
    if (media) {
      static const std::vector<std::string_view> kMedia = {"twitter", "facebook", "radio",
                                                           "newspaper", "tv", "youtube"};
      e.attrs.emplace_back("channel", Text(rng_.Pick(kMedia)));
    }
    if (s && !s->project.empty() && rng_.Chance(0.7)) e.attrs.emplace_back("project", Text(s->project));
  }

  int Severity(std::string_view category) {
    if (category == "killing" || category == "attempted_killing" || category == "disappearance")
      return 5;
    if (category == "sexual_violence" || category == "assault" || category == "abduction")
      return 4;
    if (category == "raid" || category == "arbitrary_detention" || category == "displacement")
      return 3;
    return static_cast<int>(rng_.Between(1, 3));
  }

  void Burst(Event& e) {
    const bool media = rng_.Chance(0.7);
    e.type = media ? "media_alert" : "report";
    e.source = media ? "monitor-medios" : "article19";
    e.region = regions_[burst_region_];
    e.groups = DrawGroups(1);
    if (rng_.Chance(0.6)) e.municipality = Municipality(burst_region_);
    e.category = rng_.Chance(0.5) ? "smear_campaign" : "stigmatizing_statement";
    e.severity = 2;
    e.attrs.emplace_back("actor_type", Text(rng_.Chance(0.7) ? "official" : "public_servant"));
    if (media) e.attrs.emplace_back("channel", Text("twitter"));
  }

  uint32_t AnyChecker() { return checkers_[rng_.Below(checkers_.size())]; }
  // A subject who checks in, with probability `checker_share`; else anyone (Zipf).
  uint32_t CheckerOrAnyone(double checker_share) {
    return rng_.Chance(checker_share) ? AnyChecker()
                                      : static_cast<uint32_t>(subject_rank_.Sample(rng_));
  }

  void Measure(Event& e) {
    const Subject& s = subjects_[CheckerOrAnyone(0.8)];
    e.type = "measure";
    e.source = "mecanismo";
    About(e, s, true);
    e.attrs.emplace_back("case", Text(s.case_id.empty() ? "MP-2017-" + s.id.substr(2) : s.case_id));
    static const std::vector<std::string_view> kStatus = {"granted", "implemented", "implemented",
                                                          "lifted"};
    e.attrs.emplace_back("status", Text(rng_.Pick(kStatus)));
  }

  // The check-in service saw a protected person miss a check-in.
  void Missed(Event& e) {
    const Subject& s = subjects_[AnyChecker()];
    e.type = "checkin_missed";
    e.source = "checkin-service";
    About(e, s, false);
    e.attrs.emplace_back("case", Text(s.case_id));
  }

  void Panic(Event& e, TimeUs t) {
    const uint32_t k = CheckerOrAnyone(0.7);
    const Subject& s = subjects_[k];
    e.type = "panic";
    e.source = "panic-app";
    About(e, s, true);
    e.severity = 5;
    if (!s.case_id.empty()) e.attrs.emplace_back("case", Text(s.case_id));
    const double u = rng_.Uniform();
    if (u < 0.82) {  // all-clear in time
      Schedule(t + rng_.Between(10, 100) * kSecond, Scheduled::Kind::kAllClear, k);
    } else if (u < 0.88) {  // too late: the absence fires, then resolves
      Schedule(t + rng_.Between(360, 600) * kSecond, Scheduled::Kind::kAllClear, k);
    }  // else none
  }

  // Someone not under protection checking in with an organisation.
  void CasualCheckin(Event& e) {
    const Subject& s = subjects_[subject_rank_.Sample(rng_)];
    e.type = "checkin";
    e.source = "red-tdt";
    About(e, s, rng_.Chance(0.5));
    e.attrs.emplace_back("channel", Text("sms"));
    e.attrs.emplace_back("status", Text("ok"));
  }

  const StreamOptions& o_;
  Rng rng_;
  std::vector<std::string> regions_;
  Weighted region_rank_, subject_rank_, municipality_rank_;
  std::vector<std::string> groups_;
  Weighted group_weights_;
  std::vector<std::string_view> report_categories_;
  Weighted report_weights_;
  std::vector<std::string_view> media_categories_;
  Weighted media_weights_;
  Weighted kinds_;  // report, media_alert, measure, checkin_missed, panic, casual check-in
  std::vector<Subject> subjects_;
  std::vector<uint32_t> checkers_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<Scheduled>> due_;
  uint64_t scheduled_ = 0;
  TimeUs burst_until_ = 0;
  uint32_t burst_region_ = 0;
};

}  // namespace

std::vector<std::string> GenerateEvents(const StreamOptions& options) {
  return StreamGenerator(options).Run();
}

}  // namespace vigia::bench
