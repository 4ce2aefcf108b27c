// core/mutex.h: a mutex the compiler checks (Clang's -Wthread-safety), as LevelDB's
// port/thread_annotations.h and port::Mutex.
//
// Members a mutex guards are declared GUARDED_BY(mu_); functions that expect the caller to
// hold it say REQUIRES(mu_), and functions that take it themselves (so must not be called
// with it held) say EXCLUDES(mu_). A Clang build with -Wthread-safety -Werror
// (scripts/check_thread_safety.sh, run by scripts/test.sh) then rejects an access without
// the lock. libstdc++'s std::mutex carries no annotations, hence the small wrapper. Under
// GCC the macros expand to nothing and Mutex is exactly a std::mutex.
#pragma once

#include <mutex>

#if defined(__clang__)
#define COVEN_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COVEN_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) COVEN_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY COVEN_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) COVEN_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) COVEN_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) COVEN_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) COVEN_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) COVEN_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) COVEN_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) COVEN_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) COVEN_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS COVEN_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace coven::core {

// A std::mutex with capability annotations. Not recursive; not movable.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  Mutex(Mutex&&) = delete;
  Mutex& operator=(Mutex&&) = delete;
  ~Mutex() = default;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds `mu` for its scope (std::lock_guard, annotated). `mu` must outlive it.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  MutexLock(MutexLock&&) = delete;
  MutexLock& operator=(MutexLock&&) = delete;

 private:
  Mutex* mu_;
};

}  // namespace coven::core
