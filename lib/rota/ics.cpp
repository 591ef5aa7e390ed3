// The rota as an iCalendar file (RFC 5545) that calendar programs import and keep up to date:
// UTC times, a stable UID per booking, SEQUENCE from the booking's changes, cancelled calls.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "carecall/model.hpp"
#include "carecall/rota.hpp"
#include "rota/text.hpp"

namespace carecall {
namespace {

using namespace rota_text;

std::string ics_utc(Instant t) {
    return date::format("%Y%m%dT%H%M%SZ", t);
}

std::string lower(std::string s) {
    for (auto& ch : s) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return s;
}

std::string uid(const RotaCall& c) {
    auto host = lower(c.site_code.empty() ? std::string("site") : c.site_code) + ".carecall";
    if (c.booking.valid()) {
        return fmt::format("booking-{}@{}", c.booking.value, host);
    }
    // A call that is not stored (a solved scenario): its resident and start name it.
    return fmt::format("call-{}-{}@{}", lower(c.resident_code), ics_utc(c.start), host);
}

} // namespace

std::string ics_escape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char ch = text[i];
        switch (ch) {
        case '\\':
            out += "\\\\";
            break;
        case ';':
            out += "\\;";
            break;
        case ',':
            out += "\\,";
            break;
        case '\r':
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            out += "\\n";
            break;
        case '\n':
            out += "\\n";
            break;
        default: {
            // Other control characters are not allowed in TEXT (RFC 5545 3.3.11: CONTROL is
            // every C0 character but HTAB, DEL, and C1 as C2 80-9F in UTF-8): a space each.
            auto c = static_cast<unsigned char>(ch);
            auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
            if (c == 0xC2U && next >= 0x80U && next <= 0x9FU) {
                out += ' ';
                ++i;
            } else if ((c < 0x20U && ch != '\t') || c == 0x7FU) {
                out += ' ';
            } else {
                out += ch;
            }
        }
        }
    }
    return out;
}

std::string ics_fold(std::string_view line) {
    std::string out;
    std::size_t pos = 0;
    std::size_t limit = 75; // octets on the first line; continuation lines start with a space
    while (line.size() - pos > limit) {
        auto cut = pos + limit;
        // Never split a UTF-8 sequence: back up to the start of the character.
        while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0U) == 0x80U) {
            --cut;
        }
        out.append(line.substr(pos, cut - pos));
        out += "\r\n ";
        pos = cut;
        limit = 74;
    }
    out.append(line.substr(pos));
    out += "\r\n";
    return out;
}

std::string rota_ics(const Rota& rota, const IcsOptions& options) {
    std::string out;
    auto put = [&](std::string_view name, const std::string& value) {
        out += ics_fold(fmt::format("{}:{}", name, value));
    };
    put("BEGIN", "VCALENDAR");
    put("VERSION", "2.0");
    put("PRODID", fmt::format("-//carecall//carecall {}//EN", CARECALL_VERSION));
    put("CALSCALE", "GREGORIAN");
    put("METHOD", "PUBLISH");
    put("X-WR-CALNAME", ics_escape(options.calendar_name));
    for (const auto& c : rota.calls) {
        const RotaContact* me = nullptr;
        for (const auto& k : c.contacts) {
            if (same_code(k.code, options.for_contact)) {
                me = &k;
            }
        }
        std::vector<std::string> names;
        for (const auto& k : c.contacts) {
            names.push_back(k.name);
        }
        std::string with;
        for (const auto& n : names) {
            with += (with.empty() ? "" : ", ") + n;
        }
        std::string summary;
        std::vector<std::string> desc;
        if (me != nullptr) {
            summary = fmt::format("Video call with {}", c.resident_name);
            auto mine = their_time(c, *me);
            desc.push_back(fmt::format("Your time: {}",
                                       mine.empty() ? span(c.start, c.end, c.site_tz) : mine));
            desc.push_back(
                fmt::format("Time at {}: {}", c.site_name, span(c.start, c.end, c.site_tz)));
            desc.push_back(fmt::format("The ward calls you on {}", c.device_name));
            if (c.contacts.size() > 1) {
                desc.push_back(fmt::format("Also on the call: {}", with));
            }
        } else {
            summary = fmt::format("Call: {}{} with {}", c.resident_name,
                                  c.room.empty() ? "" : fmt::format(" ({})", c.room), with);
            desc.push_back(fmt::format("Site time: {}", span(c.start, c.end, c.site_tz)));
            for (const auto& k : c.contacts) {
                auto t = their_time(c, k);
                desc.push_back(fmt::format("{}{}{}", who(k), k.reach.empty() ? "" : ": " + k.reach,
                                           t.empty() ? "" : fmt::format(" (their time {})", t)));
            }
            desc.push_back(fmt::format("Device: {}", c.device_name));
            desc.push_back(
                fmt::format("Helper: {}", c.staff_name.empty() ? "none needed" : c.staff_name));
            for (const auto& p : c.preparation) {
                desc.push_back("Prepare: " + p);
            }
        }
        auto risks = risk_lines(c);
        desc.insert(desc.begin(), risks.begin(), risks.end());
        if (!c.code.empty()) {
            desc.push_back(fmt::format("Booking {}", c.code));
        }
        std::string description;
        for (const auto& d : desc) {
            description += (description.empty() ? "" : "\n") + d;
        }
        bool cancelled = !is_active(c);
        put("BEGIN", "VEVENT");
        put("UID", uid(c));
        put("DTSTAMP", ics_utc(c.updated.value_or(c.start)));
        put("SEQUENCE", std::to_string(c.sequence));
        put("DTSTART", ics_utc(c.start));
        put("DTEND", ics_utc(c.end));
        put("SUMMARY", ics_escape(cancelled            ? "Cancelled: " + summary
                                  : !c.at_risk.empty() ? "AT RISK: " + summary
                                                       : summary));
        put("DESCRIPTION", ics_escape(description));
        std::string location = c.site_name;
        if (!c.ward_name.empty()) {
            location += ", " + c.ward_name;
        }
        if (!c.room.empty()) {
            location += ", room " + c.room;
        }
        put("LOCATION", ics_escape(location));
        put("STATUS", cancelled ? "CANCELLED" : "CONFIRMED");
        put("TRANSP", "OPAQUE");
        put("END", "VEVENT");
    }
    put("END", "VCALENDAR");
    return out;
}

} // namespace carecall
