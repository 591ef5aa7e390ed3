#include "carecall/model.hpp"

#include <array>
#include <iterator>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "carecall/error.hpp"

namespace carecall {
namespace {

constexpr std::array<std::string_view, 7> k_day_names{"mon", "tue", "wed", "thu",
                                                      "fri", "sat", "sun"};

std::string sub(std::string_view field, std::string_view name) {
    if (field.empty()) {
        return std::string(name);
    }
    return fmt::format("{}.{}", field, name);
}

void positive_opt(const std::optional<int>& v, std::string_view field) {
    if (v && *v <= 0) {
        throw InvalidInput(std::string(field),
                           fmt::format("{} must be a positive whole number", *v));
    }
}

void check_periods(const std::vector<Period>& ps, std::string_view field) {
    for (std::size_t i = 0; i < ps.size(); ++i) {
        validate_text(ps[i].label, fmt::format("{}[{}].label", field, i));
        if (ps[i].end <= ps[i].start) {
            throw InvalidInput(fmt::format("{}[{}]", field, i),
                               fmt::format("end {} is not after start {}", format_utc(ps[i].end),
                                           format_utc(ps[i].start)));
        }
    }
}

void check_windows(const std::vector<WeeklyWindow>& ws, std::string_view field) {
    for (std::size_t i = 0; i < ws.size(); ++i) {
        validate(ws[i], fmt::format("{}[{}]", field, i));
    }
}

void check_words(const std::vector<std::string>& words, std::string_view field) {
    for (std::size_t i = 0; i < words.size(); ++i) {
        const auto& w = words[i];
        validate_text(w, fmt::format("{}[{}]", field, i));
        if (w.empty() || w.size() > 64) {
            throw InvalidInput(fmt::format("{}[{}]", field, i),
                               fmt::format("'{}' must be 1 to 64 characters", w));
        }
    }
}

/// Characters, not bytes: "Zoë" is three.
std::size_t characters(std::string_view s) {
    std::size_t n = 0;
    for (char ch : s) {
        if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) {
            ++n;
        }
    }
    return n;
}

/// A name: not empty nor only spaces, one line of at most 1000 characters.
void required_name(const std::string& name) {
    if (name.find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
        throw InvalidInput("name", "is required");
    }
    validate_text(name, "name");
    if (characters(name) > 1000) {
        throw InvalidInput("name", "must be at most 1000 characters");
    }
}

/// The short name of a control character people may recognise, else "".
std::string_view control_name(unsigned c) {
    switch (c) {
    case 0x00:
        return ", NUL";
    case 0x09:
        return ", tab";
    case 0x0A:
        return ", line feed";
    case 0x0D:
        return ", carriage return";
    case 0x1B:
        return ", escape";
    case 0x7F:
        return ", delete";
    default:
        return "";
    }
}

/// The code point of the control character at text[i] (validate_text's set, tab and new line
/// included) and its length in bytes, or 0 bytes when there is none there.
std::pair<unsigned, std::size_t> control_at(std::string_view text, std::size_t i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20U || c == 0x7FU) {
        return {c, 1};
    }
    // C1 controls are U+0080-U+009F: C2 80 to C2 9F in UTF-8.
    if (c == 0xC2U && i + 1 < text.size()) {
        auto next = static_cast<unsigned char>(text[i + 1]);
        if (next >= 0x80U && next <= 0x9FU) {
            return {next, 2};
        }
    }
    return {0, 0};
}

} // namespace

std::string to_string(SiteKind k) {
    switch (k) {
    case SiteKind::care_home:
        return "care_home";
    case SiteKind::hospital:
        return "hospital";
    case SiteKind::hospice:
        return "hospice";
    case SiteKind::ld_unit:
        return "ld_unit";
    }
    return "care_home";
}

SiteKind parse_site_kind(std::string_view text, std::string_view field) {
    for (auto k : {SiteKind::care_home, SiteKind::hospital, SiteKind::hospice, SiteKind::ld_unit}) {
        if (text == to_string(k)) {
            return k;
        }
    }
    throw InvalidInput(std::string(field),
                       fmt::format("'{}' is not a site kind (expected care_home, hospital, "
                                   "hospice or ld_unit)",
                                   text));
}

std::string to_string(ConsentStatus s) {
    switch (s) {
    case ConsentStatus::none:
        return "none";
    case ConsentStatus::given:
        return "given";
    case ConsentStatus::best_interest:
        return "best_interest";
    case ConsentStatus::refused:
        return "refused";
    }
    return "none";
}

ConsentStatus parse_consent_status(std::string_view text, std::string_view field) {
    for (auto s : {ConsentStatus::none, ConsentStatus::given, ConsentStatus::best_interest,
                   ConsentStatus::refused}) {
        if (text == to_string(s)) {
            return s;
        }
    }
    throw InvalidInput(std::string(field),
                       fmt::format("'{}' is not a consent status (expected given, "
                                   "best_interest, refused or none)",
                                   text));
}

std::string to_string(BookingStatus s) {
    switch (s) {
    case BookingStatus::booked:
        return "booked";
    case BookingStatus::completed:
        return "completed";
    case BookingStatus::missed:
        return "missed";
    case BookingStatus::cancelled:
        return "cancelled";
    case BookingStatus::waitlisted:
        return "waitlisted";
    }
    return "booked";
}

BookingStatus parse_booking_status(std::string_view text, std::string_view field) {
    for (auto s : {BookingStatus::booked, BookingStatus::completed, BookingStatus::missed,
                   BookingStatus::cancelled, BookingStatus::waitlisted}) {
        if (text == to_string(s)) {
            return s;
        }
    }
    throw InvalidInput(std::string(field),
                       fmt::format("'{}' is not a booking status (expected booked, completed, "
                                   "missed, cancelled or waitlisted)",
                                   text));
}

namespace {

/// An enumeration's names, one entry per value: the one place each is spelled.
template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<BookingSource, 4> k_source_names{{{BookingSource::manual, "manual"},
                                                  {BookingSource::scheduled, "scheduled"},
                                                  {BookingSource::imported, "imported"},
                                                  {BookingSource::repaired, "repaired"}}};

/// The first two are not a missed call's; the rest are k_missed_outcomes.
constexpr Names<CallOutcome, 6> k_outcome_names{{{CallOutcome::none, ""},
                                                 {CallOutcome::completed, "completed"},
                                                 {CallOutcome::no_answer, "no_answer"},
                                                 {CallOutcome::declined, "declined"},
                                                 {CallOutcome::unwell, "unwell"},
                                                 {CallOutcome::technical, "technical"}}};
constexpr std::size_t k_first_missed = 2;
static_assert(
    [] {
        for (std::size_t i = 0; i < std::size(k_missed_outcomes); ++i) {
            if (k_missed_outcomes[i] != k_outcome_names[k_first_missed + i].first) {
                return false;
            }
        }
        return k_first_missed + std::size(k_missed_outcomes) == k_outcome_names.size();
    }(),
    "k_missed_outcomes (model.hpp) are the outcome names after none and completed");

template <class E, std::size_t N>
std::string name_in(const Names<E, N>& names, E value) {
    for (const auto& [e, name] : names) {
        if (e == value) {
            return std::string(name);
        }
    }
    return {};
}

/// The value named `text` among names[first…], else InvalidInput "'x' is not WHAT (expected a,
/// b or c)".
template <class E, std::size_t N>
E parse_in(const Names<E, N>& names, std::string_view text, std::string_view field,
           std::string_view what, std::size_t first = 0) {
    std::string expected;
    for (std::size_t i = first; i < N; ++i) {
        if (text == names[i].second) {
            return names[i].first;
        }
        expected += (i == first ? "" : i + 1 == N ? " or " : ", ") + std::string(names[i].second);
    }
    throw InvalidInput(std::string(field),
                       fmt::format("'{}' is not {} (expected {})", text, what, expected));
}

} // namespace

std::string to_string(BookingSource s) {
    return name_in(k_source_names, s);
}

BookingSource parse_booking_source(std::string_view text, std::string_view field) {
    return parse_in(k_source_names, text, field, "a booking source");
}

std::string to_string(CallOutcome o) {
    return name_in(k_outcome_names, o);
}

CallOutcome parse_call_outcome(std::string_view text, std::string_view field) {
    for (std::size_t i = 0; i < k_first_missed; ++i) {
        if (text == k_outcome_names[i].second) {
            return k_outcome_names[i].first;
        }
    }
    return parse_missed_outcome(text, field);
}

CallOutcome parse_missed_outcome(std::string_view text, std::string_view field) {
    return parse_in(k_outcome_names, text, field, "an outcome", k_first_missed);
}

std::string priority_name(int p) {
    switch (p) {
    case priority::routine:
        return "routine";
    case priority::clinical:
        return "clinical";
    case priority::end_of_life:
        return "end_of_life";
    default:
        return fmt::format("priority-{}", p);
    }
}

int parse_priority(std::string_view text, std::string_view field) {
    if (text == "routine") {
        return priority::routine;
    }
    if (text == "clinical") {
        return priority::clinical;
    }
    if (text == "end_of_life") {
        return priority::end_of_life;
    }
    bool digits = !text.empty() && text.size() < 6;
    for (char c : text) {
        digits = digits && c >= '0' && c <= '9';
    }
    if (digits && std::stoi(std::string(text)) >= 1) {
        return std::stoi(std::string(text));
    }
    throw InvalidInput(std::string(field),
                       fmt::format("'{}' is not a priority (expected routine, clinical, "
                                   "end_of_life or a whole number from 1)",
                                   text));
}

std::uint8_t weekday_mask(const std::vector<int>& days, std::string_view field) {
    std::uint8_t mask = 0;
    for (std::size_t i = 0; i < days.size(); ++i) {
        if (days[i] < 0 || days[i] > 6) {
            throw InvalidInput(
                fmt::format("{}[{}]", field, i),
                fmt::format("{} is not a weekday (0 = Monday … 6 = Sunday)", days[i]));
        }
        mask = static_cast<std::uint8_t>(mask | (1U << static_cast<unsigned>(days[i])));
    }
    return mask;
}

std::vector<int> weekday_list(std::uint8_t mask) {
    std::vector<int> out;
    for (unsigned d = 0; d < 7; ++d) {
        if (((static_cast<unsigned>(mask) >> d) & 1U) != 0) {
            out.push_back(static_cast<int>(d));
        }
    }
    return out;
}

WeeklyWindow parse_window(std::string_view text, std::string_view field) {
    auto bad = [&](std::string_view why) {
        return InvalidInput(std::string(field), fmt::format("'{}' {}", text, why));
    };
    // split on spaces
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ') {
            ++j;
        }
        if (j > i) {
            parts.push_back(text.substr(i, j - i));
        }
        i = j;
    }
    if (parts.size() < 2) {
        throw bad("is not a weekly window (expected DAYS HH:MM-HH:MM [LABEL], e.g. "
                  "mon-fri 09:00-17:00)");
    }
    WeeklyWindow w;
    auto days = ascii_lower(parts[0]);
    if (days == "daily" || days == "every" || days == "all") {
        w.weekdays = 0x7F;
    } else if (days == "weekdays") {
        w.weekdays = 0x1F;
    } else if (days == "weekends") {
        w.weekdays = 0x60;
    } else {
        std::size_t p = 0;
        while (p <= days.size()) {
            auto comma = days.find(',', p);
            auto item = std::string_view(days).substr(
                p, comma == std::string::npos ? std::string::npos : comma - p);
            auto dash = item.find('-');
            int a = weekday_of_word(item.substr(0, dash));
            int b = dash == std::string_view::npos ? a : weekday_of_word(item.substr(dash + 1));
            if (a < 0 || b < 0) {
                throw bad(fmt::format("has '{}', not a day (expected mon … sun, daily, "
                                      "weekdays or weekends)",
                                      item));
            }
            for (int d = a;; d = (d + 1) % 7) {
                w.weekdays =
                    static_cast<std::uint8_t>(w.weekdays | (1U << static_cast<unsigned>(d)));
                if (d == b) {
                    break;
                }
            }
            if (comma == std::string::npos) {
                break;
            }
            p = comma + 1;
        }
    }
    auto times = parts[1];
    auto dash = times.find('-');
    if (dash == std::string_view::npos) {
        throw bad("needs a time range HH:MM-HH:MM");
    }
    w.start = parse_clock(times.substr(0, dash), field, false);
    w.end = parse_clock(times.substr(dash + 1), field, true);
    for (std::size_t k = 2; k < parts.size(); ++k) {
        if (!w.label.empty()) {
            w.label += ' ';
        }
        w.label += std::string(parts[k]);
    }
    validate(w, field);
    return w;
}

std::string format_window(const WeeklyWindow& w) {
    std::string days;
    if (w.weekdays == 0x7F) {
        days = "daily";
    } else {
        int d = 0;
        while (d < 7) {
            if (!w.on(d)) {
                ++d;
                continue;
            }
            int e = d;
            while (e + 1 < 7 && w.on(e + 1)) {
                ++e;
            }
            if (!days.empty()) {
                days += ',';
            }
            days += std::string(k_day_names[static_cast<std::size_t>(d)]);
            if (e > d) {
                days += e == d + 1 ? "," : "-";
                days += std::string(k_day_names[static_cast<std::size_t>(e)]);
            }
            d = e + 1;
        }
    }
    auto out = fmt::format("{} {}-{}", days, format_clock(w.start), format_clock(w.end));
    if (!w.label.empty()) {
        out += " " + w.label;
    }
    return out;
}

void validate_text(std::string_view text, std::string_view field, TextLines lines) {
    std::size_t character = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) {
            ++character;
        }
        auto [c, length] = control_at(text, i);
        if (length == 0 || (lines == TextLines::many && (c == '\t' || c == '\n'))) {
            continue;
        }
        throw InvalidInput(
            std::string(field),
            fmt::format("holds a control character (U+{:04X}{}) at character {}: {}", c,
                        control_name(c), character,
                        lines == TextLines::one
                            ? "write it on one line of printable text"
                            : "only printable text, tabs and line breaks are allowed"));
    }
}

std::string visible_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto [c, length] = control_at(text, i);
        if (length == 0) {
            out += text[i];
            continue;
        }
        out += fmt::format("\\u{:04x}", c);
        i += length - 1;
    }
    return out;
}

void validate_code(std::string_view code, std::string_view field) {
    validate_text(code, field);
    if (code.empty() || code.size() > 32) {
        throw InvalidInput(std::string(field),
                           fmt::format("'{}' must be 1 to 32 characters", code));
    }
    bool digits_only = true;
    for (char c : code) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) {
            throw InvalidInput(
                std::string(field),
                fmt::format("'{}' may hold only letters, digits, '-', '_' and '.'", code));
        }
        digits_only = digits_only && c >= '0' && c <= '9';
    }
    if (digits_only) {
        throw InvalidInput(
            std::string(field),
            fmt::format("'{}' must not be all digits (numbers are record ids)", code));
    }
}

bool same_code(std::string_view a, std::string_view b) {
    return a.size() == b.size() && code_key(a) == code_key(b);
}

std::string code_key(std::string_view code) {
    return ascii_lower(code);
}

void validate(const WeeklyWindow& w, std::string_view field) {
    validate_text(w.label, sub(field, "label"));
    if (w.weekdays == 0 || w.weekdays > 0x7F) {
        throw InvalidInput(sub(field, "weekdays"), "needs at least one weekday (0-6)");
    }
    if (w.start < 0 || w.start >= 1440) {
        throw InvalidInput(sub(field, "start"), fmt::format("{} is not a time of day", w.start));
    }
    if (w.end <= 0 || w.end > 1440) {
        throw InvalidInput(sub(field, "end"), fmt::format("{} is not a time of day", w.end));
    }
    if (w.end <= w.start) {
        throw InvalidInput(std::string(field),
                           fmt::format("end {} is not after start {}", format_clock(w.end),
                                       format_clock(w.start)));
    }
}

void validate(const Site& s) {
    validate_code(s.code);
    required_name(s.name);
    find_zone(s.tz, "tz");
}

void validate(const Ward& w) {
    validate_code(w.code);
    required_name(w.name);
    check_windows(w.calling_hours, "calling_hours");
    for (std::size_t i = 0; i < w.closures.size(); ++i) {
        const auto& c = w.closures[i];
        validate_text(c.reason, fmt::format("closures[{}].reason", i));
        if (!c.first.ok() || !c.last.ok() || date::sys_days{c.last} < date::sys_days{c.first}) {
            throw InvalidInput(fmt::format("closures[{}]", i),
                               fmt::format("last day {} is before first day {}",
                                           format_date(c.last), format_date(c.first)));
        }
    }
}

void validate(const Resident& r) {
    validate_code(r.code);
    required_name(r.name);
    validate_text(r.room, "room");
    validate_text(r.consent.by, "consent.by");
    if (r.admitted && r.discharged && date::sys_days{*r.discharged} < date::sys_days{*r.admitted}) {
        throw InvalidInput("discharged",
                           fmt::format("{} is before admission on {}", format_date(*r.discharged),
                                       format_date(*r.admitted)));
    }
    check_words(r.competences, "competences");
    positive_opt(r.max_call_minutes, "max_call_minutes");
    positive_opt(r.max_calls_per_day, "max_calls_per_day");
    check_windows(r.care_blocks, "care_blocks");
    check_periods(r.one_off_blocks, "one_off_blocks");
    if (r.consent.review && r.consent.recorded &&
        date::sys_days{*r.consent.review} < date::sys_days{*r.consent.recorded}) {
        throw InvalidInput("consent.review",
                           fmt::format("{} is before the consent was recorded on {}",
                                       format_date(*r.consent.review),
                                       format_date(*r.consent.recorded)));
    }
}

void validate(const Contact& c) {
    validate_code(c.code);
    required_name(c.name);
    validate_text(c.relationship, "relationship");
    validate_text(c.reach, "reach", TextLines::many);
    find_zone(c.tz, "tz");
    check_windows(c.availability, "availability");
    check_periods(c.absences, "absences");
}

void validate(const Approval& a) {
    if (!a.resident.valid()) {
        throw InvalidInput("resident", "is required");
    }
    if (!a.contact.valid()) {
        throw InvalidInput("contact", "is required");
    }
    validate_text(a.restrictions, "restrictions", TextLines::many);
}

void validate(const Device& d) {
    validate_code(d.code);
    required_name(d.name);
    validate_text(d.kind, "kind");
    if (d.kind.empty() || d.kind.size() > 32) {
        throw InvalidInput("kind", fmt::format("'{}' must be 1 to 32 characters", d.kind));
    }
    if (d.cleaning_minutes < 0 || d.cleaning_minutes > 24 * 60) {
        throw InvalidInput(
            "cleaning_minutes",
            fmt::format("{} must be a whole number of minutes from 0 to 1440", d.cleaning_minutes));
    }
    if (d.move_minutes < 0 || d.move_minutes > 24 * 60) {
        throw InvalidInput(
            "move_minutes",
            fmt::format("{} must be a whole number of minutes from 0 to 1440", d.move_minutes));
    }
    for (std::size_t i = 0; i < d.wards.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (d.wards[i] == d.wards[j]) {
                throw InvalidInput(fmt::format("wards[{}]", i), "names a ward twice");
            }
        }
    }
    check_words(d.capabilities, "capabilities");
    check_periods(d.out_of_service, "out_of_service");
}

void validate(const Staff& s) {
    validate_code(s.code);
    required_name(s.name);
    check_words(s.competences, "competences");
    check_periods(s.shifts, "shifts");
    check_windows(s.weekly_shifts, "weekly_shifts");
}

void validate(const CallRequest& q) {
    validate_code(q.code);
    if (!q.resident.valid()) {
        throw InvalidInput("resident", "is required");
    }
    if (q.contacts.empty()) {
        throw InvalidInput("contacts", "at least one contact is required");
    }
    if (q.calls <= 0) {
        throw InvalidInput("calls", fmt::format("{} must be a positive whole number", q.calls));
    }
    if (q.duration_minutes <= 0) {
        throw InvalidInput("duration_minutes",
                           fmt::format("{} must be a positive whole number", q.duration_minutes));
    }
    if (q.duration_minutes > 24 * 60) {
        throw InvalidInput(
            "duration_minutes",
            fmt::format("{} is longer than a day (at most 1440 minutes)", q.duration_minutes));
    }
    if (q.priority < 1) {
        throw InvalidInput("priority", fmt::format("{} must be a whole number from 1", q.priority));
    }
    positive_opt(q.max_per_day, "max_per_day");
    check_windows(q.preferred, "preferred");
    if (q.fixed) {
        if (q.fixed->weekday < 0 || q.fixed->weekday > 6) {
            throw InvalidInput(
                "fixed.weekday",
                fmt::format("{} is not a weekday (0 = Monday … 6 = Sunday)", q.fixed->weekday));
        }
        if (q.fixed->start < 0 || q.fixed->start + q.duration_minutes > 1440) {
            throw InvalidInput("fixed.start",
                               fmt::format("{} plus the call's {} minutes does not "
                                           "fit in the day",
                                           format_clock(q.fixed->start), q.duration_minutes));
        }
    }
}

void validate(const Booking& b) {
    if (!b.resident.valid()) {
        throw InvalidInput("resident", "is required");
    }
    if (b.contacts.empty()) {
        throw InvalidInput("contacts", "at least one contact is required");
    }
    if (!b.device.valid()) {
        throw InvalidInput("device", "is required");
    }
    if (b.end <= b.start) {
        throw InvalidInput(
            "end", fmt::format("{} is not after start {}", format_utc(b.end), format_utc(b.start)));
    }
    if (b.end - b.start > std::chrono::hours{24}) {
        throw InvalidInput("end", fmt::format("{} is more than a day after start {}",
                                              format_utc(b.end), format_utc(b.start)));
    }
    if (b.priority < 1) {
        throw InvalidInput("priority", fmt::format("{} must be a whole number from 1", b.priority));
    }
    validate_text(b.reason, "reason", TextLines::many);
    validate_text(b.series, "series");
}

} // namespace carecall
