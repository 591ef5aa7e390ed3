// The booking repository: calls on devices, with their contacts; every change audited.
#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/sqlite/booking_repository.hpp"
#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {
namespace {

std::int64_t seconds(Instant t) {
    return t.time_since_epoch().count();
}
Instant instant(std::int64_t s) {
    return Instant{std::chrono::seconds{s}};
}

std::int64_t now_seconds() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
        .time_since_epoch()
        .count();
}

/// The state of a booking an audit row keeps: ids, times and status, never names.
nlohmann::json audit_state(const Booking& b) {
    nlohmann::json j{{"start", format_utc(b.start)},
                     {"end", format_utc(b.end)},
                     {"device", b.device.value},
                     {"resident", b.resident.value},
                     {"status", to_string(b.status)}};
    if (b.hours_overridden) {
        j["hours_overridden"] = true; // an end-of-life call outside calling hours
    }
    return j;
}

/// What an audit row says of a booking: its state after the change and, for a change of an
/// existing booking, the fields that changed and the state before.
std::string audit_details(const Booking& b, const std::vector<std::string>& changed = {},
                          const Booking* before = nullptr) {
    nlohmann::json j = audit_state(b);
    if (!changed.empty()) {
        j["changed"] = changed;
    }
    if (before != nullptr) {
        j["before"] = audit_state(*before);
    }
    return j.dump();
}

class SqliteBookingRepository final : public BookingRepository {
public:
    explicit SqliteBookingRepository(Context& ctx) : m_ctx(ctx) {}

    BookingId add(const Booking& in) override {
        validate(in);
        TxGuard tx(db(), m_ctx.change_mode());
        Booking b = in;
        b.id = BookingId(db().query_int(sql::k_booking_next_id));
        if (b.code.empty()) {
            b.code = fmt::format("B-{}", b.id.value);
        }
        if (auto taken = find_by_code(b.code)) {
            // Codes are unique without regard to case (the unique index says so too).
            throw Conflict(taken->code == b.code
                               ? fmt::format("booking {} already exists", b.code)
                               : fmt::format("booking {} already exists as {} (codes are the "
                                             "same whatever their case)",
                                             b.code, taken->code),
                           "duplicate_code");
        }
        {
            auto stmt = db().prepare(sql::k_booking_insert);
            stmt.bind(1, b.id.value).bind(2, b.code).bind(3, b.resident.value);
            bind_common(stmt, b, 4);
            stmt.bind(18, now_seconds());
            stmt.run();
        }
        for (std::size_t i = 0; i < b.contacts.size(); ++i) {
            auto stmt = db().prepare(sql::k_booking_contact_insert);
            stmt.bind(1, b.id.value)
                .bind(2, b.contacts[i].value)
                .bind(3, static_cast<std::int64_t>(i))
                .run();
        }
        m_ctx.write_audit("book", "booking", b.id.value, b.code, audit_details(b));
        tx.commit();
        return b.id;
    }

    void update(const Booking& b) override {
        validate(b);
        TxGuard tx(db(), m_ctx.change_mode());
        auto before = find(b.id);
        if (!before) {
            throw NotFound::record("booking", std::to_string(b.id.value));
        }
        write(b, std::nullopt);
        m_ctx.write_audit(action_for(*before, b), "booking", b.id.value, before->code,
                          audit_details(b, changed(*before, b), &*before));
        tx.commit();
    }

    bool transition(const Booking& b, BookingStatus expected) override {
        TxGuard tx(db(), m_ctx.change_mode());
        auto before = find(b.id);
        if (!before || before->status != expected) {
            return false;
        }
        if (!write(b, expected)) {
            return false;
        }
        m_ctx.write_audit(action_for(*before, b), "booking", b.id.value, before->code,
                          audit_details(b, changed(*before, b), &*before));
        tx.commit();
        return true;
    }

    int clear_reasons(const std::vector<BookingId>& ids) override {
        TxGuard tx(db(), m_ctx.change_mode());
        int cleared = 0;
        auto now = now_seconds();
        for (auto id : ids) {
            auto stmt = db().prepare(sql::k_booking_clear_reason);
            stmt.bind(1, id.value).bind(2, now).run();
            cleared += sqlite3_changes(db().handle()) > 0 ? 1 : 0;
        }
        tx.commit();
        return cleared;
    }

    int rename_series(std::string_view from, std::string_view to) override {
        if (from.empty() || from == to) {
            return 0;
        }
        TxGuard tx(db(), m_ctx.change_mode());
        auto stmt = db().prepare(sql::k_booking_rename_series);
        stmt.bind(1, from).bind(2, to).bind(3, now_seconds()).run();
        int renamed = sqlite3_changes(db().handle());
        tx.commit();
        return renamed;
    }

    int purge_ended_before(Instant cutoff) override {
        TxGuard tx(db(), m_ctx.change_mode());
        std::int64_t count = 0;
        {
            auto stmt = db().prepare(sql::k_booking_count_ended_before);
            stmt.bind(1, seconds(cutoff));
            count = stmt.step() ? stmt.get_int(0) : 0;
        }
        if (count > 0) {
            auto stmt = db().prepare(sql::k_booking_delete_ended_before);
            stmt.bind(1, seconds(cutoff)).run();
        }
        tx.commit();
        return static_cast<int>(count);
    }

    std::optional<Booking> find(BookingId id) override {
        return one(sql::k_booking_by_id, [&](Statement& s) { s.bind(1, id.value); });
    }

    std::optional<Booking> find_by_code(std::string_view code) override {
        return one(sql::k_booking_by_code, [&](Statement& s) { s.bind(1, code); });
    }

    std::vector<Booking> list(const BookingQuery& q) override {
        TxGuard tx(db(), m_ctx.read_mode());
        std::vector<Booking> rows;
        auto from = q.from ? seconds(*q.from) : std::numeric_limits<std::int64_t>::min() / 2;
        auto to = q.to ? seconds(*q.to) : std::numeric_limits<std::int64_t>::max() / 2;
        std::vector<std::int64_t> residents;
        for (auto r : q.residents) {
            residents.push_back(r.value);
        }
        for (auto w : q.wards) {
            auto stmt = db().prepare(sql::k_residents_of_ward);
            stmt.bind(1, w.value);
            while (stmt.step()) {
                residents.push_back(stmt.get_int(0));
            }
        }
        auto by = [&](std::string_view text, std::int64_t id) {
            auto stmt = db().prepare(text);
            stmt.bind(1, from).bind(2, to).bind(3, id);
            while (stmt.step()) {
                rows.push_back(read_row(stmt));
            }
        };
        bool any_party = !q.devices.empty() || !residents.empty() || !q.contacts.empty() ||
                         !q.staff.empty() || !q.wards.empty();
        bool only_waiting =
            q.statuses.size() == 1 && q.statuses.front() == BookingStatus::waitlisted;
        if (!q.from && !q.to && !any_party && only_waiting) {
            auto stmt = db().prepare(sql::k_booking_waiting);
            while (stmt.step()) {
                rows.push_back(read_row(stmt));
            }
        } else if (q.match_any || any_party) {
            // Through the narrowest index: each party's own bookings in the time range.
            if (q.match_any) {
                for (auto d : q.devices) {
                    by(sql::k_booking_between_device, d.value);
                }
                for (auto r : residents) {
                    by(sql::k_booking_between_resident, r);
                }
                for (auto c : q.contacts) {
                    by(sql::k_booking_between_contact, c.value);
                }
                for (auto s : q.staff) {
                    by(sql::k_booking_between_staff, s.value);
                }
            } else if (!residents.empty()) {
                for (auto r : residents) {
                    by(sql::k_booking_between_resident, r);
                }
            } else if (!q.devices.empty()) {
                for (auto d : q.devices) {
                    by(sql::k_booking_between_device, d.value);
                }
            } else if (!q.contacts.empty()) {
                for (auto c : q.contacts) {
                    by(sql::k_booking_between_contact, c.value);
                }
            } else {
                for (auto s : q.staff) {
                    by(sql::k_booking_between_staff, s.value);
                }
            }
        } else {
            auto stmt = db().prepare(sql::k_booking_between);
            stmt.bind(1, from).bind(2, to);
            while (stmt.step()) {
                rows.push_back(read_row(stmt));
            }
        }
        std::sort(rows.begin(), rows.end(), [](const Booking& a, const Booking& b) {
            return std::pair(a.start, a.id) < std::pair(b.start, b.id);
        });
        rows.erase(std::unique(rows.begin(), rows.end(),
                               [](const Booking& a, const Booking& b) { return a.id == b.id; }),
                   rows.end());
        std::vector<Booking> out;
        for (auto& b : rows) {
            b.contacts = contacts_of(b.id);
            if (!q.statuses.empty() &&
                std::find(q.statuses.begin(), q.statuses.end(), b.status) == q.statuses.end()) {
                continue;
            }
            if (!q.match_any && !matches_all(q, residents, b)) {
                continue;
            }
            out.push_back(std::move(b));
        }
        tx.commit();
        return out;
    }

    std::vector<std::pair<ResidentId, Instant>> last_completed(Instant at) override {
        TxGuard tx(db(), m_ctx.read_mode());
        std::vector<std::pair<ResidentId, Instant>> out;
        auto stmt = db().prepare(sql::k_booking_last_completed);
        stmt.bind(1, seconds(at));
        while (stmt.step()) {
            out.emplace_back(ResidentId(stmt.get_int(0)), instant(stmt.get_int(1)));
        }
        tx.commit();
        return out;
    }

private:
    Connection& db() { return m_ctx.db; }

    static bool matches_all(const BookingQuery& q, const std::vector<std::int64_t>& residents,
                            const Booking& b) {
        auto has = [](const auto& v, auto x) {
            return v.empty() || std::find(v.begin(), v.end(), x) != v.end();
        };
        if (!(q.residents.empty() && q.wards.empty()) && !has(residents, b.resident.value)) {
            return false;
        }
        if (!has(q.devices, b.device)) {
            return false;
        }
        if (!q.staff.empty() && (!b.staff || !has(q.staff, *b.staff))) {
            return false;
        }
        if (!q.contacts.empty()) {
            bool any = std::any_of(b.contacts.begin(), b.contacts.end(), [&](ContactId c) {
                return std::find(q.contacts.begin(), q.contacts.end(), c) != q.contacts.end();
            });
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /// Binds the columns shared by insert and update, from `first` on: device, staff, start,
    /// end, priority, status, outcome, reason, request, pinned, override, series, source.
    /// Takes the booking apart whole, so that a new field of Booking stops this compiling until
    /// it has a column (model.hpp).
    static void bind_common(Statement& s, const Booking& b, int first) {
        const auto& [id, code, resident, contacts, device, staff, start, end, priority, status,
                     outcome, reason, source, request, pinned, availability_overridden,
                     hours_overridden, series] = b;
        // The id, code and resident are bound by the insert alone (an update never changes
        // them); the contacts live in booking_contact.
        static_cast<void>(id);
        static_cast<void>(code);
        static_cast<void>(resident);
        static_cast<void>(contacts);
        s.bind(first, device.value);
        if (staff) {
            s.bind(first + 1, staff->value);
        } else {
            s.bind(first + 1, nullptr);
        }
        s.bind(first + 2, seconds(start)).bind(first + 3, seconds(end)).bind(first + 4, priority);
        s.bind(first + 5, to_string(status))
            .bind(first + 6, to_string(outcome))
            .bind(first + 7, reason);
        if (request) {
            s.bind(first + 8, request->value);
        } else {
            s.bind(first + 8, nullptr);
        }
        s.bind(first + 9, pinned ? 1 : 0).bind(first + 10, availability_overridden ? 1 : 0);
        s.bind(first + 11, series).bind(first + 12, to_string(source));
        s.bind(first + 13, hours_overridden ? 1 : 0);
    }

    bool write(const Booking& b, std::optional<BookingStatus> expected) {
        auto stmt = db().prepare(expected ? sql::k_booking_transition : sql::k_booking_update);
        stmt.bind(1, b.id.value);
        bind_common(stmt, b, 2);
        stmt.bind(16, now_seconds());
        if (expected) {
            stmt.bind(17, to_string(*expected));
        }
        stmt.run();
        return sqlite3_changes(db().handle()) == 1;
    }

    static std::string action_for(const Booking& before, const Booking& after) {
        if (before.status == after.status) {
            return before.start != after.start || before.device != after.device ? "move" : "update";
        }
        switch (after.status) {
        case BookingStatus::cancelled:
            return "cancel";
        case BookingStatus::completed:
            return "complete";
        case BookingStatus::missed:
            return "missed";
        case BookingStatus::waitlisted:
            return "waitlist";
        case BookingStatus::booked:
            // Back to booked: an outcome taken back, else a waiting call given a time.
            return before.status == BookingStatus::completed ||
                           before.status == BookingStatus::missed
                       ? "reopen"
                       : "move";
        }
        return "update";
    }

    static std::vector<std::string> changed(const Booking& a, const Booking& b) {
        std::vector<std::string> out;
        auto field = [&](const char* name, bool differs) {
            if (differs) {
                out.emplace_back(name);
            }
        };
        field("device", a.device != b.device);
        field("staff", a.staff != b.staff);
        field("start", a.start != b.start);
        field("end", a.end != b.end);
        field("priority", a.priority != b.priority);
        field("status", a.status != b.status);
        field("outcome", a.outcome != b.outcome);
        field("reason", a.reason != b.reason);
        field("source", a.source != b.source);
        field("pinned", a.pinned != b.pinned);
        field("availability_overridden", a.availability_overridden != b.availability_overridden);
        field("hours_overridden", a.hours_overridden != b.hours_overridden);
        return out;
    }

    template <class Bind>
    std::optional<Booking> one(std::string_view text, Bind bind) {
        TxGuard tx(db(), m_ctx.read_mode());
        std::optional<Booking> out;
        {
            auto stmt = db().prepare(text);
            bind(stmt);
            if (stmt.step()) {
                out = read_row(stmt);
            }
        }
        if (out) {
            out->contacts = contacts_of(out->id);
        }
        tx.commit();
        return out;
    }

    std::vector<ContactId> contacts_of(BookingId id) {
        std::vector<ContactId> out;
        auto stmt = db().prepare(sql::k_booking_contacts);
        stmt.bind(1, id.value);
        while (stmt.step()) {
            out.emplace_back(stmt.get_int(0));
        }
        return out;
    }

    /// The booking of the current row (CARECALL_BOOKING_COLUMNS), without its contacts. Filled
    /// through a binding of all its fields, as bind_common() reads them (model.hpp).
    Booking read_row(const Statement& s) {
        Booking b;
        auto& [id, code, resident, contacts, device, staff, start, end, priority, status, outcome,
               reason, source, request, pinned, availability_overridden, hours_overridden, series] =
            b;
        static_cast<void>(contacts); // booking_contact: contacts_of()
        id = BookingId(s.get_int(0));
        code = s.get_text(1);
        resident = ResidentId(s.get_int(2));
        device = DeviceId(s.get_int(3));
        if (!s.is_null(4)) {
            staff = StaffId(s.get_int(4));
        }
        start = instant(s.get_int(5));
        end = instant(s.get_int(6));
        priority = s.get_int32(7);
        try {
            status = parse_booking_status(s.get_text(8));
            outcome = parse_call_outcome(s.get_text(9));
            source = parse_booking_source(s.get_text(15));
        } catch (const InvalidInput&) {
            throw m_ctx.unreadable("booking", id.value);
        }
        reason = s.get_text(10);
        if (!s.is_null(11)) {
            request = RequestId(s.get_int(11));
        }
        pinned = s.get_bool(12);
        availability_overridden = s.get_bool(13);
        series = s.get_text(14);
        hours_overridden = s.get_bool(16);
        return b;
    }

    Context& m_ctx;
};

} // namespace

std::unique_ptr<BookingRepository> make_booking_repository(Context& ctx) {
    return std::make_unique<SqliteBookingRepository>(ctx);
}

namespace {

/// The ids a one-parameter query returns (ids by ward), in one read.
template <class IdT>
std::vector<IdT> ids_for_ward(Context& ctx, std::string_view query, WardId ward) {
    std::vector<IdT> out;
    TxGuard tx(ctx.db, ctx.read_mode());
    {
        auto stmt = ctx.db.prepare(query);
        stmt.bind(1, ward.value);
        while (stmt.step()) {
            out.emplace_back(stmt.get_int(0));
        }
    }
    tx.commit();
    return out;
}

} // namespace

std::vector<DeviceId> devices_for_ward(Context& ctx, WardId ward) {
    return ids_for_ward<DeviceId>(ctx, sql::k_devices_for_ward, ward);
}

std::vector<StaffId> staff_for_ward(Context& ctx, WardId ward) {
    return ids_for_ward<StaffId>(ctx, sql::k_staff_for_ward, ward);
}

} // namespace carecall::sqlite
