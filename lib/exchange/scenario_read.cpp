// Reading "carecall-scenario/1" (docs/scenario-format.md). Every error names the JSON path of
// the bad value. Helpers from time/ and model/ are given the full path as their field name, so
// their messages need no rewriting; errors of validate(record) name a field of the record and
// get the record's path put in front.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "exchange/json_detail.hpp"
#include "exchange/json_lines.hpp"

namespace carecall {
namespace {

using json = nlohmann::json;
using exchange_detail::at;

constexpr std::string_view k_format = "carecall-scenario/1";

[[noreturn]] void fail(const std::string& field, std::string reason) {
    throw InvalidInput(field, std::move(reason));
}

/// A member, or nullptr when it is absent or null (null counts as absent).
const json* member(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

const json& required(const json& obj, const std::string& path, const char* key) {
    const json* v = member(obj, key);
    if (v == nullptr) {
        fail(at(path, key), "is required");
    }
    return *v;
}

const json& as_object(const json& v, const std::string& field) {
    if (!v.is_object()) {
        fail(field, "must be an object");
    }
    return v;
}

const json& as_list(const json& v, const std::string& field) {
    if (!v.is_array()) {
        fail(field, "must be a list");
    }
    return v;
}

std::string as_string(const json& v, const std::string& field) {
    if (!v.is_string()) {
        fail(field, "must be a string");
    }
    return v.get<std::string>();
}

bool as_bool(const json& v, const std::string& field) {
    if (!v.is_boolean()) {
        fail(field, "must be true or false");
    }
    return v.get<bool>();
}

std::int64_t as_int64(const json& v, const std::string& field) {
    if (v.is_number_unsigned()) {
        if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
            fail(field, "is too large");
        }
        return static_cast<std::int64_t>(v.get<std::uint64_t>());
    }
    if (!v.is_number_integer()) {
        fail(field, "must be a whole number");
    }
    return v.get<std::int64_t>();
}

/// A whole number in [min, max]; the messages say what is expected.
int as_int(const json& v, const std::string& field, int min, int max = INT_MAX) {
    auto n = as_int64(v, field);
    if (n < min) {
        if (min == 1) {
            fail(field, "must be a positive whole number");
        }
        if (min == 0) {
            fail(field, "must not be negative");
        }
        fail(field, fmt::format("must be at least {}", min));
    }
    if (n > max) {
        fail(field, fmt::format("must be at most {}", max));
    }
    return static_cast<int>(n);
}

std::string opt_string(const json& obj, const std::string& path, const char* key) {
    const json* v = member(obj, key);
    return v == nullptr ? std::string() : as_string(*v, at(path, key));
}

/// A record's "name": when the key is absent, the record's id names it (a name is required,
/// and validate() refuses an empty one).
std::string record_name(const json& obj, const std::string& path, const std::string& code) {
    return member(obj, "name") == nullptr ? code : opt_string(obj, path, "name");
}

std::vector<std::string> opt_strings(const json& obj, const std::string& path, const char* key) {
    std::vector<std::string> out;
    const json* v = member(obj, key);
    if (v == nullptr) {
        return out;
    }
    auto field = at(path, key);
    as_list(*v, field);
    for (std::size_t i = 0; i < v->size(); ++i) {
        out.push_back(as_string((*v)[i], at(field, i)));
    }
    return out;
}

std::optional<int> opt_int(const json& obj, const std::string& path, const char* key, int min,
                           int max = INT_MAX) {
    const json* v = member(obj, key);
    if (v == nullptr) {
        return std::nullopt;
    }
    return as_int(*v, at(path, key), min, max);
}

std::optional<Date> opt_date(const json& obj, const std::string& path, const char* key) {
    const json* v = member(obj, key);
    if (v == nullptr) {
        return std::nullopt;
    }
    auto field = at(path, key);
    return parse_date(as_string(*v, field), field);
}

/// Runs validate(record) and puts the record's path in front of the field it names. The model
/// calls the code "code"; the scenario calls it "id".
template <class T>
void check_record(const T& record, const std::string& path) {
    try {
        validate(record);
    } catch (const InvalidInput& e) {
        std::string field = e.field();
        if (field == "code" || field.starts_with("code.") || field.starts_with("code[")) {
            field.replace(0, 4, "id");
        }
        throw InvalidInput(field.empty() ? path : at(path, field), e.reason());
    }
}

WeeklyWindow read_window(const json& v, const std::string& path) {
    as_object(v, path);
    WeeklyWindow w;
    auto days_field = at(path, "weekdays");
    const json& days_json = as_list(required(v, path, "weekdays"), days_field);
    if (days_json.empty()) {
        fail(days_field, "must list at least one weekday (0 = Monday … 6 = Sunday)");
    }
    std::vector<int> days;
    for (std::size_t i = 0; i < days_json.size(); ++i) {
        auto field = at(days_field, i);
        auto day = as_int64(days_json[i], field);
        if (day < 0 || day > 6) {
            fail(field, fmt::format("{} is not a weekday (0 = Monday … 6 = Sunday)", day));
        }
        days.push_back(static_cast<int>(day));
    }
    w.weekdays = weekday_mask(days, days_field);
    auto start_field = at(path, "start");
    auto end_field = at(path, "end");
    auto start_text = as_string(required(v, path, "start"), start_field);
    auto end_text = as_string(required(v, path, "end"), end_field);
    w.start = parse_clock(start_text, start_field, false);
    w.end = parse_clock(end_text, end_field, true);
    if (w.end <= w.start) {
        fail(path, fmt::format("end {} is not after start {}", end_text, start_text));
    }
    w.label = opt_string(v, path, "label");
    validate(w, path);
    return w;
}

std::vector<WeeklyWindow> read_windows(const json& obj, const std::string& path, const char* key,
                                       bool must) {
    std::vector<WeeklyWindow> out;
    const json* v = must ? &required(obj, path, key) : member(obj, key);
    if (v == nullptr) {
        return out;
    }
    auto field = at(path, key);
    as_list(*v, field);
    for (std::size_t i = 0; i < v->size(); ++i) {
        out.push_back(read_window((*v)[i], at(field, i)));
    }
    return out;
}

/// One-off periods {start, end, label} as local date-times of `zone`.
std::vector<Period> read_periods(const json& obj, const std::string& path, const char* key,
                                 const date::time_zone* zone) {
    std::vector<Period> out;
    const json* v = member(obj, key);
    if (v == nullptr) {
        return out;
    }
    auto list_field = at(path, key);
    as_list(*v, list_field);
    for (std::size_t i = 0; i < v->size(); ++i) {
        auto p_path = at(list_field, i);
        const json& p = as_object((*v)[i], p_path);
        auto start_field = at(p_path, "start");
        auto end_field = at(p_path, "end");
        auto start_text = as_string(required(p, p_path, "start"), start_field);
        auto end_text = as_string(required(p, p_path, "end"), end_field);
        Period period;
        period.start = exchange_detail::read_local_text(start_text, zone, start_field, false);
        period.end = exchange_detail::read_local_text(end_text, zone, end_field, true);
        if (period.end <= period.start) {
            fail(p_path, fmt::format("end {} is not after start {}", end_text, start_text));
        }
        period.label = opt_string(p, p_path, "label");
        out.push_back(std::move(period));
    }
    return out;
}

std::vector<DateRange> read_closures(const json& obj, const std::string& path) {
    std::vector<DateRange> out;
    const json* v = member(obj, "closures");
    if (v == nullptr) {
        return out;
    }
    auto list_field = at(path, "closures");
    as_list(*v, list_field);
    for (std::size_t i = 0; i < v->size(); ++i) {
        auto c_path = at(list_field, i);
        const json& c = as_object((*v)[i], c_path);
        auto first_field = at(c_path, "first");
        auto last_field = at(c_path, "last");
        auto first_text = as_string(required(c, c_path, "first"), first_field);
        auto last_text = as_string(required(c, c_path, "last"), last_field);
        DateRange r{parse_date(first_text, first_field), parse_date(last_text, last_field),
                    opt_string(c, c_path, "reason")};
        if (date::sys_days{r.last} < date::sys_days{r.first}) {
            fail(c_path, fmt::format("last {} is before first {}", last_text, first_text));
        }
        out.push_back(std::move(r));
    }
    return out;
}

/// A resident's consent as written; absent, it reads as given (the format's default) and the
/// resident is listed in Scenario::consent_unsaid by the caller.
Consent read_consent(const json& obj, const std::string& path) {
    const json* v = member(obj, "consent");
    Consent c;
    if (v == nullptr) {
        c.status = ConsentStatus::given;
        return c;
    }
    auto field = at(path, "consent");
    if (v->is_string()) {
        c.status = parse_consent_status(v->get<std::string>(), field);
        return c;
    }
    if (!v->is_object()) {
        fail(field, "must be a string (given, best_interest, refused, none) or an object");
    }
    auto status_field = at(field, "status");
    c.status =
        parse_consent_status(as_string(required(*v, field, "status"), status_field), status_field);
    c.by = opt_string(*v, field, "by");
    c.recorded = opt_date(*v, field, "recorded");
    c.review = opt_date(*v, field, "review");
    return c;
}

/// Codes of one kind of record: position (1-based) by code, and the zone of each. Codes are the
/// same whatever their case: ids and references are matched by code_key.
struct Index {
    const char* kind; ///< "site", "ward"… for messages
    std::unordered_map<std::string, std::int64_t> by_code;
    std::vector<std::string> codes; ///< as spelled, by position - 1

    /// Registers the id of record `path`; a second use of the same code is an error.
    void add(const std::string& code, const std::string& path) {
        validate_code(code, at(path, "id"));
        auto [it, fresh] =
            by_code.emplace(code_key(code), static_cast<std::int64_t>(by_code.size()) + 1);
        if (!fresh) {
            const auto& other = codes.at(static_cast<std::size_t>(it->second - 1));
            fail(at(path, "id"),
                 other == code ? fmt::format("duplicate id '{}'", code)
                               : fmt::format("duplicate id '{}' (the same as '{}': codes are the "
                                             "same whatever their case)",
                                             code, other));
        }
        codes.push_back(code);
    }

    /// The position of the record a reference names.
    std::int64_t resolve(const json& v, const std::string& field) const {
        auto code = as_string(v, field);
        auto it = by_code.find(code_key(code));
        if (it == by_code.end()) {
            fail(field, fmt::format("unknown {} '{}'", kind, code));
        }
        return it->second;
    }
};

std::string read_id(const json& obj, const std::string& path, Index& index) {
    auto code = as_string(required(obj, path, "id"), at(path, "id"));
    index.add(code, path);
    return code;
}

/// The top-level list `key`: required unless `optional_list`.
const json& top_list(const json& root, const char* key, bool optional_list = false) {
    static const json empty = json::array();
    const json* v = member(root, key);
    if (v == nullptr) {
        if (optional_list) {
            return empty;
        }
        fail(key, "is required");
    }
    return as_list(*v, key);
}

json parse_json(std::string_view text) {
    try {
        return exchange_detail::parse_json_document(text, {});
    } catch (const json::parse_error& e) {
        // nlohmann's text: "[json.exception.parse_error.101] parse error at line 3, column 5:
        // syntax error while parsing …"; keep the position as the field and the rest as reason.
        std::string what = e.what();
        auto at_pos = what.find("parse error at ");
        if (at_pos != std::string::npos) {
            auto rest = what.substr(at_pos + 15);
            auto colon = rest.find(": ");
            if (colon != std::string::npos) {
                fail(rest.substr(0, colon), "not valid JSON: " + rest.substr(colon + 2));
            }
        }
        fail(fmt::format("byte {}", e.byte), "not valid JSON: " + what);
    } catch (const json::exception& e) {
        fail("number",
             std::string("not valid JSON: a number too large to hold (") + e.what() + ")");
    }
}

class Reader {
public:
    explicit Reader(const json& root) : m_root(root) {}

    Scenario read() {
        read_header();
        read_sites();
        read_wards();
        read_residents();
        read_contacts();
        read_devices();
        read_staff();
        read_requests();
        read_approvals();
        return std::move(m_s);
    }

private:
    const json& m_root;
    Scenario m_s;
    Index m_sites{"site", {}, {}};
    Index m_wards{"ward", {}, {}};
    Index m_residents{"resident", {}, {}};
    Index m_contacts{"contact", {}, {}};
    Index m_devices{"device", {}, {}};
    Index m_staff{"staff member", {}, {}};
    Index m_requests{"request", {}, {}};
    std::vector<const date::time_zone*> m_site_zones;

    const date::time_zone* ward_zone(WardId w) const {
        return m_site_zones[static_cast<std::size_t>(
            m_s.wards[static_cast<std::size_t>(w.value - 1)].site.value - 1)];
    }

    void read_header() {
        const json* format = member(m_root, "format");
        if (format == nullptr) {
            fail("format", fmt::format("is required (\"{}\")", k_format));
        }
        auto tag = as_string(*format, "format");
        if (tag != k_format) {
            fail("format", fmt::format("unsupported format '{}' (expected '{}')", tag, k_format));
        }
        if (const json* seed = member(m_root, "seed")) {
            m_s.seed = as_int64(*seed, "seed");
        }
        const json& h = as_object(required(m_root, "", "horizon"), "horizon");
        auto start_text = as_string(required(h, "horizon", "start_date"), "horizon.start_date");
        m_s.horizon.start = parse_date(start_text, "horizon.start_date");
        m_s.horizon.days = as_int(required(h, "horizon", "days"), "horizon.days", 1, 366);
        (void)last_of_days(m_s.horizon.start, m_s.horizon.days, "horizon.days");
        m_s.horizon.slot_minutes = opt_int(h, "horizon", "slot_minutes", 1, 1440).value_or(15);
    }

    void read_sites() {
        const json& list = top_list(m_root, "sites");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("sites", i);
            const json& v = as_object(list[i], path);
            Site r;
            auto& [id, code, name, kind, tz] = r; // every field: a new one stops this compiling
            id = SiteId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_sites);
            name = record_name(v, path, code);
            if (const json* k = member(v, "kind")) {
                kind = parse_site_kind(as_string(*k, at(path, "kind")), at(path, "kind"));
            }
            auto tz_field = at(path, "tz");
            tz = as_string(required(v, path, "tz"), tz_field);
            m_site_zones.push_back(find_zone(tz, tz_field));
            check_record(r, path);
            m_s.sites.push_back(std::move(r));
        }
    }

    void read_wards() {
        const json& list = top_list(m_root, "wards");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("wards", i);
            const json& v = as_object(list[i], path);
            Ward r;
            auto& [id, code, name, site, calling_hours, closures] =
                r; // every field: a new one stops this compiling
            id = WardId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_wards);
            name = record_name(v, path, code);
            site = SiteId(m_sites.resolve(required(v, path, "site"), at(path, "site")));
            calling_hours = read_windows(v, path, "calling_hours", true);
            closures = read_closures(v, path);
            check_record(r, path);
            m_s.wards.push_back(std::move(r));
        }
    }

    void read_residents() {
        const json& list = top_list(m_root, "residents");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("residents", i);
            const json& v = as_object(list[i], path);
            Resident r;
            auto& [id, code, name, ward, room, admitted, discharged, needs_assistance, competences,
                   max_call_minutes, max_calls_per_day, care_blocks, one_off_blocks, consent] =
                r; // every field: a new one stops this compiling
            id = ResidentId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_residents);
            name = record_name(v, path, code);
            ward = WardId(m_wards.resolve(required(v, path, "ward"), at(path, "ward")));
            room = opt_string(v, path, "room");
            admitted = opt_date(v, path, "admitted");
            discharged = opt_date(v, path, "discharged");
            if (const json* na = member(v, "needs_assistance")) {
                needs_assistance = as_bool(*na, at(path, "needs_assistance"));
            }
            competences = opt_strings(v, path, "competences");
            max_call_minutes = opt_int(v, path, "max_call_minutes", 1, 1440);
            max_calls_per_day = opt_int(v, path, "max_calls_per_day", 1);
            care_blocks = read_windows(v, path, "care_blocks", false);
            one_off_blocks = read_periods(v, path, "one_off_blocks", ward_zone(ward));
            consent = read_consent(v, path);
            if (member(v, "consent") == nullptr) {
                m_s.consent_unsaid.push_back(id);
            }
            check_record(r, path);
            m_s.residents.push_back(std::move(r));
        }
    }

    void read_contacts() {
        const json& list = top_list(m_root, "contacts");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("contacts", i);
            const json& v = as_object(list[i], path);
            Contact r;
            auto& [id, code, name, relationship, tz, availability, absences, reach] =
                r; // every field: a new one stops this compiling
            id = ContactId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_contacts);
            name = record_name(v, path, code);
            relationship = opt_string(v, path, "relationship");
            auto tz_field = at(path, "tz");
            tz = as_string(required(v, path, "tz"), tz_field);
            const auto* zone = find_zone(tz, tz_field);
            availability = read_windows(v, path, "availability", true);
            absences = read_periods(v, path, "absences", zone);
            reach = opt_string(v, path, "reach");
            check_record(r, path);
            m_s.contacts.push_back(std::move(r));
        }
    }

    void read_devices() {
        const json& list = top_list(m_root, "devices");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("devices", i);
            const json& v = as_object(list[i], path);
            Device r;
            auto& [id, code, name, kind, site, wards, cleaning_minutes, move_minutes, capabilities,
                   out_of_service] = r; // every field: a new one stops this compiling
            id = DeviceId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_devices);
            name = record_name(v, path, code);
            if (const json* k = member(v, "kind")) {
                kind = as_string(*k, at(path, "kind"));
            }
            site = SiteId(m_sites.resolve(required(v, path, "site"), at(path, "site")));
            auto wards_field = at(path, "wards");
            const json& listed = as_list(required(v, path, "wards"), wards_field);
            if (listed.empty()) {
                fail(wards_field, "must list at least one ward");
            }
            for (std::size_t k = 0; k < listed.size(); ++k) {
                auto field = at(wards_field, k);
                WardId w(m_wards.resolve(listed[k], field));
                const auto& ward = m_s.wards[static_cast<std::size_t>(w.value - 1)];
                if (ward.site != site) {
                    fail(field,
                         fmt::format("ward '{}' is not on site '{}'", ward.code,
                                     m_s.sites[static_cast<std::size_t>(site.value - 1)].code));
                }
                if (std::find(wards.begin(), wards.end(), w) != wards.end()) {
                    fail(field, fmt::format("ward '{}' is listed twice", ward.code));
                }
                wards.push_back(w);
            }
            cleaning_minutes = as_int(required(v, path, "cleaning_minutes"),
                                      at(path, "cleaning_minutes"), 0, 1440);
            move_minutes =
                as_int(required(v, path, "move_minutes"), at(path, "move_minutes"), 0, 1440);
            capabilities = opt_strings(v, path, "capabilities");
            out_of_service = read_periods(v, path, "out_of_service",
                                          m_site_zones[static_cast<std::size_t>(site.value - 1)]);
            check_record(r, path);
            m_s.devices.push_back(std::move(r));
        }
    }

    /// "ward" (one) and "wards" (a list) together name the wards, the first being "ward".
    std::vector<WardId> read_staff_wards(const json& v, const std::string& path) {
        std::vector<WardId> out;
        std::optional<WardId> single;
        auto add = [&](const json& ref, const std::string& field) {
            WardId w(m_wards.resolve(ref, field));
            const auto& ward = m_s.wards[static_cast<std::size_t>(w.value - 1)];
            if (!out.empty()) {
                const auto& first = m_s.wards[static_cast<std::size_t>(out.front().value - 1)];
                if (first.site != ward.site) {
                    fail(field, fmt::format("ward '{}' is on another site than ward '{}' (shifts "
                                            "are read in one site's time zone)",
                                            ward.code, first.code));
                }
            }
            if (std::find(out.begin(), out.end(), w) != out.end()) {
                if (single == w) {
                    single.reset(); // "ward": "W1", "wards": ["W1", …] names W1 once
                    return;
                }
                fail(field, fmt::format("ward '{}' is listed twice", ward.code));
            }
            out.push_back(w);
        };
        const json* ward = member(v, "ward");
        const json* wards = member(v, "wards");
        if (ward == nullptr && wards == nullptr) {
            fail(at(path, "ward"), "is required");
        }
        if (ward != nullptr) {
            add(*ward, at(path, "ward"));
            single = out.front();
        }
        if (wards != nullptr) {
            auto field = at(path, "wards");
            as_list(*wards, field);
            for (std::size_t k = 0; k < wards->size(); ++k) {
                add((*wards)[k], at(field, k));
            }
            if (out.empty()) {
                fail(field, "must list at least one ward");
            }
        }
        return out;
    }

    void read_staff() {
        const json& list = top_list(m_root, "staff", true);
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("staff", i);
            const json& v = as_object(list[i], path);
            Staff r;
            auto& [id, code, name, wards, competences, shifts, weekly_shifts] =
                r; // every field: a new one stops this compiling
            id = StaffId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_staff);
            name = record_name(v, path, code);
            wards = read_staff_wards(v, path);
            competences = opt_strings(v, path, "competences");
            shifts = read_periods(v, path, "shifts", ward_zone(wards.front()));
            weekly_shifts = read_windows(v, path, "weekly_shifts", false);
            check_record(r, path);
            m_s.staff.push_back(std::move(r));
        }
    }

    /// "contact" (one) and "contacts" (a list) together name the contacts of a request.
    std::vector<ContactId> read_request_contacts(const json& v, const std::string& path) {
        std::vector<ContactId> out;
        std::optional<ContactId> single;
        auto add = [&](const json& ref, const std::string& field) {
            ContactId c(m_contacts.resolve(ref, field));
            if (std::find(out.begin(), out.end(), c) != out.end()) {
                if (single == c) {
                    single.reset(); // "contact": "C1", "contacts": ["C1", …] names C1 once
                    return;
                }
                fail(field, fmt::format("contact '{}' is listed twice", ref.get<std::string>()));
            }
            out.push_back(c);
        };
        const json* contact = member(v, "contact");
        const json* contacts = member(v, "contacts");
        if (contact == nullptr && contacts == nullptr) {
            fail(at(path, "contact"), "is required");
        }
        if (contact != nullptr) {
            add(*contact, at(path, "contact"));
            single = out.front();
        }
        if (contacts != nullptr) {
            auto field = at(path, "contacts");
            as_list(*contacts, field);
            for (std::size_t k = 0; k < contacts->size(); ++k) {
                add((*contacts)[k], at(field, k));
            }
            if (out.empty()) {
                fail(field, "must list at least one contact");
            }
        }
        return out;
    }

    void read_requests() {
        const json& list = top_list(m_root, "requests");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("requests", i);
            const json& v = as_object(list[i], path);
            CallRequest r;
            auto& [id, code, resident, contacts, calls, duration_minutes, priority, max_per_day,
                   preferred, fixed, active] = r; // every field: a new one stops this compiling
            id = RequestId(static_cast<std::int64_t>(i) + 1);
            code = read_id(v, path, m_requests);
            resident = ResidentId(
                m_residents.resolve(required(v, path, "resident"), at(path, "resident")));
            contacts = read_request_contacts(v, path);
            calls = as_int(required(v, path, "calls"), at(path, "calls"), 1);
            duration_minutes = as_int(required(v, path, "duration_minutes"),
                                      at(path, "duration_minutes"), 1, 1440);
            priority = as_int(required(v, path, "priority"), at(path, "priority"), 1);
            max_per_day = opt_int(v, path, "max_per_day", 1);
            preferred = read_windows(v, path, "preferred", false);
            if (const json* fx = member(v, "fixed")) {
                auto f_path = at(path, "fixed");
                as_object(*fx, f_path);
                FixedTime f;
                f.weekday = as_int(required(*fx, f_path, "weekday"), at(f_path, "weekday"), 0);
                if (f.weekday > 6) {
                    fail(at(f_path, "weekday"),
                         fmt::format("{} is not a weekday (0 = Monday … 6 = Sunday)", f.weekday));
                }
                auto start_field = at(f_path, "start");
                f.start = parse_clock(as_string(required(*fx, f_path, "start"), start_field),
                                      start_field, false);
                fixed = f;
            }
            if (const json* a = member(v, "active")) {
                active = as_bool(*a, at(path, "active"));
            }
            check_record(r, path);
            m_s.requests.push_back(std::move(r));
        }
    }

    void read_approvals() {
        // A document with the list (even an empty one) says every approval there is.
        m_s.approvals_complete = member(m_root, "approvals") != nullptr;
        const json& list = top_list(m_root, "approvals", true);
        std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = at("approvals", i);
            const json& v = as_object(list[i], path);
            Approval a;
            a.resident = ResidentId(
                m_residents.resolve(required(v, path, "resident"), at(path, "resident")));
            a.contact =
                ContactId(m_contacts.resolve(required(v, path, "contact"), at(path, "contact")));
            if (const json* approved = member(v, "approved")) {
                a.approved = as_bool(*approved, at(path, "approved"));
            }
            if (const json* key = member(v, "key_contact")) {
                a.key_contact = as_bool(*key, at(path, "key_contact"));
            }
            a.restrictions = opt_string(v, path, "restrictions");
            if (!seen.emplace(std::pair{a.resident.value, a.contact.value}, i).second) {
                fail(path,
                     fmt::format("resident '{}' and contact '{}' are already paired in "
                                 "approvals[{}]",
                                 m_s.residents[static_cast<std::size_t>(a.resident.value - 1)].code,
                                 m_s.contacts[static_cast<std::size_t>(a.contact.value - 1)].code,
                                 seen[{a.resident.value, a.contact.value}]));
            }
            check_record(a, path);
            m_s.approvals.push_back(std::move(a));
        }
    }
};

} // namespace

Scenario parse_scenario(std::string_view json_text) {
    json root = parse_json(json_text);
    if (!root.is_object()) {
        fail("", "a scenario must be a JSON object");
    }
    return Reader(root).read();
}

namespace {

/// nlohmann's "last read: '…'" quotes the input: kept short and printable (the input may be a
/// 10 MB line, NUL bytes or invalid UTF-8).
std::string printable(std::string_view text, std::size_t limit = 60) {
    std::string out;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (out.size() >= limit) {
            out += "...";
            break;
        }
        out += c >= 0x20 && c < 0x7f ? ch : '?';
    }
    return out;
}

} // namespace

Scenario parse_scenario(std::string_view json_text, std::string_view file_name) {
    std::string file(file_name);
    json root;
    try {
        root = exchange_detail::parse_json_document(json_text, file);
    } catch (const json::parse_error& e) {
        // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error …"
        std::string what = e.what();
        std::string line = "1";
        std::string column = fmt::format("byte {}", e.byte);
        std::string reason = what;
        auto at_pos = what.find("parse error at line ");
        if (at_pos != std::string::npos) {
            auto rest = what.substr(at_pos + 20);
            auto comma = rest.find(", column ");
            auto colon = rest.find(": ");
            if (comma != std::string::npos && colon != std::string::npos && comma < colon) {
                line = rest.substr(0, comma);
                column = "column " + rest.substr(comma + 9, colon - comma - 9);
                reason = rest.substr(colon + 2);
            }
        }
        auto last = reason.find("; last read: ");
        if (last != std::string::npos) {
            reason = reason.substr(0, last + 13) + printable(reason.substr(last + 13));
        }
        throw InvalidInput(fmt::format("{}:{}: {}", file, line, column),
                           "not valid JSON: " + printable(reason, 300));
    } catch (const json::exception& e) {
        // A number too large for a double ("1e999"): out_of_range.406, which names the number
        // but not where it is; the line is that of its first occurrence.
        std::string what = e.what();
        std::size_t line = 1;
        auto quote = what.find("parsing '");
        if (quote != std::string::npos && what.size() > quote + 10) {
            auto number = what.substr(quote + 9, what.size() - quote - 10);
            auto at = json_text.find(number);
            if (at != std::string_view::npos) {
                line += static_cast<std::size_t>(std::count(
                    json_text.begin(), json_text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
            }
        }
        throw InvalidInput(fmt::format("{}:{}", file, line),
                           "not valid JSON: a number too large to hold (" + printable(what, 120) +
                               ")");
    }
    if (!root.is_object()) {
        throw InvalidInput(
            fmt::format("{}:{}", file, exchange_detail::json_path_line(json_text, "")),
            "a scenario must be a JSON object");
    }
    try {
        return Reader(root).read();
    } catch (const InvalidInput& e) {
        auto line = exchange_detail::json_path_line(json_text, e.field());
        throw InvalidInput(e.field().empty() ? fmt::format("{}:{}", file, line)
                                             : fmt::format("{}:{}: {}", file, line, e.field()),
                           e.reason());
    }
}

} // namespace carecall
