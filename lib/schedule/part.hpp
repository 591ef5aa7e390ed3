#pragma once
// The scheduler's internal model: one independent part of a scenario (sites that share no device,
// helper or contact), on whole minutes counted from an epoch two days before the horizon. Every
// start a request may use is worked out once from the rules' time windows (see build.cpp); what
// changes while searching (who is busy when) is kept in sorted timelines (search.cpp).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "carecall/rules.hpp"
#include "carecall/schedule.hpp"

namespace carecall::sched {

using Min = int; ///< minutes since the part's epoch

/// One start a request may use as far as its own windows go.
struct Cand {
    Min start = 0;
    int day = 0; ///< plan date index (site local date)
    bool preferred = false;
    bool fixed = false;
};

/// Why starts were ruled out: per rule, an example message and the starts per plan date.
struct Tally {
    std::string example;
    int count = 0;
    std::vector<int> per_day;
};
using Tallies = std::map<Rule, Tally>;

struct StaffOption {
    int staff = 0;  ///< index into Part::staff
    int shifts = 0; ///< index into Part::shift_sets (the helper's shifts in the ward's zone)
};

struct Req {
    std::size_t index = 0; ///< into Scenario::requests
    RequestId id;
    int priority = priority::routine;
    int cls = 0;               ///< 0 = the highest class of the part
    int resident = 0;          ///< index into Part::residents
    std::vector<int> contacts; ///< indexes into Part::contact_ids
    std::int64_t ward = 0;
    int calls = 1;
    int duration = 30;
    int max_per_day = 0; ///< 0: no limit
    int per_week = 0;    ///< request.per_week: calls in any 7 consecutive plan dates; 0: no cap
    /// Calls counting for per_week that the search does not hold, per plan date -6 … days + 5
    /// (index: date + 6).
    std::vector<int> week_elsewhere;
    bool needs_help = false;
    std::vector<int> devices; ///< indexes into Part::devices, home ward first
    std::vector<StaffOption> helpers;
    std::vector<Cand> cands;
    bool has_preferred = false;
    bool has_fixed = false;
    Tallies static_reasons; ///< rules that ruled out starts whatever the rota
    int total_starts = 0;
};

struct DeviceInfo {
    DeviceId id;
    int cleaning = 0;
    int move = 0;
    std::vector<std::pair<Min, Min>> out_of_service;
};

struct ResidentInfo {
    ResidentId id;
    std::int64_t ward = 0;
    int max_per_day = 0;       ///< 0: no limit
    int site = 0;              ///< index into Part::site_days
    std::int64_t wait_key = 0; ///< smaller: waited longer
    int wait_weight = 1;       ///< larger: waited longer (1 for everyone without last calls)
};

/// A pinned booking inside the part.
struct PinnedCall {
    std::size_t booking = 0; ///< index into ScheduleOptions::pinned
    int req = -1;            ///< index into Part::reqs, or -1
    int resident = -1;
    std::int64_t ward = 0;
    std::vector<int> contacts;
    int device = -1; ///< -1: a device outside the part (never clashes here)
    int staff = -1;
    Min start = 0;
    Min end = 0;
    int day = -1; ///< plan date index of its start, -1 outside the horizon
};

struct Part {
    std::vector<std::size_t> sites; ///< indexes into Scenario::sites
    int days = 1;
    int classes = 1;
    std::vector<int> class_priority; ///< cls -> priority
    std::vector<Req> reqs;
    std::vector<DeviceInfo> devices;
    std::vector<StaffId> staff;
    std::vector<std::vector<std::pair<Min, Min>>> shift_sets;
    std::vector<ResidentInfo> residents;
    std::vector<ContactId> contact_ids;
    std::vector<PinnedCall> pinned;
    /// Per site of the part: the local midnights of plan dates -1 … days + 1 (for dates of times).
    std::vector<std::vector<Min>> site_days;
};

/// The lexicographic objective as numbers, larger is better.
using Key = std::vector<std::int64_t>;

/// One placed call.
struct Call {
    int req = -1; ///< -1: a pinned call without a request
    int cand = -1;
    int device = -1;
    int staff = -1;
    Min start = 0;
    Min end = 0;
    int day = -1;
    int resident = -1;
    std::int64_t ward = 0;
    int pin = -1; ///< index into Part::pinned
    bool alive = false;
};

struct Iv {
    Min s = 0;
    Min e = 0;
    int call = 0;
    std::int64_t tag = 0; ///< the ward (device timelines)
};

/// Intervals sorted by start (they may overlap only for pinned calls).
struct Timeline {
    std::vector<Iv> v;
    Min maxlen = 0;
    [[nodiscard]] std::size_t lower(Min t) const;
    [[nodiscard]] bool overlaps(Min s, Min e) const;
    /// Position of the new interval.
    std::size_t insert(const Iv& iv);
    void erase(int call, Min s);
};

struct SearchLimits {
    long iterations = 0;
    std::chrono::steady_clock::time_point deadline;
};

struct PartOutcome {
    std::vector<Call> calls; ///< alive ones
    long iterations = 0;
    bool cut = false; ///< the deadline stopped the search
    int rejected = 0;
    std::vector<std::pair<int, int>> served_calls; ///< per class: residents served, calls
    std::vector<Unscheduled> unscheduled;
    int moves = 0;
    PriceOfFairness price;
    // Exact mode: whether the MIP proved the rota optimal, and per class the bounds on residents
    // served and calls (levels not reached: what was asked), then on preferred calls.
    bool exact = false;
    bool proven = false;
    std::vector<std::pair<int, int>> bound;
    int bound_preferred = 0;
};

/// The records of each site (indexes into the scenario's vectors, in scenario order), built once
/// for all parts. A device or helper is listed under every site it serves.
struct SiteIndex {
    std::vector<std::vector<std::size_t>> wards, residents, devices, staff, requests;
};
SiteIndex index_sites(const Scenario& s);

/// Builds the part for these sites (thread-safe: reads the scenario only).
/// The rules the builder keeps before the search (SchedulerForm::request and ::start).
std::vector<std::pair<Rule, SchedulerForm>> build_kept_rules();
/// Every rule the scheduler keeps in a faster form: the builder's and the search's.
std::vector<std::pair<Rule, SchedulerForm>> kept_rules();

Part build_part(const Scenario& s, const ScheduleOptions& o, const SiteIndex& index,
                const std::vector<std::size_t>& sites, const std::vector<std::size_t>& pinned);

/// Plans the part: greedy, then improvement, the final check_call pass and the reasons.
PartOutcome solve_part(const Scenario& s, const ScheduleOptions& o, const Part& p,
                       std::uint64_t seed, const SearchLimits& limits);

/// Helpers shared by the builder and the search.
/// The index in s.sites of a ward's site; none for an unknown ward or site (validate reports them).
std::optional<std::size_t> site_index_of_ward(const Scenario& s, WardId w);
bool covered(const std::vector<std::pair<Min, Min>>& merged, Min s, Min e);
bool overlaps_any(const std::vector<std::pair<Min, Min>>& sorted, Min s, Min e);
int day_index(const std::vector<Min>& midnights, Min t);

} // namespace carecall::sched
