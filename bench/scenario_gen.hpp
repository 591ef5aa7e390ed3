#pragma once
// A seeded generator of planning problems in the exchange format (carecall-scenario/1), for the
// scheduler's benchmark and tests: care homes in Europe/London whose residents' contacts live in
// London, New York, Sydney and Kolkata; wards with calling hours; residents with meals,
// medication and rest blocks, some needing a helper with competences; staff on shifts; devices
// shared between two wards with cleaning and moving times; requests of three priority classes
// with preferred windows, daily limits and a few fixed weekly times.
#include <cstdint>
#include <string>

#include "carecall/exchange.hpp"

namespace carecall::bench {

struct GenParams {
    std::uint64_t seed = 1;
    int sites = 1;
    int wards_per_site = 2;
    int residents = 20; ///< in total, spread over the sites
    int devices = 3;    ///< in total, at least one a site
    int days = 1;
    Date start = date::year{2025} / 3 / 24; ///< a Monday; the UK's clocks change on the 30th
    double calls_per_resident = 2.0;        ///< weekly calls asked (scaled to the horizon)
    int slot_minutes = 15;
};

/// The problem for these parameters (the same for the same parameters).
Scenario generate(const GenParams& p);

/// The four sizes of the benchmark: "ward-day", "home-week", "group-week", "national-week".
GenParams preset(const std::string& name, std::uint64_t seed);

} // namespace carecall::bench
