// The rule catalogue: one entry per rule, check_call has exactly one function for each rule of a
// call, the scheduler keeps every rule it may meet in the form the catalogue says (shown by a
// scenario per rule that only that rule blocks), and no rule's name is spelled outside the
// catalogue in the library, the command or the public headers.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "carecall/exchange.hpp"
#include "carecall/rules.hpp"
#include "carecall/schedule.hpp"
#include "schedule/part.hpp"

using namespace carecall;
using namespace std::chrono_literals;

namespace {

bool is_call_rule(const RuleInfo& r) {
    return r.stage == RuleStage::call || r.stage == RuleStage::record ||
           r.stage == RuleStage::window || r.stage == RuleStage::clash;
}

// --- A one-day scenario in which the one call asked for fits only 10:00-11:00 BST. -----------

constexpr auto k_day = date::year{2025} / 6 / 2; // a Monday, British Summer Time

Instant at_bst(int hour, int minute = 0) {
    return Instant{date::sys_days{k_day} + std::chrono::hours{hour - 1} +
                   std::chrono::minutes{minute}};
}

WeeklyWindow daily(int from_minute, int to_minute, std::string label = {}) {
    return WeeklyWindow{0x7F, from_minute, to_minute, std::move(label)};
}

Scenario base_scenario() {
    Scenario s;
    s.horizon.start = k_day;
    s.horizon.days = 1;
    s.horizon.slot_minutes = 15;
    s.sites.push_back(Site{SiteId(1), "S", "", SiteKind::care_home, "Europe/London"});
    for (int w = 1; w <= 2; ++w) {
        Ward ward;
        ward.id = WardId(w);
        ward.code = w == 1 ? "W-ROSE" : "W-OAK";
        ward.site = SiteId(1);
        ward.calling_hours.push_back(daily(600, 660));
        s.wards.push_back(ward);
    }
    Resident r;
    r.id = ResidentId(1);
    r.code = "R-1";
    r.ward = WardId(1);
    r.consent.status = ConsentStatus::given;
    s.residents.push_back(r);
    Resident other = r;
    other.id = ResidentId(2);
    other.code = "R-2";
    s.residents.push_back(other);
    for (int c = 1; c <= 2; ++c) {
        Contact contact;
        contact.id = ContactId(c);
        contact.code = c == 1 ? "C-1" : "C-2";
        contact.tz = "Europe/London";
        contact.availability.push_back(daily(540, 1200));
        s.contacts.push_back(contact);
    }
    Device d;
    d.id = DeviceId(1);
    d.code = "D-1";
    d.site = SiteId(1);
    d.wards = {WardId(1)};
    d.cleaning_minutes = 10;
    s.devices.push_back(d);
    Staff st;
    st.id = StaffId(1);
    st.code = "E-1";
    st.wards = {WardId(1)};
    st.weekly_shifts.push_back(daily(480, 1200));
    s.staff.push_back(st);
    CallRequest q;
    q.id = RequestId(1);
    q.code = "Q-1";
    q.resident = ResidentId(1);
    q.contacts = {ContactId(1)};
    q.calls = 1;
    q.duration_minutes = 30;
    s.requests.push_back(q);
    s.approvals.push_back(Approval{ResidentId(1), ContactId(1), true, false, {}});
    s.approvals.push_back(Approval{ResidentId(2), ContactId(2), true, false, {}});
    return s;
}

/// A call that fills the hour the request could use: the other resident with the other contact
/// on device D-1 and helper E-1, unless the case changes it.
Booking filling_call() {
    Booking b;
    b.id = BookingId(1);
    b.code = "B-1";
    b.resident = ResidentId(2);
    b.contacts = {ContactId(2)};
    b.device = DeviceId(1);
    b.start = at_bst(10);
    b.end = at_bst(11);
    return b;
}

struct Case {
    Scenario s = base_scenario();
    std::vector<Booking> pinned;
    Rule expected;                  ///< the reason the scheduler gives
    std::optional<Rule> check_rule; ///< what check_call says of the call at 10:00 (default: same)
    bool plan_helper = true; ///< the call at 10:00 has helper E-1 when the resident needs one
    std::map<RequestId, ScheduleOptions::WeeklyCap> per_week{}; ///< the scheduler's weekly caps
};

void needs_help(Scenario& s) {
    s.residents[0].needs_assistance = true;
}

/// One scenario per rule the scheduler keeps before or during its search, in which only that
/// rule stands between the request and its call.
std::map<Rule, Case> cases() {
    std::map<Rule, Case> out;
    auto add = [&](Rule rule, const std::function<void(Case&)>& change) {
        Case c;
        c.expected = rule;
        change(c);
        out.emplace(rule, std::move(c));
    };
    add(Rule::resident_not_admitted,
        [](Case& c) { c.s.residents[0].admitted = date::year{2025} / 6 / 9; });
    add(Rule::resident_consent,
        [](Case& c) { c.s.residents[0].consent.status = ConsentStatus::refused; });
    add(Rule::resident_max_call, [](Case& c) { c.s.residents[0].max_call_minutes = 20; });
    add(Rule::contact_approval, [](Case& c) {
        // A complete list (a document's, a store's) that does not approve the pair.
        c.s.approvals_complete = true;
        c.s.approvals.erase(c.s.approvals.begin());
    });
    add(Rule::device_ward, [](Case& c) { c.s.devices[0].wards = {WardId(2)}; });
    add(Rule::help_none, [](Case& c) {
        needs_help(c.s);
        c.s.staff[0].wards = {WardId(2)};
        c.plan_helper = false;
    });
    add(Rule::help_ward, [](Case& c) { // nobody of the ward: the scheduler says help.none
        needs_help(c.s);
        c.s.staff[0].wards = {WardId(2)};
        c.expected = Rule::help_none;
        c.check_rule = Rule::help_ward;
    });
    add(Rule::help_competence, [](Case& c) {
        needs_help(c.s);
        c.s.residents[0].competences = {"bsl"};
    });
    add(Rule::resident_ward_closed, [](Case& c) {
        c.s.wards[0].closures.push_back(DateRange{k_day, k_day, "flu"});
    });
    add(Rule::resident_calling_hours,
        [](Case& c) { c.s.wards[0].calling_hours = {daily(600, 620)}; });
    add(Rule::resident_consent_review, [](Case& c) { // reviewed by the day before the call
        c.s.residents[0].consent.status = ConsentStatus::best_interest;
        c.s.residents[0].consent.review = Date{date::sys_days{k_day} - date::days{1}};
    });
    add(Rule::resident_care_block,
        [](Case& c) { c.s.residents[0].care_blocks.push_back(daily(540, 700, "rest")); });
    add(Rule::contact_availability,
        [](Case& c) { c.s.contacts[0].availability = {daily(600, 620)}; });
    add(Rule::contact_absent, [](Case& c) {
        c.s.contacts[0].absences.push_back(Period{at_bst(0), at_bst(23), "holiday"});
    });
    add(Rule::device_out_of_service, [](Case& c) {
        c.s.devices[0].out_of_service.push_back(Period{at_bst(9), at_bst(12), "repair"});
    });
    add(Rule::help_shift, [](Case& c) {
        needs_help(c.s);
        c.s.staff[0].weekly_shifts = {daily(480, 540)};
    });
    add(Rule::help_busy, [](Case& c) {
        needs_help(c.s);
        c.s.devices.push_back(c.s.devices[0]);
        c.s.devices[1].id = DeviceId(2);
        c.s.devices[1].code = "D-2";
        auto b = filling_call();
        b.device = DeviceId(2);
        b.staff = StaffId(1);
        c.pinned = {b};
    });
    add(Rule::device_busy, [](Case& c) { c.pinned = {filling_call()}; });
    add(Rule::device_cleaning, [](Case& c) { // the scheduler counts cleaning as device.busy
        auto b = filling_call();
        b.start = at_bst(9, 0);
        b.end = at_bst(9, 55); // cleaned until 10:05
        c.pinned = {b};
        c.expected = Rule::device_busy;
        c.check_rule = Rule::device_cleaning;
        c.s.wards[0].calling_hours = {daily(540, 630)};
    });
    add(Rule::resident_busy, [](Case& c) {
        c.s.devices.push_back(c.s.devices[0]);
        c.s.devices[1].id = DeviceId(2);
        c.s.devices[1].code = "D-2";
        auto b = filling_call();
        b.device = DeviceId(2);
        b.resident = ResidentId(1);
        c.pinned = {b};
        c.s.approvals.push_back(Approval{ResidentId(1), ContactId(2), true, false, {}});
    });
    add(Rule::resident_calls_per_day, [](Case& c) {
        c.s.residents[0].max_calls_per_day = 1;
        c.s.wards[0].calling_hours = {daily(540, 660)};
        c.s.approvals.push_back(Approval{ResidentId(1), ContactId(2), true, false, {}});
        c.s.devices.push_back(c.s.devices[0]);
        c.s.devices[1].id = DeviceId(2);
        c.s.devices[1].code = "D-2";
        auto b = filling_call();
        b.device = DeviceId(2);
        b.resident = ResidentId(1);
        b.start = at_bst(9);
        b.end = at_bst(9, 30);
        c.pinned = {b};
    });
    add(Rule::contact_busy, [](Case& c) {
        c.s.devices.push_back(c.s.devices[0]);
        c.s.devices[1].id = DeviceId(2);
        c.s.devices[1].code = "D-2";
        auto b = filling_call();
        b.device = DeviceId(2);
        b.contacts = {ContactId(1)};
        c.pinned = {b};
        c.s.approvals.push_back(Approval{ResidentId(2), ContactId(1), true, false, {}});
    });
    add(Rule::request_max_per_day, [](Case& c) {
        c.s.requests[0].calls = 2;
        c.s.requests[0].max_per_day = 1;
        c.check_rule = std::nullopt; // a request's own limit: not a rule of one call
    });
    add(Rule::request_per_week, [](Case& c) {
        c.s.requests[0].calls = 2;
        c.per_week[RequestId(1)] = ScheduleOptions::WeeklyCap{1, {}};
        c.check_rule = std::nullopt; // a request's own count: not a rule of one call
    });
    return out;
}

World world_of(const Scenario& s, const std::vector<Booking>& pinned) {
    World w;
    for (const auto& x : s.sites) {
        w.add(x);
    }
    for (const auto& x : s.wards) {
        w.add(x);
    }
    for (const auto& x : s.residents) {
        w.add(x);
    }
    for (const auto& x : s.contacts) {
        w.add(x);
    }
    for (const auto& x : s.devices) {
        w.add(x);
    }
    for (const auto& x : s.staff) {
        w.add(x);
    }
    for (const auto& x : s.approvals) {
        w.add(x);
    }
    for (const auto& b : pinned) {
        w.add(b);
    }
    return w;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// The line without its // comment (a // inside a string literal is kept).
std::string code_part(const std::string& line) {
    bool in_string = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\') {
            ++i;
        } else if (line[i] == '"') {
            in_string = !in_string;
        } else if (!in_string && line.compare(i, 2, "//") == 0) {
            return line.substr(0, i);
        }
    }
    return line;
}

/// Every "rule.name" literal in the code of a file: file:line: name.
std::vector<std::string> rule_literals(const std::string& file, const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        auto code = code_part(line);
        for (const auto& r : rule_catalogue()) {
            if (code.find(std::string("\"") + r.name + "\"") != std::string::npos) {
                out.push_back(file + ":" + std::to_string(n) + ": " + r.name);
            }
        }
    }
    return out;
}

} // namespace

TEST_SUITE("rule catalogue") {
    TEST_CASE("one entry per rule, in the enumeration's order, with a unique name") {
        const auto& c = rule_catalogue();
        REQUIRE(c.size() == static_cast<std::size_t>(Rule::search_time_limit) + 1);
        std::set<std::string> names;
        for (std::size_t i = 0; i < c.size(); ++i) {
            const std::string name_i = c[i].name;
            CAPTURE(name_i);
            CHECK(static_cast<std::size_t>(c[i].id) == i);
            CHECK(names.insert(c[i].name).second);
            CHECK(std::string(c[i].description).size() > 10);
            CHECK(find_rule(c[i].name) == c[i].id);
            CHECK(rule_name(c[i].id) == c[i].name);
            // The name's first part is the party a message names (what the CLI shows users).
            std::string name = c[i].name;
            auto party = name.substr(0, name.find('.'));
            static const std::map<std::string, RuleParty> k_parties{
                {"resident", RuleParty::resident}, {"contact", RuleParty::contact},
                {"device", RuleParty::device},     {"help", RuleParty::helper},
                {"time", RuleParty::time},         {"booking", RuleParty::booking},
                {"request", RuleParty::request},   {"search", RuleParty::request},
                {"slot", RuleParty::time}};
            REQUIRE(k_parties.count(party) == 1);
            CHECK(k_parties.at(party) == c[i].party);
        }
        CHECK_FALSE(find_rule("device.bussy").has_value());
    }

    TEST_CASE("only clashes with another call give way to an end-of-life call") {
        for (const auto& r : rule_catalogue()) {
            const std::string rule = r.name;
            CAPTURE(rule);
            bool clash = r.stage == RuleStage::clash || r.id == Rule::help_busy;
            CHECK(r.gives_way == (clash && r.id != Rule::resident_calls_per_day));
        }
    }

    TEST_CASE("check_call has one function for every rule of a call, in the catalogue's order") {
        std::vector<Rule> expected;
        for (const auto& r : rule_catalogue()) {
            if (is_call_rule(r)) {
                expected.push_back(r.id);
            }
        }
        CHECK(check_call_rules() == expected);
    }

    TEST_CASE("the scheduler keeps each rule in the form the catalogue gives it") {
        std::map<Rule, SchedulerForm> kept;
        for (const auto& [rule, form] : sched::kept_rules()) {
            CAPTURE(rule_name(rule));
            CHECK(kept.emplace(rule, form).second); // once
        }
        for (const auto& r : rule_catalogue()) {
            const std::string rule = r.name;
            CAPTURE(rule);
            bool faster = r.scheduler == SchedulerForm::request ||
                          r.scheduler == SchedulerForm::start ||
                          r.scheduler == SchedulerForm::search;
            if (!faster) {
                CHECK(kept.count(r.id) == 0);
                continue;
            }
            // help.ward is kept by choosing only the ward's staff: the builder's helper list.
            if (r.id == Rule::help_ward) {
                CHECK(kept.count(r.id) == 0);
                continue;
            }
            REQUIRE(kept.count(r.id) == 1);
            CHECK(kept.at(r.id) == r.scheduler);
        }
    }

    TEST_CASE("a scenario per rule: the scheduler refuses for that rule, and so does check_call") {
        auto all = cases();
        SUBCASE("the base scenario books its call") {
            auto s = base_scenario();
            ScheduleOptions o;
            o.threads = 1;
            auto result = schedule(s, o);
            REQUIRE(result.calls.size() == 1);
            CHECK(result.unscheduled.empty());
        }
        // Every rule the scheduler meets before or in its search has a case here.
        for (const auto& r : rule_catalogue()) {
            if ((r.scheduler == SchedulerForm::request || r.scheduler == SchedulerForm::start ||
                 r.scheduler == SchedulerForm::search) &&
                r.stage != RuleStage::plan) {
                const std::string rule = r.name;
                CAPTURE(rule);
                CHECK_MESSAGE(all.count(r.id) == 1, "no scenario shows the scheduler keeps it");
            }
        }
        for (const auto& [rule, c] : all) {
            CAPTURE(rule_name(rule));
            ScheduleOptions o;
            o.threads = 1;
            o.pinned = c.pinned;
            o.per_week = c.per_week;
            o.price_of_fairness = false;
            auto result = schedule(c.s, o);
            CHECK(result.rejected_by_check == 0);
            int placed = 0;
            for (const auto& call : result.calls) {
                placed += call.pinned ? 0 : 1;
            }
            const bool own_limit = rule_info(rule).stage == RuleStage::plan;
            CHECK(placed == (own_limit ? 1 : 0));
            REQUIRE(result.unscheduled.size() == 1);
            const auto& reasons = result.unscheduled[0].reasons;
            REQUIRE_FALSE(reasons.empty());
            CAPTURE(reasons);
            // Named among the reasons (the calling hours rule out most other starts of the day).
            CHECK(std::any_of(reasons.begin(), reasons.end(), [&](const std::string& why) {
                return why.rfind(rule_name(c.expected) + ":", 0) == 0;
            }));

            auto check_rule = c.check_rule;
            if (rule == c.expected && !c.check_rule.has_value() && !own_limit) {
                check_rule = rule;
            }
            if (check_rule) {
                CallPlan plan;
                plan.resident = ResidentId(1);
                plan.contacts = {ContactId(1)};
                plan.device = DeviceId(1);
                plan.start = at_bst(10);
                plan.end = at_bst(10, 30);
                if (c.s.residents[0].needs_assistance && c.plan_helper) {
                    plan.staff = StaffId(1);
                }
                auto v = check_call(world_of(c.s, c.pinned), plan);
                std::vector<std::string> got;
                for (const auto& x : v) {
                    got.push_back(rule_name(x.rule));
                }
                CAPTURE(got);
                CHECK(std::any_of(v.begin(), v.end(),
                                  [&](const Violation& x) { return x.rule == *check_rule; }));
            }
        }
    }

    TEST_CASE("no rule's name is spelled outside the catalogue in lib/, cli/ and include/") {
        namespace fs = std::filesystem;
        const fs::path root = CARECALL_SOURCE_DIR;
        std::vector<std::string> found;
        int files = 0;
        for (const auto* dir : {"lib", "cli", "include"}) {
            for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
                auto ext = e.path().extension();
                if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) {
                    continue;
                }
                auto rel = fs::relative(e.path(), root).generic_string();
                if (rel == "lib/rules/catalogue.cpp") {
                    continue;
                }
                ++files;
                auto hits = rule_literals(rel, read_file(e.path()));
                found.insert(found.end(), hits.begin(), hits.end());
            }
        }
        CHECK(files > 40);
        CAPTURE(found);
        CHECK(found.empty());
    }

    TEST_CASE("the literal check finds a rule spelled in code, not in a comment") {
        auto hits = rule_literals("lib/x.cpp", "auto r = \"device.busy\"; // \"contact.busy\"\n"
                                               "// \"resident.busy\"\n"
                                               "x(\"a // b\", \"help.none\");\n");
        CHECK(hits ==
              std::vector<std::string>{"lib/x.cpp:1: device.busy", "lib/x.cpp:3: help.none"});
    }

    TEST_CASE("every rule is in the user guide with its description") {
        auto guide = read_file(std::filesystem::path(CARECALL_SOURCE_DIR) / "docs" / "rules.md");
        for (const auto& r : rule_catalogue()) {
            const std::string rule = r.name;
            CAPTURE(rule);
            CHECK(guide.find(std::string("`") + r.name + "`") != std::string::npos);
            CHECK(guide.find(r.description) != std::string::npos);
        }
    }
}
