// ShimWatcher: one thread in epoll_wait over every live shim's subscription.
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "core/unix_socket.h"
#include "shim/internal/terminal_activity.h"
#include "shim/internal/wire.h"
#include "shim/shim.h"

namespace coven::shim {

using core::ErrorCode;
using internal::FrameType;

struct ShimWatcher::Impl {
  struct Subscription {
    std::string session_id;
    core::UniqueFd fd;
    internal::FrameParser parser;  // touched only by the watcher thread once registered
  };

  explicit Impl(Callbacks cb) : callbacks(std::move(cb)) {}

  void Run();
  void WakeUp() const;
  // Reads what `sub` has and runs its callbacks; removes it when its connection ended.
  void Service(Subscription* sub, bool readable);
  std::unique_ptr<Subscription> Remove(int fd);

  const Callbacks callbacks;
  core::UniqueFd epoll_fd;
  core::UniqueFd event_fd;  // written to wake the thread: stop, or a buffered subscription
  std::atomic<bool> stopping{false};
  // A leaf lock: no callback runs and no other lock is taken while it is held.
  mutable core::Mutex mu;
  std::map<int, std::unique_ptr<Subscription>> subs GUARDED_BY(mu);  // by fd
  std::thread thread;
};

void ShimWatcher::Impl::WakeUp() const {
  uint64_t one = 1;
  ssize_t ignored = ::write(event_fd.fd(), &one, sizeof(one));  // cannot fail but overflow
  (void)ignored;
}

std::unique_ptr<ShimWatcher::Impl::Subscription> ShimWatcher::Impl::Remove(int fd) {
  std::unique_ptr<Subscription> sub;
  {
    core::MutexLock lock(&mu);
    auto it = subs.find(fd);
    if (it == subs.end()) {
      return nullptr;
    }
    sub = std::move(it->second);
    subs.erase(it);
  }
  ::epoll_ctl(epoll_fd.fd(), EPOLL_CTL_DEL, fd, nullptr);
  return sub;
}

void ShimWatcher::Impl::Service(Subscription* sub, bool readable) {
  bool ended = false;
  if (readable) {
    char buf[16 << 10];
    ssize_t n = ::recv(sub->fd.fd(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      sub->parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      ended = true;  // the shim is gone (EOF, reset)
    }
  }
  uint64_t last_seq = 0;
  bool exited = false;
  std::string exit_json;
  std::vector<internal::ActivityReport> reports;
  while (!exited) {
    auto frame = sub->parser.Next();
    if (!frame) {
      ended = true;
      break;
    }
    if (!frame->has_value()) {
      break;
    }
    if ((*frame)->type == FrameType::kAppended && (*frame)->payload.size() >= 8) {
      last_seq = std::max(last_seq, internal::GetU64((*frame)->payload, 0));
    } else if ((*frame)->type == FrameType::kExited) {
      exited = true;
      exit_json = std::move((*frame)->payload);
    } else if ((*frame)->type == FrameType::kActivity) {
      if (auto report = internal::DecodeActivity((*frame)->payload)) {
        reports.push_back(std::move(*report));
      }
    }
  }
  std::string id = sub->session_id;
  if (last_seq > 0 && callbacks.on_appended) {
    callbacks.on_appended(id, last_seq);
  }
  for (const internal::ActivityReport& r : reports) {
    if (callbacks.on_activity) {
      callbacks.on_activity(id, r.state, r.source, r.detail);
    }
  }
  if (exited || ended) {
    auto removed = Remove(sub->fd.fd());  // closes the connection when it goes out of scope
    if (callbacks.on_gone) {
      callbacks.on_gone(id, exit_json);
    }
  }
}

void ShimWatcher::Impl::Run() {
  epoll_event events[64];
  while (!stopping.load()) {
    int n = ::epoll_wait(epoll_fd.fd(), events, 64, -1);
    if (n < 0) {
      continue;  // EINTR; nothing else can fail with a valid epoll fd
    }
    for (int i = 0; i < n && !stopping.load(); ++i) {
      int fd = events[i].data.fd;
      if (fd == event_fd.fd()) {
        uint64_t count = 0;
        ssize_t ignored = ::read(event_fd.fd(), &count, sizeof(count));
        (void)ignored;
        // Subscriptions whose first notifications arrived with the subscribe reply.
        std::vector<Subscription*> buffered;
        {
          core::MutexLock lock(&mu);
          for (auto& [key, sub] : subs) {
            if (!sub->parser.empty()) {
              buffered.push_back(sub.get());
            }
          }
        }
        for (Subscription* sub : buffered) {
          Service(sub, false);
        }
        continue;
      }
      Subscription* sub = nullptr;
      {
        core::MutexLock lock(&mu);
        auto it = subs.find(fd);
        sub = it == subs.end() ? nullptr : it->second.get();
      }
      if (sub != nullptr) {  // only this thread removes subscriptions, so sub stays valid
        Service(sub, true);
      }
    }
  }
}

ShimWatcher::ShimWatcher(Callbacks callbacks)
    : impl_(std::make_unique<Impl>(std::move(callbacks))) {
  impl_->epoll_fd.Reset(::epoll_create1(EPOLL_CLOEXEC));
  impl_->event_fd.Reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  // Without these the watcher cannot work at all: out of fds at daemon start.
  COVEN_CHECK(impl_->epoll_fd.valid() && impl_->event_fd.valid());
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.fd = impl_->event_fd.fd();
  COVEN_CHECK(::epoll_ctl(impl_->epoll_fd.fd(), EPOLL_CTL_ADD, impl_->event_fd.fd(), &ev) == 0);
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
}

ShimWatcher::~ShimWatcher() {
  impl_->stopping.store(true);
  impl_->WakeUp();
  impl_->thread.join();
}

core::Status ShimWatcher::Watch(const std::string& session_id, const std::string& session_dir) {
  auto fd = internal::ConnectUnix(ShimSocketPath(session_dir));
  if (!fd) {
    return fd.error();
  }
  if (!core::PeerIsOwner(fd->fd())) {
    return core::Error(ErrorCode::kIo, "shim socket is served by another user");
  }
  std::string out;
  internal::AppendFrame(&out, FrameType::kSubscribe, {});
  if (core::Status s = internal::SendAll(fd->fd(), out); !s) {
    return core::Error(ErrorCode::kSessionNotLive, s.error().message);
  }
  auto sub = std::make_unique<Impl::Subscription>();
  auto reply = internal::ReadFrame(fd->fd(), &sub->parser);
  if (!reply) {
    core::Error e = reply.error();
    if (e.sys_errno == ECONNRESET) {
      e.code = ErrorCode::kSessionNotLive;
    }
    return e;
  }
  if (reply->type != FrameType::kOk) {
    return core::Error(ErrorCode::kSessionNotLive, "shim refused the subscription");
  }
  if (::fcntl(fd->fd(), F_SETFL, O_NONBLOCK) != 0) {
    return core::SysError("fcntl O_NONBLOCK", errno);
  }
  sub->session_id = session_id;
  sub->fd = std::move(*fd);
  int key = sub->fd.fd();
  bool buffered = !sub->parser.empty();
  {
    // Under the lock, so the thread cannot see the fd in epoll before it is in `subs`.
    core::MutexLock lock(&impl_->mu);
    epoll_event ev = {};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = key;
    if (::epoll_ctl(impl_->epoll_fd.fd(), EPOLL_CTL_ADD, key, &ev) != 0) {
      return core::SysError("epoll_ctl", errno);
    }
    impl_->subs.emplace(key, std::move(sub));
  }
  if (buffered) {
    impl_->WakeUp();
  }
  return core::Ok();
}

size_t ShimWatcher::watched_count() const {
  core::MutexLock lock(&impl_->mu);
  return impl_->subs.size();
}

}  // namespace coven::shim
