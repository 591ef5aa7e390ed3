// The rota as a printable run-sheet for the ward noticeboard: one A4 page per ward and date, the
// calls in a table, and a timeline per device in inline SVG whose bars differ by pattern and
// label (not by colour), so a black-and-white print reads the same.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "carecall/rota.hpp"
#include "rota/text.hpp"

namespace carecall {
namespace {

using namespace rota_text;

std::string esc(std::string_view s) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += ch;
        }
    }
    return out;
}

constexpr const char* k_style = R"(
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #000;
       background: #fff; margin: 0; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
section.sheet { break-after: page; page-break-after: always; }
section.sheet:last-child { break-after: auto; page-break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm 0; }
h2 { font-size: 11pt; margin: 4mm 0 1mm 0; }
p.meta { margin: 0 0 3mm 0; }
table.calls { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.calls th, table.calls td { border: 0.3mm solid #000; padding: 1mm 1.2mm; text-align: left;
       vertical-align: top; }
table.calls th { background: #e6e6e6; font-size: 8.5pt; }
table.calls tr { break-inside: avoid; page-break-inside: avoid; }
td.time { font-weight: bold; white-space: nowrap; font-size: 9pt; }
span.nowrap { white-space: nowrap; }
td.prep { font-size: 8pt; }
td.state { font-size: 7.5pt; }
td.prep div { padding-left: 3.2mm; text-indent: -3.2mm; }
td.device { white-space: nowrap; }
tr.off td { text-decoration: line-through; }
tr.off td.state { text-decoration: none; font-weight: bold; }
tr.risk td { border-top: 2pt solid #000; border-bottom: 2pt solid #000; }
tr.risk td.state, div.risk { font-weight: bold; }
svg { display: block; margin-bottom: 2mm; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; }

)";

/// Minutes after the local midnight of `d` in `tz`.
double minutes_of(Instant t, Date d, const std::string& tz) {
    auto local = to_local(t, find_zone(tz));
    auto since = local - date::local_seconds{date::local_days{d}.time_since_epoch()};
    return static_cast<double>(since.count()) / 60.0;
}

/// "09:00-09:30" over the zone's abbreviation.
std::string time_cell(const RotaCall& c) {
    auto text = span(c.start, c.end, c.site_tz);
    auto cut = text.rfind(' ');
    return esc(text.substr(0, cut)) + "<br><small>" + esc(text.substr(cut + 1)) + "</small>";
}

std::string patterns(const std::string& id) {
    return fmt::format(
        R"~(<defs><pattern id="clean-{0}" width="6" height="6" patternUnits="userSpaceOnUse" )~"
        R"~(patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>)~"
        R"~(<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2"/></pattern>)~"
        R"~(<pattern id="move-{0}" width="5" height="5" patternUnits="userSpaceOnUse">)~"
        R"~(<rect width="5" height="5" fill="#fff"/>)~"
        R"~(<circle cx="2.5" cy="2.5" r="1.1" fill="#000"/>)~"
        R"~(</pattern><pattern id="other-{0}" width="6" height="6" patternUnits="userSpaceOnUse">)~"
        R"~(<rect width="6" height="6" fill="#fff"/><path d="M0 3H6M3 0V6" stroke="#000" )~"
        R"~(stroke-width="1"/></pattern></defs>)~",
        id);
}

std::string timeline(const RotaDevice& dev, const Group& g, int index) {
    std::vector<const DeviceInterval*> busy;
    for (const auto& b : dev.busy) {
        auto s = minutes_of(b.start, g.date, g.site_tz);
        auto e = minutes_of(b.end, g.date, g.site_tz);
        if (e > 0 && s < 24 * 60) {
            busy.push_back(&b);
        }
    }
    if (busy.empty()) {
        return {};
    }
    double first = 24 * 60;
    double last = 0;
    for (const auto* b : busy) {
        first = std::min(first, minutes_of(b->start, g.date, g.site_tz));
        last = std::max(last, minutes_of(b->end, g.date, g.site_tz));
    }
    int h0 = std::max(0, static_cast<int>(first / 60.0));
    int h1 = std::min(24, static_cast<int>((last + 59.999) / 60.0));
    h1 = std::max(h1, h0 + 2);
    const double left = 16;
    const double width = 648;
    const double top = 22;
    const double bar = 20;
    auto x = [&](double minutes) {
        auto m = std::clamp(minutes, h0 * 60.0, h1 * 60.0);
        return left + (m - h0 * 60.0) / ((h1 - h0) * 60.0) * width;
    };
    auto id = fmt::format("{}", index);
    std::string svg = fmt::format(
        R"~(<svg xmlns="http://www.w3.org/2000/svg" width="680" height="{}" viewBox="0 0 680 {}" )~"
        R"~(role="img" aria-label="timeline of {}">)~",
        top + bar + 34, top + bar + 34, esc(dev.name));
    svg += patterns(id);
    for (int h = h0; h <= h1; ++h) {
        auto hx = x(h * 60.0);
        svg += fmt::format(R"~(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#000" )~"
                           R"~(stroke-width="0.4" stroke-dasharray="2,2"/>)~",
                           hx, top - 4, top + bar + 2);
        svg +=
            fmt::format(R"~(<text x="{:.1f}" y="{}" font-size="8" text-anchor="middle">{:02}:00)~"
                        R"~(</text>)~",
                        hx, top - 6, h % 24);
    }
    svg += fmt::format(R"~(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#000" )~"
                       R"~(stroke-width="0.6"/>)~",
                       left, top, width, bar);
    int row = 0;
    for (const auto* b : busy) {
        auto bx = x(minutes_of(b->start, g.date, g.site_tz));
        auto bw = std::max(1.0, x(minutes_of(b->end, g.date, g.site_tz)) - bx);
        std::string fill;
        std::string label;
        switch (b->kind) {
        case DeviceBusy::call:
            fill = b->ward_code == g.ward_code ? std::string("#000")
                                               : fmt::format("url(#other-{})", id);
            label = b->ward_code == g.ward_code ? b->label : b->ward_code;
            label = fmt::format("{} {}", clock(b->start, g.site_tz).substr(0, 5), label);
            break;
        case DeviceBusy::cleaning:
            fill = fmt::format("url(#clean-{})", id);
            break;
        case DeviceBusy::move:
            fill = fmt::format("url(#move-{})", id);
            label = b->label;
            break;
        }
        svg += fmt::format(R"~(<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}" )~"
                           R"~(stroke="#000" stroke-width="0.5"><title>{}</title></rect>)~",
                           bx, top, bw, bar, fill, esc(label.empty() ? "cleaning" : label));
        if (!label.empty()) {
            // Labels alternate between two lines under the bar so neighbours do not overlap.
            svg += fmt::format(R"~(<text x="{:.1f}" y="{}" font-size="7.5">{}</text>)~", bx,
                               top + bar + 10 + (row % 2) * 10, esc(label));
            ++row;
        }
    }
    svg += "</svg>";
    return svg;
}

} // namespace

std::string rota_html(const Rota& rota) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += fmt::format("<title>carecall rota {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                       esc(rota.from == rota.to
                               ? format_date(rota.from)
                               : format_date(rota.from) + " to " + format_date(rota.to)),
                       k_style);
    auto gs = groups(rota);
    if (gs.empty()) {
        out += fmt::format("<section class=\"sheet\"><h1>No calls</h1><p>{} to {}</p></section>\n",
                           esc(day(rota.from)), esc(day(rota.to)));
    }
    int svg_index = 0;
    for (const auto& g : gs) {
        out += "<section class=\"sheet\">\n";
        out += fmt::format("<h1>{}: {}</h1>\n",
                           esc(g.ward_name.empty() ? g.ward_code : g.ward_name), esc(day(g.date)));
        out += fmt::format("<p class=\"meta\">{} &middot; ward {} &middot; times are {} "
                           "({})</p>\n",
                           esc(g.site_name), esc(g.ward_code),
                           esc(clock(g.calls.front()->start, g.site_tz).substr(6)), esc(g.site_tz));
        out += "<table class=\"calls\"><colgroup><col style=\"width:24mm\">"
               "<col style=\"width:22mm\"><col style=\"width:35mm\"><col style=\"width:17mm\">"
               "<col style=\"width:19mm\"><col><col style=\"width:20mm\">"
               "<col style=\"width:11mm\"></colgroup><thead><tr>"
               "<th>Time</th><th>Resident</th><th>Contact, how to reach them, their time</th>"
               "<th>Device</th><th>Helper</th><th>Prepare</th><th>Status</th>"
               "<th class=\"tick\">Done</th></tr></thead>\n<tbody>\n";
        std::set<std::string> devices;
        for (const auto* c : g.calls) {
            if (is_active(*c)) {
                devices.insert(c->device_code);
            }
            std::string contacts;
            for (const auto& k : c->contacts) {
                auto t = their_time(*c, k);
                contacts += fmt::format("{}<b>{}</b>{}{}", contacts.empty() ? "" : "<br>",
                                        esc(who(k)), k.reach.empty() ? "" : "<br>" + esc(k.reach),
                                        t.empty() ? ""
                                                  : "<br>their time: <span class=\"nowrap\">" +
                                                        esc(t) + "</span>");
            }
            std::string prep;
            if (is_active(*c)) {
                for (const auto& r : risk_lines(*c)) {
                    prep += "<div class=\"risk\"><b>" + esc(r) + "</b></div>";
                }
                for (const auto& p : c->preparation) {
                    prep += "<div>&#x2610;&nbsp;" + esc(p) + "</div>";
                }
            }
            out += fmt::format(
                "<tr{}><td class=\"time\">{}</td><td><b>{}</b>{}</td><td>{}</td>"
                "<td class=\"device\">{}</td><td>{}</td><td class=\"prep\">{}</td>"
                "<td class=\"state\">{}</td>"
                "<td class=\"tick\"></td></tr>\n",
                !is_active(*c)        ? " class=\"off\""
                : !c->at_risk.empty() ? " class=\"risk\""
                                      : "",
                time_cell(*c), esc(c->resident_name),
                c->room.empty() ? "" : "<br>room " + esc(c->room), contacts, esc(c->device_name),
                c->staff_name.empty() ? "&ndash;" : esc(c->staff_name), prep, esc(status(*c)));
        }
        out += "</tbody></table>\n";
        std::string lines;
        for (const auto& dev : rota.devices) {
            if (devices.contains(dev.code)) {
                auto svg = timeline(dev, g, ++svg_index);
                if (!svg.empty()) {
                    lines +=
                        fmt::format("<h2>{} ({})</h2>\n{}\n", esc(dev.name), esc(dev.code), svg);
                }
            }
        }
        if (!lines.empty()) {
            out += "<h2>Devices through the day</h2>\n";
            // One SVG for the key, with the same patterns as the timelines.
            auto key = fmt::format("k{}", svg_index);
            auto swatch = [&](double x, const std::string& fill, const char* text) {
                return fmt::format(R"~(<rect x="{0}" y="3" width="30" height="11" fill="{1}" )~"
                                   R"~(stroke="#000" stroke-width="0.6"/><text x="{2}" y="12" )~"
                                   R"~(font-size="10">{3}</text>)~",
                                   x, fill, x + 35, text);
            };
            out += R"~(<svg class="legend" xmlns="http://www.w3.org/2000/svg" width="680" )~"
                   R"~(height="18" role="img" aria-label="key">)~" +
                   patterns(key) + swatch(2, "#000", "call on this ward") +
                   swatch(150, "url(#other-" + key + ")", "call on another ward") +
                   swatch(320, "url(#clean-" + key + ")", "cleaning") +
                   swatch(440, "url(#move-" + key + ")", "moving to another ward") + "</svg>\n";
            out += lines;
        }
        out += "</section>\n";
    }
    out += "</body>\n</html>\n";
    return out;
}

} // namespace carecall
