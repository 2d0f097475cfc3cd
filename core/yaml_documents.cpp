// SPDX-License-Identifier: Apache-2.0
#include "core/yaml_documents.h"

#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

namespace vigia {
namespace {

// Remembers where the last document started; ignores everything else.
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

}  // namespace

std::vector<YAML::Node> LoadYamlDocuments(const std::string& text) {
  // A first pass over the events only: every document but a stuck one consumes
  // at least one token, so two documents starting at the same byte mean the
  // parser no longer advances. Once this pass ends, LoadAll (which runs the same
  // parser the same way) ends too.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  std::optional<int> last_start;
  while (parser.HandleNextDocument(starts)) {
    if (last_start && *last_start == starts.start.pos) {
      throw YAML::ParserException(starts.start, "unexpected character where a node should start");
    }
    last_start = starts.start.pos;
  }
  return YAML::LoadAll(text);
}

}  // namespace vigia
