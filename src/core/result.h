// core/result.h: Result<T> and Status, spelled like std::expected so that they can become
// aliases in C++23. A Result holds either a value or a core::Error; it never throws.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

#include "core/error.h"

// A broken invariant: logs and aborts, also in release builds (mosh's fatal_assert).
#define COVEN_CHECK(cond)                                                                 \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: COVEN_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

namespace coven::core {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    COVEN_CHECK(has_value());
    return std::get<0>(data_);
  }
  const T& value() const& {
    COVEN_CHECK(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    COVEN_CHECK(has_value());
    return std::get<0>(std::move(data_));
  }
  const Error& error() const {
    COVEN_CHECK(!has_value());
    return std::get<1>(data_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT implicit

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    COVEN_CHECK(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() {
  return {};
}

}  // namespace coven::core
