#pragma once
// The message of the InvalidInput a call throws: for checks on the whole text of a refusal.

#include <string>

#include "carecall/error.hpp"

namespace carecall::test {

/// The message (`field: reason`) of the InvalidInput `f` throws, or "no error".
template <class F>
std::string refusal(F f) {
    try {
        f();
    } catch (const InvalidInput& e) {
        return e.what();
    }
    return "no error";
}

} // namespace carecall::test
