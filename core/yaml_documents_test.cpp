// SPDX-License-Identifier: Apache-2.0
#include "core/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace vigia {
namespace {

namespace fs = std::filesystem;

std::string ErrorOf(const std::string& text) {
  try {
    LoadYamlDocuments(text);
  } catch (const YAML::Exception& e) {
    return std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + " " + e.msg;
  }
  return "";
}

TEST_CASE("YAML streams load as YAML::LoadAll loads them", "[core][yaml]") {
  CHECK(LoadYamlDocuments("").empty());
  CHECK(LoadYamlDocuments("# only a comment\n").empty());
  REQUIRE(LoadYamlDocuments("a: 1\n").size() == 1);
  CHECK(LoadYamlDocuments("a: 1\n")[0]["a"].as<int>() == 1);
  CHECK(LoadYamlDocuments("a\n---\nb\n").size() == 2);
  CHECK(LoadYamlDocuments("---\n---\n").size() == 2);
  CHECK(ErrorOf("a: [1\n") == "2:1 end of sequence flow not found");
}

TEST_CASE("A stray flow end or comma where a node should start is an error, not an endless loop",
          "[core][yaml]") {
  // yaml-cpp 0.7's LoadAll returns an empty document for ever on these (found by
  // tests/fuzz/fuzz_config).
  CHECK(ErrorOf(",r}") == "1:1 unexpected character where a node should start");
  CHECK(ErrorOf(",") == "1:1 unexpected character where a node should start");
  CHECK(ErrorOf("a: 1\n---\n,\n") == "3:1 unexpected character where a node should start");
  CHECK_FALSE(ErrorOf("]").empty());
  CHECK_FALSE(ErrorOf("x: 1\n}\n").empty());
}

// The differential test below compares LoadYamlDocuments with the reference:
// yaml-cpp's own YAML::LoadAll, behind the former guard (a first pass over the
// events that stops a stuck parser before LoadAll would loop).

class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start;
};

std::vector<YAML::Node> ReferenceLoad(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  std::optional<int> last_start;
  while (parser.HandleNextDocument(starts)) {
    if (last_start == starts.start.pos) {
      throw YAML::ParserException(starts.start, "unexpected character where a node should start");
    }
    last_start = starts.start.pos;
  }
  return YAML::LoadAll(text);
}

// What a load gives: the documents, or the exception's kind, mark and message.
struct Outcome {
  std::vector<YAML::Node> docs;
  std::string error;
};

template <typename Load>
Outcome Run(Load load, const std::string& text) {
  Outcome out;
  try {
    out.docs = load(text);
  } catch (const YAML::ParserException& e) {
    out.error = "ParserException " + std::to_string(e.mark.pos) + " " + e.what();
  } catch (const YAML::Exception& e) {
    out.error = "Exception " + std::to_string(e.mark.pos) + " " + e.what();
  }
  return out;
}

std::string Describe(const YAML::Mark& mark) {
  return std::to_string(mark.pos) + "@" + std::to_string(mark.line) + ":" +
         std::to_string(mark.column);
}

// Walks two trees in step. Nodes reached twice (aliases, also cyclic ones) are
// compared by which earlier node they are, and not entered again.
class TreeComparer {
 public:
  // The first difference, as "path: what", or "" when the trees are the same.
  std::string Compare(const YAML::Node& a, const YAML::Node& b, const std::string& path) {
    if (a.Type() != b.Type()) return path + ": type " + Type(a) + " vs " + Type(b);
    if (!a.IsDefined()) return "";
    if (a.Tag() != b.Tag()) return path + ": tag '" + a.Tag() + "' vs '" + b.Tag() + "'";
    if (a.Style() != b.Style()) return path + ": style";
    if (Describe(a.Mark()) != Describe(b.Mark())) {
      return path + ": mark " + Describe(a.Mark()) + " vs " + Describe(b.Mark());
    }
    const int seen_a = Seen(seen_a_, a), seen_b = Seen(seen_b_, b);
    if (seen_a != seen_b) return path + ": aliases differ";
    if (seen_a >= 0) return "";
    seen_a_.push_back(a);
    seen_b_.push_back(b);
    if (a.IsScalar() && a.Scalar() != b.Scalar()) {
      return path + ": scalar '" + a.Scalar() + "' vs '" + b.Scalar() + "'";
    }
    if (a.size() != b.size()) return path + ": size";
    if (a.IsSequence()) {
      for (size_t i = 0; i < a.size(); ++i) {
        std::string d = Compare(a[i], b[i], path + "/" + std::to_string(i));
        if (!d.empty()) return d;
      }
    }
    if (a.IsMap()) {
      auto ia = a.begin(), ib = b.begin();
      for (size_t i = 0; ia != a.end(); ++ia, ++ib, ++i) {
        const std::string entry = path + "/" + std::to_string(i);
        std::string d = Compare(ia->first, ib->first, entry + "(key)");
        if (d.empty()) d = Compare(ia->second, ib->second, entry);
        if (!d.empty()) return d;
      }
    }
    return "";
  }

 private:
  static std::string Type(const YAML::Node& n) { return std::to_string(n.Type()); }

  static int Seen(const std::vector<YAML::Node>& seen, const YAML::Node& n) {
    for (size_t i = 0; i < seen.size(); ++i) {
      if (seen[i].is(n)) return static_cast<int>(i);
    }
    return -1;
  }

  std::vector<YAML::Node> seen_a_, seen_b_;
};

// "" when LoadYamlDocuments and the reference agree on `text`.
std::string Difference(const std::string& text) {
  const Outcome got = Run(LoadYamlDocuments, text);
  const Outcome want = Run(ReferenceLoad, text);
  if (got.error != want.error) return "error '" + got.error + "' vs '" + want.error + "'";
  if (got.docs.size() != want.docs.size()) return "document count";
  for (size_t i = 0; i < got.docs.size(); ++i) {
    std::string d = TreeComparer().Compare(got.docs[i], want.docs[i], "doc " + std::to_string(i));
    if (!d.empty()) return d;
  }
  return "";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every YAML text of the repository: rules, their tests, configs, catalogs,
// fixtures and fuzz corpora.
std::vector<fs::path> RepositoryYaml() {
  const fs::path source = VIGIA_SOURCE_DIR;
  std::vector<fs::path> files;
  for (const char* dir : {"rules/examples", "config", "tests/fixtures", "tests/golden"}) {
    for (const auto& e : fs::recursive_directory_iterator(source / dir)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
    }
  }
  for (const char* dir : {"tests/fuzz/corpus/fuzz_config", "tests/fuzz/corpus/fuzz_rules"}) {
    for (const auto& e : fs::directory_iterator(source / dir)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("Every YAML text of the repository loads as with YAML::LoadAll", "[core][yaml]") {
  const std::vector<fs::path> files = RepositoryYaml();
  REQUIRE(files.size() >= 50);
  for (const fs::path& file : files) {
    const std::string text = ReadFile(file);
    INFO(file.string());
    CHECK(Difference(text).empty());
    // Cuts of the text at about 20 places: half-written nodes and syntax errors.
    const size_t stride = std::max<size_t>(37, text.size() / 20);
    for (size_t cut = 0; cut < text.size(); cut += stride) {
      INFO("cut at byte " << cut);
      CHECK(Difference(text.substr(0, cut)).empty());
    }
  }
}

TEST_CASE("YAML edge cases load as with YAML::LoadAll", "[core][yaml]") {
  const char* const texts[] = {
      // empty and null documents
      "",
      "\n\n",
      "---\n",
      "---\n...\n",
      "---\n---\n---\n",
      "~\n",
      "null\n",
      "a:\nb: ~\nc: null\n? d\n",
      "- \n- ~\n-\n",
      // multi-document streams
      "a: 1\n---\nb: 2\n...\n---\n- 3\n",
      "--- x\n--- y\n",
      "%YAML 1.2\n---\na: 1\n",
      // anchors and aliases
      "base: &b {x: 1, y: [2, 3]}\ncopy: *b\nitems: [*b, *b]\n",
      "- &a one\n- *a\n- &a two\n- *a\n",
      "&k key: value\n*k : again\n",
      "&r [a, *r]\n",
      "&m {self: *m}\n",
      "a: &x\nb: *x\n",
      "x: *undefined\n",
      // merge keys (kept as a plain '<<' entry)
      "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
      "- &a {x: 1}\n- &b {y: 2}\n- {<<: [*a, *b], z: 3}\n",
      // flow and block styles
      "{a: 1, b: [x, y, {c: d}], e: {}}\n",
      "a:\n  - 1\n  - [2, 3]\n  - k: v\n    l: w\n",
      "[a, b, [c, [d, []]]]\n",
      "? [complex, key]\n: value\n? {a: b}\n: other\n",
      "{a, b: , : c}\n",
      "[a: 1, b]\n",
      // scalars: quoted, block, folded, multi-line
      "a: 'single ''quoted'''\nb: \"double \\\"quoted\\\" \\u00e9\\n\"\nc: plain text\n",
      "a: |\n  literal\n   kept\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\n",
      "a: plain\n  folded over\n  lines\nb: \"quoted\n  over lines\"\n",
      "a: 1\nb: -2.5e3\nc: 0x1F\nd: .inf\ne: true\nf: 'true'\ng: \"\"\nh: ''\n",
      "key with spaces: value # comment\n# comment\n'quoted key': 1\n",
      "ümlaut: ñ\n日本: 語\n",
      "a: \"\\t tab\"\nb: 'x'\r\nc: y\r\n",
      // tags
      "a: !custom x\nb: !!str 1\nc: !!int \"2\"\nd: !local {x: 1}\ne: ! plain\nf: !!seq [1]\n",
      "%TAG !e! tag:example.com,2000:\n---\na: !e!thing x\n",
      "!!map {a: !!null ''}\n",
      "a: !<tag:yaml.org,2002:str> verbatim\n",
      // errors
      "a: [1\n",
      "a: {b\n",
      "a: 'unterminated\n",
      "a: b: c\n",
      "- a\nb: c\n",
      "a:\n  - 1\n - 2\n",
      "&a &b x\n",
      "!t !u x\n",
      "a: 1\na: 2\n",
      "\t- tab\n",
      "@reserved\n",
      "%YAML 1.2\n%YAML 1.2\n---\n",
      "%FOO bar\n---\nx\n",
      ",r}",
      ",",
      "]",
      "}",
      "a: 1\n---\n,\n",
      "x: 1\n}\n",
      "--- ]\n",
      "[a]]\n",
      "{a: 1}}\n",
  };
  for (const char* text : texts) {
    INFO(text);
    CHECK(Difference(text).empty());
  }
}

TEST_CASE("Marks, tags and aliases of a loaded document", "[core][yaml]") {
  // The properties the loaders rely on, checked directly as well.
  const std::vector<YAML::Node> docs =
      LoadYamlDocuments("a: &x plain\nb: 'quoted'\nc: *x\nd: [1, ~]\n");
  REQUIRE(docs.size() == 1);
  const YAML::Node& doc = docs[0];
  CHECK(doc["a"].Tag() == "?");
  CHECK(doc["b"].Tag() == "!");
  CHECK(doc["b"].Mark().line == 1);
  CHECK(doc["b"].Mark().column == 3);
  CHECK(doc["c"].is(doc["a"]));
  CHECK(doc["d"].IsSequence());
  CHECK(doc["d"][1].IsNull());
  CHECK(doc["d"][1].Mark().column == 7);
}

}  // namespace
}  // namespace vigia
