#include <fmt/format.h>

#include "carecall/rules.hpp"

namespace carecall {
namespace {

template <class Map, class Id>
auto* find_in(const Map& m, Id id) {
    auto it = m.find(id);
    return it == m.end() ? nullptr : &it->second;
}

const std::vector<std::size_t> k_none;

template <class Map, class Id>
const std::vector<std::size_t>& index_of(const Map& m, Id id) {
    auto it = m.find(id);
    return it == m.end() ? k_none : it->second;
}

} // namespace

void World::add(Site s) {
    m_sites[s.id] = std::move(s);
}
void World::add(Ward w) {
    m_wards[w.id] = std::move(w);
}
void World::add(Resident r) {
    m_residents[r.id] = std::move(r);
}
void World::add(Contact c) {
    m_contacts[c.id] = std::move(c);
}
void World::add(Device d) {
    m_devices[d.id] = std::move(d);
}
void World::add(Staff s) {
    m_staff[s.id] = std::move(s);
}
void World::add(const Approval& a) {
    m_approvals[{a.resident.value, a.contact.value}] = a;
}

void World::add(Booking b) {
    if (b.status == BookingStatus::cancelled || b.status == BookingStatus::waitlisted) {
        return; // they hold no time
    }
    auto i = m_bookings.size();
    m_booking_index[b.id] = i;
    m_by_device[b.device].push_back(i);
    m_by_resident[b.resident].push_back(i);
    for (auto c : b.contacts) {
        m_by_contact[c].push_back(i);
    }
    if (b.staff) {
        m_by_staff[*b.staff].push_back(i);
    }
    m_bookings.push_back(std::move(b));
}

const Site* World::site(SiteId id) const {
    return find_in(m_sites, id);
}
const Ward* World::ward(WardId id) const {
    return find_in(m_wards, id);
}
const Resident* World::resident(ResidentId id) const {
    return find_in(m_residents, id);
}
const Contact* World::contact(ContactId id) const {
    return find_in(m_contacts, id);
}
const Device* World::device(DeviceId id) const {
    return find_in(m_devices, id);
}
const Staff* World::staff(StaffId id) const {
    return find_in(m_staff, id);
}
const Approval* World::approval(ResidentId r, ContactId c) const {
    return find_in(m_approvals, std::pair{r.value, c.value});
}
const Booking* World::booking(BookingId id) const {
    auto it = m_booking_index.find(id);
    return it == m_booking_index.end() ? nullptr : &m_bookings[it->second];
}

const date::time_zone* World::ward_zone(WardId id) const {
    const auto* w = ward(id);
    const auto* s = w != nullptr ? site(w->site) : nullptr;
    return s != nullptr ? find_zone(s->tz) : nullptr;
}

const date::time_zone* World::contact_zone(ContactId id) const {
    const auto* c = contact(id);
    return c != nullptr ? find_zone(c->tz) : nullptr;
}

const std::vector<std::size_t>& World::on_device(DeviceId id) const {
    return index_of(m_by_device, id);
}
const std::vector<std::size_t>& World::of_resident(ResidentId id) const {
    return index_of(m_by_resident, id);
}
const std::vector<std::size_t>& World::of_contact(ContactId id) const {
    return index_of(m_by_contact, id);
}
const std::vector<std::size_t>& World::of_staff(StaffId id) const {
    return index_of(m_by_staff, id);
}

} // namespace carecall
