// The audit trail under many changes (docs/reliability.md U1): random changes through the real
// binary, each followed by a look at the audit table. A change that succeeded has exactly one
// new audit row (time, OS user, --as, action, record, and for a booking its state before and
// after); a refused one has none and changed nothing. That the row and the change are one
// transaction is what the crash harness shows (tests/crash: after kill -9 every record has its
// row and no row lacks its record).
// CI makes 100 changes; CARECALL_U1_CHANGES=1000 runs the full target.
#include <chrono>
#include <random>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v == nullptr || *v == '\0' ? fallback : std::max(1, std::atoi(v));
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Change {
    Args args;
    std::string action;      ///< expected audit action
    std::string kind;        ///< expected audit kind
    std::string record_code; ///< expected record code ("" for a new booking: read from stdout)
};

} // namespace

TEST_SUITE("cli audit") {

    TEST_CASE(
        "U1: random changes: exactly one audit row each, with who, what, when, before/after") {
        Scratch s;
        care_home(s);
        const int changes = env_int("CARECALL_U1_CHANGES", 100);
        std::uint64_t seed = std::random_device{}();
        if (const char* v = std::getenv("CARECALL_U1_SEED"); v != nullptr && *v != '\0') {
            seed = std::stoull(v);
        }
        MESSAGE("U1 seed " << seed << " (CARECALL_U1_SEED repeats it)");
        std::mt19937_64 rng(seed);
        auto pick = [&](const auto& options) {
            return options[std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(rng)];
        };
        const std::vector<std::pair<std::string, std::string>> pairs{
            {"R-ASHA", "C-LUCY"}, {"R-ASHA", "C-RAJ"}, {"R-IVY", "C-LUCY"}, {"R-IVY", "C-TOM"},
            {"R-BEN", "C-LUCY"},  {"R-BEN", "C-TOM"},  {"R-HAL", "C-TOM"},  {"R-ASHA", "C-TOM"}};
        const std::vector<std::string> people{"", "", "Nurse Joy", "Dr Ahmed", "Zoë O'Brien"};
        auto random_time = [&] {
            int day = std::uniform_int_distribution<int>(5, 11)(rng);
            int hour = std::uniform_int_distribution<int>(8, 21)(rng);
            int quarter = std::uniform_int_distribution<int>(0, 3)(rng) * 15;
            char text[32];
            std::snprintf(text, sizeof text, "2027-07-%02d %02d:%02d", day, hour, quarter);
            return std::string(text);
        };
        std::vector<std::string> bookings; // codes of bookings made
        std::vector<std::string> extra_wards;
        int ward_serial = 0;
        std::map<std::string, int> succeeded;
        int refused = 0;
        auto last_id = query_int(s.db(), "SELECT coalesce(max(id), 0) FROM audit");

        for (int i = 0; i < changes; ++i) {
            CAPTURE(i);
            Change c;
            int what = std::uniform_int_distribution<int>(0, 9)(rng);
            if (what <= 3 || bookings.empty()) {
                auto [resident, contact] = pick(pairs);
                c = {book_args(resident, contact, random_time()), "book", "booking", ""};
            } else if (what <= 5) {
                auto code = pick(bookings);
                c = {{"move", code, "--to", random_time()}, "move", "booking", code};
            } else if (what == 6) {
                auto code = pick(bookings);
                c = {{"cancel", code, "--reason", "unwell"}, "cancel", "booking", code};
            } else if (what == 7) {
                auto code = pick(std::vector<std::string>{"R-ASHA", "R-IVY", "R-BEN", "R-HAL"});
                c = {{"resident", "edit", code, "--room", "U1-" + std::to_string(i)},
                     "update",
                     "resident",
                     code};
            } else if (what == 8 || extra_wards.empty()) {
                auto code = "W-U1-" + std::to_string(ward_serial++);
                c = {{"ward", "add", code, "--name", code, "--site", "SUNNY"}, "add", "ward", code};
            } else {
                auto code = pick(extra_wards);
                c = {{"ward", "remove", code, "--yes"}, "remove", "ward", code};
            }
            auto as = pick(people);
            Args args = now_args(c.args);
            if (!as.empty()) {
                args.insert(args.begin(), {"--as", as});
            }
            INFO("args: " << Scratch::describe(args));
            auto counts_before = query_rows(s.db(), "SELECT (SELECT count(*) FROM booking), "
                                                    "(SELECT group_concat(status) FROM booking), "
                                                    "(SELECT count(*) FROM ward), "
                                                    "(SELECT group_concat(room) FROM resident)");
            // A move to the time and device the call already has changes at most its helper: the
            // store audits that as an update, and writes nothing when nothing changed (seed
            // 845706699 wrote a row with no changed field).
            auto where_before =
                c.action == "move"
                    ? query_rows(s.db(), "SELECT start_utc, device_id, status FROM booking WHERE "
                                         "code = '" +
                                             c.record_code + "'")
                    : std::vector<std::vector<std::string>>{};
            auto t0 = unix_now();
            auto r =
                s.run(Invocation{args, {}, {"USER=coordinator", "LOGNAME=coordinator"}, true, {}});
            auto t1 = unix_now();
            INFO("stderr: " << r.err);
            auto rows =
                query_rows(s.db(), "SELECT id, at_utc, os_user, as_user, action, kind, "
                                   "record_id, record_code, details FROM audit WHERE id > " +
                                       std::to_string(last_id) + " ORDER BY id");
            if (r.code != 0) {
                // Refused: no row, nothing changed.
                ++refused;
                CHECK(r.code != 1);
                CHECK(rows.empty());
                CHECK(query_rows(s.db(),
                                 "SELECT (SELECT count(*) FROM booking), "
                                 "(SELECT group_concat(status) FROM booking), "
                                 "(SELECT count(*) FROM ward), "
                                 "(SELECT group_concat(room) FROM resident)") == counts_before);
                continue;
            }
            if (c.action == "move" &&
                query_rows(s.db(),
                           "SELECT start_utc, device_id, status FROM booking WHERE code = '" +
                               c.record_code + "'") == where_before) {
                if (rows.empty()) { // nothing changed, nothing written
                    continue;
                }
                c.action = "update"; // its helper alone changed
            }
            REQUIRE(rows.size() == 1);
            const auto& row = rows[0];
            last_id = std::stoll(row[0]);
            auto at = std::stoll(row[1]);
            CHECK(at >= t0 - 1);
            CHECK(at <= t1 + 1);
            CHECK(row[2] == "coordinator");
            CHECK(row[3] == as);
            CHECK(row[4] == c.action);
            CHECK(row[5] == c.kind);
            auto details = parse_json(row[8]);
            if (c.action == "book") {
                auto code = r.out.substr(0, r.out.find(' '));
                REQUIRE(starts_with(code, "B-"));
                c.record_code = code;
                bookings.push_back(code);
            }
            CHECK(row[7] == c.record_code);
            // The record the row names is the one changed.
            auto table = c.kind == "booking" ? std::string("booking") : c.kind;
            if (c.action != "remove") {
                CHECK(query_int(s.db(), "SELECT count(*) FROM " + table + " WHERE id = " + row[6] +
                                            " AND code = '" + c.record_code + "'") == 1);
            } else {
                CHECK(query_int(s.db(),
                                "SELECT count(*) FROM " + table + " WHERE id = " + row[6]) == 0);
            }
            if (c.kind == "booking") {
                // The state after, as stored; before it, the state the previous row left.
                auto stored = query_rows(s.db(), "SELECT status FROM booking WHERE id = " + row[6]);
                CHECK(details["status"] == stored.at(0).at(0));
                if (c.action == "book") {
                    CHECK_FALSE(details.contains("before"));
                } else {
                    REQUIRE(details.contains("before"));
                    CHECK(details["before"]["status"] == "booked");
                    CHECK(details["changed"].is_array());
                    CHECK_FALSE(details["changed"].empty());
                    if (c.action == "move") {
                        CHECK(details["before"]["start"] != details["start"]);
                    }
                }
            } else if (c.action == "update") {
                CHECK(details == json({{"changed", {"room"}}}));
            }
            if (c.kind == "ward" && c.action == "add") {
                extra_wards.push_back(c.record_code);
            }
            if (c.kind == "ward" && c.action == "remove") {
                extra_wards.erase(std::find(extra_wards.begin(), extra_wards.end(), c.record_code));
            }
            ++succeeded[c.action];
        }
        // Nothing written behind the changes' backs: the trail is exactly the changes that
        // succeeded.
        int total = 0;
        std::string summary;
        for (const auto& [action, n] : succeeded) {
            total += n;
            summary += " " + action + " " + std::to_string(n);
        }
        CHECK(total > changes / 4);
        CHECK(s.run({"db", "check"}).code == 0);
        MESSAGE("U1: " << changes << " changes: " << total << " succeeded, one audit row each ("
                       << summary.substr(1) << "); " << refused
                       << " refused, no row, nothing changed");
    }

} // TEST_SUITE
