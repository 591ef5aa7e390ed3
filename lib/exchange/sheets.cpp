// Residents, contacts and staff ↔ CSV sheets. One table of columns per kind says how each field
// is written and read, so export and import cannot drift apart.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "carecall/csv.hpp"
#include "carecall/error.hpp"
#include "carecall/spreadsheet.hpp"
#include "carecall/store.hpp"
#include "exchange/json_detail.hpp"

namespace carecall {
namespace {

/// What a cell needs beyond the record: codes of references and the zone of local times.
struct Context {
    Store& store;

    const date::time_zone* zone_of_site(SiteId id) const {
        auto site = store.sites().find(id);
        return find_zone(site ? site->tz : std::string("Etc/UTC"));
    }
    const date::time_zone* zone_of_ward(WardId id) const {
        auto ward = store.wards().find(id);
        return ward ? zone_of_site(ward->site) : find_zone("Etc/UTC");
    }
    std::string ward_code(WardId id) const {
        auto ward = store.wards().find(id);
        return ward ? ward->code : std::to_string(id.value);
    }
    WardId ward_id(const std::string& code, const std::string& column) const {
        auto ward = store.wards().find_by_code(code);
        if (!ward) {
            throw InvalidInput(column, fmt::format("no ward {}", code));
        }
        return ward->id;
    }
};

template <class T>
struct Column {
    std::string name;
    std::function<std::string(const Context&, const T&)> get;
    std::function<void(const Context&, T&, const std::string&)> set;
};

// --- cells ---

std::string int_cell(const std::optional<int>& v) {
    return v ? std::to_string(*v) : std::string();
}

std::optional<int> read_int(const std::string& text, const std::string& column) {
    if (text.empty()) {
        return std::nullopt;
    }
    bool digits = text.size() < 9;
    for (char c : text) {
        digits = digits && c >= '0' && c <= '9';
    }
    if (!digits) {
        throw InvalidInput(column, fmt::format("'{}' is not a whole number", text));
    }
    return std::stoi(text);
}

std::string bool_cell(bool v) {
    return v ? "yes" : "no";
}

bool read_bool(const std::string& text, const std::string& column) {
    if (text == "yes" || text == "true" || text == "1" || text == "y") {
        return true;
    }
    if (text == "no" || text == "false" || text == "0" || text == "n" || text.empty()) {
        return false;
    }
    throw InvalidInput(column, fmt::format("'{}' is not yes or no", text));
}

std::string date_cell(const std::optional<Date>& d) {
    return d ? format_date(*d) : std::string();
}

std::optional<Date> read_date(const std::string& text, const std::string& column) {
    if (text.empty()) {
        return std::nullopt;
    }
    return parse_date(text, column);
}

std::string windows_cell(const std::vector<WeeklyWindow>& ws) {
    std::vector<std::string> items;
    for (const auto& w : ws) {
        items.push_back(format_window(w));
    }
    return join_cell_list(items);
}

std::vector<WeeklyWindow> read_windows(const std::string& text, const std::string& column) {
    std::vector<WeeklyWindow> out;
    for (const auto& item : split_cell_list(text)) {
        out.push_back(parse_window(item, column));
    }
    return out;
}

/// "2027-07-07T15:00/2027-07-07T16:00 physiotherapy; …" in the owner's local time.
std::string periods_cell(const std::vector<Period>& ps, const date::time_zone* zone) {
    std::vector<std::string> items;
    for (const auto& p : ps) {
        auto item = exchange_detail::local_text(p.start, zone, false) + "/" +
                    exchange_detail::local_text(p.end, zone, true);
        if (!p.label.empty()) {
            item += " " + p.label;
        }
        items.push_back(std::move(item));
    }
    return join_cell_list(items);
}

std::vector<Period> read_periods(const std::string& text, const date::time_zone* zone,
                                 const std::string& column) {
    std::vector<Period> out;
    for (const auto& item : split_cell_list(text)) {
        auto space = item.find(' ');
        auto span = item.substr(0, space);
        auto slash = span.find('/');
        if (slash == std::string::npos) {
            throw InvalidInput(column, fmt::format("'{}' is not a period (expected START/END "
                                                   "[LABEL], e.g. 2027-07-07T15:00/"
                                                   "2027-07-07T16:00 physiotherapy)",
                                                   item));
        }
        Period p;
        p.start = exchange_detail::read_local_text(span.substr(0, slash), zone, column, false);
        p.end = exchange_detail::read_local_text(span.substr(slash + 1), zone, column, true);
        if (p.end <= p.start) {
            throw InvalidInput(column, fmt::format("'{}': the end is not after the start", item));
        }
        p.label = space == std::string::npos ? std::string() : item.substr(space + 1);
        out.push_back(std::move(p));
    }
    return out;
}

// --- the columns of each kind ---

template <class T>
Column<T> text_column(std::string name, std::string T::*field) {
    return {name, [field](const Context&, const T& r) { return r.*field; },
            [field](const Context&, T& r, const std::string& v) { r.*field = v; }};
}

template <class T>
Column<T> words_column(std::string name, std::vector<std::string> T::*field) {
    return {name, [field](const Context&, const T& r) { return join_cell_list(r.*field); },
            [field](const Context&, T& r, const std::string& v) { r.*field = split_cell_list(v); }};
}

template <class T>
Column<T> windows_column(std::string name, std::vector<WeeklyWindow> T::*field) {
    return {name, [field](const Context&, const T& r) { return windows_cell(r.*field); },
            [field, name](const Context&, T& r, const std::string& v) {
                r.*field = read_windows(v, name);
            }};
}

template <class T>
Column<T> int_column(std::string name, std::optional<int> T::*field) {
    return {name, [field](const Context&, const T& r) { return int_cell(r.*field); },
            [field, name](const Context&, T& r, const std::string& v) {
                r.*field = read_int(v, name);
            }};
}

template <class T>
Column<T> date_column(std::string name, std::optional<Date> T::*field) {
    return {name, [field](const Context&, const T& r) { return date_cell(r.*field); },
            [field, name](const Context&, T& r, const std::string& v) {
                r.*field = read_date(v, name);
            }};
}

const std::vector<Column<Resident>>& resident_columns() {
    using R = Resident;
    static const std::vector<Column<R>> columns{
        text_column<R>("code", &R::code),
        text_column<R>("name", &R::name),
        {"ward", [](const Context& c, const R& r) { return c.ward_code(r.ward); },
         [](const Context& c, R& r, const std::string& v) { r.ward = c.ward_id(v, "ward"); }},
        text_column<R>("room", &R::room),
        date_column<R>("admitted", &R::admitted),
        date_column<R>("discharged", &R::discharged),
        {"needs_assistance",
         [](const Context&, const R& r) { return bool_cell(r.needs_assistance); },
         [](const Context&, R& r, const std::string& v) {
             r.needs_assistance = read_bool(v, "needs_assistance");
         }},
        words_column<R>("competences", &R::competences),
        int_column<R>("max_call_minutes", &R::max_call_minutes),
        int_column<R>("max_calls_per_day", &R::max_calls_per_day),
        windows_column<R>("care_blocks", &R::care_blocks),
        {"one_off_blocks",
         [](const Context& c, const R& r) {
             return periods_cell(r.one_off_blocks, c.zone_of_ward(r.ward));
         },
         [](const Context& c, R& r, const std::string& v) {
             r.one_off_blocks = read_periods(v, c.zone_of_ward(r.ward), "one_off_blocks");
         }},
        {"consent", [](const Context&, const R& r) { return to_string(r.consent.status); },
         [](const Context&, R& r, const std::string& v) {
             r.consent.status =
                 v.empty() ? ConsentStatus::none : parse_consent_status(v, "consent");
         }},
        {"consent_by", [](const Context&, const R& r) { return r.consent.by; },
         [](const Context&, R& r, const std::string& v) { r.consent.by = v; }},
        {"consent_recorded",
         [](const Context&, const R& r) { return date_cell(r.consent.recorded); },
         [](const Context&, R& r, const std::string& v) {
             r.consent.recorded = read_date(v, "consent_recorded");
         }},
        {"consent_review", [](const Context&, const R& r) { return date_cell(r.consent.review); },
         [](const Context&, R& r, const std::string& v) {
             r.consent.review = read_date(v, "consent_review");
         }},
    };
    return columns;
}

const std::vector<Column<Contact>>& contact_columns() {
    using C = Contact;
    static const std::vector<Column<C>> columns{
        text_column<C>("code", &C::code),
        text_column<C>("name", &C::name),
        text_column<C>("relationship", &C::relationship),
        {"tz", [](const Context&, const C& r) { return r.tz; },
         [](const Context&, C& r, const std::string& v) {
             find_zone(v, "tz");
             r.tz = v;
         }},
        windows_column<C>("availability", &C::availability),
        {"absences",
         [](const Context&, const C& r) { return periods_cell(r.absences, find_zone(r.tz)); },
         [](const Context&, C& r, const std::string& v) {
             r.absences = read_periods(v, find_zone(r.tz, "tz"), "absences");
         }},
        text_column<C>("reach", &C::reach),
    };
    return columns;
}

const date::time_zone* staff_zone(const Context& c, const Staff& s) {
    return s.wards.empty() ? find_zone("Etc/UTC") : c.zone_of_ward(s.wards.front());
}

const std::vector<Column<Staff>>& staff_columns() {
    using S = Staff;
    static const std::vector<Column<S>> columns{
        text_column<S>("code", &S::code),
        text_column<S>("name", &S::name),
        {"wards",
         [](const Context& c, const S& r) {
             std::vector<std::string> codes;
             for (auto id : r.wards) {
                 codes.push_back(c.ward_code(id));
             }
             return join_cell_list(codes);
         },
         [](const Context& c, S& r, const std::string& v) {
             r.wards.clear();
             for (const auto& code : split_cell_list(v)) {
                 r.wards.push_back(c.ward_id(code, "wards"));
             }
         }},
        words_column<S>("competences", &S::competences),
        windows_column<S>("weekly_shifts", &S::weekly_shifts),
        {"shifts",
         [](const Context& c, const S& r) { return periods_cell(r.shifts, staff_zone(c, r)); },
         [](const Context& c, S& r, const std::string& v) {
             r.shifts = read_periods(v, staff_zone(c, r), "shifts");
         }},
    };
    return columns;
}

// Every field of the records a sheet carries, taken apart whole: a field added to the model stops
// this compiling until it has a column in the tables above, or is named here as kept out of the
// sheet (tests/unit/sheets_test.cpp holds each sheet's columns).
[[maybe_unused]] void sheet_fields(const Resident& r, const Contact& c, const Staff& s) {
    [[maybe_unused]] const auto& [r_id /* the store's key: rows match by code */, r_code, r_name,
                                  r_ward, r_room, r_admitted, r_discharged, r_needs_assistance,
                                  r_competences, r_max_call_minutes, r_max_calls_per_day,
                                  r_care_blocks, r_one_off_blocks, r_consent] = r;
    [[maybe_unused]] const auto& [consent_status, consent_by, consent_recorded, consent_review] =
        r_consent;
    [[maybe_unused]] const auto& [c_id /* the store's key */, c_code, c_name, c_relationship, c_tz,
                                  c_availability, c_absences, c_reach] = c;
    [[maybe_unused]] const auto& [s_id /* the store's key */, s_code, s_name, s_wards,
                                  s_competences, s_shifts, s_weekly_shifts] = s;
}

template <class T>
std::vector<std::string> names_of(const std::vector<Column<T>>& columns) {
    std::vector<std::string> out;
    for (const auto& c : columns) {
        out.push_back(c.name);
    }
    return out;
}

template <class T, class IdT>
std::string export_records(Store& store, Repository<T, IdT>& repo,
                           const std::vector<Column<T>>& columns, bool for_spreadsheet) {
    Context ctx{store};
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : repo.list()) {
        std::vector<std::string> row;
        for (const auto& c : columns) {
            row.push_back(c.get(ctx, r));
        }
        rows.push_back(std::move(row));
    }
    return write_csv(names_of(columns), rows, for_spreadsheet);
}

/// The column a store error is about: "care_blocks[0].start" → "care_blocks",
/// "consent.review" → "consent_review", "care_blocks.label" (a cell's window) → "care_blocks".
std::string column_of(const std::string& field, const std::vector<std::string>& columns) {
    auto name = field.substr(0, field.find('['));
    auto head = name.substr(0, name.find('.'));
    for (auto& c : name) {
        c = c == '.' ? '_' : c;
    }
    if (std::find(columns.begin(), columns.end(), name) == columns.end() &&
        std::find(columns.begin(), columns.end(), head) != columns.end()) {
        return head;
    }
    return name;
}

template <class T, class IdT>
SheetImportSummary import_records(Store& store, Repository<T, IdT>& repo,
                                  const std::vector<Column<T>>& columns, SheetKind kind,
                                  std::string_view text, std::string_view file_name,
                                  const std::function<void(int, int)>& progress) {
    auto table = parse_csv(text, file_name);
    auto names = names_of(columns);
    std::vector<std::optional<std::size_t>> index(columns.size());
    for (std::size_t i = 0; i < table.header.size(); ++i) {
        bool known = false;
        for (std::size_t k = 0; k < columns.size(); ++k) {
            if (columns[k].name == table.header[i]) {
                index[k] = i;
                known = true;
            }
        }
        if (!known) {
            std::string list;
            for (const auto& n : names) {
                list += (list.empty() ? "" : ", ") + n;
            }
            // A spreadsheet set to a European locale saves "code;name;ward" as one column.
            auto hint = table.header.size() == 1 && table.header[i].find(';') != std::string::npos
                            ? " (the fields seem to be separated by ';': save the file as CSV "
                              "with commas)"
                            : "";
            throw InvalidInput(
                fmt::format("{}:1: {}", file_name, table.header[i]),
                fmt::format("not a column of this file (expected {}){}", list, hint));
        }
    }
    if (!index[0]) {
        throw InvalidInput(fmt::format("{}:1: code", file_name),
                           "the header has no code column (it says which record a row is)");
    }

    Context ctx{store};
    SheetImportSummary sum;
    struct Seen {
        std::size_t line;
        std::string code;
    };
    std::map<std::string, Seen, std::less<>> seen; ///< by code_key
    auto tx = store.begin(TxKind::write);
    for (std::size_t row = 0; row < table.rows.size(); ++row) {
        const auto& cells = table.rows[row];
        auto line = table.lines[row];
        auto where = [&](const std::string& column) {
            return fmt::format("{}:{}: {}", file_name, line, column);
        };
        // Spreadsheets save the rows below a list as ",,,": they hold nothing to import.
        if (std::all_of(cells.begin(), cells.end(), [](const auto& c) { return c.empty(); })) {
            continue;
        }
        const auto& code = cells[*index[0]];
        // Codes are the same whatever their case: R-1 and r-1 are one record.
        if (auto [it, fresh] = seen.emplace(code_key(code), Seen{line, code}); !fresh) {
            const auto& [other_line, other] = it->second;
            throw InvalidInput(where("code"),
                               other == code
                                   ? fmt::format("{} is also on line {}", code, other_line)
                                   : fmt::format("{} is also on line {}, as {} (codes are the "
                                                 "same whatever their case)",
                                                 code, other_line, other));
        }
        std::optional<T> old = code.empty() ? std::nullopt : repo.find_by_code(code);
        T record = old ? *old : T{};
        std::string current = "code";
        try {
            for (std::size_t k = 0; k < columns.size(); ++k) {
                if (index[k]) {
                    current = columns[k].name;
                    columns[k].set(ctx, record, cells[*index[k]]);
                }
            }
            current = "code";
            if (old) {
                record.code = old->code; // the spelling first given stays
                repo.update(record);
                ++sum.updated;
            } else {
                record.id = IdT{};
                repo.add(record);
                ++sum.added;
            }
        } catch (const InvalidInput& e) {
            // A cell's reader names its own column; the store names a field of the record.
            auto column = e.field().empty() ? current : column_of(e.field(), names);
            throw InvalidInput(where(column), e.reason());
        } catch (const Conflict& e) {
            throw InvalidInput(where(current), e.what());
        }
        ++sum.rows;
        if (progress && sum.rows % 500 == 0) {
            progress(sum.rows, static_cast<int>(table.rows.size()));
        }
    }
    store.audit("import", to_string(kind), 0, "",
                fmt::format(R"({{"rows": {}, "added": {}, "updated": {}}})", sum.rows, sum.added,
                            sum.updated));
    tx->commit();
    return sum;
}

} // namespace

std::string to_string(SheetKind k) {
    switch (k) {
    case SheetKind::residents:
        return "residents";
    case SheetKind::contacts:
        return "contacts";
    case SheetKind::staff:
        return "staff";
    }
    return "residents";
}

SheetKind parse_sheet_kind(std::string_view text, std::string_view field) {
    for (auto k : {SheetKind::residents, SheetKind::contacts, SheetKind::staff}) {
        if (text == to_string(k)) {
            return k;
        }
    }
    throw InvalidInput(
        std::string(field),
        fmt::format("'{}' is not a sheet (expected residents, contacts or staff)", text));
}

const std::vector<std::string>& sheet_columns(SheetKind k) {
    static const auto residents = names_of(resident_columns());
    static const auto contacts = names_of(contact_columns());
    static const auto staff = names_of(staff_columns());
    switch (k) {
    case SheetKind::residents:
        return residents;
    case SheetKind::contacts:
        return contacts;
    case SheetKind::staff:
        return staff;
    }
    return residents;
}

std::string export_sheet(Store& store, SheetKind kind, bool for_spreadsheet) {
    auto tx = store.begin(TxKind::read);
    switch (kind) {
    case SheetKind::residents:
        return export_records(store, store.residents(), resident_columns(), for_spreadsheet);
    case SheetKind::contacts:
        return export_records(store, store.contacts(), contact_columns(), for_spreadsheet);
    case SheetKind::staff:
        return export_records(store, store.staff(), staff_columns(), for_spreadsheet);
    }
    return {};
}

SheetImportSummary import_sheet(Store& store, SheetKind kind, std::string_view text,
                                std::string_view file_name,
                                const std::function<void(int, int)>& progress) {
    switch (kind) {
    case SheetKind::residents:
        return import_records(store, store.residents(), resident_columns(), kind, text, file_name,
                              progress);
    case SheetKind::contacts:
        return import_records(store, store.contacts(), contact_columns(), kind, text, file_name,
                              progress);
    case SheetKind::staff:
        return import_records(store, store.staff(), staff_columns(), kind, text, file_name,
                              progress);
    }
    return {};
}

} // namespace carecall
