#pragma once
/// Planning from the store: what `carecall schedule`, `carecall why` and `carecall import rota`
/// do. The scheduler itself (schedule.hpp) is pure; this layer loads a snapshot of the store,
/// runs it, and saves the new calls in one write transaction that re-checks every call with
/// check_call against the store as it is at commit (all or nothing, audited).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "carecall/model.hpp"
#include "carecall/schedule.hpp"

namespace carecall {

class Store;

/// Which part of the store to plan, and how.
struct PlanRequest {
    Date from = date::year{2025} / 1 / 1; ///< first local date (each site's own dates)
    int days = 1;
    std::optional<WardId> ward; ///< only this ward's residents (other bookings still block)
    std::optional<SiteId> site; ///< only this site's residents
    /// Re-plan: calls the scheduler booked (source scheduled), still booked, not pinned, in the
    /// scope, starting after now and inside the horizon may move; those the new plan does not
    /// keep exactly as they are are cancelled ("re-planned"). Calls booked by hand never move.
    /// Times stay stable: the calls move only if the plan with them free scores better (by the
    /// objective's order) than the plan that keeps them where they are.
    bool replan = false;
    bool dry_run = false; ///< plan but write nothing
    double time_limit_seconds = 10.0;
    std::uint64_t seed = 0;
    int slot_minutes = 15;
    std::function<void(const ScheduleProgress&)> progress; ///< optional, from worker threads
};

/// A request the plan could not fully meet in the horizon.
struct UnmetRequest {
    CallRequest request;
    int wanted = 0;  ///< calls the horizon should hold for it (see plan_from_store)
    int booked = 0;  ///< of those, calls booked (already there or planned now)
    int missing = 0; ///< calls the plan could not place
    std::vector<std::string> reasons;
};

struct PlanResult {
    std::string status; ///< the scheduler's status ("optimal", "feasible", "time_limit")
    double seconds = 0.0;
    Instant horizon_start; ///< the earliest local midnight of the plan's first date (UTC)
    Instant horizon_end;
    std::vector<Booking> added;    ///< new calls (with ids and codes once saved)
    std::vector<Booking> released; ///< re-plan: calls cancelled because they moved
    std::vector<Booking> kept;     ///< calls already there that the plan kept (in scope)
    std::vector<UnmetRequest> unmet;
    /// Calls each active request of the scope wants of the horizon (store ids; see
    /// plan_from_store), whether or not the plan meets them.
    std::map<RequestId, int> wanted;
    ScheduleScore score;
    PriceOfFairness price_of_fairness;
    int device_moves = 0;
    bool saved = false;
};

/// Plans the requests of the scope for `from` … `from + days - 1` and, unless dry_run, saves the
/// new bookings in one write transaction. A request asking for k calls a week never has more
/// than k calls booked or completed in any 7 local dates in a row (rule request.per_week, kept
/// by the scheduler against its calls before, inside and after the horizon, however often and
/// with whatever horizon planning runs). It wants its share of the horizon, ceil(k × days / 7),
/// but no more than its calls already inside the horizon and the room that count leaves; the
/// scheduler spreads its calls over the dates when it can. Calls never start before `now`. Throws
/// BookingConflict (exit 3) when, at commit, the store no longer allows a planned call (another
/// coordinator booked in the meantime): nothing is written then.
PlanResult plan_from_store(Store& store, const PlanRequest& request, Instant now);

/// Saves given calls as bookings in one write transaction: each is checked with check_call
/// against the store and the calls before it, none may start before `now`; the first call that
/// breaks a rule refuses them all (BookingConflict naming `calls[i]`). `reason` is recorded on
/// each booking. Returns the bookings with their ids and codes.
std::vector<Booking> save_calls(Store& store, std::vector<Booking> calls, Instant now,
                                const std::string& audit_action,
                                const std::string& audit_details_json);

} // namespace carecall
