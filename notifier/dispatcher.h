// SPDX-License-Identifier: Apache-2.0
// Sends rendered notifications to receivers (notifier.md, "Delivery"): webhook
// and Alertmanager over HTTP/HTTPS (Boost.Beast, OpenSSL, the system trust
// store), email over SMTP (STARTTLS or SMTPS), and JSON Lines files. One
// thread with its own io_context; every delivery is asynchronous with a
// timeout, and each receiver has its own queue and in-flight limit, so a
// receiver that is down or hangs never delays the others nor the caller.
// The dispatcher makes one attempt per Submit(); retries, backoff and the
// outbox are the caller's (notifier/notifier.h).
// Thread rules: Submit, TakeOutcomes, Pending, Stop and wake_fd are
// thread-safe; the rest runs on the dispatcher's own thread. Stop() must not
// be called from that thread (it joins it).
// Logs (debug only): notifier.delivered, notifier.delivery_failed and
// notifier.delivery_cancelled with the receiver, the delivery id and the
// detail; never a body, a header value, a password or a URL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/notifier_config.h"
#include "core/time.h"

namespace vigia::notifier {

// One message for one receiver, already rendered (notifier/render.h).
struct Delivery {
  int64_t id = 0;               // the caller's id (the outbox row); echoed in the Outcome
  std::string receiver;         // a receiver name of the config
  std::string idempotency_key;  // "alert/policy/tier/n"; webhook: Idempotency-Key header; email: Message-ID
  std::string body;             // webhook: JSON (or the SMS text); alertmanager: the JSON array
                                // for POST /api/v2/alerts; email: the text; file: one JSON line
  std::string subject;          // email only
};

struct Outcome {
  int64_t id = 0;
  std::string receiver;
  bool ok = false;
  // A failure retrying cannot fix (HTTP 4xx other than 408 and 429, a refused
  // sender or recipient, a certificate that does not verify).
  bool permanent = false;
  // For the alert's history and the logs: "HTTP 200", "HTTP 503",
  // "connect: Connection refused", "timeout after 5s", "TLS: certificate verify
  // failed", "SMTP 550 ...". Never a body, a header value or a password.
  std::string detail;
  TimeUs finished_at = 0;
};

class Dispatcher {
 public:
  // Receivers of kind StreamReceiver are not the dispatcher's (the daemon
  // publishes those itself); Submit() for one fails at once.
  explicit Dispatcher(const config::NotifierConfig& config);
  ~Dispatcher();  // Stop(0)
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the thread. Once; no effect after Stop().
  void Start();
  // Queues one attempt. Unknown receiver: an Outcome with ok=false, permanent=true.
  // So too for a stream receiver, or one whose settings are unusable (a bad
  // URL, an unreadable ca_file): the Outcome is there before Submit returns.
  // Deliveries submitted before Start() wait for it; after Stop() they are
  // dropped without an Outcome (the caller's outbox still has them).
  void Submit(Delivery delivery);
  // Outcomes finished since the last call, in completion order.
  std::vector<Outcome> TakeOutcomes();
  // An eventfd that is readable while outcomes wait; TakeOutcomes() drains it.
  int wake_fd() const;
  // Deliveries queued or in flight, per receiver name (for /metrics): every
  // receiver the dispatcher sends to, in config order, with 0 when idle. A
  // delivery stops counting before its Outcome becomes visible.
  std::vector<std::pair<std::string, size_t>> Pending() const;
  // Waits up to `grace` for deliveries in flight and queued, then cancels what
  // is left (they get no Outcome) and joins the thread. Idempotent.
  void Stop(DurationUs grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::notifier
