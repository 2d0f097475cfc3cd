// SPDX-License-Identifier: Apache-2.0
// `vigia audit verify` and `vigia audit list`: the audit log of a vigia
// database (notifier.md, "Acknowledgement and audit"), read from the SQLite
// file itself, with or without vigiad running. Each prints results to `out` and
// problems to `err` (one line) and returns the exit code: 0 success; 1 the chain
// is broken or the database cannot be read; 2 bad usage or an unusable config.
#pragma once

#include <ostream>
#include <string>

namespace vigia::cli {

struct AuditOptions {
  std::string db;           // the database; empty: storage.path of the config
  std::string config_file;  // empty: /etc/vigia/vigia.yaml when installed, else the
                            // built-in config read relative to the current folder
  bool json = false;        // list: one JSON object per line
};

// Checks the hash chain: "audit log: N entries, chain intact" (exit 0), or
// names the first entry that does not match (exit 1). Opening may migrate an
// older schema, so the file must be writable (as for `vigia export`).
int RunAuditVerify(const AuditOptions& options, std::ostream& out, std::ostream& err);

// The entries, oldest first: "ID AT ACTOR ACTION TARGET", or with `json` each
// entry's {"id", "at", "actor", "action", "target", "detail"}. Reads only.
int RunAuditList(const AuditOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vigia::cli
