#pragma once
/// The scheduler: turns a scenario's call requests into a rota (docs/scenario-format.md, the
/// objective "Score"). A pure function: no store, no I/O. Every placement is checked with
/// check_call (rules.hpp), the one definition of feasibility.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carecall/exchange.hpp"
#include "carecall/model.hpp"

namespace carecall {

struct ScheduleOptions {
    std::uint64_t seed = 0;           ///< breaks ties among equally good choices
    double time_limit_seconds = 10.0; ///< stop with the best rota so far
    std::vector<Booking> pinned;      ///< calls that stay where they are (ids of the scenario)
};

/// One planned call.
struct ScheduledCall {
    RequestId request;
    ResidentId resident;
    std::vector<ContactId> contacts;
    DeviceId device;
    std::optional<StaffId> staff;
    Instant start;
    Instant end;
    int priority = priority::routine;
    bool preferred = false; ///< inside its request's preferred windows
    bool pinned = false;
    friend bool operator==(const ScheduledCall &, const ScheduledCall &) = default;
};

/// A request not fully met, and why.
struct Unscheduled {
    RequestId request;
    int missing_calls = 0;
    /// The rules that blocked it, most frequent first: "rule: example message (N of M starts)".
    std::vector<std::string> reasons;
    friend bool operator==(const Unscheduled &, const Unscheduled &) = default;
};

struct ClassScore {
    int priority = priority::routine;
    int residents_served = 0; ///< residents with at least one call from a request of the class
    int residents_asking = 0; ///< residents with an active request of the class
    int calls = 0;
    int calls_asked = 0;
    friend bool operator==(const ClassScore &, const ClassScore &) = default;
};

/// Compared lexicographically: classes highest first (residents served, then calls), then
/// preferred-window calls.
struct ScheduleScore {
    std::vector<ClassScore> classes; ///< highest class first
    int preferred_calls = 0;
    friend bool operator==(const ScheduleScore &, const ScheduleScore &) = default;
};

struct ScheduleResult {
    std::string status; ///< "optimal" (every call placed, all in preferred windows), "feasible",
                        ///< "time_limit"
    std::vector<ScheduledCall> calls;     ///< sorted by start, then device
    std::vector<Unscheduled> unscheduled; ///< by request id
    ScheduleScore score;
    double seconds = 0.0; ///< time taken
};

/// Plans the scenario's active requests over its horizon. Deterministic for the same scenario,
/// options and seed (unless the time limit cuts it short).
ScheduleResult schedule(const Scenario &s, const ScheduleOptions &o);

/// The score of a set of calls for the scenario's requests.
ScheduleScore score_calls(const Scenario &s, const std::vector<ScheduledCall> &calls);

} // namespace carecall
