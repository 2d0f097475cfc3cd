// SPDX-License-Identifier: Apache-2.0
#include "core/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/node/detail/memory.h>
#include <yaml-cpp/node/detail/node.h>

#include <memory>
#include <optional>
#include <sstream>
#include <utility>

namespace vigia {
namespace {

// Selects the specialization of YAML::as_if below; never a conversion target.
struct WrapBuiltNode {};

}  // namespace
}  // namespace vigia

namespace YAML {

// yaml-cpp turns a built tree into a Node only through a private constructor,
// open to its NodeBuilder (internal, not installed) and to the friend template
// as_if. This specialization is DocumentBuilder's way to it.
template <>
struct as_if<vigia::WrapBuiltNode, void> {
  static Node Wrap(detail::node& node, detail::shared_memory_holder memory) {
    return Node(node, std::move(memory));
  }
};

}  // namespace YAML

namespace vigia {
namespace {

// The tree of one document, built from the parser's events as YAML::LoadAll
// builds it: a port of yaml-cpp 0.7's NodeBuilder (src/nodebuilder.cpp), so
// that nodes keep the same types, tags, styles, marks and anchors. Also
// remembers where the document started. It uses yaml-cpp's installed detail/
// headers; yaml_documents_test.cpp compares its trees with LoadAll's on every
// YAML text of the repository. With a yaml-cpp that has #1319 (0.8), all this
// can go back to YAML::LoadAll.
class DocumentBuilder : public YAML::EventHandler {
 public:
  DocumentBuilder() : memory_(std::make_shared<YAML::detail::memory_holder>()) {
    anchors_.push_back(nullptr);  // anchors are numbered from 1
  }

  const YAML::Mark& start() const { return start_; }

  YAML::Node Root() const {
    if (root_ == nullptr) return YAML::Node();
    return YAML::as_if<WrapBuiltNode, void>::Wrap(*root_, memory_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Push(mark, anchor).set_null();
    Pop();
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // The parser only reports anchors it has seen (else it throws).
    Push(*anchors_[anchor]);
    Pop();
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YAML::detail::node& node = Push(mark, anchor);
    node.set_scalar(value);
    node.set_tag(tag);
    Pop();
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    YAML::detail::node& node = Push(mark, anchor);
    node.set_tag(tag);
    node.set_type(YAML::NodeType::Sequence);
    node.set_style(style);
  }

  void OnSequenceEnd() override { Pop(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    YAML::detail::node& node = Push(mark, anchor);
    node.set_type(YAML::NodeType::Map);
    node.set_tag(tag);
    node.set_style(style);
    ++map_depth_;
  }

  void OnMapEnd() override {
    --map_depth_;
    Pop();
  }

 private:
  struct PendingKey {
    YAML::detail::node* key;
    bool complete;  // the key is built; its value comes next
  };

  YAML::detail::node& Push(const YAML::Mark& mark, YAML::anchor_t anchor) {
    YAML::detail::node& node = memory_->create_node();
    node.set_mark(mark);
    if (anchor != YAML::NullAnchor) anchors_.push_back(&node);  // the parser numbers them in order
    Push(node);
    return node;
  }

  void Push(YAML::detail::node& node) {
    // In a mapping, every other node pushed is a key.
    const bool is_key = !stack_.empty() && stack_.back()->type() == YAML::NodeType::Map &&
                        keys_.size() < map_depth_;
    stack_.push_back(&node);
    if (is_key) keys_.push_back({&node, false});
  }

  // Ends the node on top of the stack: it becomes the root, an item of the
  // sequence below it, or the key or the value of the mapping below it.
  void Pop() {
    YAML::detail::node& node = *stack_.back();
    stack_.pop_back();
    if (stack_.empty()) {
      root_ = &node;
      return;
    }
    YAML::detail::node& collection = *stack_.back();
    if (collection.type() == YAML::NodeType::Sequence) {
      collection.push_back(node, memory_);
    } else if (keys_.back().complete) {
      collection.insert(*keys_.back().key, node, memory_);
      keys_.pop_back();
    } else {
      keys_.back().complete = true;
    }
  }

  YAML::detail::shared_memory_holder memory_;
  YAML::detail::node* root_ = nullptr;
  std::vector<YAML::detail::node*> stack_;
  std::vector<YAML::detail::node*> anchors_;
  std::vector<PendingKey> keys_;
  size_t map_depth_ = 0;
  YAML::Mark start_;
};

}  // namespace

std::vector<YAML::Node> LoadYamlDocuments(const std::string& text) {
  // LoadAll's loop, with a check: every document but a stuck one consumes at
  // least one token, so two documents starting at the same byte mean the
  // parser no longer advances.
  std::istringstream in(text);
  YAML::Parser parser(in);
  std::vector<YAML::Node> docs;
  std::optional<int> last_start;
  while (true) {
    DocumentBuilder builder;
    if (!parser.HandleNextDocument(builder)) break;
    if (last_start == builder.start().pos) {
      throw YAML::ParserException(builder.start(),
                                  "unexpected character where a node should start");
    }
    last_start = builder.start().pos;
    docs.push_back(builder.Root());
  }
  return docs;
}

}  // namespace vigia
