// SPDX-License-Identifier: Apache-2.0
#include "bench/json_report.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/bench_util.h"

namespace vigia::bench {
namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace

JsonObject& JsonObject::Add(std::string_view key, std::string_view text) {
  fields_.emplace_back(std::string(key), Quote(text));
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, double number) {
  char buf[32];
  if (!std::isfinite(number)) {
    std::snprintf(buf, sizeof buf, "null");
  } else if (number == std::floor(number) && std::fabs(number) < 9e15) {
    std::snprintf(buf, sizeof buf, "%.0f", number);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", number);
  }
  fields_.emplace_back(std::string(key), buf);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, bool value) {
  fields_.emplace_back(std::string(key), value ? "true" : "false");
  return *this;
}

std::string JsonObject::Render() const {
  std::string out = "{";
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ", ";
    out += Quote(fields_[i].first) + ": " + fields_[i].second;
  }
  return out + "}";
}

JsonReport::JsonReport(std::string_view mode) {
  top_.Add("mode", mode).Add("load_average", LoadAverage());
}

std::string JsonReport::Render() const {
  std::string top = top_.Render();
  top.pop_back();  // '}'
  top += ", \"rows\": [";
  for (size_t i = 0; i < rows_.size(); ++i) top += (i ? ",\n  " : "\n  ") + rows_[i].Render();
  return top + (rows_.empty() ? "]}" : "\n]}");
}

bool JsonReport::WriteTo(const std::string& path) const {
  if (path.empty()) return true;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << Render() << "\n";
  out.close();
  if (!out) std::cerr << "vigia-bench: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

}  // namespace vigia::bench
