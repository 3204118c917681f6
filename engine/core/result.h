// A value or an error, for a codebase that cannot use C++23's std::expected (clang 14 with
// libstdc++ 12 lacks it). Deliberately tiny: construction, queries and accessors only.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace phantasm {

template <typename E>
struct Err {
  // A constructor rather than an aggregate: clang 14 has no CTAD for aggregates.
  explicit Err(E e) : error(std::move(e)) {}
  E error;
};
template <typename E>
Err(E) -> Err<E>;

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <typename F>
    requires std::is_convertible_v<F, E>
  Result(Err<F> err) : storage_(std::in_place_index<1>, E(std::move(err.error))) {}  // NOLINT

  bool ok() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return *checked(std::get_if<0>(&storage_)); }
  const T& value() const& { return *checked(std::get_if<0>(&storage_)); }
  T&& value() && { return std::move(*checked(std::get_if<0>(&storage_))); }
  const E& error() const { return *checked(std::get_if<1>(&storage_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  // Accessing the wrong alternative is a caller bug. Telling the optimiser so also silences
  // g++ 12's false -Wnull-dereference at -O2 once the assert is compiled out.
  template <typename P>
  static P* checked(P* p) {
    assert(p);
    if (!p) __builtin_unreachable();
    return p;
  }
  std::variant<T, E> storage_;
};

}  // namespace phantasm
