#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock time to the millisecond, with the local offset from UTC, as log lines print it:
/// `2025-06-01T12:00:00.123+02:00` (RFC 3339).
struct LogTimestamp: Sendable, Hashable, CustomStringConvertible {
  /// Seconds since 1970-01-01T00:00:00Z.
  var seconds: Int
  /// Milliseconds past the second, 0 to 999.
  var milliseconds: Int
  /// The local time's offset from UTC, in seconds (east is positive).
  var utcOffset: Int

  /// The time now, in the process's time zone.
  static func now() -> LogTimestamp {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    var seconds = time_t(time.tv_sec)
    var local = tm()
    localtime_r(&seconds, &local)
    return LogTimestamp(
      seconds: Int(time.tv_sec), milliseconds: Int(time.tv_nsec) / 1_000_000, utcOffset: Int(local.tm_gmtoff))
  }

  /// `YYYY-MM-DDTHH:MM:SS.mmm+HH:MM`, or `Z` for UTC.
  var description: String {
    let local = seconds + utcOffset
    let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
    let secondOfDay = local - days * 86400
    let (year, month, day) = Self.civil(fromDays: days)
    var text = Self.digits(year, 4) + "-" + Self.digits(month, 2) + "-" + Self.digits(day, 2)
    text += "T" + Self.digits(secondOfDay / 3600, 2) + ":" + Self.digits(secondOfDay / 60 % 60, 2) + ":"
    text += Self.digits(secondOfDay % 60, 2) + "." + Self.digits(milliseconds, 3)
    if utcOffset == 0 { return text + "Z" }
    let minutes = abs(utcOffset) / 60
    return text + (utcOffset < 0 ? "-" : "+") + Self.digits(minutes / 60, 2) + ":"
      + Self.digits(minutes % 60, 2)
  }

  /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
  static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  private static func digits(_ number: Int, _ width: Int) -> String {
    let text = String(number)
    return String(repeating: "0", count: max(0, width - text.count)) + text
  }
}
