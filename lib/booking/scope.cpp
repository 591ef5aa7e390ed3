// The records and bookings the rules need around a call, and the choice of device and helper.
#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "booking/scope.hpp"
#include "carecall/booking.hpp"

namespace carecall::booking_detail {
namespace {

/// No other device or helper can lift a rule about the resident, a contact or the time.
bool independent_of_device(Rule rule) {
    auto party = rule_info(rule).party;
    return party == RuleParty::resident || party == RuleParty::contact || party == RuleParty::time;
}

} // namespace

using std::chrono::minutes;

bool displaceable_rule(Rule rule) {
    return rule_info(rule).gives_way;
}

Scope load_scope(Store& store, ResidentId rid, const std::vector<ContactId>& contacts,
                 std::optional<DeviceId> device, std::optional<StaffId> staff, Instant from,
                 Instant to) {
    Scope sc;
    auto r = store.residents().find(rid);
    if (!r) {
        throw NotFound(fmt::format("resident #{} not found", rid.value));
    }
    sc.resident = *r;
    auto w = store.wards().find(r->ward);
    auto s = w ? store.sites().find(w->site) : std::nullopt;
    if (!w || !s) {
        throw NotFound(fmt::format("the ward of resident {} not found", r->code));
    }
    sc.ward = *w;
    sc.zone = find_zone(s->tz);
    sc.world.add(*s);
    sc.world.add(*w);
    sc.world.add(*r);
    for (auto cid : contacts) {
        auto c = store.contacts().find(cid);
        if (!c) {
            throw NotFound(fmt::format("contact #{} not found", cid.value));
        }
        sc.world.add(*c);
    }
    for (const auto& a : store.approvals().for_resident(rid)) {
        sc.world.add(a);
    }
    std::vector<Device> devices;
    if (device) {
        auto d = store.devices().find(*device);
        if (!d) {
            throw NotFound(fmt::format("device #{} not found", device->value));
        }
        devices.push_back(*d);
    } else {
        devices = store.devices_serving(r->ward);
        std::stable_sort(devices.begin(), devices.end(), [&](const Device& a, const Device& b) {
            bool ha = !a.wards.empty() && a.wards.front() == r->ward;
            bool hb = !b.wards.empty() && b.wards.front() == r->ward;
            return ha && !hb;
        });
    }
    for (auto& d : devices) {
        sc.devices.push_back(d.id);
        sc.world.add(std::move(d));
    }
    std::vector<Staff> helpers;
    if (staff) {
        auto st = store.staff().find(*staff);
        if (!st) {
            throw NotFound(fmt::format("staff #{} not found", staff->value));
        }
        helpers.push_back(*st);
    } else if (r->needs_assistance) {
        helpers = store.staff_on(r->ward);
    }
    for (auto& h : helpers) {
        sc.helpers.push_back(h.id);
        sc.world.add(std::move(h));
    }
    BookingQuery q;
    q.from = from - k_margin;
    q.to = to + k_margin;
    q.match_any = true;
    q.devices = sc.devices;
    q.residents = {rid};
    q.contacts = contacts;
    q.staff = sc.helpers;
    q.statuses = BookingQuery::holding_statuses();
    std::set<std::int64_t> seen{rid.value};
    for (auto& b : store.bookings().list(q)) {
        if (seen.insert(b.resident.value).second) {
            if (auto other = store.residents().find(b.resident)) {
                sc.world.add(*other);
            }
        }
        sc.world.add(std::move(b));
    }
    return sc;
}

Pick pick(const Scope& sc, CallPlan plan, std::optional<StaffId> fixed_staff) {
    Pick best;
    bool needs_helper = sc.resident.needs_assistance && !fixed_staff;
    std::vector<std::optional<StaffId>> helpers;
    if (fixed_staff) {
        helpers.push_back(fixed_staff);
    } else if (needs_helper) {
        helpers.assign(sc.helpers.begin(), sc.helpers.end());
    }
    if (helpers.empty()) {
        helpers.push_back(std::nullopt); // the rules say help.none if help is needed
    }
    auto is_help = [](const Violation& x) { return rule_info(x.rule).party == RuleParty::helper; };
    std::optional<std::size_t> best_count;
    for (auto d : sc.devices) {
        plan.device = d;
        std::vector<Violation> device_best;
        std::vector<std::string> helper_reasons;
        bool only_helpers_missing = false;
        for (const auto& h : helpers) {
            plan.staff = h;
            auto v = check_call(sc.world, plan);
            if (v.empty()) {
                best.plan = plan;
                best.violations.clear();
                return best;
            }
            if (independent_of_device(v.front().rule)) {
                best.violations = v; // no device or helper can change this
                return best;
            }
            for (const auto& x : v) {
                if (is_help(x) && h) {
                    helper_reasons.push_back(x.message);
                }
            }
            only_helpers_missing = only_helpers_missing || std::all_of(v.begin(), v.end(), is_help);
            if (device_best.empty() || v.size() < device_best.size()) {
                device_best = std::move(v);
            }
        }
        if (needs_helper && only_helpers_missing && !helper_reasons.empty()) {
            // The device would do, but nobody can help: say why for each of them.
            std::string why;
            for (const auto& m : helper_reasons) {
                why += (why.empty() ? "" : "; ") + m;
            }
            device_best = {
                Violation{Rule::help_none,
                          fmt::format("{} needs a member of staff to help with calls "
                                      "and none is free on ward {} ({})",
                                      display_name(sc.resident), display_name(sc.ward), why),
                          std::nullopt}};
        }
        if (!best_count || device_best.size() < *best_count) {
            best_count = device_best.size();
            best.violations = std::move(device_best);
        }
    }
    if (sc.devices.empty()) {
        best.violations = {Violation{Rule::device_none,
                                     fmt::format("no device serves ward {}", display_name(sc.ward)),
                                     std::nullopt}};
    }
    return best;
}

std::vector<Instant> grid(const date::time_zone* zone, Instant from, int days, int step) {
    std::vector<Instant> out;
    auto local = to_local(from, zone);
    auto day = date::floor<date::days>(local);
    auto mins = std::chrono::duration_cast<minutes>(local - day).count();
    auto first = (mins + step - 1) / step * step;
    auto end = from + date::days{days};
    for (auto t = day + minutes{first};; t += minutes{step}) {
        auto info = zone->get_info(t);
        if (info.result == date::local_info::nonexistent) {
            continue;
        }
        auto u = Instant{t.time_since_epoch() - info.first.offset};
        if (u >= end) {
            break;
        }
        if (u >= from) {
            out.push_back(u);
        }
        if (info.result == date::local_info::ambiguous) {
            auto second = Instant{t.time_since_epoch() - info.second.offset};
            if (second >= from && second < end) {
                out.push_back(second);
            }
        }
    }
    return out;
}

void refuse_past(Instant start, Instant now, const date::time_zone* zone) {
    if (start + minutes{1} < now) {
        throw BookingConflict(
            {Violation{Rule::time_past,
                       fmt::format("{} is in the past (now is {})", describe_time(start, zone, now),
                                   describe_time(now, zone)),
                       std::nullopt}});
    }
}

date::local_days local_day(Instant t, const date::time_zone* zone) {
    return date::floor<date::days>(to_local(t, zone));
}

std::function<bool(date::local_days)> weekly_room(Store& store, const Booking& b,
                                                  const date::time_zone* zone, int days) {
    auto q = b.request ? store.requests().find(*b.request) : std::nullopt;
    if (!q) {
        return [](date::local_days) { return true; };
    }
    BookingQuery bq;
    bq.residents = {b.resident};
    bq.from = b.start - date::days{days + 8};
    bq.to = b.end + date::days{days + 8};
    bq.statuses = {BookingStatus::booked, BookingStatus::completed};
    std::map<date::local_days, int> calls;
    for (const auto& o : store.bookings().list(bq)) {
        if (o.request == b.request && o.id != b.id) {
            ++calls[local_day(o.start, zone)];
        }
    }
    return [calls = std::move(calls), week = q->calls](date::local_days day) {
        std::array<int, 13> around{};
        for (int k = 0; k < 13; ++k) {
            auto it = calls.find(day + date::days{k - 6});
            around[static_cast<std::size_t>(k)] = it == calls.end() ? 0 : it->second;
        }
        return rule_facts::week_has_room(week, around);
    };
}

} // namespace carecall::booking_detail
