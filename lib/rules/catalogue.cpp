// The rule catalogue: every rule once, with its name, stage, party, whether it gives way to an
// end-of-life call, how the scheduler keeps it, and the line that explains it. Nothing else in
// carecall spells a rule's name.
#include <algorithm>
#include <array>
#include <stdexcept>

#include "carecall/rules.hpp"

namespace carecall {
namespace {

using P = RuleParty;
using F = SchedulerForm;
using S = RuleStage;

std::vector<RuleInfo> make_catalogue() {
    // clang-format off
    std::vector<RuleInfo> c{
        {Rule::resident_unknown, "resident.unknown", S::call, P::resident, false, F::input,
         "the call's resident exists"},
        {Rule::resident_ward, "resident.ward", S::call, P::resident, false, F::input,
         "the resident is on a ward of a known site"},
        {Rule::time_order, "time.order", S::call, P::time, false, F::input,
         "a call ends after it starts"},
        {Rule::contact_none, "contact.none", S::call, P::contact, false, F::input,
         "a call has at least one contact"},
        {Rule::resident_not_admitted, "resident.not_admitted", S::record, P::resident, false,
         F::start, "the resident is on the ward that day: admitted, not yet discharged"},
        {Rule::resident_consent, "resident.consent", S::record, P::resident, false, F::request,
         "the resident has given consent to video calls"},
        {Rule::resident_consent_review, "resident.consent_review", S::record, P::resident, false,
         F::start, "a best-interest decision is not past its review date on the call's day"},
        {Rule::resident_max_call, "resident.max_call", S::record, P::resident, false, F::request,
         "the call is no longer than the resident can manage"},
        {Rule::contact_unknown, "contact.unknown", S::record, P::contact, false, F::input,
         "every contact of the call exists"},
        {Rule::contact_approval, "contact.approval", S::record, P::contact, false, F::request,
         "every contact is approved to call the resident"},
        {Rule::device_unknown, "device.unknown", S::record, P::device, false, F::input,
         "the device exists"},
        {Rule::device_ward, "device.ward", S::record, P::device, false, F::request,
         "the device serves the resident's ward"},
        {Rule::resident_ward_closed, "resident.ward_closed", S::window, P::resident, false,
         F::start, "the ward is not closed on any date the call touches"},
        {Rule::resident_calling_hours, "resident.calling_hours", S::window, P::resident, false,
         F::start, "the call lies within the ward's calling hours"},
        {Rule::resident_care_block, "resident.care_block", S::window, P::resident, false, F::start,
         "the call avoids the resident's care blocks (meals, medication, therapy, rest)"},
        {Rule::contact_availability, "contact.availability", S::window, P::contact, false,
         F::start, "the call lies within every contact's availability, in their own time zone"},
        {Rule::contact_absent, "contact.absent", S::window, P::contact, false, F::start,
         "no contact is away (holiday, absence) during the call"},
        {Rule::device_out_of_service, "device.out_of_service", S::window, P::device, false,
         F::search, "the device is in service for the whole call"},
        {Rule::help_none, "help.none", S::window, P::helper, false, F::request,
         "a resident who needs help has a member of staff to help"},
        {Rule::help_unknown, "help.unknown", S::window, P::helper, false, F::input,
         "the helper exists"},
        {Rule::help_ward, "help.ward", S::window, P::helper, false, F::request,
         "the helper works on the resident's ward"},
        {Rule::help_competence, "help.competence", S::window, P::helper, false, F::request,
         "the helper holds every competence the resident needs"},
        {Rule::help_shift, "help.shift", S::window, P::helper, false, F::search,
         "the helper is on shift for the whole call"},
        {Rule::help_busy, "help.busy", S::window, P::helper, true, F::search,
         "the helper is not helping with another call at the same time"},
        {Rule::device_busy, "device.busy", S::clash, P::device, true, F::search,
         "the device is in one call at a time"},
        {Rule::device_cleaning, "device.cleaning", S::clash, P::device, true, F::search,
         "the device is cleaned after each call, and moved when the next call is on another ward"},
        {Rule::resident_busy, "resident.busy", S::clash, P::resident, true, F::search,
         "the resident is in one call at a time"},
        {Rule::resident_calls_per_day, "resident.calls_per_day", S::clash, P::resident, false,
         F::search, "the resident has no more calls a day than they can manage"},
        {Rule::contact_busy, "contact.busy", S::clash, P::contact, true, F::search,
         "every contact is in one call at a time"},
        {Rule::time_past, "time.past", S::change, P::time, false, F::none,
         "a call is not booked or moved to a time already past"},
        {Rule::time_gap, "time.gap", S::change, P::time, false, F::none,
         "a local start time that a clock change skips does not exist"},
        {Rule::time_not_started, "time.not_started", S::change, P::time, false, F::none,
         "an outcome (done, missed) is recorded only once the call has started"},
        {Rule::booking_state, "booking.state", S::change, P::booking, false, F::none,
         "only a booked call can be moved, cancelled or given an outcome, and only a completed or "
         "missed one reopened"},
        {Rule::device_none, "device.none", S::change, P::device, false, F::none,
         "some device serves the resident's ward"},
        {Rule::slot_none, "slot.none", S::change, P::time, false, F::none,
         "a call booked at the first free time finds one in the span it may use"},
        {Rule::request_max_per_day, "request.max_per_day", S::plan, P::request, false, F::search,
         "a request has no more calls a day than it allows"},
        {Rule::request_per_week, "request.per_week", S::plan, P::request, false, F::search,
         "a request has no more calls booked or completed in any 7 days in a row than it asks a week"},
        {Rule::search_free_start, "search.free_start", S::plan, P::request, false, F::search,
         "a start was free, but the search used the time for other calls"},
        {Rule::search_time_limit, "search.time_limit", S::plan, P::request, false, F::search,
         "the time limit stopped the search before the request was met"},
    };
    // clang-format on
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (static_cast<std::size_t>(c[i].id) != i) {
            throw std::logic_error("rule catalogue out of the enumeration's order");
        }
    }
    return c;
}

} // namespace

const std::vector<RuleInfo>& rule_catalogue() {
    static const std::vector<RuleInfo> catalogue = make_catalogue();
    return catalogue;
}

const RuleInfo& rule_info(Rule id) {
    return rule_catalogue().at(static_cast<std::size_t>(id));
}

std::string rule_name(Rule id) {
    return rule_info(id).name;
}

std::optional<Rule> find_rule(const std::string& name) {
    const auto& c = rule_catalogue();
    auto it = std::find_if(c.begin(), c.end(), [&](const RuleInfo& r) { return name == r.name; });
    if (it == c.end()) {
        return std::nullopt;
    }
    return it->id;
}

std::string to_string(RuleStage stage) {
    static constexpr std::array<const char*, 6> k_names{"call",  "record", "window",
                                                        "clash", "change", "plan"};
    return k_names.at(static_cast<std::size_t>(stage));
}

std::string to_string(RuleParty party) {
    static constexpr std::array<const char*, 7> k_names{"resident", "contact", "device", "helper",
                                                        "time",     "booking", "request"};
    return k_names.at(static_cast<std::size_t>(party));
}

std::string to_string(SchedulerForm form) {
    static constexpr std::array<const char*, 5> k_names{"input", "request", "start", "search",
                                                        "none"};
    return k_names.at(static_cast<std::size_t>(form));
}

} // namespace carecall
