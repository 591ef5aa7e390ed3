// carecall report isolation|utilisation|fairness|outcomes (table, csv or json)
#include <iostream>

#include <fmt/format.h>

#include "carecall/csv.hpp"
#include "carecall/error.hpp"
#include "carecall/report.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

/// The zone in which --from/--to phrases ("today", "mon") are read: the first site's.
const date::time_zone* home_zone(Store& store) {
    auto sites = store.sites().list();
    return find_zone(sites.empty() ? std::string("Etc/UTC") : sites.front().tz);
}

template <class Report>
void print_report(const Env& env, const Report& report, bool for_spreadsheet) {
    if (env.want_json()) {
        std::cout << report_json(report) << '\n';
        return;
    }
    if (env.format == "csv") {
        auto rows = report_rows(report, false);
        std::cout << write_csv(rows.header, rows.rows, for_spreadsheet);
        return;
    }
    if (env.format != "table") {
        throw UsageError(
            fmt::format("reports are written as table, csv or json, not {}", env.format));
    }
    auto rows = report_rows(report, true);
    for (auto& h : rows.header) {
        for (auto& c : h) {
            c = c == '_' ? ' ' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        }
    }
    print_table(rows.header, rows.rows);
    for (const auto& note : rows.notes) {
        std::cout << note << '\n';
    }
}

struct SpanOptions {
    std::string from, to;
    bool for_spreadsheet = false;
    std::vector<std::string> wards;
};

/// The options every report takes: --for-spreadsheet and --ward.
void add_common(CLI::App* sub, bool& for_spreadsheet, std::vector<std::string>& wards) {
    sub->add_flag("--for-spreadsheet", for_spreadsheet,
                  "with --format csv: prefix ' to cells starting with = + - @ (names cannot run "
                  "as formulas)");
    sub->add_option("--ward", wards, "only this ward (repeat for more)");
}

/// The snapshot narrowed to the --ward options, if any (an unknown ward is not found).
ReportData for_wards(Store& store, ReportData data, const std::vector<std::string>& codes) {
    if (codes.empty()) {
        return data;
    }
    std::vector<WardId> ids;
    for (const auto& code : codes) {
        ids.push_back(store.wards().get(code, "ward").id);
    }
    return only_wards(data, ids);
}

void add_span(CLI::App* sub, SpanOptions& o) {
    sub->add_option("--from", o.from,
                    "first day: YYYY-MM-DD, today, mon… (default: 6 days "
                    "before --to)");
    sub->add_option("--to", o.to, "last day, inclusive (default: today)");
    add_common(sub, o.for_spreadsheet, o.wards);
}

DateSpan read_span(Env& env, Store& store, const SpanOptions& o) {
    const auto* zone = home_zone(store);
    auto now = env.now();
    DateSpan span;
    span.last = o.to.empty() ? parse_date_phrase("today", zone, now, "--to")
                             : parse_date_phrase(o.to, zone, now, "--to");
    span.first = o.from.empty() ? Date{date::sys_days{span.last} - date::days{6}}
                                : parse_date_phrase(o.from, zone, now, "--from");
    if (date::sys_days{span.last} < date::sys_days{span.first}) {
        throw InvalidInput("--to", fmt::format("{} is before --from {}", format_date(span.last),
                                               format_date(span.first)));
    }
    if ((date::sys_days{span.last} - date::sys_days{span.first}).count() > 3660) {
        throw InvalidInput("--to", "a report covers at most ten years");
    }
    return span;
}

/// The bookings that may start within the span in any zone (a day either side).
BookingQuery span_query(DateSpan span) {
    BookingQuery q;
    q.from = Instant{date::sys_days{span.first} - date::days{2}};
    q.to = Instant{date::sys_days{span.last} + date::days{3}};
    return q;
}

} // namespace

void register_report(CLI::App& app, Env& env) {
    auto* report = app.add_subcommand("report", "reports for ward managers (table, csv or json)");
    report->require_subcommand(1);

    auto* iso = report->add_subcommand(
        "isolation", "residents with no completed call in N days, longest first, with their next "
                     "booked call");
    env.formats[iso] = {"table", "json", "csv"};
    struct IsolationOptions {
        int days = 7;
        bool for_spreadsheet = false;
        std::vector<std::string> wards;
    };
    auto io = std::make_shared<IsolationOptions>();
    iso->add_option("--days", io->days, "days without a completed call (default 7)")
        ->check(CLI::Range(1, 3660));
    add_common(iso, io->for_spreadsheet, io->wards);
    iso->footer("Example:\n  carecall report isolation --days 7 --ward W-ROSE\n  carecall --format "
                "csv report "
                "isolation --days 14 > isolated.csv");
    iso->callback([&env, io] {
        auto& store = env.store();
        auto now = env.now();
        auto data = for_wards(store, load_isolation_data(store, now), io->wards);
        print_report(env, isolation_report(data, now, io->days), io->for_spreadsheet);
    });

    auto span_command = [&](const char* name, const char* help, const char* example, auto build) {
        auto* sub = report->add_subcommand(name, help);
        env.formats[sub] = {"table", "json", "csv"};
        auto o = std::make_shared<SpanOptions>();
        add_span(sub, *o);
        sub->footer(fmt::format("Example:\n  {}", example));
        sub->callback([&env, o, build] {
            auto& store = env.store();
            auto span = read_span(env, store, *o);
            auto data = for_wards(store, load_report_data(store, span_query(span)), o->wards);
            print_report(env, build(data, span, env.now()), o->for_spreadsheet);
        });
    };
    span_command("utilisation",
                 "per device and ward: booked minutes against bookable minutes, and outcomes",
                 "carecall report utilisation --from 2027-07-05 --to 2027-07-11",
                 [](const ReportData& d, DateSpan s, Instant) { return utilisation_report(d, s); });
    span_command("fairness",
                 "calls per resident against what their requests ask for, and the spread",
                 "carecall report fairness --from 2027-07-05 --to 2027-07-18",
                 [](const ReportData& d, DateSpan s, Instant) { return fairness_report(d, s); });
    span_command(
        "outcomes", "calls by status and outcome (completed, missed by reason, cancelled)",
        "carecall --json report outcomes --from 2027-07-01 --to 2027-07-31",
        [](const ReportData& d, DateSpan s, Instant now) { return outcomes_report(d, s, now); });
}

} // namespace carecall::cli
