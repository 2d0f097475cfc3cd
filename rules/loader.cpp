// SPDX-License-Identifier: Apache-2.0
// The rule pipeline: read every file (yaml_reader), collect every file's lists
// (list_table), parse and check each rule (rule_parser and the stages it
// calls), then the checks across rules and files (duplicate ids). RuleLoader
// keeps what each file's text parsed into, to replay it when the text comes again.
#include "rules/loader.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <utility>

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

// What one item of a file's `rules:` gave: its id node (checked for uniqueness
// across files at every load), the rule if it has no error, and the problems
// found in it. Depends on the item, the catalogs and the lists only.
struct ParsedItem {
  std::optional<YAML::Node> id;
  std::optional<Rule> rule;
  std::vector<Diagnostic> diags;
};

// What one file's `rules:` gave; `done` once it is filled, `fresh` if by this
// load. It holds while the lists it used have the fingerprints in `lists`.
struct ParsedRules {
  bool done = false;
  bool fresh = false;
  std::vector<Diagnostic> head;  // about `rules:` itself
  std::vector<ParsedItem> items;
  std::map<std::string, std::string> lists;  // name ("*": all names) → ListTable::Fingerprint
};

// One file for a pass: its YAML, and its parsed rules to replay (if done) or to fill.
struct FileInput {
  const SourceFile* source = nullptr;
  ParsedRules* parsed = nullptr;
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
      // emplace, not `=`: assigning to a YAML::Node would rewrite the node it refers to.
      (e.name == "lists" ? parts.lists : parts.rules).emplace(e.value);
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

// One load of a set of files.
class Pass {
 public:
  explicit Pass(const Catalogs& catalogs) : catalogs_(catalogs) {}

  LoadResult<RuleSet> Load(const std::vector<FileInput>& files, std::vector<Diagnostic> diags) {
    diags_ = std::move(diags);
    RuleSet set;
    std::vector<FileParts> parts;
    for (const FileInput& file : files) {
      set.files.push_back(file.source->name);
      Reporter r(*file.source, diags_);
      parts.push_back(file.source->ok ? TopLevel(r, file.source->root) : FileParts{});
      if (parts.back().lists) lists_.Collect(r, *parts.back().lists);
    }
    for (size_t i = 0; i < files.size(); ++i) {
      if (!parts[i].rules) continue;
      ParsedRules& parsed = *files[i].parsed;
      if (!parsed.done || !ListsAsWere(parsed)) {
        parsed = {};
        Parse(*files[i].source, *parts[i].rules, parsed);
      }
      Reporter r(*files[i].source, diags_);
      Replay(r, parsed, set.rules);
    }
    set.lists = lists_.Texts();
    SortByPosition(set.files);
    return LoadResult<RuleSet>(std::move(set), std::move(diags_));
  }

 private:
  // Parses the items of `rules:` into `out`, apart from the checks across files.
  void Parse(const SourceFile& file, const YAML::Node& rules, ParsedRules& out) {
    out.done = out.fresh = true;
    std::set<std::string> uses;
    lists_.RecordUses(&uses);
    std::vector<Diagnostic> found;
    Reporter r(file, found);
    if (!rules.IsSequence()) {
      r.Error("E100", rules,
              "'rules' must be a list of rules, found " + detail::DescribeKind(rules));
    } else {
      detail::ParseContext ctx{r, lists_, catalogs_};
      size_t index = 0;
      for (const YAML::Node& item : rules) {
        ParsedItem& parsed = out.items.emplace_back();
        parsed.id = IdNode(item);
        parsed.rule = detail::ParseRule(ctx, item, ++index);
        parsed.diags = std::exchange(found, {});
      }
    }
    out.head = std::move(found);
    lists_.RecordUses(nullptr);
    for (const std::string& name : uses) out.lists.emplace(name, lists_.Fingerprint(name));
  }

  bool ListsAsWere(const ParsedRules& parsed) const {
    for (const auto& [name, fingerprint] : parsed.lists) {
      if (lists_.Fingerprint(name) != fingerprint) return false;
    }
    return true;
  }

  // Adds a file's parsed rules and problems, and checks its ids against the other files'.
  void Replay(Reporter& r, const ParsedRules& parsed, std::vector<Rule>& out) {
    diags_.insert(diags_.end(), parsed.head.begin(), parsed.head.end());
    for (const ParsedItem& item : parsed.items) {
      if (item.id) CheckUniqueId(r, *item.id);
      diags_.insert(diags_.end(), item.diags.begin(), item.diags.end());
      if (item.rule) out.push_back(*item.rule);
    }
  }

  // Ids are unique across all files: the second is the error, naming the first.
  void CheckUniqueId(Reporter& r, const YAML::Node& id) {
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

const Catalogs& CatalogsOf(const LoadOptions& options) {
  return options.catalogs ? *options.catalogs : Catalogs::Defaults();
}

// A pass over files read for it alone.
LoadResult<RuleSet> LoadSources(const std::vector<SourceFile>& sources,
                                std::vector<Diagnostic> diags, const LoadOptions& options) {
  std::vector<ParsedRules> parsed(sources.size());
  std::vector<FileInput> inputs;
  for (size_t i = 0; i < sources.size(); ++i) inputs.push_back({&sources[i], &parsed[i]});
  return Pass(CatalogsOf(options)).Load(inputs, std::move(diags));
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
    return LoadSources(sources, std::move(diags), options);
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
    return LoadSources(sources, std::move(diags), options);
  } catch (const std::exception& e) {
    return InternalError(e.what());
  } catch (const detail::DiagnosticError&) {
    return InternalError("a problem escaped its rule");
  }
}

struct RuleLoader::Impl {
  // A file as last loaded: its text, what ParseSource made of it (with its
  // E001), and its parsed rules.
  struct File {
    std::string text;
    std::unique_ptr<SourceFile> source;
    std::vector<Diagnostic> read_diags;
    ParsedRules parsed;
  };
  using Path = std::filesystem::path;

  std::map<Path, File> files;
  std::optional<Catalogs> catalogs;  // those the rules of `files` were checked against
  Stats stats;

  LoadResult<RuleSet> Load(const std::vector<Path>& paths, const LoadOptions& options) {
    const Catalogs& now = CatalogsOf(options);
    const bool same_catalogs = catalogs && *catalogs == now;
    std::vector<Diagnostic> diags;
    std::map<Path, File> next;    // becomes `files` (moving a map keeps its nodes in place)
    std::deque<File> unreadable;  // only named, for the pass
    std::vector<FileInput> inputs;
    stats = {};
    for (const Path& path : paths) {
      std::optional<std::string> text = detail::ReadText(path, diags);
      if (!text) {
        File& file = unreadable.emplace_back();
        file.source = std::make_unique<SourceFile>();
        file.source->name = path.string();
        inputs.push_back({file.source.get(), &file.parsed});
        continue;
      }
      File* file = nullptr;
      if (auto again = next.find(path); again != next.end()) {
        file = &again->second;  // given twice: loaded twice, as LoadRuleFiles does
      } else if (auto kept = files.find(path); kept != files.end() && kept->second.text == *text) {
        file = &next.emplace(path, std::move(kept->second)).first->second;
        if (!same_catalogs) file->parsed = {};
        file->parsed.fresh = false;
      } else {
        file = &next[path];
        file->text = std::move(*text);
        file->source = std::make_unique<SourceFile>(
            detail::ParseSource(path.string(), file->text, file->read_diags));
        file->parsed.fresh = true;  // nothing kept, even without rules
        ++stats.read;
      }
      diags.insert(diags.end(), file->read_diags.begin(), file->read_diags.end());
      inputs.push_back({file->source.get(), &file->parsed});
    }
    files = std::move(next);
    catalogs = now;

    LoadResult<RuleSet> result = Pass(now).Load(inputs, std::move(diags));
    for (const auto& [path, file] : files) stats.kept += !file.parsed.fresh;
    return result;
  }
};

RuleLoader::RuleLoader() : impl_(std::make_unique<Impl>()) {}
RuleLoader::~RuleLoader() = default;

LoadResult<RuleSet> RuleLoader::Load(const std::vector<std::filesystem::path>& files,
                                     const LoadOptions& options) {
  std::lock_guard lock(mu_);
  try {
    return impl_->Load(files, options);
  } catch (const std::exception& e) {
    *impl_ = Impl();  // what it kept may be half updated
    return InternalError(e.what());
  } catch (const detail::DiagnosticError&) {
    *impl_ = Impl();
    return InternalError("a problem escaped its rule");
  }
}

RuleLoader::Stats RuleLoader::last_stats() const {
  std::lock_guard lock(mu_);
  return impl_->stats;
}

}  // namespace vigia::rules
