// The reports: pure functions over a snapshot (ReportData). Times are UTC instants; local dates
// (today, the span) are read in each site's zone.

#include "carecall/report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "carecall/rules.hpp"

namespace carecall {
namespace {

using Intervals = std::vector<std::pair<Instant, Instant>>;

/// `v` (merged) less each period of `cut`.
Intervals subtract(const Intervals& v, const std::vector<Period>& cut) {
    Intervals out = v;
    for (const auto& p : cut) {
        Intervals next;
        for (const auto& iv : out) {
            if (p.end <= iv.first || iv.second <= p.start) {
                next.push_back(iv);
                continue;
            }
            if (iv.first < p.start) {
                next.emplace_back(iv.first, p.start);
            }
            if (p.end < iv.second) {
                next.emplace_back(p.end, iv.second);
            }
        }
        out = std::move(next);
    }
    return out;
}

long long minutes_in(const Intervals& v, Instant lo, Instant hi) {
    long long secs = 0;
    for (const auto& iv : v) {
        auto a = std::max(iv.first, lo);
        auto b = std::min(iv.second, hi);
        if (a < b) {
            secs += (b - a).count();
        }
    }
    return secs / 60;
}

Date local_date(Instant t, const date::time_zone* zone) {
    return Date{date::floor<date::days>(to_local(t, zone))};
}

/// The first instant of a local date (a midnight in a gap counts from the first real time).
Instant start_of(Date d, const date::time_zone* zone) {
    auto t = zone->to_sys(date::local_seconds{date::local_days{d}}, date::choose::earliest);
    return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

int days_between(Date a, Date b) {
    return static_cast<int>((date::sys_days{b} - date::sys_days{a}).count());
}

/// Lookups over a snapshot: a resident's ward and site zone.
class Index {
public:
    explicit Index(const ReportData& d) {
        for (const auto& s : d.sites) {
            m_site_zone[s.id.value] = find_zone(s.tz);
        }
        for (const auto& w : d.wards) {
            m_wards[w.id.value] = &w;
        }
        for (const auto& r : d.residents) {
            m_residents[r.id.value] = &r;
        }
    }
    const Ward* ward(WardId id) const {
        auto it = m_wards.find(id.value);
        return it == m_wards.end() ? nullptr : it->second;
    }
    const Resident* resident(ResidentId id) const {
        auto it = m_residents.find(id.value);
        return it == m_residents.end() ? nullptr : it->second;
    }
    const date::time_zone* site_zone(SiteId id) const {
        auto it = m_site_zone.find(id.value);
        return it == m_site_zone.end() ? find_zone("Etc/UTC") : it->second;
    }
    const date::time_zone* ward_zone(WardId id) const {
        const auto* w = ward(id);
        return w == nullptr ? find_zone("Etc/UTC") : site_zone(w->site);
    }
    std::string ward_code(WardId id) const {
        const auto* w = ward(id);
        return w == nullptr ? std::string() : w->code;
    }
    /// [first instant, end instant) of the span in a zone.
    static std::pair<Instant, Instant> bounds(DateSpan span, const date::time_zone* zone) {
        return {start_of(span.first, zone),
                start_of(Date{date::sys_days{span.last} + date::days{1}}, zone)};
    }
    /// Does the call start within the span, read in its resident's site zone?
    bool starts_in(const Booking& b, DateSpan span) const {
        const auto* r = resident(b.resident);
        auto [lo, hi] = bounds(span, r == nullptr ? find_zone("Etc/UTC") : ward_zone(r->ward));
        return lo <= b.start && b.start < hi;
    }

private:
    std::unordered_map<std::int64_t, const date::time_zone*> m_site_zone;
    std::unordered_map<std::int64_t, const Ward*> m_wards;
    std::unordered_map<std::int64_t, const Resident*> m_residents;
};

bool present(const Resident& r, Date first, Date last) {
    if (r.admitted && date::sys_days{*r.admitted} > date::sys_days{last}) {
        return false;
    }
    return !(r.discharged && date::sys_days{*r.discharged} < date::sys_days{first});
}

bool counts_as_call(BookingStatus s) {
    return s == BookingStatus::booked || s == BookingStatus::completed ||
           s == BookingStatus::missed;
}

} // namespace

namespace {

/// The records and the bookings `q` selects, inside the caller's transaction.
ReportData read_snapshot(Store& store, const BookingQuery& q) {
    ReportData d;
    d.sites = store.sites().list();
    d.wards = store.wards().list();
    d.residents = store.residents().list();
    d.devices = store.devices().list();
    d.requests = store.requests().list();
    d.bookings = store.bookings().list(q);
    return d;
}

} // namespace

ReportData load_report_data(Store& store, const BookingQuery& bookings) {
    auto tx = store.begin(TxKind::read);
    return read_snapshot(store, bookings);
}

ReportData load_isolation_data(Store& store, Instant now) {
    auto tx = store.begin(TxKind::read);
    BookingQuery q;
    q.from = now;
    q.statuses = {BookingStatus::booked};
    auto d = read_snapshot(store, q);
    d.last_completed = store.bookings().last_completed(now);
    return d;
}

ReportData only_wards(const ReportData& data, const std::vector<WardId>& wards) {
    auto wanted = [&](WardId w) { return std::find(wards.begin(), wards.end(), w) != wards.end(); };
    ReportData out;
    out.sites = data.sites;
    out.wards = data.wards;
    std::unordered_map<std::int64_t, bool> residents;
    for (const auto& r : data.residents) {
        if (wanted(r.ward)) {
            out.residents.push_back(r);
            residents[r.id.value] = true;
        }
    }
    auto kept = [&](ResidentId id) { return residents.count(id.value) > 0; };
    for (const auto& d : data.devices) {
        Device copy = d;
        copy.wards.erase(std::remove_if(copy.wards.begin(), copy.wards.end(),
                                        [&](WardId w) { return !wanted(w); }),
                         copy.wards.end());
        if (!copy.wards.empty()) {
            out.devices.push_back(std::move(copy));
        }
    }
    for (const auto& q : data.requests) {
        if (kept(q.resident)) {
            out.requests.push_back(q);
        }
    }
    for (const auto& b : data.bookings) {
        if (kept(b.resident)) {
            out.bookings.push_back(b);
        }
    }
    for (const auto& l : data.last_completed) {
        if (kept(l.first)) {
            out.last_completed.push_back(l);
        }
    }
    return out;
}

IsolationReport isolation_report(const ReportData& data, Instant now, int days) {
    Index ix(data);
    IsolationReport rep;
    rep.now = now;
    rep.days = days;
    std::unordered_map<std::int64_t, Instant> last;
    std::unordered_map<std::int64_t, const Booking*> next;
    for (const auto& [id, start] : data.last_completed) {
        if (start <= now) {
            last[id.value] = start;
        }
    }
    for (const auto& b : data.bookings) {
        auto id = b.resident.value;
        if (b.status == BookingStatus::completed && b.start <= now) {
            auto it = last.find(id);
            if (it == last.end() || it->second < b.start) {
                last[id] = b.start;
            }
        } else if (b.status == BookingStatus::booked && b.start >= now) {
            auto it = next.find(id);
            if (it == next.end() || b.start < it->second->start) {
                next[id] = &b;
            }
        }
    }
    auto limit = now - std::chrono::hours{24} * days;
    for (const auto& r : data.residents) {
        auto zone = ix.ward_zone(r.ward);
        auto today = local_date(now, zone);
        if (!present(r, today, today) ||
            (r.discharged && date::sys_days{*r.discharged} <= date::sys_days{today})) {
            continue;
        }
        IsolationRow row;
        row.resident = r.code;
        row.name = r.name;
        row.ward = ix.ward_code(r.ward);
        row.tz = zone->name();
        row.admitted = r.admitted;
        if (auto it = last.find(r.id.value); it != last.end()) {
            if (it->second >= limit) {
                continue;
            }
            row.last_call = it->second;
            row.days = static_cast<int>(
                std::chrono::duration_cast<std::chrono::hours>(now - it->second).count() / 24);
        } else if (r.admitted) {
            row.days = days_between(*r.admitted, today);
            if (*row.days < days) {
                continue;
            }
        }
        if (auto it = next.find(r.id.value); it != next.end()) {
            row.next = *it->second;
        }
        rep.rows.push_back(std::move(row));
    }
    std::sort(rep.rows.begin(), rep.rows.end(), [](const IsolationRow& a, const IsolationRow& b) {
        // Unknown (never called, no admission date) first, then the longest.
        int da = a.days ? *a.days : std::numeric_limits<int>::max();
        int db = b.days ? *b.days : std::numeric_limits<int>::max();
        if (da != db) {
            return da > db;
        }
        return a.resident < b.resident;
    });
    return rep;
}

UtilisationReport utilisation_report(const ReportData& data, DateSpan span) {
    Index ix(data);
    UtilisationReport rep;
    rep.span = span;
    std::vector<Device> devices = data.devices;
    std::sort(devices.begin(), devices.end(),
              [](const Device& a, const Device& b) { return a.code < b.code; });
    for (const auto& d : devices) {
        auto zone = ix.site_zone(d.site);
        auto [lo, hi] = Index::bounds(span, zone);
        Intervals all;
        std::vector<UtilisationRow> rows;
        for (auto wid : d.wards) {
            const auto* w = ix.ward(wid);
            if (w == nullptr) {
                continue;
            }
            Intervals hours;
            for (const auto& iv : window_intervals(w->calling_hours, zone, lo, hi)) {
                auto day = local_date(iv.first, zone);
                bool closed =
                    std::any_of(w->closures.begin(), w->closures.end(), [&](const auto& c) {
                        return date::sys_days{c.first} <= date::sys_days{day} &&
                               date::sys_days{day} <= date::sys_days{c.last};
                    });
                if (!closed) {
                    hours.push_back(iv);
                }
            }
            hours = subtract(merge_intervals(hours), d.out_of_service);
            all.insert(all.end(), hours.begin(), hours.end());
            UtilisationRow row;
            row.device = d.code;
            row.ward = w->code;
            row.bookable_minutes = minutes_in(hours, lo, hi);
            rows.push_back(row);
        }
        UtilisationRow total;
        total.device = d.code;
        total.bookable_minutes = minutes_in(merge_intervals(all), lo, hi);
        for (const auto& b : data.bookings) {
            if (b.device != d.id) {
                continue;
            }
            const auto* r = ix.resident(b.resident);
            auto ward = r == nullptr ? std::string() : ix.ward_code(r->ward);
            std::vector<UtilisationRow*> targets{&total};
            for (auto& row : rows) {
                if (row.ward == ward) {
                    targets.push_back(&row);
                }
            }
            auto a = std::max(b.start, lo);
            auto e = std::min(b.end, hi);
            bool starts = lo <= b.start && b.start < hi;
            for (auto* t : targets) {
                if (counts_as_call(b.status) && a < e) {
                    t->booked_minutes += (e - a).count() / 60;
                }
                if (starts) {
                    t->booked += b.status == BookingStatus::booked ? 1 : 0;
                    t->completed += b.status == BookingStatus::completed ? 1 : 0;
                    t->missed += b.status == BookingStatus::missed ? 1 : 0;
                    t->cancelled += b.status == BookingStatus::cancelled ? 1 : 0;
                }
            }
        }
        rep.rows.insert(rep.rows.end(), rows.begin(), rows.end());
        rep.rows.push_back(total);
    }
    return rep;
}

FairnessReport fairness_report(const ReportData& data, DateSpan span) {
    Index ix(data);
    FairnessReport rep;
    rep.span = span;
    rep.weeks = (days_between(span.first, span.last) + 1) / 7.0;
    std::map<std::string, FairnessRow> rows;
    std::unordered_map<std::int64_t, std::string> code_of;
    for (const auto& r : data.residents) {
        if (present(r, span.first, span.last)) {
            code_of[r.id.value] = r.code;
        }
    }
    auto row_for = [&](ResidentId id) -> FairnessRow* {
        auto it = code_of.find(id.value);
        if (it == code_of.end()) {
            return nullptr;
        }
        auto& row = rows[it->second];
        if (row.resident.empty()) {
            const auto* r = ix.resident(id);
            row.resident = r->code;
            row.name = r->name;
            row.ward = ix.ward_code(r->ward);
        }
        return &row;
    };
    for (const auto& q : data.requests) {
        if (!q.active) {
            continue;
        }
        if (auto* row = row_for(q.resident)) {
            // Only the weeks the resident is here: admitted or discharged within the span asks
            // for fewer calls.
            const auto* r = ix.resident(q.resident);
            auto from = date::sys_days{span.first};
            auto to = date::sys_days{span.last};
            if (r->admitted) {
                from = std::max(from, date::sys_days{*r->admitted});
            }
            if (r->discharged) {
                to = std::min(to, date::sys_days{*r->discharged});
            }
            row->asked += q.calls * static_cast<double>((to - from).count() + 1) / 7.0;
        }
    }
    for (const auto& b : data.bookings) {
        if (!ix.starts_in(b, span)) {
            continue;
        }
        if (auto* row = row_for(b.resident)) {
            row->calls += counts_as_call(b.status) ? 1 : 0;
            row->completed += b.status == BookingStatus::completed ? 1 : 0;
            row->missed += b.status == BookingStatus::missed ? 1 : 0;
            row->cancelled += b.status == BookingStatus::cancelled ? 1 : 0;
        }
    }
    std::vector<double> shares;
    for (auto& [code, row] : rows) {
        if (row.asked > 0) {
            row.share = row.calls / row.asked;
            shares.push_back(*row.share);
        }
        rep.rows.push_back(row);
    }
    std::stable_sort(rep.rows.begin(), rep.rows.end(),
                     [](const FairnessRow& a, const FairnessRow& b) {
                         if (a.share.has_value() != b.share.has_value()) {
                             return a.share.has_value();
                         }
                         return a.share && *a.share < *b.share;
                     });
    if (!shares.empty()) {
        auto& s = rep.spread;
        s.residents = static_cast<int>(shares.size());
        s.min = *std::min_element(shares.begin(), shares.end());
        s.max = *std::max_element(shares.begin(), shares.end());
        double sum = 0;
        for (double v : shares) {
            sum += v;
        }
        s.mean = sum / static_cast<double>(shares.size());
        double sq = 0;
        for (double v : shares) {
            sq += (v - s.mean) * (v - s.mean);
        }
        s.stddev = std::sqrt(sq / static_cast<double>(shares.size()));
    }
    return rep;
}

OutcomesReport outcomes_report(const ReportData& data, DateSpan span, Instant now) {
    Index ix(data);
    OutcomesReport rep;
    rep.span = span;
    // Every row is listed, zero or not, so the report has the same shape every time.
    std::map<std::pair<int, std::string>, int> counts{
        {{0, ""}, 0}, {{2, ""}, 0}, {{3, "not recorded"}, 0}};
    for (auto o : k_missed_outcomes) {
        counts[{1, to_string(o)}] = 0;
    }
    for (const auto& b : data.bookings) {
        if (!ix.starts_in(b, span)) {
            continue;
        }
        switch (b.status) {
        case BookingStatus::completed:
            ++counts[{0, ""}];
            break;
        case BookingStatus::missed:
            ++counts[{1, to_string(b.outcome)}];
            break;
        case BookingStatus::cancelled:
            ++counts[{2, ""}];
            break;
        case BookingStatus::booked:
            if (b.end <= now) {
                ++counts[{3, "not recorded"}];
            }
            break;
        case BookingStatus::waitlisted:
            break;
        }
    }
    static const char* const k_names[] = {"completed", "missed", "cancelled", "booked"};
    for (const auto& [key, n] : counts) {
        rep.rows.push_back({k_names[key.first], key.second, n});
        rep.total += n;
    }
    return rep;
}

} // namespace carecall
