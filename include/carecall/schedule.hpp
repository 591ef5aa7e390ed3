#pragma once
/// The scheduler: turns a scenario's call requests into a rota (docs/scenario-format.md, the
/// objective "Score"). A pure function: no store, no I/O. Every placement is checked with
/// check_call (rules.hpp), the one definition of feasibility.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "carecall/exchange.hpp"
#include "carecall/model.hpp"

namespace carecall {

/// How far the solver is (reported from the worker threads, one call at a time).
struct ScheduleProgress {
    int parts_done = 0; ///< independent parts (groups of sites sharing nothing) finished
    int parts = 0;
    double seconds = 0.0;
};

struct ScheduleOptions {
    std::uint64_t seed = 0;           ///< breaks ties among equally good choices
    double time_limit_seconds = 10.0; ///< bounds the improvement only: the greedy rota is always
                                      ///< built in full
    std::vector<Booking> pinned;      ///< calls that stay where they are (ids of the scenario)
    /// Each resident's last call: longest-waiting first (residents absent here have waited
    /// longest). Orders who is served first among residents of a class.
    std::map<ResidentId, Instant> last_call;
    /// Improvement steps per independent part: -1 chooses from the part's size, 0 keeps the
    /// greedy rota. The result is the same for the same input and seed unless the time limit cuts
    /// the search first (status "time_limit").
    long iterations = -1;
    int threads = 0; ///< worker threads; 0: one per core
    /// Also plan for volume alone (calls first, then residents) to report what fairness costs.
    bool price_of_fairness = true;
    /// Solve each part exactly with a time-indexed integer programme (COIN-OR CBC), level by
    /// level of the score, within the time limit; the greedy and improved rota is its starting
    /// point. Only in builds with CARECALL_WITH_CBC (otherwise std::runtime_error). For small
    /// problems and as the benchmark's reference.
    bool exact = false;
    std::function<void(const ScheduleProgress&)> progress; ///< optional
    /// A request's rolling weekly count (rule request.per_week): at most `calls` calls in any 7
    /// consecutive local dates of its site, counting the calls placed for it, its pinned calls in
    /// the horizon, and `elsewhere`: the starts of its other calls that count (booked or
    /// completed) and are not pinned as its own, such as those before and after the horizon.
    struct WeeklyCap {
        int calls = 0;
        std::vector<Instant> elsewhere;
    };
    std::map<RequestId, WeeklyCap> per_week; ///< requests absent here have no weekly cap
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
    friend bool operator==(const ScheduledCall&, const ScheduledCall&) = default;
};

/// A request not fully met, and why.
struct Unscheduled {
    RequestId request;
    int missing_calls = 0;
    /// The rules that blocked it: first what other calls were in the way at the starts its own
    /// windows allow ("search.time_limit" first when the time cut the search), then what ruled out
    /// the other starts; each most frequent first, at most five, as "rule: example (N of M starts;
    /// the plan dates, or every day)", e.g. "device.busy: no device free (in a call, being
    /// cleaned or being moved) (12 of 672 starts; Tue 2025-03-25, Wed 2025-03-26)".
    std::vector<std::string> reasons;
    friend bool operator==(const Unscheduled&, const Unscheduled&) = default;
};

struct ClassScore {
    int priority = priority::routine;
    int residents_served = 0; ///< residents with at least one call from a request of the class
    int residents_asking = 0; ///< residents with an active request of the class
    int calls = 0;
    int calls_asked = 0;
    friend bool operator==(const ClassScore&, const ClassScore&) = default;
};

/// Compared lexicographically: classes highest first (residents served, then calls), then
/// preferred-window calls.
struct ScheduleScore {
    std::vector<ClassScore> classes; ///< highest class first
    int preferred_calls = 0;
    friend bool operator==(const ScheduleScore&, const ScheduleScore&) = default;
};

/// What serving as many residents as possible cost in volume: the same solver with the classes'
/// calls ranked before their residents served, everything summed over all classes.
struct PriceOfFairness {
    bool computed = false;
    int calls = 0;                   ///< calls of the rota (fairness first)
    int residents_served = 0;        ///< residents served by the rota
    int volume_calls = 0;            ///< calls of the volume-first rota
    int volume_residents_served = 0; ///< residents served by the volume-first rota
    friend bool operator==(const PriceOfFairness&, const PriceOfFairness&) = default;
};

struct ScheduleResult {
    std::string status; ///< "optimal" (every call placed, all in preferred windows, or proved by
                        ///< the exact mode), "feasible", "time_limit"
    std::vector<ScheduledCall> calls;     ///< sorted by start, then device
    std::vector<Unscheduled> unscheduled; ///< by request id
    ScheduleScore score;
    double seconds = 0.0; ///< time taken
    int device_moves = 0; ///< consecutive calls of a device on different wards
    int fixed_calls = 0;  ///< calls at their request's fixed weekly time
    PriceOfFairness price_of_fairness;
    long iterations = 0; ///< improvement steps run, all parts together
    int parts = 0;       ///< independent parts solved
    /// Calls the final check_call pass refused (and dropped); always 0 unless there is a bug.
    int rejected_by_check = 0;
    /// Exact mode: the best score any rota can have as far as proved (each class's residents
    /// served and calls, preferred calls; a level the time did not reach counts what was asked).
    /// Equal to `score` when status is "optimal".
    std::optional<ScheduleScore> bound;
};

/// Plans the scenario's active requests over its horizon. Deterministic for the same scenario,
/// options and seed (unless the time limit cuts it short).
ScheduleResult schedule(const Scenario& s, const ScheduleOptions& o);

/// The score of a set of calls for the scenario's requests.
ScheduleScore score_calls(const Scenario& s, const std::vector<ScheduledCall>& calls);

} // namespace carecall
