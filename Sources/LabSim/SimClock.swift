import Foundation

/// The simulated host's clock: the time the simulated tools print is the moment they run
/// (during the run, so a simulated artifact carries the run's date), in the formats of the
/// real tools, in UTC as a cloud VM keeps it.
enum SimClock {
  /// nvidia-smi's header line: `Tue Jun 23 10:16:02 2026` (ctime, day padded with a space).
  static func ctime(_ date: Date = Date()) -> String {
    format(date, "EEE MMM") + " " + day(date) + " " + format(date, "HH:mm:ss yyyy")
  }

  /// helm's UPDATED column: `2026-06-23 10:22:41.402146783 +0000 UTC`.
  static func helm(_ date: Date) -> String {
    let nanoseconds = Int((date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)) * 1e9)
    return format(date, "yyyy-MM-dd HH:mm:ss") + "." + String(format: "%09d", nanoseconds) + " +0000 UTC"
  }

  /// `ls -l`'s time within this year: `Jun 23 10:30` (day padded with a space).
  static func ls(_ date: Date) -> String {
    format(date, "MMM") + " " + day(date) + " " + format(date, "HH:mm")
  }

  /// k3s's logrus time: `2026-12-07T18:45:29Z`.
  static func iso(_ date: Date) -> String { format(date, "yyyy-MM-dd'T'HH:mm:ss'Z'") }

  /// journalctl's short time: `Dec 07 18:45:29`.
  static func journal(_ date: Date) -> String { format(date, "MMM dd HH:mm:ss") }

  private static func day(_ date: Date) -> String {
    let text = format(date, "d")
    return text.count == 1 ? " " + text : text
  }

  private static func format(_ date: Date, _ pattern: String) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = pattern
    return formatter.string(from: date)
  }
}
