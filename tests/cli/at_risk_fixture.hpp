#pragma once
// Booked calls in the care home of booking_fixture.hpp, for the tests of calls a change of the
// records puts at risk (db check, repair, rota, agenda and the record commands' --repair).

#include <string>

#include "cli/booking_fixture.hpp"

namespace carecall::test {

/// Mon 2027-07-05 ("now" is Thu 2027-07-01 08:00 BST):
///   B-1 R-IVY with C-LUCY 10:00-10:30 BST on PORTAL-1 (W-ROSE);
///   B-2 R-BEN with C-LUCY 15:00-15:30 BST on TAB-B (W-BLUE);
///   B-3 R-HAL with C-TOM 11:00-11:30 BST on PORTAL-2, helped by E-KIM (W-ROSE).
inline void booked_calls(const Scratch& s) {
    care_home(s);
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-LUCY", "--at",
              "2027-07-05 10:00", "--device", "PORTAL-1"});
    ok_at(s, {"-q", "book", "--resident", "R-BEN", "--contact", "C-LUCY", "--at",
              "2027-07-05 15:00", "--device", "TAB-B"});
    ok_at(s, {"-q", "book", "--resident", "R-HAL", "--contact", "C-TOM", "--at", "2027-07-05 11:00",
              "--device", "PORTAL-2", "--staff", "E-KIM"});
}

/// Puts B-1 at risk: PORTAL-1 out of service 09:00-11:00 on its day.
inline Result break_portal(const Scratch& s, const Args& extra = {}) {
    Args a{"device", "edit", "PORTAL-1", "--out-of-service", "2027-07-05 09:00-11:00 repair"};
    a.insert(a.end(), extra.begin(), extra.end());
    return run_at(s, a);
}

/// The exact repair command a record command prints for this test's database and "now".
inline std::string repair_line(const Scratch& s, const std::string& scope) {
    return "  carecall --db " + s.db() + " --now " + k_now + " repair" + scope;
}

/// The last line of a text.
inline std::string last_line(const std::string& text) {
    auto t = text;
    while (!t.empty() && t.back() == '\n') {
        t.pop_back();
    }
    auto at = t.rfind('\n');
    return at == std::string::npos ? t : t.substr(at + 1);
}

} // namespace carecall::test
