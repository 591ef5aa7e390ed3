#include "store/sqlite/repositories.hpp"

#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/sqlite/codec.hpp"
#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += items[i];
    }
    return out;
}

/// "a", "a and b", "a, b and c"
std::string join_and(const std::vector<std::string>& parts) {
    if (parts.size() <= 1) {
        return join(parts, "");
    }
    std::vector<std::string> head(parts.begin(), parts.end() - 1);
    return join(head, ", ") + " and " + parts.back();
}

/// The names of the fields that differ between two versions of a record: the audit holds these,
/// never the values.
class Diff {
public:
    template <class V>
    Diff& field(const char* name, const V& before, const V& after) {
        if (!(before == after)) {
            m_names.emplace_back(name);
        }
        return *this;
    }
    [[nodiscard]] std::vector<std::string> names() const { return m_names; }

private:
    std::vector<std::string> m_names;
};

/// Records found by a pair of queries: `count_sql` counts them, `codes_sql` gives the first five
/// codes; both take ?1 (and ?2 when given).
struct Found {
    std::int64_t count = 0;
    std::string codes; ///< "A, B" or "A, B, C, D, E and 2 more"
};

Found find_codes(Connection& db, std::string_view count_sql, std::string_view codes_sql,
                 std::int64_t first, std::optional<std::int64_t> second = std::nullopt) {
    Found found;
    {
        auto stmt = db.prepare(count_sql);
        stmt.bind(1, first);
        if (second) {
            stmt.bind(2, *second);
        }
        found.count = stmt.step() ? stmt.get_int(0) : 0;
    }
    if (found.count == 0) {
        return found;
    }
    std::vector<std::string> codes;
    {
        auto stmt = db.prepare(codes_sql);
        stmt.bind(1, first);
        if (second) {
            stmt.bind(2, *second);
        }
        while (stmt.step()) {
            codes.push_back(stmt.get_text(0));
        }
    }
    found.codes = join(codes, ", ");
    if (found.count > static_cast<std::int64_t>(codes.size())) {
        found.codes +=
            fmt::format(" and {} more", found.count - static_cast<std::int64_t>(codes.size()));
    }
    return found;
}

std::string changed_json(const std::vector<std::string>& names) {
    return json{{"changed", names}}.dump();
}

std::optional<int> opt_int32(const Statement& s, int column) {
    if (s.is_null(column)) {
        return std::nullopt;
    }
    return s.get_int32(column);
}

template <class IdT>
void require_ref(Connection& db, std::string_view exists_sql, const std::string& field,
                 std::string_view noun, IdT id) {
    if (!id.valid()) {
        throw InvalidInput(field, "is required");
    }
    auto stmt = db.prepare(exists_sql);
    stmt.bind(1, id.value);
    if (!stmt.step()) {
        throw InvalidInput(field, fmt::format("no {} with id {}", noun, id.value));
    }
}

template <class IdT>
void require_refs(Connection& db, std::string_view exists_sql, std::string_view list_field,
                  std::string_view noun, const std::vector<IdT>& ids) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto field = fmt::format("{}[{}]", list_field, i);
        for (std::size_t j = 0; j < i; ++j) {
            if (ids[j] == ids[i]) {
                throw InvalidInput(field, fmt::format("names a {} twice", noun));
            }
        }
        require_ref(db, exists_sql, field, noun, ids[i]);
    }
}

template <class IdT>
std::vector<IdT> load_ids(Connection& db, std::string_view select_sql, std::int64_t owner) {
    std::vector<IdT> out;
    auto stmt = db.prepare(select_sql);
    stmt.bind(1, owner);
    while (stmt.step()) {
        out.emplace_back(stmt.get_int(0));
    }
    return out;
}

template <class IdT>
void write_ids(Connection& db, std::string_view clear_sql, std::string_view insert_sql,
               std::int64_t owner, const std::vector<IdT>& ids) {
    {
        auto clear = db.prepare(clear_sql);
        clear.bind(1, owner).run();
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto insert = db.prepare(insert_sql);
        insert.bind(1, owner).bind(2, ids[i].value).bind(3, static_cast<std::int64_t>(i)).run();
    }
}

// --- the shared part of every record repository -------------------------------------------

template <class T, class IdT>
class RecordRepository : public Repository<T, IdT> {
public:
    RecordRepository(Context& ctx, std::string kind, const sql::RecordSql& statements,
                     std::span<const sql::DependantSql> dependants)
        : m_ctx(ctx), m_kind(std::move(kind)), m_sql(statements), m_dependants(dependants) {}

    IdT add(const T& record) override {
        validate(record);
        TxGuard tx(db(), m_ctx.change_mode());
        check_references(record);
        ensure_code_free(record.code, 0);
        IdT id;
        {
            auto stmt = db().prepare(m_sql.insert);
            bind_columns(stmt, record);
            stmt.run();
            id = IdT(db().last_insert_id());
        }
        write_children(id.value, record);
        m_ctx.write_audit("add", m_kind, id.value, record.code, "{}");
        tx.commit();
        return id;
    }

    void update(const T& record) override {
        validate(record);
        TxGuard tx(db(), m_ctx.change_mode());
        auto before = find(record.id);
        if (!before) {
            throw NotFound::record(m_kind, std::to_string(record.id.value));
        }
        check_references(record);
        check_update(*before, record);
        if (record.code != before->code) {
            ensure_code_free(record.code, record.id.value);
        }
        auto changed = changed_fields(*before, record);
        if (!changed.empty()) {
            {
                auto stmt = db().prepare(m_sql.update);
                int n = bind_columns(stmt, record);
                stmt.bind(n + 1, record.id.value).run();
            }
            write_children(record.id.value, record);
            m_ctx.write_audit("update", m_kind, record.id.value, record.code,
                              changed_json(changed));
        }
        tx.commit();
    }

    void remove(IdT id) override {
        TxGuard tx(db(), m_ctx.change_mode());
        auto before = find(id);
        if (!before) {
            throw NotFound::record(m_kind, std::to_string(id.value));
        }
        check_dependants(id.value, before->code);
        json details = removal_details(id.value);
        {
            auto stmt = db().prepare(m_sql.remove);
            stmt.bind(1, id.value).run();
        }
        m_ctx.write_audit("remove", m_kind, id.value, before->code, details.dump());
        tx.commit();
    }

    [[nodiscard]] std::optional<T> find(IdT id) override {
        TxGuard tx(db(), m_ctx.read_mode());
        std::optional<T> out;
        {
            auto stmt = db().prepare(m_sql.select_by_id);
            stmt.bind(1, id.value);
            if (stmt.step()) {
                out = read(stmt);
            }
        }
        tx.commit();
        return out;
    }

    [[nodiscard]] std::optional<T> find_by_code(std::string_view code) override {
        TxGuard tx(db(), m_ctx.read_mode());
        std::optional<T> out;
        {
            auto stmt = db().prepare(m_sql.select_by_code);
            stmt.bind(1, code);
            if (stmt.step()) {
                out = read(stmt);
            }
        }
        tx.commit();
        return out;
    }

    [[nodiscard]] std::vector<T> list() override {
        TxGuard tx(db(), m_ctx.read_mode());
        std::vector<T> out;
        {
            auto stmt = db().prepare(m_sql.select_all);
            while (stmt.step()) {
                out.push_back(read(stmt));
            }
        }
        tx.commit();
        return out;
    }

protected:
    /// Throws InvalidInput naming the field of a reference to a record that does not exist.
    virtual void check_references(const T& record) = 0;
    /// Rules that only a change of an existing record can break.
    virtual void check_update(const T& /*before*/, const T& /*after*/) {}
    /// Binds the record's columns as ?1…?N (the order of RecordSql::insert); returns N.
    virtual int bind_columns(Statement& stmt, const T& record) = 0;
    /// The record from the current row (column 0 is the id), without its reference lists.
    virtual T read_row(const Statement& stmt) = 0;
    virtual std::vector<std::string> changed_fields(const T& before, const T& after) = 0;
    /// Reference lists kept in join tables.
    virtual void load_children(T& /*record*/) {}
    virtual void write_children(std::int64_t /*id*/, const T& /*record*/) {}
    /// Counts of what goes with the record (for the audit row).
    virtual json removal_details(std::int64_t /*id*/) { return json::object(); }

    Connection& db() { return m_ctx.db; }

private:
    T read(const Statement& stmt) {
        auto id = stmt.get_int(0);
        try {
            T record = read_row(stmt);
            load_children(record);
            return record;
        } catch (const codec::DecodeError&) {
            throw m_ctx.unreadable(m_kind, id);
        } catch (const InvalidInput&) {
            // An enumeration or a date that does not parse.
            throw m_ctx.unreadable(m_kind, id);
        }
    }

    void ensure_code_free(const std::string& code, std::int64_t self) {
        // Codes are unique without regard to case (the unique index says so too).
        auto stmt = db().prepare(m_sql.id_by_code);
        stmt.bind(1, code);
        if (stmt.step() && stmt.get_int(0) != self) {
            auto taken = stmt.get_text(1);
            if (taken == code) {
                throw Conflict(fmt::format("{} {} already exists", m_kind, code), "duplicate_code");
            }
            throw Conflict(fmt::format("{} {} already exists as {} (codes are the same whatever "
                                       "their case)",
                                       m_kind, code, taken),
                           "duplicate_code");
        }
    }

    void check_dependants(std::int64_t id, const std::string& code) {
        std::vector<std::string> parts;
        for (const auto& dependant : m_dependants) {
            auto found = find_codes(db(), dependant.count, dependant.codes, id);
            if (found.count > 0) {
                parts.push_back(fmt::format(
                    "{} {} ({})", found.count,
                    found.count == 1 ? dependant.singular : dependant.plural, found.codes));
            }
        }
        if (!parts.empty()) {
            throw Conflict(fmt::format("{} {} is still used by {}: remove or move them first",
                                       m_kind, code, join_and(parts)),
                           "in_use");
        }
    }

protected:
    Context& m_ctx;

private:
    std::string m_kind;
    const sql::RecordSql& m_sql;
    std::span<const sql::DependantSql> m_dependants;
};

// --- sites ----------------------------------------------------------------------------------

class SiteRepository final : public RecordRepository<Site, SiteId> {
public:
    explicit SiteRepository(Context& ctx)
        : RecordRepository(ctx, "site", sql::k_site, sql::k_site_dependants) {}

protected:
    void check_references(const Site& /*record*/) override {}

    int bind_columns(Statement& stmt, const Site& r) override {
        const auto& [id, code, name, kind, tz] = r;
        static_cast<void>(id); // the row's key: bound by update() after the columns
        stmt.bind(1, code).bind(2, name).bind(3, to_string(kind)).bind(4, tz);
        return 4;
    }

    Site read_row(const Statement& s) override {
        Site r;
        auto& [id, code, name, kind, tz] = r; // every field: a new one stops this compiling
        id = SiteId(s.get_int(0));
        code = s.get_text(1);
        name = s.get_text(2);
        kind = parse_site_kind(s.get_text(3));
        tz = s.get_text(4);
        return r;
    }

    std::vector<std::string> changed_fields(const Site& a, const Site& b) override {
        const auto& [id, code, name, kind, tz] = a; // every field: a new one stops this compiling
        static_cast<void>(id);                      // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("name", name, b.name)
            .field("kind", kind, b.kind)
            .field("tz", tz, b.tz)
            .names();
    }
};

// --- wards ----------------------------------------------------------------------------------

class WardRepository final : public RecordRepository<Ward, WardId> {
public:
    explicit WardRepository(Context& ctx)
        : RecordRepository(ctx, "ward", sql::k_ward, sql::k_ward_dependants) {}

protected:
    void check_references(const Ward& r) override {
        require_ref(db(), sql::k_site.exists, "site", "site", r.site);
    }

    void check_update(const Ward& before, const Ward& r) override {
        if (before.site == r.site) {
            return;
        }
        // A ward moving to another site must not leave a device or a staff member with wards
        // on two sites.
        auto devices = find_codes(db(), sql::k_ward_foreign_devices_count,
                                  sql::k_ward_foreign_devices, r.id.value, r.site.value);
        if (devices.count > 0) {
            throw Conflict(fmt::format("ward {} is still served by {} {} of its old site ({}): "
                                       "change their wards first",
                                       r.code, devices.count,
                                       devices.count == 1 ? "device" : "devices", devices.codes),
                           "in_use");
        }
        auto staff = find_codes(db(), sql::k_ward_mixed_staff_count, sql::k_ward_mixed_staff,
                                r.id.value, r.site.value);
        if (staff.count > 0) {
            throw Conflict(fmt::format("ward {} shares {} {} with wards of its old site ({}): "
                                       "change their wards first",
                                       r.code, staff.count,
                                       staff.count == 1 ? "staff member" : "staff members",
                                       staff.codes),
                           "in_use");
        }
    }

    int bind_columns(Statement& stmt, const Ward& r) override {
        const auto& [id, code, name, site, calling_hours, closures] = r;
        static_cast<void>(id); // the row's key: bound by update() after the columns
        stmt.bind(1, code)
            .bind(2, name)
            .bind(3, site.value)
            .bind(4, codec::encode(calling_hours, "calling_hours"))
            .bind(5, codec::encode(closures, "closures"));
        return 5;
    }

    Ward read_row(const Statement& s) override {
        Ward r;
        auto& [id, code, name, site, calling_hours, closures] =
            r; // every field: a new one stops this compiling
        id = WardId(s.get_int(0));
        code = s.get_text(1);
        name = s.get_text(2);
        site = SiteId(s.get_int(3));
        calling_hours = codec::decode_windows(s.get_text(4));
        closures = codec::decode_ranges(s.get_text(5));
        return r;
    }

    std::vector<std::string> changed_fields(const Ward& a, const Ward& b) override {
        const auto& [id, code, name, site, calling_hours, closures] =
            a;                 // every field: a new one stops this compiling
        static_cast<void>(id); // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("name", name, b.name)
            .field("site", site, b.site)
            .field("calling_hours", calling_hours, b.calling_hours)
            .field("closures", closures, b.closures)
            .names();
    }
};

// --- residents ------------------------------------------------------------------------------

class ResidentRepository final : public RecordRepository<Resident, ResidentId> {
public:
    explicit ResidentRepository(Context& ctx)
        : RecordRepository(ctx, "resident", sql::k_resident, sql::k_resident_dependants) {}

protected:
    void check_references(const Resident& r) override {
        require_ref(db(), sql::k_ward.exists, "ward", "ward", r.ward);
    }

    int bind_columns(Statement& stmt, const Resident& r) override {
        const auto& [id, code, name, ward, room, admitted, discharged, needs_assistance,
                     competences, max_call_minutes, max_calls_per_day, care_blocks, one_off_blocks,
                     consent] = r;
        static_cast<void>(id); // the row's key: bound by update() after the columns
        const auto& [consent_status, consent_by, consent_recorded, consent_review] = consent;
        stmt.bind(1, code)
            .bind(2, name)
            .bind(3, ward.value)
            .bind(4, room)
            .bind(5, codec::encode(admitted, "admitted"))
            .bind(6, codec::encode(discharged, "discharged"))
            .bind(7, needs_assistance)
            .bind(8, codec::encode(competences, "competences"))
            .bind(9, max_call_minutes)
            .bind(10, max_calls_per_day)
            .bind(11, codec::encode(care_blocks, "care_blocks"))
            .bind(12, codec::encode(one_off_blocks, "one_off_blocks"))
            .bind(13, to_string(consent_status))
            .bind(14, consent_by)
            .bind(15, codec::encode(consent_recorded, "consent.recorded"))
            .bind(16, codec::encode(consent_review, "consent.review"));
        return 16;
    }

    Resident read_row(const Statement& s) override {
        Resident r;
        auto& [id, code, name, ward, room, admitted, discharged, needs_assistance, competences,
               max_call_minutes, max_calls_per_day, care_blocks, one_off_blocks, consent] =
            r; // every field: a new one stops this compiling
        auto& [consent_status, consent_by, consent_recorded, consent_review] = consent;
        id = ResidentId(s.get_int(0));
        code = s.get_text(1);
        name = s.get_text(2);
        ward = WardId(s.get_int(3));
        room = s.get_text(4);
        admitted = codec::decode_date(s.get_opt_text(5));
        discharged = codec::decode_date(s.get_opt_text(6));
        needs_assistance = s.get_bool(7);
        competences = codec::decode_words(s.get_text(8));
        max_call_minutes = opt_int32(s, 9);
        max_calls_per_day = opt_int32(s, 10);
        care_blocks = codec::decode_windows(s.get_text(11));
        one_off_blocks = codec::decode_periods(s.get_text(12));
        consent_status = parse_consent_status(s.get_text(13));
        consent_by = s.get_text(14);
        consent_recorded = codec::decode_date(s.get_opt_text(15));
        consent_review = codec::decode_date(s.get_opt_text(16));
        return r;
    }

    std::vector<std::string> changed_fields(const Resident& a, const Resident& b) override {
        const auto& [id, code, name, ward, room, admitted, discharged, needs_assistance,
                     competences, max_call_minutes, max_calls_per_day, care_blocks, one_off_blocks,
                     consent] = a; // every field: a new one stops this compiling
        static_cast<void>(id);     // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("name", name, b.name)
            .field("ward", ward, b.ward)
            .field("room", room, b.room)
            .field("admitted", admitted, b.admitted)
            .field("discharged", discharged, b.discharged)
            .field("needs_assistance", needs_assistance, b.needs_assistance)
            .field("competences", competences, b.competences)
            .field("max_call_minutes", max_call_minutes, b.max_call_minutes)
            .field("max_calls_per_day", max_calls_per_day, b.max_calls_per_day)
            .field("care_blocks", care_blocks, b.care_blocks)
            .field("one_off_blocks", one_off_blocks, b.one_off_blocks)
            .field("consent", consent, b.consent)
            .names();
    }

    json removal_details(std::int64_t id) override {
        // The resident's approvals go with it (ON DELETE CASCADE): say how many.
        auto stmt = db().prepare(sql::k_resident_approval_count);
        stmt.bind(1, id);
        auto count = stmt.step() ? stmt.get_int(0) : 0;
        json details = json::object();
        if (count > 0) {
            details["approvals"] = count;
        }
        return details;
    }
};

// --- contacts -------------------------------------------------------------------------------

class ContactRepository final : public RecordRepository<Contact, ContactId> {
public:
    explicit ContactRepository(Context& ctx)
        : RecordRepository(ctx, "contact", sql::k_contact, sql::k_contact_dependants) {}

protected:
    void check_references(const Contact& /*record*/) override {}

    int bind_columns(Statement& stmt, const Contact& r) override {
        const auto& [id, code, name, relationship, tz, availability, absences, reach] = r;
        static_cast<void>(id); // the row's key: bound by update() after the columns
        stmt.bind(1, code)
            .bind(2, name)
            .bind(3, relationship)
            .bind(4, tz)
            .bind(5, codec::encode(availability, "availability"))
            .bind(6, codec::encode(absences, "absences"))
            .bind(7, reach);
        return 7;
    }

    Contact read_row(const Statement& s) override {
        Contact r;
        auto& [id, code, name, relationship, tz, availability, absences, reach] =
            r; // every field: a new one stops this compiling
        id = ContactId(s.get_int(0));
        code = s.get_text(1);
        name = s.get_text(2);
        relationship = s.get_text(3);
        tz = s.get_text(4);
        availability = codec::decode_windows(s.get_text(5));
        absences = codec::decode_periods(s.get_text(6));
        reach = s.get_text(7);
        return r;
    }

    std::vector<std::string> changed_fields(const Contact& a, const Contact& b) override {
        const auto& [id, code, name, relationship, tz, availability, absences, reach] =
            a;                 // every field: a new one stops this compiling
        static_cast<void>(id); // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("name", name, b.name)
            .field("relationship", relationship, b.relationship)
            .field("tz", tz, b.tz)
            .field("availability", availability, b.availability)
            .field("absences", absences, b.absences)
            .field("reach", reach, b.reach)
            .names();
    }
};

// --- devices --------------------------------------------------------------------------------

class DeviceRepository final : public RecordRepository<Device, DeviceId> {
public:
    explicit DeviceRepository(Context& ctx)
        : RecordRepository(ctx, "device", sql::k_device, sql::k_device_dependants) {}

protected:
    void check_references(const Device& r) override {
        require_ref(db(), sql::k_site.exists, "site", "site", r.site);
        require_refs(db(), sql::k_ward.exists, "wards", "ward", r.wards);
        // A device serves wards of its own site only (as in the scenario format).
        for (std::size_t i = 0; i < r.wards.size(); ++i) {
            auto stmt = db().prepare(sql::k_ward_site);
            stmt.bind(1, r.wards[i].value);
            if (stmt.step() && stmt.get_int(0) != r.site.value) {
                auto ward_code = stmt.get_text(1);
                auto site = db().prepare(sql::k_site_code);
                site.bind(1, r.site.value);
                auto site_code = site.step() ? site.get_text(0) : std::to_string(r.site.value);
                throw InvalidInput(fmt::format("wards[{}]", i),
                                   fmt::format("ward {} is not on site {}", ward_code, site_code));
            }
        }
    }

    int bind_columns(Statement& stmt, const Device& r) override {
        const auto& [id, code, name, kind, site, wards, cleaning_minutes, move_minutes,
                     capabilities, out_of_service] = r;
        static_cast<void>(id);    // the row's key: bound by update() after the columns
        static_cast<void>(wards); // a join table: write_children()
        stmt.bind(1, code)
            .bind(2, name)
            .bind(3, kind)
            .bind(4, site.value)
            .bind(5, cleaning_minutes)
            .bind(6, move_minutes)
            .bind(7, codec::encode(capabilities, "capabilities"))
            .bind(8, codec::encode(out_of_service, "out_of_service"));
        return 8;
    }

    Device read_row(const Statement& s) override {
        Device r;
        auto& [id, code, name, kind, site, wards, cleaning_minutes, move_minutes, capabilities,
               out_of_service] = r; // every field: a new one stops this compiling
        static_cast<void>(wards);   // a join table: load_children()
        id = DeviceId(s.get_int(0));
        code = s.get_text(1);
        name = s.get_text(2);
        kind = s.get_text(3);
        site = SiteId(s.get_int(4));
        cleaning_minutes = s.get_int32(5);
        move_minutes = s.get_int32(6);
        capabilities = codec::decode_words(s.get_text(7));
        out_of_service = codec::decode_periods(s.get_text(8));
        return r;
    }

    void load_children(Device& r) override {
        r.wards = load_ids<WardId>(db(), sql::k_device_wards, r.id.value);
    }

    void write_children(std::int64_t id, const Device& r) override {
        write_ids(db(), sql::k_device_wards_clear, sql::k_device_ward_insert, id, r.wards);
    }

    std::vector<std::string> changed_fields(const Device& a, const Device& b) override {
        const auto& [id, code, name, kind, site, wards, cleaning_minutes, move_minutes,
                     capabilities, out_of_service] =
            a;                 // every field: a new one stops this compiling
        static_cast<void>(id); // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("name", name, b.name)
            .field("kind", kind, b.kind)
            .field("site", site, b.site)
            .field("wards", wards, b.wards)
            .field("cleaning_minutes", cleaning_minutes, b.cleaning_minutes)
            .field("move_minutes", move_minutes, b.move_minutes)
            .field("capabilities", capabilities, b.capabilities)
            .field("out_of_service", out_of_service, b.out_of_service)
            .names();
    }
};

// --- staff ----------------------------------------------------------------------------------

class StaffRepository final : public RecordRepository<Staff, StaffId> {
public:
    explicit StaffRepository(Context& ctx)
        : RecordRepository(ctx, "staff", sql::k_staff, sql::k_staff_dependants) {}

protected:
    void check_references(const Staff& r) override {
        require_refs(db(), sql::k_ward.exists, "wards", "ward", r.wards);
        // All on one site, as in the scenario format: shifts are read in one site's time zone.
        std::int64_t first_site = 0;
        std::string first_code;
        for (std::size_t i = 0; i < r.wards.size(); ++i) {
            auto stmt = db().prepare(sql::k_ward_site);
            stmt.bind(1, r.wards[i].value);
            if (!stmt.step()) {
                continue;
            }
            if (i == 0) {
                first_site = stmt.get_int(0);
                first_code = stmt.get_text(1);
            } else if (stmt.get_int(0) != first_site) {
                throw InvalidInput(fmt::format("wards[{}]", i),
                                   fmt::format("ward {} is on another site than ward {} (shifts "
                                               "are read in one site's time zone)",
                                               stmt.get_text(1), first_code));
            }
        }
    }

    int bind_columns(Statement& stmt, const Staff& r) override {
        const auto& [id, code, name, wards, competences, shifts, weekly_shifts] = r;
        static_cast<void>(id);    // the row's key: bound by update() after the columns
        static_cast<void>(wards); // a join table: write_children()
        stmt.bind(1, code)
            .bind(2, name)
            .bind(3, codec::encode(competences, "competences"))
            .bind(4, codec::encode(shifts, "shifts"))
            .bind(5, codec::encode(weekly_shifts, "weekly_shifts"));
        return 5;
    }

    Staff read_row(const Statement& s) override {
        Staff r;
        auto& [id, code, name, wards, competences, shifts, weekly_shifts] =
            r;                    // every field: a new one stops this compiling
        static_cast<void>(wards); // a join table: load_children()
        id = StaffId(s.get_int(0));
        code = s.get_text(1);
        name = s.get_text(2);
        competences = codec::decode_words(s.get_text(3));
        shifts = codec::decode_periods(s.get_text(4));
        weekly_shifts = codec::decode_windows(s.get_text(5));
        return r;
    }

    void load_children(Staff& r) override {
        r.wards = load_ids<WardId>(db(), sql::k_staff_wards, r.id.value);
    }

    void write_children(std::int64_t id, const Staff& r) override {
        write_ids(db(), sql::k_staff_wards_clear, sql::k_staff_ward_insert, id, r.wards);
    }

    std::vector<std::string> changed_fields(const Staff& a, const Staff& b) override {
        const auto& [id, code, name, wards, competences, shifts, weekly_shifts] =
            a;                 // every field: a new one stops this compiling
        static_cast<void>(id); // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("name", name, b.name)
            .field("wards", wards, b.wards)
            .field("competences", competences, b.competences)
            .field("shifts", shifts, b.shifts)
            .field("weekly_shifts", weekly_shifts, b.weekly_shifts)
            .names();
    }
};

// --- call requests --------------------------------------------------------------------------

class RequestRepository final : public RecordRepository<CallRequest, RequestId> {
public:
    explicit RequestRepository(Context& ctx)
        : RecordRepository(ctx, "request", sql::k_request, sql::k_request_dependants) {}

protected:
    void check_references(const CallRequest& r) override {
        require_ref(db(), sql::k_resident.exists, "resident", "resident", r.resident);
        require_refs(db(), sql::k_contact.exists, "contacts", "contact", r.contacts);
    }

    int bind_columns(Statement& stmt, const CallRequest& r) override {
        const auto& [id, code, resident, contacts, calls, duration_minutes, priority, max_per_day,
                     preferred, fixed, active] = r;
        static_cast<void>(id);       // the row's key: bound by update() after the columns
        static_cast<void>(contacts); // a join table: write_children()
        std::optional<int> weekday;
        std::optional<int> start;
        if (fixed) {
            const auto& [fixed_weekday, fixed_start] = *fixed;
            weekday = fixed_weekday;
            start = fixed_start;
        }
        stmt.bind(1, code)
            .bind(2, resident.value)
            .bind(3, calls)
            .bind(4, duration_minutes)
            .bind(5, priority)
            .bind(6, max_per_day)
            .bind(7, codec::encode(preferred, "preferred"))
            .bind(8, weekday)
            .bind(9, start)
            .bind(10, active);
        return 10;
    }

    CallRequest read_row(const Statement& s) override {
        CallRequest r;
        auto& [id, code, resident, contacts, calls, duration_minutes, priority, max_per_day,
               preferred, fixed, active] = r; // every field: a new one stops this compiling
        static_cast<void>(contacts);          // a join table: load_children()
        id = RequestId(s.get_int(0));
        code = s.get_text(1);
        resident = ResidentId(s.get_int(2));
        calls = s.get_int32(3);
        duration_minutes = s.get_int32(4);
        priority = s.get_int32(5);
        max_per_day = opt_int32(s, 6);
        preferred = codec::decode_windows(s.get_text(7));
        if (!s.is_null(8)) {
            fixed = FixedTime{s.get_int32(8), s.get_int32(9)};
        }
        active = s.get_bool(10);
        return r;
    }

    void load_children(CallRequest& r) override {
        r.contacts = load_ids<ContactId>(db(), sql::k_request_contacts, r.id.value);
    }

    void write_children(std::int64_t id, const CallRequest& r) override {
        write_ids(db(), sql::k_request_contacts_clear, sql::k_request_contact_insert, id,
                  r.contacts);
    }

    std::vector<std::string> changed_fields(const CallRequest& a, const CallRequest& b) override {
        const auto& [id, code, resident, contacts, calls, duration_minutes, priority, max_per_day,
                     preferred, fixed, active] = a; // every field: a new one stops this compiling
        static_cast<void>(id);                      // never changes
        return Diff{}
            .field("code", code, b.code)
            .field("resident", resident, b.resident)
            .field("contacts", contacts, b.contacts)
            .field("calls", calls, b.calls)
            .field("duration_minutes", duration_minutes, b.duration_minutes)
            .field("priority", priority, b.priority)
            .field("max_per_day", max_per_day, b.max_per_day)
            .field("preferred", preferred, b.preferred)
            .field("fixed", fixed, b.fixed)
            .field("active", active, b.active)
            .names();
    }
};

// --- approvals ------------------------------------------------------------------------------

class SqliteApprovalRepository final : public ApprovalRepository {
public:
    explicit SqliteApprovalRepository(Context& ctx) : m_ctx(ctx) {}

    void put(const Approval& a) override {
        validate(a);
        TxGuard tx(m_ctx.db, m_ctx.change_mode());
        require_ref(m_ctx.db, sql::k_resident.exists, "resident", "resident", a.resident);
        require_ref(m_ctx.db, sql::k_contact.exists, "contact", "contact", a.contact);
        auto before = find(a.resident, a.contact);
        if (before && *before == a) {
            tx.commit();
            return;
        }
        {
            const auto& [resident, contact, approved, key_contact, restrictions] = a;
            auto stmt = m_ctx.db.prepare(sql::k_approval_upsert);
            stmt.bind(1, resident.value)
                .bind(2, contact.value)
                .bind(3, approved)
                .bind(4, key_contact)
                .bind(5, restrictions)
                .run();
        }
        std::string details = "{}";
        if (before) {
            details = changed_json(Diff{}
                                       .field("approved", before->approved, a.approved)
                                       .field("key_contact", before->key_contact, a.key_contact)
                                       .field("restrictions", before->restrictions, a.restrictions)
                                       .names());
        }
        m_ctx.write_audit(before ? "update" : "add", "approval", a.resident.value,
                          link_code(a.resident, a.contact), details);
        tx.commit();
    }

    void revoke(ResidentId r, ContactId c) override {
        TxGuard tx(m_ctx.db, m_ctx.change_mode());
        auto code = link_code(r, c);
        if (!find(r, c)) {
            throw NotFound::record("approval", code);
        }
        {
            auto stmt = m_ctx.db.prepare(sql::k_approval_delete);
            stmt.bind(1, r.value).bind(2, c.value).run();
        }
        m_ctx.write_audit("remove", "approval", r.value, code, "{}");
        tx.commit();
    }

    [[nodiscard]] std::optional<Approval> find(ResidentId r, ContactId c) override {
        auto stmt = m_ctx.db.prepare(sql::k_approval_find);
        stmt.bind(1, r.value).bind(2, c.value);
        if (stmt.step()) {
            return read(stmt);
        }
        return std::nullopt;
    }

    [[nodiscard]] std::vector<Approval> for_resident(ResidentId r) override {
        return select(sql::k_approval_for_resident, r.value);
    }

    [[nodiscard]] std::vector<Approval> for_contact(ContactId c) override {
        return select(sql::k_approval_for_contact, c.value);
    }

    [[nodiscard]] std::vector<Approval> list() override {
        return select(sql::k_approval_all, std::nullopt);
    }

private:
    static Approval read(const Statement& s) {
        Approval a;
        auto& [resident, contact, approved, key_contact, restrictions] = a; // every field
        resident = ResidentId(s.get_int(0));
        contact = ContactId(s.get_int(1));
        approved = s.get_bool(2);
        key_contact = s.get_bool(3);
        restrictions = s.get_text(4);
        return a;
    }

    std::vector<Approval> select(std::string_view query, std::optional<std::int64_t> id) {
        std::vector<Approval> out;
        auto stmt = m_ctx.db.prepare(query);
        if (id) {
            stmt.bind(1, *id);
        }
        while (stmt.step()) {
            out.push_back(read(stmt));
        }
        return out;
    }

    /// "R1/C1": the codes of both ends (the id where a record is missing).
    std::string link_code(ResidentId r, ContactId c) {
        return code_of(sql::k_resident_code, r.value) + "/" + code_of(sql::k_contact_code, c.value);
    }

    std::string code_of(std::string_view query, std::int64_t id) {
        auto stmt = m_ctx.db.prepare(query);
        stmt.bind(1, id);
        return stmt.step() ? stmt.get_text(0) : std::to_string(id);
    }

    Context& m_ctx;
};

} // namespace

std::unique_ptr<Repository<Site, SiteId>> make_site_repository(Context& ctx) {
    return std::make_unique<SiteRepository>(ctx);
}
std::unique_ptr<Repository<Ward, WardId>> make_ward_repository(Context& ctx) {
    return std::make_unique<WardRepository>(ctx);
}
std::unique_ptr<Repository<Resident, ResidentId>> make_resident_repository(Context& ctx) {
    return std::make_unique<ResidentRepository>(ctx);
}
std::unique_ptr<Repository<Contact, ContactId>> make_contact_repository(Context& ctx) {
    return std::make_unique<ContactRepository>(ctx);
}
std::unique_ptr<Repository<Device, DeviceId>> make_device_repository(Context& ctx) {
    return std::make_unique<DeviceRepository>(ctx);
}
std::unique_ptr<Repository<Staff, StaffId>> make_staff_repository(Context& ctx) {
    return std::make_unique<StaffRepository>(ctx);
}
std::unique_ptr<Repository<CallRequest, RequestId>> make_request_repository(Context& ctx) {
    return std::make_unique<RequestRepository>(ctx);
}
std::unique_ptr<ApprovalRepository> make_approval_repository(Context& ctx) {
    return std::make_unique<SqliteApprovalRepository>(ctx);
}

} // namespace carecall::sqlite
