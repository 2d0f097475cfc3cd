// SPDX-License-Identifier: Apache-2.0
// The rule pipeline: read every file (yaml_reader), collect every file's lists
// (list_table), parse and check each rule (rule_parser and the stages it
// calls), then the checks across rules and files (duplicate ids).
#include "rules/loader.h"

#include <algorithm>
#include <exception>
#include <map>

#include "rules/detail/list_table.h"
#include "rules/detail/reporter.h"
#include "rules/detail/rule_parser.h"
#include "rules/detail/vocabulary.h"
#include "rules/detail/yaml_reader.h"

namespace vigia::rules {
namespace {

using detail::Entry;
using detail::Reporter;
using detail::SourceFile;

struct FileParts {
  std::optional<YAML::Node> lists;
  std::optional<YAML::Node> rules;
};

std::string Location(const SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

// The top level of one file: a mapping of `lists` and `rules`, or empty.
FileParts TopLevel(Reporter& r, const YAML::Node& root) {
  FileParts parts;
  if (root.IsNull()) return parts;
  r.Guard([&] {
    if (!root.IsMap()) {
      r.Fail("E100", root,
             "a rule file must be a mapping with 'lists' and 'rules', found " +
                 detail::DescribeKind(root));
    }
    for (const Entry& e : detail::CheckedEntries(r, root, detail::kTopLevelKeys, "the file")) {
      (e.name == "lists" ? parts.lists : parts.rules) = e.value;
    }
  });
  return parts;
}

// The id node of a rule item, if it has a readable one.
std::optional<YAML::Node> IdNode(const YAML::Node& item) {
  if (item.IsMap()) {
    for (auto it = item.begin(); it != item.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "id" && it->second.IsScalar()) {
        return it->second;
      }
    }
  }
  return std::nullopt;
}

class Loader {
 public:
  explicit Loader(const LoadOptions& options)
      : catalogs_(options.catalogs ? *options.catalogs : Catalogs::Defaults()) {}

  LoadResult<RuleSet> Load(std::vector<SourceFile> files, std::vector<Diagnostic> diags) {
    diags_ = std::move(diags);
    RuleSet set;
    std::vector<FileParts> parts;
    for (const SourceFile& file : files) {
      set.files.push_back(file.name);
      Reporter r(file, diags_);
      parts.push_back(file.ok ? TopLevel(r, file.root) : FileParts{});
      if (parts.back().lists) lists_.Collect(r, *parts.back().lists);
    }
    for (size_t i = 0; i < files.size(); ++i) {
      if (parts[i].rules) ParseRules(files[i], *parts[i].rules, set.rules);
    }
    set.lists = lists_.Texts();
    SortByPosition(set.files);
    return LoadResult<RuleSet>(std::move(set), std::move(diags_));
  }

 private:
  void ParseRules(const SourceFile& file, const YAML::Node& rules, std::vector<Rule>& out) {
    Reporter r(file, diags_);
    if (!rules.IsSequence()) {
      r.Error("E100", rules,
              "'rules' must be a list of rules, found " + detail::DescribeKind(rules));
      return;
    }
    detail::ParseContext ctx{r, lists_, catalogs_};
    size_t index = 0;
    for (const YAML::Node& item : rules) {
      ++index;
      CheckUniqueId(r, item);
      if (std::optional<Rule> rule = detail::ParseRule(ctx, item, index)) {
        out.push_back(std::move(*rule));
      }
    }
  }

  // Ids are unique across all files: the second is the error, naming the first.
  void CheckUniqueId(Reporter& r, const YAML::Node& item) {
    std::optional<YAML::Node> found = IdNode(item);
    if (!found) return;
    const YAML::Node& id = *found;
    SourcePos pos = detail::PosOf(r.file(), id);
    auto [first, inserted] = ids_.emplace(id.Scalar(), pos);
    if (inserted) return;
    Reporter::Scope rule_scope(r, "rule '" + id.Scalar() + "'");
    Reporter::Scope id_scope(r, "id");
    r.Error("E106", id,
            "duplicate rule id '" + id.Scalar() + "', first defined at " + Location(first->second),
            "rule ids are unique across all loaded files");
  }

  // Diagnostics in (file order, line, column) order, whatever stage found them.
  void SortByPosition(const std::vector<std::string>& files) {
    std::map<std::string, size_t> order;
    for (size_t i = 0; i < files.size(); ++i) order.emplace(files[i], i);
    std::stable_sort(diags_.begin(), diags_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
      auto key = [&](const Diagnostic& d) {
        auto it = order.find(d.pos.file);
        return std::tuple(it == order.end() ? files.size() : it->second, d.pos.line, d.pos.column);
      };
      return key(a) < key(b);
    });
  }

  const Catalogs& catalogs_;
  detail::ListTable lists_;
  std::map<std::string, SourcePos> ids_;
  std::vector<Diagnostic> diags_;
};

// Exceptions never leave the module (STYLE.md §3); one that gets here is a bug
// in the loader, reported like any problem so that the caller keeps running.
LoadResult<RuleSet> InternalError(std::string_view what) {
  Diagnostic d;
  d.code = "E003";
  d.message = "internal error while loading rules: " + std::string(what);
  d.hint = "this is a bug in vigia; please report it with the rule files";
  return LoadResult<RuleSet>(std::nullopt, {std::move(d)});
}

}  // namespace

LoadResult<RuleSet> LoadRuleFiles(const std::vector<std::filesystem::path>& files,
                                  const LoadOptions& options) {
  try {
    std::vector<Diagnostic> diags;
    std::vector<SourceFile> sources;
    for (const std::filesystem::path& path : files) {
      sources.push_back(detail::ReadSource(path, diags));
    }
    return Loader(options).Load(std::move(sources), std::move(diags));
  } catch (const std::exception& e) {
    return InternalError(e.what());
  } catch (const detail::DiagnosticError&) {
    return InternalError("a problem escaped its rule");
  }
}

LoadResult<RuleSet> LoadRuleTexts(const std::vector<std::pair<std::string, std::string>>& texts,
                                  const LoadOptions& options) {
  try {
    std::vector<Diagnostic> diags;
    std::vector<SourceFile> sources;
    for (const auto& [name, text] : texts) {
      sources.push_back(detail::ParseSource(name, text, diags));
    }
    return Loader(options).Load(std::move(sources), std::move(diags));
  } catch (const std::exception& e) {
    return InternalError(e.what());
  } catch (const detail::DiagnosticError&) {
    return InternalError("a problem escaped its rule");
  }
}

}  // namespace vigia::rules
