// Report values as rows (tables and CSV) and as JSON documents.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/report.hpp"

namespace carecall {
namespace {

using ojson = nlohmann::ordered_json;

std::string when(Instant t, const std::string& tz, bool readable) {
    const auto* zone = find_zone(tz);
    if (!readable) {
        return format_iso_offset(t, zone);
    }
    return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(zone, t));
}

ojson when_json(Instant t, const std::string& tz) {
    return {{"start", format_iso_offset(t, find_zone(tz))}, {"tz", tz}};
}

std::string opt_int(const std::optional<int>& v) {
    return v ? std::to_string(*v) : std::string();
}

std::string number(double v, bool readable) {
    return readable ? fmt::format("{:.1f}", v) : fmt::format("{:.4f}", v);
}

std::string ratio(double v, bool readable) {
    return readable ? fmt::format("{:.1f}%", v * 100) : fmt::format("{:.4f}", v);
}

ojson span_json(DateSpan s) {
    return {{"from", format_date(s.first)}, {"to", format_date(s.last)}};
}

std::string dump(const ojson& j) {
    return j.dump(2, ' ', false, ojson::error_handler_t::replace);
}

} // namespace

ReportRows report_rows(const IsolationReport& r, bool readable) {
    ReportRows out;
    if (readable) {
        // Narrow enough for a terminal: the last call's date (DAYS says how long ago), and the
        // admission date only in CSV and JSON.
        out.header = {"resident", "name", "ward", "last_call", "days", "next_call", "booking"};
        for (const auto& row : r.rows) {
            out.rows.push_back(
                {row.resident, row.name, row.ward,
                 row.last_call ? format_date(Date{date::floor<date::days>(
                                     to_local(*row.last_call, find_zone(row.tz)))})
                               : std::string("never"),
                 row.days ? std::to_string(*row.days) : std::string("?"),
                 row.next ? when(row.next->start, row.tz, true) : std::string("none booked"),
                 row.next ? row.next->code : std::string()});
        }
        out.notes.push_back(fmt::format(
            "DAYS: since the last completed call, or since admission when never called (? when "
            "the admission date is not known); threshold {} days",
            r.days));
        return out;
    }
    out.header = {"resident", "name", "ward",      "last_call",
                  "admitted", "days", "next_call", "next_booking"};
    for (const auto& row : r.rows) {
        out.rows.push_back({row.resident, row.name, row.ward,
                            row.last_call ? when(*row.last_call, row.tz, false) : std::string(),
                            row.admitted ? format_date(*row.admitted) : std::string(),
                            opt_int(row.days),
                            row.next ? when(row.next->start, row.tz, false) : std::string(),
                            row.next ? row.next->code : std::string()});
    }
    return out;
}

ReportRows report_rows(const UtilisationReport& r, bool readable) {
    ReportRows out;
    if (readable) {
        out.header = {"device", "ward",   "open_min",  "used_min", "use",
                      "done",   "missed", "cancelled", "pending"};
        out.notes.push_back("OPEN MIN: bookable minutes (calling hours, less closures and out of "
                            "service); USED MIN: minutes of calls booked, completed or missed; "
                            "PENDING: calls still booked");
    } else {
        out.header = {"device",    "ward",   "bookable_minutes", "booked_minutes", "use",
                      "completed", "missed", "cancelled",        "booked"};
    }
    for (const auto& row : r.rows) {
        auto use = row.bookable_minutes > 0 ? ratio(static_cast<double>(row.booked_minutes) /
                                                        static_cast<double>(row.bookable_minutes),
                                                    readable)
                                            : std::string();
        out.rows.push_back({row.device, row.ward.empty() && readable ? "(all)" : row.ward,
                            std::to_string(row.bookable_minutes),
                            std::to_string(row.booked_minutes), use, std::to_string(row.completed),
                            std::to_string(row.missed), std::to_string(row.cancelled),
                            std::to_string(row.booked)});
    }
    return out;
}

ReportRows report_rows(const FairnessReport& r, bool readable) {
    ReportRows out;
    out.header = {"resident",  "name",   "ward",      "asked", "calls",
                  "completed", "missed", "cancelled", "share"};
    for (const auto& row : r.rows) {
        out.rows.push_back({row.resident, row.name, row.ward, number(row.asked, readable),
                            std::to_string(row.calls), std::to_string(row.completed),
                            std::to_string(row.missed), std::to_string(row.cancelled),
                            row.share ? ratio(*row.share, readable) : std::string()});
    }
    const auto& s = r.spread;
    if (s.residents > 0) {
        out.notes.push_back(fmt::format(
            "share = calls ÷ asked over {} residents: min {}, max {}, mean {}, standard "
            "deviation {} (population)",
            s.residents, ratio(s.min, true), ratio(s.max, true), ratio(s.mean, true),
            ratio(s.stddev, true)));
    }
    return out;
}

ReportRows report_rows(const OutcomesReport& r, bool /*readable*/) {
    ReportRows out;
    out.header = {"status", "outcome", "calls"};
    for (const auto& row : r.rows) {
        out.rows.push_back({row.status, row.outcome, std::to_string(row.count)});
    }
    out.notes.push_back(fmt::format("{} calls from {} to {}", r.total, format_date(r.span.first),
                                    format_date(r.span.last)));
    return out;
}

std::string report_json(const IsolationReport& r) {
    ojson rows = ojson::array();
    for (const auto& row : r.rows) {
        ojson next = nullptr;
        if (row.next) {
            next = when_json(row.next->start, row.tz);
            next["end"] = format_iso_offset(row.next->end, find_zone(row.tz));
            next["booking"] = row.next->code;
        }
        rows.push_back(
            {{"resident", row.resident},
             {"name", row.name},
             {"ward", row.ward},
             {"tz", row.tz},
             {"last_call", row.last_call
                               ? ojson(format_iso_offset(*row.last_call, find_zone(row.tz)))
                               : ojson(nullptr)},
             {"admitted", row.admitted ? ojson(format_date(*row.admitted)) : ojson(nullptr)},
             {"days", row.days ? ojson(*row.days) : ojson(nullptr)},
             {"next", next}});
    }
    return dump({{"format", "carecall-report-isolation/1"},
                 {"now", format_utc(r.now)},
                 {"days", r.days},
                 {"residents", rows}});
}

std::string report_json(const UtilisationReport& r) {
    ojson rows = ojson::array();
    for (const auto& row : r.rows) {
        rows.push_back(
            {{"device", row.device},
             {"ward", row.ward.empty() ? ojson(nullptr) : ojson(row.ward)},
             {"bookable_minutes", row.bookable_minutes},
             {"booked_minutes", row.booked_minutes},
             {"use", row.bookable_minutes > 0 ? ojson(static_cast<double>(row.booked_minutes) /
                                                      static_cast<double>(row.bookable_minutes))
                                              : ojson(nullptr)},
             {"completed", row.completed},
             {"missed", row.missed},
             {"cancelled", row.cancelled},
             {"booked", row.booked}});
    }
    auto j = ojson{{"format", "carecall-report-utilisation/1"}};
    j.update(span_json(r.span));
    j["rows"] = rows;
    return dump(j);
}

std::string report_json(const FairnessReport& r) {
    ojson rows = ojson::array();
    for (const auto& row : r.rows) {
        rows.push_back({{"resident", row.resident},
                        {"name", row.name},
                        {"ward", row.ward},
                        {"asked", row.asked},
                        {"calls", row.calls},
                        {"completed", row.completed},
                        {"missed", row.missed},
                        {"cancelled", row.cancelled},
                        {"share", row.share ? ojson(*row.share) : ojson(nullptr)}});
    }
    auto j = ojson{{"format", "carecall-report-fairness/1"}};
    j.update(span_json(r.span));
    j["weeks"] = r.weeks;
    j["residents"] = rows;
    j["spread"] = {{"residents", r.spread.residents},
                   {"min", r.spread.min},
                   {"max", r.spread.max},
                   {"mean", r.spread.mean},
                   {"stddev", r.spread.stddev}};
    return dump(j);
}

std::string report_json(const OutcomesReport& r) {
    ojson rows = ojson::array();
    for (const auto& row : r.rows) {
        rows.push_back({{"status", row.status},
                        {"outcome", row.outcome.empty() ? ojson(nullptr) : ojson(row.outcome)},
                        {"calls", row.count}});
    }
    auto j = ojson{{"format", "carecall-report-outcomes/1"}};
    j.update(span_json(r.span));
    j["rows"] = rows;
    j["total"] = r.total;
    return dump(j);
}

} // namespace carecall
