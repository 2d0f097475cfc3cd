// SPDX-License-Identifier: Apache-2.0
#include "notifier/dispatcher.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/thread_name.h"
#include "notifier/detail/attempt.h"
#include "notifier/detail/file_append.h"
#include "notifier/detail/http_post.h"
#include "notifier/detail/mime.h"
#include "notifier/detail/smtp.h"
#include "notifier/detail/tls.h"
#include "notifier/detail/url.h"

namespace vigia::notifier {
namespace {

namespace net = boost::asio;
using detail::AttemptGuard;
using detail::AttemptResult;

// Log event ids (STYLE.md §7). Debug only: one line per attempt.
constexpr const char* kLogDelivered = "notifier.delivered";
constexpr const char* kLogFailed = "notifier.delivery_failed";
constexpr const char* kLogCancelled = "notifier.delivery_cancelled";
constexpr const char* kLogThreadFailed = "notifier.thread_failed";
constexpr const char* kLogStartFailed = "notifier.start_failed";

// Connections one receiver may have open at once: enough for a burst, few
// enough that a hanging receiver ties up little.
constexpr size_t kMaxInFlight = 4;
// After Stop() cancels what is left, how long the attempts may take to unwind
// before the io_context is stopped outright.
constexpr std::chrono::seconds kUnwindLimit{5};

TimeUs NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool HeaderNameOk(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f ||
        std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos)
      return false;
  }
  return true;
}

bool HeaderValueOk(std::string_view value) {
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// Coroutines that own their request for the attempt's lifetime.
net::awaitable<AttemptResult> PostHttp(detail::HttpPostRequest request, AttemptGuard& guard) {
  co_return co_await detail::HttpPost(request, guard);
}
net::awaitable<AttemptResult> SendMail(detail::SmtpRequest request, AttemptGuard& guard) {
  co_return co_await detail::SmtpSend(request, guard);
}
net::awaitable<AttemptResult> Ready(AttemptResult result) { co_return result; }

// One receiver: its settings, checked once, and its queue.
struct ReceiverState {
  std::string name;
  config::Receiver config;
  std::optional<detail::Url> url;  // webhook, alertmanager, email
  std::unique_ptr<detail::ssl::context> tls;
  DurationUs timeout = 10 * kSecond;
  // A problem with the receiver's settings: every Submit() fails at once,
  // permanently (a new config makes a new Dispatcher).
  std::string setup_error;
  std::atomic<size_t> pending{0};  // queued + in flight, for Pending()
  // The dispatcher thread's only:
  std::deque<Delivery> queue;
  size_t in_flight = 0;
  std::set<AttemptGuard*> attempts;
};

}  // namespace

struct Dispatcher::Impl {
  explicit Impl(const config::NotifierConfig& config);

  void Setup(ReceiverState& r);
  // Any thread.
  void Report(const Delivery& d, const AttemptResult& result);
  // Dispatcher thread.
  void Enqueue(ReceiverState& r, Delivery d);
  void Pump(ReceiverState& r);
  net::awaitable<void> Attempt(ReceiverState& r, Delivery d);
  net::awaitable<AttemptResult> Send(ReceiverState& r, Delivery& d, AttemptGuard& guard);
  void Done(ReceiverState& r);
  void CancelAll();

  // Declared before the io_context, so destroyed after it: a coroutine the
  // io_context still holds at its destruction may refer to them.
  std::vector<std::unique_ptr<ReceiverState>> receivers;
  std::unordered_map<std::string, ReceiverState*> by_name;
  std::string helo_name = detail::LocalHeloName();

  std::mutex outcomes_mu;
  std::vector<Outcome> outcomes;  // guarded by outcomes_mu
  int wake_fd = -1;

  std::atomic<bool> accepting{true};
  std::atomic<size_t> busy{0};  // queued + in flight, all receivers
  std::mutex busy_mu;           // with busy_cv: busy reaching 0, run_returned
  std::condition_variable busy_cv;
  bool run_returned = false;  // guarded by busy_mu
  bool cancelling = false;    // dispatcher thread

  std::mutex stop_mu;  // Start() and Stop()
  bool started = false, stopped = false;

  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
};

Dispatcher::Impl::Impl(const config::NotifierConfig& config) {
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    // Without it the daemon could never learn of an outcome: a broken start.
    spdlog::critical("{} error=\"eventfd: {}\"", kLogStartFailed, std::strerror(errno));
    std::abort();
  }
  for (const config::Receiver& rc : config.receivers) {
    auto r = std::make_unique<ReceiverState>();
    r->name = rc.name;
    r->config = rc;
    Setup(*r);
    by_name.emplace(r->name, r.get());
    receivers.push_back(std::move(r));
  }
}

void Dispatcher::Impl::Setup(ReceiverState& r) {
  std::string url;
  std::filesystem::path ca_file;
  if (const auto* w = std::get_if<config::WebhookReceiver>(&r.config.kind)) {
    url = w->url, ca_file = w->ca_file, r.timeout = w->timeout;
    for (const config::HeaderValue& h : w->headers)
      if (!HeaderNameOk(h.name) || !HeaderValueOk(h.value))
        r.setup_error = "bad header in the receiver's config";
  } else if (const auto* a = std::get_if<config::AlertmanagerReceiver>(&r.config.kind)) {
    url = a->url, ca_file = a->ca_file, r.timeout = a->timeout;
  } else if (const auto* e = std::get_if<config::EmailReceiver>(&r.config.kind)) {
    url = e->smtp, ca_file = e->ca_file, r.timeout = e->timeout;
    for (const std::string& address : e->to)
      if (address.find_first_of("\r\n") != std::string::npos)
        r.setup_error = "bad address in config";
    if (e->to.empty()) r.setup_error = "no recipients in the receiver's config";
  } else if (std::holds_alternative<config::StreamReceiver>(r.config.kind)) {
    r.setup_error = "stream receivers are published by the daemon";
    return;
  } else {
    return;  // file
  }
  auto parsed = detail::ParseUrl(url);
  if (!parsed) {
    r.setup_error = parsed.error();
    return;
  }
  const bool email = std::holds_alternative<config::EmailReceiver>(r.config.kind);
  const bool scheme_ok = email ? (parsed->scheme == "smtp" || parsed->scheme == "smtps")
                               : (parsed->scheme == "http" || parsed->scheme == "https");
  if (!scheme_ok) {
    r.setup_error = "unsupported URL scheme";
    return;
  }
  r.url = std::move(parsed).value();
  // smtp:// may upgrade with STARTTLS, so email always gets a context.
  if (r.url->tls() || email) {
    auto context = detail::MakeTlsContext(ca_file);
    if (!context)
      r.setup_error = context.error();
    else
      r.tls = std::move(context).value();
  }
  if (r.timeout <= 0) r.timeout = 10 * kSecond;
}

void Dispatcher::Impl::Report(const Delivery& d, const AttemptResult& result) {
  if (result.ok) {
    spdlog::debug("{} receiver={} id={} detail=\"{}\"", kLogDelivered, d.receiver, d.id,
                  result.detail);
  } else {
    spdlog::debug("{} receiver={} id={} permanent={} detail=\"{}\"", kLogFailed, d.receiver, d.id,
                  result.permanent, result.detail);
  }
  Outcome outcome{d.id, d.receiver, result.ok, result.permanent, result.detail, NowUs()};
  std::lock_guard lock(outcomes_mu);
  outcomes.push_back(std::move(outcome));
  const uint64_t one = 1;
  // EAGAIN only if the counter were at its 2^64-2 limit: it is readable anyway.
  [[maybe_unused]] const ssize_t n = write(wake_fd, &one, sizeof one);
}

void Dispatcher::Impl::Enqueue(ReceiverState& r, Delivery d) {
  if (cancelling) return Done(r);
  r.queue.push_back(std::move(d));
  Pump(r);
}

void Dispatcher::Impl::Pump(ReceiverState& r) {
  while (!cancelling && r.in_flight < kMaxInFlight && !r.queue.empty()) {
    Delivery d = std::move(r.queue.front());
    r.queue.pop_front();
    ++r.in_flight;
    net::co_spawn(ioc, Attempt(r, std::move(d)), [](std::exception_ptr e) {
      // Attempt() catches what Send() throws; only its own frame can fail here.
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("{} error=\"{}\"", kLogThreadFailed, ex.what());
      }
    });
  }
}

net::awaitable<void> Dispatcher::Impl::Attempt(ReceiverState& r, Delivery d) {
  AttemptGuard guard(ioc.get_executor(), r.timeout);
  r.attempts.insert(&guard);
  AttemptResult result;
  try {
    result = co_await Send(r, d, guard);
  } catch (const std::exception& e) {
    // Allocation failures and the like: a bug or a passing shortage, not the receiver's fault.
    spdlog::error("{} receiver={} error=\"{}\"", kLogThreadFailed, r.name, e.what());
    result = {false, false, "internal error"};
  }
  r.attempts.erase(&guard);
  --r.in_flight;
  // Before Report(): once an Outcome is visible, Pending() no longer counts it.
  Done(r);
  // A cancelled attempt gets no Outcome (the caller sends it again later),
  // unless it had succeeded already (an SMTP QUIT cut short, say).
  if (guard.cancelled() && !result.ok) {
    spdlog::debug("{} receiver={} id={}", kLogCancelled, r.name, d.id);
  } else {
    Report(d, result);
  }
  Pump(r);
}

net::awaitable<AttemptResult> Dispatcher::Impl::Send(ReceiverState& r, Delivery& d,
                                                     AttemptGuard& guard) {
  // Not a coroutine itself: it builds the request and returns the coroutine
  // that owns it (GCC 12 at -O2 warns, wrongly, of a mismatched operator
  // delete on a coroutine with several co_await branches).
  if (const auto* w = std::get_if<config::WebhookReceiver>(&r.config.kind)) {
    detail::HttpPostRequest request{
        *r.url, r.url->target,     w->sms ? "text/plain; charset=utf-8" : "application/json",
        {},     std::move(d.body), r.tls.get()};
    for (const config::HeaderValue& h : w->headers) request.headers.emplace_back(h.name, h.value);
    // Last, so that a configured header of the same name cannot replace it.
    request.headers.emplace_back("Idempotency-Key", d.idempotency_key);
    return PostHttp(std::move(request), guard);
  }
  if (std::holds_alternative<config::AlertmanagerReceiver>(r.config.kind)) {
    detail::HttpPostRequest request{*r.url,
                                    detail::JoinPath(r.url->target, "api/v2/alerts"),
                                    "application/json",
                                    {},
                                    std::move(d.body),
                                    r.tls.get()};
    request.headers.emplace_back("Idempotency-Key", d.idempotency_key);
    return PostHttp(std::move(request), guard);
  }
  if (const auto* e = std::get_if<config::EmailReceiver>(&r.config.kind)) {
    detail::SmtpRequest request{*r.url,      e->starttls, e->username,
                                e->password, helo_name,   detail::BareAddress(e->from),
                                {},          {},          r.tls.get()};
    for (const std::string& to : e->to) request.to.push_back(detail::BareAddress(to));
    request.data = detail::DotStuff(detail::FormatMail(
        {e->from, e->to, std::move(d.subject), std::move(d.body), d.idempotency_key, NowUs()}));
    return SendMail(std::move(request), guard);
  }
  if (const auto* f = std::get_if<config::FileReceiver>(&r.config.kind))
    return Ready(detail::AppendLine(f->path, d.body));
  return Ready({false, true, "stream receivers are published by the daemon"});
}

void Dispatcher::Impl::Done(ReceiverState& r) {
  --r.pending;
  if (--busy == 0) {
    std::lock_guard lock(busy_mu);
    busy_cv.notify_all();
  }
}

void Dispatcher::Impl::CancelAll() {
  cancelling = true;
  for (auto& r : receivers) {
    while (!r->queue.empty()) {
      spdlog::debug("{} receiver={} id={}", kLogCancelled, r->name, r->queue.front().id);
      r->queue.pop_front();
      Done(*r);
    }
    // Each attempt then fails at its pending operation and finishes on its own.
    for (AttemptGuard* attempt : r->attempts) attempt->Cancel();
  }
}

Dispatcher::Dispatcher(const config::NotifierConfig& config)
    : impl_(std::make_unique<Impl>(config)) {}

Dispatcher::~Dispatcher() {
  Stop(0);
  close(impl_->wake_fd);
}

void Dispatcher::Start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mu);
  if (s.started || s.stopped) return;
  s.started = true;
  s.work.emplace(s.ioc.get_executor());
  s.thread = std::thread([&s] {
    NameThisThread("vigia-notifier");
    for (;;) {
      try {
        s.ioc.run();
        break;
      } catch (const std::exception& e) {
        // A handler threw: log it and go on serving the other receivers.
        spdlog::error("{} error=\"{}\"", kLogThreadFailed, e.what());
      }
    }
    std::lock_guard done(s.busy_mu);
    s.run_returned = true;
    s.busy_cv.notify_all();
  });
}

void Dispatcher::Submit(Delivery delivery) {
  Impl& s = *impl_;
  const auto it = s.by_name.find(delivery.receiver);
  if (it == s.by_name.end()) return s.Report(delivery, {false, true, "unknown receiver"});
  ReceiverState& r = *it->second;
  if (!r.setup_error.empty()) return s.Report(delivery, {false, true, r.setup_error});
  if (!s.accepting) {
    spdlog::debug("{} receiver={} id={} reason=stopped", kLogCancelled, r.name, delivery.id);
    return;
  }
  ++r.pending;
  ++s.busy;
  net::post(s.ioc, [&s, &r, d = std::move(delivery)]() mutable { s.Enqueue(r, std::move(d)); });
}

std::vector<Outcome> Dispatcher::TakeOutcomes() {
  Impl& s = *impl_;
  std::vector<Outcome> out;
  std::lock_guard lock(s.outcomes_mu);
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(s.wake_fd, &count, sizeof count);  // EAGAIN: none
  out.swap(s.outcomes);
  return out;
}

int Dispatcher::wake_fd() const { return impl_->wake_fd; }

std::vector<std::pair<std::string, size_t>> Dispatcher::Pending() const {
  std::vector<std::pair<std::string, size_t>> out;
  for (const auto& r : impl_->receivers)
    if (r->setup_error.empty()) out.emplace_back(r->name, r->pending.load());
  return out;
}

void Dispatcher::Stop(DurationUs grace) {
  Impl& s = *impl_;
  std::lock_guard lock(s.stop_mu);
  s.accepting = false;
  if (s.stopped) return;
  s.stopped = true;
  if (!s.started) return;  // what Submit() posted is destroyed with the io_context
  {
    std::unique_lock wait(s.busy_mu);
    s.busy_cv.wait_for(wait, std::chrono::microseconds(std::max<DurationUs>(grace, 0)),
                       [&s] { return s.busy == 0; });
  }
  net::post(s.ioc, [&s] { s.CancelAll(); });
  s.work.reset();
  {
    std::unique_lock wait(s.busy_mu);
    if (!s.busy_cv.wait_for(wait, kUnwindLimit, [&s] { return s.run_returned; })) {
      // A resolver still waiting on DNS, say. What is left is destroyed with the io_context.
      spdlog::warn("{} error=\"attempts did not unwind; stopping\"", kLogThreadFailed);
      s.ioc.stop();
    }
  }
  s.thread.join();
}

}  // namespace vigia::notifier
