#pragma once
/// Time values: UTC instants, local clock times and dates, IANA zones (through date/tz).
/// Instants are stored as UTC seconds; local wall-clock values are read in their owner's zone.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <date/tz.h>

namespace carecall {

/// A point in time, UTC, whole seconds.
using Instant = date::sys_seconds;
/// A wall-clock date-time with no zone attached.
using LocalDateTime = date::local_seconds;
using Date = date::year_month_day;

/// How to read a local time that happens twice (clocks go back).
enum class Ambiguity {
    refuse,   ///< throw InvalidInput naming both readings
    earliest, ///< the first occurrence (summer time)
    latest,   ///< the second occurrence (standard time)
};

/// The zone with this IANA name; throws InvalidInput("<field>", "unknown time zone 'X'").
const date::time_zone* find_zone(std::string_view name, std::string_view field = "tz");

/// "HH:MM" to minutes after midnight. "24:00" (1440) only when allow_24 is set.
/// Throws InvalidInput(field, "25:61 is not a time (expected HH:MM)").
int parse_clock(std::string_view text, std::string_view field, bool allow_24 = false);
/// Minutes after midnight to "HH:MM" (1440 gives "24:00").
std::string format_clock(int minutes);

/// The dates carecall accepts, everywhere a date or an instant is read: 2000-01-01 to
/// 2199-12-31 (local dates; the tz database and the formats hold no later ones).
inline constexpr Date k_first_date{date::year{2000}, date::January, date::day{1}};
inline constexpr Date k_last_date{date::year{2199}, date::December, date::day{31}};

/// `d` when it is within k_first_date … k_last_date; else throws InvalidInput(field,
/// "2200-01-01 is outside the dates carecall accepts (2000-01-01 to 2199-12-31)").
Date check_date_range(Date d, std::string_view field);
/// The last of `days` days (at least 1) from `first`, refused (InvalidInput naming `field`) when
/// it falls outside the dates carecall accepts.
Date last_of_days(Date first, int days, std::string_view field);

/// "YYYY-MM-DD" (a real calendar date, within the dates carecall accepts); throws InvalidInput.
Date parse_date(std::string_view text, std::string_view field);
std::string format_date(Date d);

/// "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD HH:MM" (seconds ":SS" allowed); throws InvalidInput.
LocalDateTime parse_local_datetime(std::string_view text, std::string_view field);
/// "YYYY-MM-DDTHH:MM" (":SS" added only when not zero).
std::string format_local_datetime(LocalDateTime t);

/// Local wall-clock time in `zone` to UTC. A time in a spring-forward gap is always refused
/// (InvalidInput saying it does not exist and naming the nearest real times); an ambiguous time
/// follows `ambiguity`.
Instant to_utc(LocalDateTime local, const date::time_zone* zone, std::string_view field,
               Ambiguity ambiguity = Ambiguity::refuse);
/// UTC to wall-clock time in `zone`.
LocalDateTime to_local(Instant t, const date::time_zone* zone);

/// "2025-03-24T10:15:00Z"
std::string format_utc(Instant t);
/// "2025-03-24T10:15:00+00:00" in the given zone (ISO 8601 with offset).
std::string format_iso_offset(Instant t, const date::time_zone* zone);

/// A duration: "30m", "1h", "1h30m", "90" (minutes); a positive whole number of minutes.
/// Throws InvalidInput(field, "-5m is not a duration (expected e.g. 30m, 1h, 1h30m)").
int parse_duration_minutes(std::string_view text, std::string_view field);

/// How a time phrase reads: the local wall-clock time in `zone` and the instants it names
/// (none: in a clock-change gap; one; two: the clocks go back and it happens twice).
struct TimeReading {
    LocalDateTime local;
    std::vector<Instant> instants;
    bool explicit_offset = false; ///< the phrase carried its own offset or Z (or was "now")
    bool day_only = false; ///< a day with no clock time (`2026-12-05`, `tomorrow`): its midnight
};

/// Reads the time phrases of docs/cli.md relative to `now`, in `zone` unless the phrase carries an
/// offset: ISO 8601 (`2027-03-28 14:00`, `2027-03-28T14:00+01:00`, `…Z`), `now`, `today`,
/// `tomorrow`, weekday names (`mon`, `next mon`: the next such day after today), each optionally
/// followed by a time (`tomorrow 09:30`), and a bare `14:30` (today). Ambiguous forms such as
/// `03/04/2027` are refused. Throws InvalidInput naming `field`.
TimeReading read_time_phrase(std::string_view phrase, const date::time_zone* zone, Instant now,
                             std::string_view field);

/// read_time_phrase, then one instant: a gap time is refused (saying so and naming the nearest
/// real times), an ambiguous one follows `ambiguity`.
Instant parse_time_phrase(std::string_view phrase, const date::time_zone* zone, Instant now,
                          std::string_view field, Ambiguity ambiguity = Ambiguity::refuse);

/// A local date phrase: `YYYY-MM-DD`, `today`, `tomorrow`, `yesterday`, `mon` / `next mon`.
Date parse_date_phrase(std::string_view phrase, const date::time_zone* zone, Instant now,
                       std::string_view field);

/// Monday = 0 … Sunday = 6 of a date.
int weekday_index(Date d);

/// 0 (Monday) … 6 (Sunday) for "mon" or "monday" in any case; -1 for any other word.
int weekday_of_word(std::string_view word);

/// `s` with the ASCII letters A–Z in lower case (names of days and keywords; never user text).
std::string ascii_lower(std::string_view s);

} // namespace carecall
