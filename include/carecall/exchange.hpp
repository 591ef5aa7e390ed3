#pragma once
/// The scenario exchange format ("carecall-scenario/1", docs/scenario-format.md) and JSON views
/// of single records, for scripts and other programs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecall/model.hpp"

namespace carecall {

class Store;

/// The dates a plan covers: local dates start … start + days - 1 of each site.
struct Horizon {
    Date start = date::year{2025} / 1 / 1;
    int days = 7;
    int slot_minutes = 15; ///< the grid on which calls may start
    friend bool operator==(const Horizon&, const Horizon&) = default;
};

/// A whole planning problem in memory. Ids are positions (1-based) within each vector; all
/// references (ward.site, resident.ward, request.contacts…) use those ids and are resolved.
struct Scenario {
    std::optional<std::int64_t> seed;
    Horizon horizon;
    std::vector<Site> sites;
    std::vector<Ward> wards;
    std::vector<Resident> residents;
    std::vector<Contact> contacts;
    std::vector<Device> devices;
    std::vector<Staff> staff;
    std::vector<CallRequest> requests;
    std::vector<Approval> approvals;
    /// Whether `approvals` is the whole truth about its residents and contacts (a document with
    /// an "approvals" list, a store's records): a pair it does not approve is not approved,
    /// whatever the requests name. false (a document without the list, a scenario built in code):
    /// every pair a request names counts as approved besides.
    bool approvals_complete = false;
    /// Residents (scenario ids) whose consent the document does not say; parse_scenario records
    /// their consent as given (the format's default), import_scenario keeps a stored one.
    std::vector<ResidentId> consent_unsaid;
};

/// Reads a "carecall-scenario/1" document. Unknown fields are ignored; a missing required field,
/// a bad value or an unknown reference throws InvalidInput whose field is the JSON path
/// ("requests[3].duration_minutes"). Local date-times (staff shifts) are read in the site's zone;
/// a time in a clock-change gap is refused, an ambiguous one takes the earlier reading for a start
/// and the later for an end.
Scenario parse_scenario(std::string_view json_text);

/// parse_scenario for the text of a file: every InvalidInput reads `FILE:LINE: path: reason`,
/// LINE being where the bad value starts (or its enclosing record, for a missing member), and
/// for text that is not JSON `FILE:LINE: column N: not valid JSON: …`.
Scenario parse_scenario(std::string_view json_text, std::string_view file_name);

/// Writes a "carecall-scenario/1" document (with the optional extra fields: names, rooms,
/// consent, competences…). parse_scenario(write_scenario(s)) gives back s, except that a
/// scenario with approvals that are not complete is written with the pairs its requests name
/// added to its list (approved), a complete list that says the same. Residents of
/// consent_unsaid are written without "consent".
std::string write_scenario(const Scenario& s);

/// What an import adds, changes and removes of one kind of record ("sites", "wards",
/// "residents", "contacts", "devices", "staff", "requests", "approvals", and "consents": the
/// residents whose consent changes). Codes in code order; an approval is "RESIDENT/CONTACT".
struct ImportChanges {
    std::string kind;
    std::vector<std::string> added, changed, removed;
    friend bool operator==(const ImportChanges&, const ImportChanges&) = default;
};

struct ImportSummary {
    int sites = 0, wards = 0, residents = 0, contacts = 0, devices = 0, staff = 0, requests = 0;
    int added = 0;   ///< records new to the database
    int updated = 0; ///< records whose code existed and were replaced
    /// What the document did not say, and what import_scenario did about it:
    int consent_assumed = 0;   ///< new residents without consent, recorded as given
    int consent_kept = 0;      ///< stored residents without consent in the file: stored one kept
    int approvals_assumed = 0; ///< pairs named by requests, approved with no approvals list
    /// Pairs named by requests, with no approvals list, that the store holds as not approved
    /// (revoked, or approved: false): left as they are.
    int approvals_kept = 0;
    /// Pairs named by requests that a complete approvals list does not approve: not approved.
    int approvals_withheld = 0;
    /// Per kind, in the order of ImportChanges: every kind is listed, with empty lists when
    /// nothing changes.
    std::vector<ImportChanges> changes;
};

struct ImportOptions {
    /// Work out the summary and changes in a read transaction and write nothing.
    bool dry_run = false;
};

/// Loads a scenario into the store in one write transaction, keyed by code: a record whose code
/// exists is updated, others are added; nothing else is touched, except approvals (below).
/// Consent: as the scenario gives it (none and refused included); a resident of consent_unsaid
/// keeps a stored consent, and a new one is recorded as given. Approvals: with
/// approvals_complete, exactly the list, for the residents and contacts of the scenario (a
/// stored approval between them that the list does not hold is removed; a plain `approved =
/// false` for a pair a request names is held as no approval, as a revoked one); otherwise the list,
/// and each pair a request names is approved unless the store holds it as not approved, had it
/// revoked (its audit trail) or has a request naming it already. The horizon is kept as
/// settings ("plan.start_date", "plan.days", "plan.slot_minutes"). All or nothing.
ImportSummary import_scenario(Store& store, const Scenario& s, const ImportOptions& options = {});

/// Everything in the store as a scenario for the given horizon (staff shifts, one-off blocks
/// and absences that overlap it). Its approvals are complete: every stored approval, and each
/// pair a request names that the store does not approve (revoked) as `approved = false`.
Scenario load_scenario(Store& store, const Horizon& horizon);

/// A "carecall-rota/1" document (from `carecall solve`, or rota_json) read for import: its calls,
/// not yet matched with a store.
class RotaDocument {
public:
    struct Data;
    explicit RotaDocument(std::shared_ptr<const Data> data);
    [[nodiscard]] const std::string& name() const noexcept;
    [[nodiscard]] std::size_t size() const noexcept; ///< how many calls
    [[nodiscard]] const Data& data() const noexcept { return *m_data; }

private:
    std::shared_ptr<const Data> m_data;
};

/// Reads a "carecall-rota/1" document: JSON whose "format" is "carecall-rota/1", with a list
/// "calls". `name` (the file) starts every error: InvalidInput "FILE" (not JSON), "FILE: format"
/// or "FILE: calls".
RotaDocument read_rota_document(std::string_view json_text, const std::string& name);

/// The document's calls as bookings of `store`, in one read transaction: codes of residents,
/// contacts ("contacts" or "contact"), device, staff and request resolved, times read from
/// "start_utc" / "end_utc" (UTC, at most 1440 minutes), reason "imported rota"; nothing is
/// written. Throws InvalidInput naming the call's field ("FILE: calls[2].device: no device with
/// code D9"). Save them with planning's save_calls (every rule checked, all or nothing).
std::vector<Booking> rota_document_calls(Store& store, const RotaDocument& document);

/// JSON objects of single records as the command prints them (codes for references, site-local
/// wall-clock windows, ISO 8601 instants). The store resolves references' codes.
std::string to_json(Store& store, const Site& r);
std::string to_json(Store& store, const Ward& r);
std::string to_json(Store& store, const Resident& r);
std::string to_json(Store& store, const Contact& r);
std::string to_json(Store& store, const Device& r);
std::string to_json(Store& store, const Staff& r);
std::string to_json(Store& store, const CallRequest& r);

} // namespace carecall
