// site|ward|resident|contact|device|staff|request add|list|show|edit|remove, contact
// approve|revoke, resident consent. Each command parses, calls the store, prints.
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "carecall/booking.hpp"
#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

using nlohmann::json;

struct Column {
    std::string header;
    std::string key; // JSON key, "a.b" for nested
};

json lookup(const json& obj, const std::string& key) {
    auto dot = key.find('.');
    if (dot == std::string::npos) {
        return obj.contains(key) ? obj.at(key) : json();
    }
    auto head = key.substr(0, dot);
    if (!obj.contains(head) || !obj.at(head).is_object()) {
        return json();
    }
    return lookup(obj.at(head), key.substr(dot + 1));
}

/// An option whose value is kept when given ("edit" changes only what is given).
struct Text {
    std::string value;
    CLI::Option* opt = nullptr;
    [[nodiscard]] bool given() const { return opt != nullptr && opt->count() > 0; }
    void add(CLI::App* app, const std::string& name, const std::string& help) {
        opt = app->add_option(name, value, help);
    }
};

/// A record's name: required when adding (a usage error without --name); an empty one is
/// refused by validate() as any other input.
void name_required(Text& name, bool adding) {
    if (adding) {
        name.opt->required();
    }
}

struct List {
    std::vector<std::string> values;
    CLI::Option* opt = nullptr;
    [[nodiscard]] bool given() const { return opt != nullptr && opt->count() > 0; }
    void add(CLI::App* app, const std::string& name, const std::string& help) {
        opt = app->add_option(name, values, help)->allow_extra_args(false);
    }
    /// The values, with a single "none" meaning an empty list.
    [[nodiscard]] std::vector<std::string> items() const {
        if (values.size() == 1 && values[0] == "none") {
            return {};
        }
        return values;
    }
};

struct Flag {
    bool value = false;
    CLI::Option* opt = nullptr;
    [[nodiscard]] bool given() const { return opt != nullptr && opt->count() > 0; }
};

int whole_number(const std::string& text, const std::string& field) {
    bool ok = !text.empty() && text.size() < 9;
    for (char c : text) {
        ok = ok && c >= '0' && c <= '9';
    }
    if (!ok) {
        throw InvalidInput(field, fmt::format("{} is not a whole number of 0 or more", text));
    }
    return std::stoi(text);
}

std::vector<WeeklyWindow> windows(const List& l, const std::string& field) {
    std::vector<WeeklyWindow> out;
    for (const auto& t : l.items()) {
        out.push_back(parse_window(t, field));
    }
    return out;
}

std::vector<Period> periods(const List& l, const date::time_zone* zone, const std::string& field) {
    std::vector<Period> out;
    for (const auto& t : l.items()) {
        out.push_back(parse_period(t, zone, field));
    }
    return out;
}

std::optional<Date> opt_date(const Text& t, const std::string& field) {
    if (t.value.empty() || t.value == "none") {
        return std::nullopt;
    }
    return parse_date(t.value, field);
}

/// The generic part of a noun: list, show, remove, and the add/edit plumbing.
template <class T, class IdT>
struct Noun {
    std::string kind;
    std::string plural;
    std::function<Repository<T, IdT>&(Store&)> repo;
    std::vector<Column> columns;
    std::vector<std::pair<std::string, std::string>> filters; // option, JSON key
    /// Extra keys for "show" (approvals…), added to the record's JSON.
    std::function<void(Store&, const T&, json&)> decorate;
};

template <class T, class IdT>
json record_json(Store& store, const Noun<T, IdT>& noun, const T& r) {
    auto j = json::parse(to_json(store, r));
    if (noun.decorate) {
        noun.decorate(store, r, j);
    }
    return j;
}

template <class T, class IdT>
void register_common(CLI::App* app, Env& env, std::shared_ptr<Noun<T, IdT>> noun) {
    // list
    auto* list = app->add_subcommand("list", fmt::format("list {}", noun->plural));
    auto filter_values = std::make_shared<std::vector<std::string>>(noun->filters.size());
    for (std::size_t i = 0; i < noun->filters.size(); ++i) {
        list->add_option("--" + noun->filters[i].first, (*filter_values)[i],
                         fmt::format("only {} of this {}", noun->plural, noun->filters[i].first));
    }
    list->callback([&env, noun, filter_values] {
        auto& store = env.store();
        auto tx = store.begin(TxKind::read);
        json items = json::array();
        for (const auto& r : noun->repo(store).list()) {
            auto j = record_json(store, *noun, r);
            bool keep = true;
            for (std::size_t i = 0; i < noun->filters.size(); ++i) {
                const auto& want = (*filter_values)[i];
                if (want.empty()) {
                    continue;
                }
                auto v = lookup(j, noun->filters[i].second);
                bool match = v.is_string() ? v.template get<std::string>() == want : false;
                if (v.is_array()) {
                    for (const auto& e : v) {
                        match = match || (e.is_string() && e.template get<std::string>() == want);
                    }
                }
                keep = keep && match;
            }
            if (keep) {
                items.push_back(std::move(j));
            }
        }
        if (env.want_json()) {
            print_json({{"format", "carecall-list/1"}, {"kind", noun->kind}, {"items", items}});
            return;
        }
        std::vector<std::string> headers;
        for (const auto& c : noun->columns) {
            headers.push_back(c.header);
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& j : items) {
            std::vector<std::string> row;
            for (const auto& c : noun->columns) {
                row.push_back(cell(lookup(j, c.key)));
            }
            rows.push_back(std::move(row));
        }
        print_table(headers, rows);
        env.message(
            fmt::format("{} {}", items.size(), items.size() == 1 ? noun->kind : noun->plural));
    });

    // show
    auto* show = app->add_subcommand("show", fmt::format("show one {}", noun->kind));
    auto code = std::make_shared<std::string>();
    show->add_option("code", *code, "code or numeric id")->required();
    show->callback([&env, noun, code] {
        auto& store = env.store();
        auto tx = store.begin(TxKind::read);
        auto r = noun->repo(store).get(*code, noun->kind);
        auto j = record_json(store, *noun, r);
        if (env.want_json()) {
            print_json({{"format", "carecall-record/1"}, {"kind", noun->kind}, {"record", j}});
        } else {
            print_record(j);
        }
    });

    // remove
    auto* remove = app->add_subcommand("remove", fmt::format("remove a {}", noun->kind));
    auto rcode = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    auto rrepair = std::make_shared<bool>(false);
    remove->add_option("code", *rcode, "code or numeric id")->required();
    remove->add_flag("-y,--yes", *yes, "do not ask (needed in scripts)");
    add_repair_flag(remove, *rrepair);
    remove->footer(fmt::format("Example:\n  carecall {} remove CODE --yes", noun->kind));
    remove->callback([&env, noun, rcode, yes, rrepair] {
        auto& store = env.store();
        auto r = noun->repo(store).get(*rcode, noun->kind);
        env.confirm(fmt::format("remove {} {}", noun->kind, r.code), *yes);
        auto now = env.now();
        ChangeOptions co;
        co.repair = *rrepair;
        // The calls are checked before and after, in the removal's transaction: a record in use
        // by a booking cannot go (foreign keys), but say so if a removal ever breaks a call.
        auto change = BookingService(store, [now] { return now; })
                          .change_records(
                              [&](Store& st) {
                                  noun->repo(st).remove(r.id);
                                  return std::vector<Booking>{};
                              },
                              co);
        env.message(fmt::format("removed {} {}", noun->kind, r.code));
        report_change(env, store, change);
    });
}

/// add and edit share one set of options; `apply` fills a record from the options given.
template <class T, class IdT, class Opts>
void register_add_edit(CLI::App* app, Env& env, std::shared_ptr<Noun<T, IdT>> noun,
                       std::function<void(CLI::App*, Opts&, bool adding)> options,
                       std::function<void(Store&, const Opts&, T&, bool adding)> apply,
                       const std::string& add_example) {
    for (bool adding : {true, false}) {
        auto* sub = app->add_subcommand(adding ? "add" : "edit",
                                        adding ? fmt::format("add a {}", noun->kind)
                                               : fmt::format("change a {} (only the options "
                                                             "given; a list option replaces the "
                                                             "list, 'none' empties it)",
                                                             noun->kind));
        auto opts = std::make_shared<Opts>();
        auto code = std::make_shared<std::string>();
        auto repair = std::make_shared<bool>(false);
        sub->add_option("code", *code,
                        adding ? "the new record's code (e.g. W-ROSE)" : "code or numeric id")
            ->required();
        options(sub, *opts, adding);
        if (adding) {
            sub->footer("Example:\n  " + add_example);
        } else {
            add_repair_flag(sub, *repair);
            sub->footer(fmt::format("Calls the change breaks are listed with the carecall repair "
                                    "to run; --repair runs it in the same transaction.\n"
                                    "Example:\n  carecall {} edit CODE --repair ...",
                                    noun->kind));
        }
        sub->callback([&env, noun, opts, code, apply, adding, repair] {
            auto& store = env.store();
            json j;
            std::string record_code;
            // Reads and writes the record inside the caller's write transaction.
            auto write = [&](Store& st) {
                auto& repo = noun->repo(st);
                T record;
                if (adding) {
                    record.code = *code;
                    validate_code(record.code, "code");
                } else {
                    record = repo.get(*code, noun->kind);
                }
                apply(st, *opts, record, adding);
                if (adding) {
                    record.id = repo.add(record);
                } else {
                    repo.update(record);
                }
                j = record_json(st, *noun, *repo.find(record.id));
                record_code = record.code;
                return std::vector<Booking>{};
            };
            std::optional<ChangeResult> change;
            if (adding) { // a new record cannot break a booked call
                auto tx = store.begin(TxKind::write);
                write(store);
                tx->commit();
            } else { // the calls it breaks, and their repair, in the edit's transaction
                auto now = env.now();
                ChangeOptions co;
                co.repair = *repair;
                change = BookingService(store, [now] { return now; }).change_records(write, co);
            }
            if (env.want_json()) {
                print_json({{"format", "carecall-record/1"}, {"kind", noun->kind}, {"record", j}});
            } else {
                env.message(
                    fmt::format("{} {} {}", adding ? "added" : "changed", noun->kind, record_code));
            }
            if (change) {
                report_change(env, store, *change);
            }
        });
    }
}

const date::time_zone* site_zone(Store& store, SiteId site) {
    auto s = store.sites().find(site);
    if (!s) {
        throw NotFound(fmt::format("site {} not found", site.value));
    }
    return find_zone(s->tz, "tz");
}

const date::time_zone* ward_zone(Store& store, WardId ward) {
    auto w = store.wards().find(ward);
    if (!w) {
        throw NotFound(fmt::format("ward {} not found", ward.value));
    }
    return site_zone(store, w->site);
}

// ---- site ----
struct SiteOpts {
    Text name, kind, tz;
};

void register_site(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("site", "care homes, hospitals, hospices, units");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<Site, SiteId>>(Noun<Site, SiteId>{
        "site",
        "sites",
        [](Store& s) -> Repository<Site, SiteId>& { return s.sites(); },
        {{"CODE", "code"}, {"NAME", "name"}, {"KIND", "kind"}, {"TIME ZONE", "tz"}},
        {},
        {}});
    register_add_edit<Site, SiteId, SiteOpts>(
        noun_app, env, noun,
        [](CLI::App* sub, SiteOpts& o, bool adding) {
            o.name.add(sub, "--name", "the site's name");
            name_required(o.name, adding);
            o.kind.add(sub, "--kind", "care_home, hospital, hospice or ld_unit");
            o.tz.add(sub, "--tz", "IANA time zone, e.g. Europe/London");
            if (adding) {
                o.tz.opt->required();
            }
        },
        [](Store&, const SiteOpts& o, Site& s, bool) {
            if (o.name.given()) {
                s.name = o.name.value;
            }
            if (o.kind.given()) {
                s.kind = parse_site_kind(o.kind.value, "--kind");
            }
            if (o.tz.given()) {
                find_zone(o.tz.value, "--tz");
                s.tz = o.tz.value;
            }
        },
        "carecall site add SUNNY --name \"Sunnyside Care Home\" --kind care_home --tz "
        "Europe/London");
    register_common(noun_app, env, noun);
}

// ---- ward ----
struct WardOpts {
    Text name, site;
    List hours, closures;
};

void register_ward(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("ward", "wards, units and floors of a site");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<Ward, WardId>>(Noun<Ward, WardId>{
        "ward",
        "wards",
        [](Store& s) -> Repository<Ward, WardId>& { return s.wards(); },
        {{"CODE", "code"}, {"NAME", "name"}, {"SITE", "site"}, {"CALLING HOURS", "calling_hours"}},
        {{"site", "site"}},
        {}});
    register_add_edit<Ward, WardId, WardOpts>(
        noun_app, env, noun,
        [](CLI::App* sub, WardOpts& o, bool adding) {
            o.name.add(sub, "--name", "the ward's name");
            name_required(o.name, adding);
            o.site.add(sub, "--site", "the site's code");
            if (adding) {
                o.site.opt->required();
            }
            o.hours.add(sub, "--hours",
                        "calling hours, site time, e.g. \"daily 09:00-20:00\" "
                        "(repeat for more)");
            o.closures.add(sub, "--closure",
                           "closed dates: \"2026-12-01..2026-12-14 outbreak\" (repeat)");
        },
        [](Store& store, const WardOpts& o, Ward& w, bool) {
            if (o.name.given()) {
                w.name = o.name.value;
            }
            if (o.site.given()) {
                w.site = store.sites().get(o.site.value, "site").id;
            }
            if (o.hours.given()) {
                w.calling_hours = windows(o.hours, "--hours");
            }
            if (o.closures.given()) {
                w.closures.clear();
                for (const auto& t : o.closures.items()) {
                    w.closures.push_back(parse_closure(t, "--closure"));
                }
            }
        },
        "carecall ward add W-ROSE --site SUNNY --name \"Rose Ward\" --hours \"daily 09:00-20:00\"");
    register_common(noun_app, env, noun);
}

// ---- resident ----
struct ResidentOpts {
    Text name, ward, room, admitted, discharged, max_call, max_per_day;
    Flag assist, no_assist;
    List competences, care_blocks, blocks;
};

/// The resident's approved contacts, for show and JSON.
void resident_approvals(Store& store, const Resident& r, json& j) {
    json a = json::array();
    for (const auto& ap : store.approvals().for_resident(r.id)) {
        auto c = store.contacts().find(ap.contact);
        a.push_back({{"contact", c ? c->code : ""},
                     {"approved", ap.approved},
                     {"key_contact", ap.key_contact},
                     {"restrictions", ap.restrictions},
                     {"text", fmt::format("{}{}{}", c ? c->code : "",
                                          ap.key_contact ? " (key contact)" : "",
                                          ap.approved ? "" : " (not approved)")}});
    }
    j["approved_contacts"] = a;
}

void add_resident_options(CLI::App* sub, ResidentOpts& o, bool adding) {
    o.name.add(sub, "--name", "the resident's name");
    name_required(o.name, adding);
    o.ward.add(sub, "--ward", "the ward's code");
    if (adding) {
        o.ward.opt->required();
    }
    o.room.add(sub, "--room", "room or bed");
    o.admitted.add(sub, "--admitted", "admission date YYYY-MM-DD");
    o.discharged.add(sub, "--discharged", "discharge date YYYY-MM-DD ('none' to clear)");
    o.assist.opt = sub->add_flag("--needs-assistance", o.assist.value,
                                 "needs a member of staff to help with calls");
    o.no_assist.opt = sub->add_flag("--no-assistance", o.no_assist.value, "manages calls alone");
    o.competences.add(sub, "--competence",
                      "a competence the helper must hold, e.g. dementia, bsl (repeat)");
    o.max_call.add(sub, "--max-call", "longest call they manage, e.g. 15m ('none')");
    o.max_per_day.add(sub, "--max-calls-per-day", "most calls a day ('none')");
    o.care_blocks.add(sub, "--care-block",
                      "weekly block, site time: \"daily 12:00-13:00 lunch\" (repeat)");
    o.blocks.add(sub, "--block",
                 "one-off block, site time: \"2026-12-01 14:00-15:00 physio\" (repeat)");
}

void apply_resident_options(Store& store, const ResidentOpts& o, Resident& r, bool) {
    if (o.name.given()) {
        r.name = o.name.value;
    }
    if (o.ward.given()) {
        r.ward = store.wards().get(o.ward.value, "ward").id;
    }
    if (o.room.given()) {
        r.room = o.room.value;
    }
    if (o.admitted.given()) {
        r.admitted = opt_date(o.admitted, "--admitted");
    }
    if (o.discharged.given()) {
        r.discharged = opt_date(o.discharged, "--discharged");
    }
    if (o.assist.given() && o.no_assist.given()) {
        throw UsageError("--needs-assistance and --no-assistance cannot go together");
    }
    if (o.assist.given()) {
        r.needs_assistance = true;
    }
    if (o.no_assist.given()) {
        r.needs_assistance = false;
    }
    if (o.competences.given()) {
        r.competences = o.competences.items();
    }
    if (o.max_call.given()) {
        r.max_call_minutes =
            o.max_call.value == "none"
                ? std::nullopt
                : std::optional<int>(parse_duration_minutes(o.max_call.value, "--max-call"));
    }
    if (o.max_per_day.given()) {
        r.max_calls_per_day =
            o.max_per_day.value == "none"
                ? std::nullopt
                : std::optional<int>(whole_number(o.max_per_day.value, "--max-calls-per-day"));
    }
    if (o.care_blocks.given()) {
        r.care_blocks = windows(o.care_blocks, "--care-block");
    }
    if (o.blocks.given()) {
        r.one_off_blocks = periods(o.blocks, ward_zone(store, r.ward), "--block");
    }
}

/// resident consent
void register_resident_consent(CLI::App* noun_app, Env& env) {
    auto* consent = noun_app->add_subcommand("consent", "record consent to video calls");
    struct ConsentOpts {
        std::string code, status, by, on, review;
    };
    auto co = std::make_shared<ConsentOpts>();
    consent->add_option("code", co->code, "the resident")->required();
    consent->add_option("--status", co->status, "given, best_interest, refused or none")
        ->required();
    consent->add_option("--by", co->by, "who gave consent or made the best interest decision");
    consent->add_option("--on", co->on, "date recorded, YYYY-MM-DD (default today)");
    consent->add_option("--review", co->review, "review date, YYYY-MM-DD");
    auto crepair = std::make_shared<bool>(false);
    add_repair_flag(consent, *crepair);
    consent->footer("Example:\n  carecall resident consent R-0042 --status best_interest "
                    "--by \"Dr Okafor\" --review 2027-03-01");
    consent->callback([&env, co, crepair] {
        auto& store = env.store();
        auto tx = store.begin(TxKind::read);
        auto r = store.residents().get(co->code, "resident");
        Consent c;
        c.status = parse_consent_status(co->status, "--status");
        c.by = co->by;
        if (!co->on.empty()) {
            c.recorded = parse_date(co->on, "--on");
        } else {
            auto zone = ward_zone(store, r.ward);
            c.recorded = Date{date::floor<date::days>(to_local(env.now(), zone))};
        }
        if (!co->review.empty()) {
            c.review = parse_date(co->review, "--review");
        }
        tx->commit();
        auto now = env.now();
        ChangeOptions opts;
        opts.repair = *crepair;
        auto change = BookingService(store, [now] { return now; }).record_consent(r.id, c, opts);
        env.message(fmt::format("consent for resident {}: {}", r.code, to_string(c.status)));
        report_change(env, store, change);
    });
}

void register_resident(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("resident", "residents and patients");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<Resident, ResidentId>>(Noun<Resident, ResidentId>{
        "resident",
        "residents",
        [](Store& s) -> Repository<Resident, ResidentId>& { return s.residents(); },
        {{"CODE", "code"},
         {"NAME", "name"},
         {"WARD", "ward"},
         {"ROOM", "room"},
         {"HELP", "needs_assistance"},
         {"CONSENT", "consent.status"}},
        {{"ward", "ward"}},
        resident_approvals});
    register_add_edit<Resident, ResidentId, ResidentOpts>(
        noun_app, env, noun, add_resident_options, apply_resident_options,
        "carecall resident add R-0042 --ward W-ROSE --name \"Asha Patel\" --room 12 "
        "--needs-assistance --care-block \"daily 12:00-13:00 lunch\"");
    register_common(noun_app, env, noun);
    register_resident_consent(noun_app, env);
}

// ---- contact ----
struct ContactOpts {
    Text name, relationship, tz, reach;
    List availability, absences;
};

void register_contact(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("contact", "families and friends");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<Contact, ContactId>>(Noun<Contact, ContactId>{
        "contact",
        "contacts",
        [](Store& s) -> Repository<Contact, ContactId>& { return s.contacts(); },
        {{"CODE", "code"},
         {"NAME", "name"},
         {"RELATIONSHIP", "relationship"},
         {"TIME ZONE", "tz"},
         {"AVAILABLE (THEIR TIME)", "availability"}},
        {},
        [](Store& store, const Contact& c, json& j) {
            json a = json::array();
            for (const auto& ap : store.approvals().for_contact(c.id)) {
                auto r = store.residents().find(ap.resident);
                a.push_back({{"resident", r ? r->code : ""},
                             {"approved", ap.approved},
                             {"key_contact", ap.key_contact},
                             {"restrictions", ap.restrictions},
                             {"text", fmt::format("{}{}{}", r ? r->code : "",
                                                  ap.key_contact ? " (key contact)" : "",
                                                  ap.approved ? "" : " (not approved)")}});
            }
            j["approved_for"] = a;
        }});
    register_add_edit<Contact, ContactId, ContactOpts>(
        noun_app, env, noun,
        [](CLI::App* sub, ContactOpts& o, bool adding) {
            o.name.add(sub, "--name", "the contact's name");
            name_required(o.name, adding);
            o.relationship.add(sub, "--relationship", "e.g. son, daughter, friend");
            o.tz.add(sub, "--tz", "IANA time zone where they live, e.g. Australia/Sydney");
            if (adding) {
                o.tz.opt->required();
            }
            o.reach.add(sub, "--reach", "how to reach them, e.g. \"Portal: raj.patel\"");
            o.availability.add(sub, "--available",
                               "weekly availability in THEIR time: \"mon-fri 18:00-21:00\" "
                               "(repeat)");
            o.absences.add(sub, "--absent",
                           "away, their time: \"2026-12-20T00:00/2027-01-03T00:00 holiday\" "
                           "(repeat)");
        },
        [](Store&, const ContactOpts& o, Contact& c, bool) {
            if (o.name.given()) {
                c.name = o.name.value;
            }
            if (o.relationship.given()) {
                c.relationship = o.relationship.value;
            }
            if (o.tz.given()) {
                find_zone(o.tz.value, "--tz");
                c.tz = o.tz.value;
            }
            if (o.reach.given()) {
                c.reach = o.reach.value;
            }
            if (o.availability.given()) {
                c.availability = windows(o.availability, "--available");
            }
            if (o.absences.given()) {
                c.absences = periods(o.absences, find_zone(c.tz, "--tz"), "--absent");
            }
        },
        "carecall contact add C-RAJ --name \"Raj Patel\" --relationship son "
        "--tz Australia/Sydney --available \"daily 07:00-09:00\"");
    register_common(noun_app, env, noun);

    struct ApproveOpts {
        std::string contact, resident, restrictions;
        bool key = false;
    };
    auto ao = std::make_shared<ApproveOpts>();
    auto* approve = noun_app->add_subcommand("approve", "approve a contact to call a resident");
    approve->add_option("code", ao->contact, "the contact")->required();
    approve->add_option("--resident", ao->resident, "the resident")->required();
    approve->add_flag("--key-contact", ao->key, "the nominated key contact");
    approve->add_option("--restrictions", ao->restrictions, "restrictions, free text");
    approve->footer("Example:\n  carecall contact approve C-RAJ --resident R-0042 --key-contact");
    approve->callback([&env, ao] {
        auto& store = env.store();
        auto tx = store.begin(TxKind::write);
        auto c = store.contacts().get(ao->contact, "contact");
        auto r = store.residents().get(ao->resident, "resident");
        store.approvals().put(Approval{r.id, c.id, true, ao->key, ao->restrictions});
        tx->commit();
        env.message(fmt::format("contact {} approved to call resident {}{}", c.code, r.code,
                                ao->key ? " (key contact)" : ""));
    });
    auto ro = std::make_shared<ApproveOpts>();
    auto* revoke = noun_app->add_subcommand("revoke", "withdraw a contact's approval");
    revoke->add_option("code", ro->contact, "the contact")->required();
    revoke->add_option("--resident", ro->resident, "the resident")->required();
    auto rrepair = std::make_shared<bool>(false);
    add_repair_flag(revoke, *rrepair);
    revoke->callback([&env, ro, rrepair] {
        auto& store = env.store();
        auto tx = store.begin(TxKind::read);
        auto c = store.contacts().get(ro->contact, "contact");
        auto r = store.residents().get(ro->resident, "resident");
        tx->commit();
        auto now = env.now();
        ChangeOptions opts;
        opts.repair = *rrepair;
        auto change =
            BookingService(store, [now] { return now; }).revoke_approval(r.id, c.id, opts);
        env.message(fmt::format("contact {} may no longer call resident {}", c.code, r.code));
        report_change(env, store, change);
    });
}

// ---- device ----
struct DeviceOpts {
    Text name, kind, site, cleaning, move;
    List wards, capabilities, out_of_service;
};

void register_device(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("device", "shared video-calling devices");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<Device, DeviceId>>(Noun<Device, DeviceId>{
        "device",
        "devices",
        [](Store& s) -> Repository<Device, DeviceId>& { return s.devices(); },
        {{"CODE", "code"},
         {"NAME", "name"},
         {"KIND", "kind"},
         {"SITE", "site"},
         {"WARDS", "wards"},
         {"CLEAN", "cleaning_minutes"},
         {"MOVE", "move_minutes"}},
        {{"site", "site"}, {"ward", "wards"}},
        {}});
    register_add_edit<Device, DeviceId, DeviceOpts>(
        noun_app, env, noun,
        [](CLI::App* sub, DeviceOpts& o, bool adding) {
            o.name.add(sub, "--name", "the device's name, e.g. Portal-2");
            name_required(o.name, adding);
            o.kind.add(sub, "--kind", "portal, tablet, laptop… (default portal)");
            o.site.add(sub, "--site", "the site's code");
            if (adding) {
                o.site.opt->required();
            }
            o.wards.add(sub, "--ward", "a ward it serves, home ward first (repeat)");
            o.cleaning.add(sub, "--cleaning", "cleaning time after every call, e.g. 10m");
            o.move.add(sub, "--move", "time to move between wards, e.g. 5m");
            o.capabilities.add(sub, "--capability", "e.g. large_screen, captions (repeat)");
            o.out_of_service.add(sub, "--out-of-service",
                                 "site time: \"2026-12-01 09:00-12:00 repair\" (repeat)");
        },
        [](Store& store, const DeviceOpts& o, Device& d, bool) {
            if (o.name.given()) {
                d.name = o.name.value;
            }
            if (o.kind.given()) {
                d.kind = o.kind.value;
            }
            if (o.site.given()) {
                d.site = store.sites().get(o.site.value, "site").id;
            }
            if (o.wards.given()) {
                d.wards.clear();
                for (const auto& w : o.wards.items()) {
                    d.wards.push_back(store.wards().get(w, "ward").id);
                }
            }
            auto minutes = [](const Text& t, const std::string& field) {
                if (t.value == "0" || t.value == "0m") {
                    return 0;
                }
                return parse_duration_minutes(t.value, field);
            };
            if (o.cleaning.given()) {
                d.cleaning_minutes = minutes(o.cleaning, "--cleaning");
            }
            if (o.move.given()) {
                d.move_minutes = minutes(o.move, "--move");
            }
            if (o.capabilities.given()) {
                d.capabilities = o.capabilities.items();
            }
            if (o.out_of_service.given()) {
                d.out_of_service =
                    periods(o.out_of_service, site_zone(store, d.site), "--out-of-service");
            }
        },
        "carecall device add PORTAL-1 --site SUNNY --name \"Portal 1\" --ward W-ROSE "
        "--ward W-BLUEBELL --cleaning 10m --move 5m");
    register_common(noun_app, env, noun);
}

// ---- staff ----
struct StaffOpts {
    Text name;
    List wards, competences, shifts, weekly;
};

void register_staff(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("staff", "staff and volunteers who help with calls");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<Staff, StaffId>>(
        Noun<Staff, StaffId>{"staff member",
                             "staff",
                             [](Store& s) -> Repository<Staff, StaffId>& { return s.staff(); },
                             {{"CODE", "code"},
                              {"NAME", "name"},
                              {"WARDS", "wards"},
                              {"COMPETENCES", "competences"},
                              {"WEEKLY SHIFTS", "weekly_shifts"}},
                             {{"ward", "wards"}},
                             {}});
    register_add_edit<Staff, StaffId, StaffOpts>(
        noun_app, env, noun,
        [](CLI::App* sub, StaffOpts& o, bool adding) {
            o.name.add(sub, "--name", "their name");
            name_required(o.name, adding);
            o.wards.add(sub, "--ward", "a ward they work on (repeat)");
            o.competences.add(sub, "--competence", "e.g. dementia, bsl, punjabi (repeat)");
            o.shifts.add(sub, "--shift",
                         "one-off shift, site time: \"2026-12-01 07:00-15:00\" "
                         "(repeat)");
            o.weekly.add(sub, "--weekly-shift",
                         "weekly shift, site time: \"mon-fri 07:00-15:00\" "
                         "(repeat)");
        },
        [](Store& store, const StaffOpts& o, Staff& s, bool) {
            if (o.name.given()) {
                s.name = o.name.value;
            }
            if (o.wards.given()) {
                s.wards.clear();
                for (const auto& w : o.wards.items()) {
                    s.wards.push_back(store.wards().get(w, "ward").id);
                }
            }
            if (o.competences.given()) {
                s.competences = o.competences.items();
            }
            if (o.shifts.given()) {
                if (s.wards.empty() && !o.shifts.items().empty()) {
                    throw InvalidInput("--shift", "give the staff member a --ward first (shifts "
                                                  "are read in its site's time zone)");
                }
                s.shifts = o.shifts.items().empty()
                               ? std::vector<Period>{}
                               : periods(o.shifts, ward_zone(store, s.wards.front()), "--shift");
            }
            if (o.weekly.given()) {
                s.weekly_shifts = windows(o.weekly, "--weekly-shift");
            }
        },
        "carecall staff add E-AMY --name \"Amy Jones\" --ward W-ROSE --competence dementia "
        "--weekly-shift \"mon-fri 07:00-15:00\"");
    register_common(noun_app, env, noun);
}

// ---- request ----
struct RequestOpts {
    Text resident, calls, duration, priority, max_per_day, fixed;
    List contacts, preferred;
    Flag active, inactive;
};

void register_request(CLI::App& app, Env& env) {
    auto* noun_app = app.add_subcommand("request", "standing call requests");
    noun_app->require_subcommand(1);
    auto noun = std::make_shared<Noun<CallRequest, RequestId>>(Noun<CallRequest, RequestId>{
        "request",
        "requests",
        [](Store& s) -> Repository<CallRequest, RequestId>& { return s.requests(); },
        {{"CODE", "code"},
         {"RESIDENT", "resident"},
         {"CONTACTS", "contacts"},
         {"CALLS/WEEK", "calls"},
         {"MINUTES", "duration_minutes"},
         {"PRIORITY", "priority_name"},
         {"ACTIVE", "active"}},
        {{"resident", "resident"}, {"contact", "contacts"}},
        [](Store&, const CallRequest& q, json& j) {
            j["priority_name"] = priority_name(q.priority);
        }});
    register_add_edit<CallRequest, RequestId, RequestOpts>(
        noun_app, env, noun,
        [](CLI::App* sub, RequestOpts& o, bool adding) {
            o.resident.add(sub, "--resident", "the resident");
            o.contacts.add(sub, "--contact", "a contact (repeat for a group call)");
            if (adding) {
                o.resident.opt->required();
                o.contacts.opt->required();
            }
            o.calls.add(sub, "--calls", "calls per week (default 1)");
            o.duration.add(sub, "--duration", "length of each call, e.g. 30m (default 30m)");
            o.priority.add(sub, "--priority", "routine, clinical or end_of_life (default routine)");
            o.max_per_day.add(sub, "--max-per-day", "at most this many a day ('none')");
            o.preferred.add(sub, "--preferred",
                            "preferred window, site time: \"sat,sun "
                            "14:00-17:00\" (repeat)");
            o.fixed.add(sub, "--fixed", "a fixed weekly time, site time: \"sun 15:00\" ('none')");
            o.active.opt = sub->add_flag("--active", o.active.value, "plan this request");
            o.inactive.opt = sub->add_flag("--inactive", o.inactive.value, "pause this request");
        },
        [](Store& store, const RequestOpts& o, CallRequest& q, bool) {
            if (o.resident.given()) {
                q.resident = store.residents().get(o.resident.value, "resident").id;
            }
            if (o.contacts.given()) {
                q.contacts.clear();
                for (const auto& c : o.contacts.items()) {
                    q.contacts.push_back(store.contacts().get(c, "contact").id);
                }
            }
            if (o.calls.given()) {
                q.calls = whole_number(o.calls.value, "--calls");
            }
            if (o.duration.given()) {
                q.duration_minutes = parse_duration_minutes(o.duration.value, "--duration");
            }
            if (o.priority.given()) {
                q.priority = parse_priority(o.priority.value, "--priority");
            }
            if (o.max_per_day.given()) {
                q.max_per_day =
                    o.max_per_day.value == "none"
                        ? std::nullopt
                        : std::optional<int>(whole_number(o.max_per_day.value, "--max-per-day"));
            }
            if (o.preferred.given()) {
                q.preferred = windows(o.preferred, "--preferred");
            }
            if (o.fixed.given()) {
                q.fixed =
                    o.fixed.value == "none"
                        ? std::nullopt
                        : std::optional<FixedTime>(parse_fixed_time(o.fixed.value, "--fixed"));
            }
            if (o.active.given() && o.inactive.given()) {
                throw UsageError("--active and --inactive cannot go together");
            }
            if (o.active.given()) {
                q.active = true;
            }
            if (o.inactive.given()) {
                q.active = false;
            }
        },
        "carecall request add Q-ASHA-RAJ --resident R-0042 --contact C-RAJ --calls 2 "
        "--duration 30m --preferred \"sat,sun 09:00-11:00\"");
    register_common(noun_app, env, noun);
}

} // namespace

void register_records(CLI::App& app, Env& env) {
    register_site(app, env);
    register_ward(app, env);
    register_resident(app, env);
    register_contact(app, env);
    register_device(app, env);
    register_staff(app, env);
    register_request(app, env);
}

} // namespace carecall::cli
