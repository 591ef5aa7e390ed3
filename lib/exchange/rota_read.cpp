// Reading a "carecall-rota/1" document for import (carecall import rota): the file's calls as
// bookings of a store, every code resolved; planning's save_calls checks and writes them.
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"
#include "exchange/json_detail.hpp"

namespace carecall {

using nlohmann::json;

struct RotaDocument::Data {
    std::string name;
    json doc;
};

RotaDocument::RotaDocument(std::shared_ptr<const Data> data) : m_data(std::move(data)) {}

const std::string& RotaDocument::name() const noexcept {
    return m_data->name;
}

std::size_t RotaDocument::size() const noexcept {
    return m_data->doc["calls"].size();
}

namespace {

Booking call_of(Store& store, const json& c, std::size_t i, const std::string& file) {
    auto path = [&](const char* field) { return fmt::format("{}: calls[{}].{}", file, i, field); };
    auto text = [&](const char* field) -> std::string {
        if (!c.contains(field) || !c[field].is_string() || c[field].get<std::string>().empty()) {
            throw InvalidInput(path(field), "is required (a code)");
        }
        return c[field].get<std::string>();
    };
    auto instant = [&](const char* field) {
        auto t = text(field);
        auto reading = read_time_phrase(t, find_zone("UTC"), Instant{}, path(field));
        if (!reading.explicit_offset || reading.instants.size() != 1) {
            throw InvalidInput(path(field),
                               fmt::format("{} is not a UTC time like 2027-03-28T10:15:00Z", t));
        }
        // "now" has no date of its own here (it reads as 1970): the UTC date must be in range.
        check_date_range(Date{date::floor<date::days>(reading.instants.front())}, path(field));
        return reading.instants.front();
    };
    auto unknown = [&](const char* field, const char* kind, const std::string& code) {
        return InvalidInput(path(field), fmt::format("no {} with code {}", kind, code));
    };
    Booking b;
    auto rcode = text("resident");
    auto r = store.residents().find_by_code(rcode);
    if (!r) {
        throw unknown("resident", "resident", rcode);
    }
    b.resident = r->id;
    std::vector<std::string> codes;
    if (c.contains("contacts") && c["contacts"].is_array() && !c["contacts"].empty()) {
        for (const auto& x : c["contacts"]) {
            if (!x.is_string()) {
                throw InvalidInput(path("contacts"), "must be a list of contact codes");
            }
            codes.push_back(x.get<std::string>());
        }
    } else {
        codes.push_back(text("contact"));
    }
    for (const auto& code : codes) {
        auto ct = store.contacts().find_by_code(code);
        if (!ct) {
            throw unknown("contact", "contact", code);
        }
        b.contacts.push_back(ct->id);
    }
    auto dcode = text("device");
    auto d = store.devices().find_by_code(dcode);
    if (!d) {
        throw unknown("device", "device", dcode);
    }
    b.device = d->id;
    if (c.contains("staff") && !c["staff"].is_null()) {
        auto scode = text("staff");
        auto st = store.staff().find_by_code(scode);
        if (!st) {
            throw unknown("staff", "member of staff", scode);
        }
        b.staff = st->id;
    }
    if (c.contains("request") && !c["request"].is_null()) {
        auto qcode = text("request");
        auto q = store.requests().find_by_code(qcode);
        if (!q) {
            throw unknown("request", "request", qcode);
        }
        if (q->resident != r->id) {
            throw InvalidInput(
                path("request"),
                fmt::format("{} is a request of another resident, not {}", qcode, rcode));
        }
        b.request = q->id;
        b.priority = q->priority;
    }
    b.start = instant("start_utc");
    b.end = instant("end_utc");
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(b.end - b.start).count();
    if (minutes <= 0 || minutes > 1440) {
        throw InvalidInput(
            path("end_utc"),
            fmt::format("{} must be after start_utc, by at most 1440 minutes", text("end_utc")));
    }
    b.reason = "imported rota";
    b.source = BookingSource::imported;
    return b;
}

} // namespace

RotaDocument read_rota_document(std::string_view json_text, const std::string& name) {
    const auto& file = name;
    json doc;
    try {
        doc = exchange_detail::parse_json_document(json_text, file);
    } catch (const json::parse_error& e) {
        throw InvalidInput(file, fmt::format("not JSON (at byte {})", e.byte));
    } catch (const json::exception& e) { // a number too large to hold
        throw InvalidInput(file, fmt::format("not valid JSON: {}", e.what()));
    }
    if (!doc.is_object() || !doc.contains("format") || doc["format"] != "carecall-rota/1") {
        throw InvalidInput(fmt::format("{}: format", file), "must be \"carecall-rota/1\"");
    }
    if (!doc.contains("calls") || !doc["calls"].is_array()) {
        throw InvalidInput(fmt::format("{}: calls", file), "must be a list of calls");
    }
    return RotaDocument(
        std::make_shared<const RotaDocument::Data>(RotaDocument::Data{name, std::move(doc)}));
}

std::vector<Booking> rota_document_calls(Store& store, const RotaDocument& document) {
    const auto& doc = document.data().doc;
    const auto& file = document.name();
    std::vector<Booking> calls;
    auto tx = store.begin(TxKind::read);
    for (std::size_t i = 0; i < doc["calls"].size(); ++i) {
        const auto& c = doc["calls"][i];
        if (!c.is_object()) {
            throw InvalidInput(fmt::format("{}: calls[{}]", file, i), "must be an object");
        }
        calls.push_back(call_of(store, c, i, file));
    }
    tx->commit();
    return calls;
}

} // namespace carecall
