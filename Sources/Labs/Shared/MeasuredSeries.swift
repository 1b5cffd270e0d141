import Foundation

/// One measured run's per-second samples and the figures a verdict is judged on: the
/// time-average over the judged window (the last half of the samples: the limiters under test
/// oscillate, and their start is no steady state) and the oscillation (min and max of the
/// window's per-second samples).
struct MeasuredSeries: Sendable, Hashable {
  /// One per-second sample; `capturedAt` is the capture's wall clock (seconds since the epoch)
  /// when the line was timestamped on capture.
  struct Point: Sendable, Hashable {
    var second: Int
    var value: Double
    var capturedAt: Double?
  }

  var points: [Point]

  init(_ points: [Point]) { self.points = points }

  /// The judged window: the last half of the samples (all of a run with one sample).
  var window: ArraySlice<Point> { points.suffix(max(1, points.count / 2)) }

  /// The time-average over ``window``; nil without samples.
  var windowMean: Double? {
    let values = window.map(\.value)
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  var windowMin: Double? { window.map(\.value).min() }
  var windowMax: Double? { window.map(\.value).max() }

  /// `46.25 (window 23-45 s of 45; per-second 3.70-64.70)`.
  func summary(unit: String) -> String {
    guard let mean = windowMean, let low = windowMin, let high = windowMax, let first = window.first,
      let last = window.last
    else { return "no samples" }
    return "\(Self.format(mean)) \(unit) (mean of seconds \(first.second)-\(last.second) of \(points.count); "
      + "per-second \(Self.format(low))-\(Self.format(high)))"
  }

  /// The samples taken while `other` was sampling too (captured from one second before its first
  /// sample to its last), so a run side by side is judged only on the seconds it had company;
  /// unchanged when either has no capture timestamps.
  func during(_ other: MeasuredSeries) -> MeasuredSeries {
    guard let start = other.points.first?.capturedAt, let end = other.points.last?.capturedAt,
      points.allSatisfy({ $0.capturedAt != nil })
    else { return self }
    return MeasuredSeries(points.filter { ($0.capturedAt ?? 0) > start - 1 && ($0.capturedAt ?? 0) <= end })
  }

  /// The samples taken while `other` was measuring: by capture time where both carry it
  /// (``during(_:)``), else by the probes' own seconds, which count from one start file for two
  /// probes started together (a neighbour that stopped early leaves the seconds after it out).
  func alongside(_ other: MeasuredSeries) -> MeasuredSeries {
    let stamped = { (series: MeasuredSeries) in series.points.allSatisfy { $0.capturedAt != nil } }
    if stamped(self), stamped(other), !other.points.isEmpty { return during(other) }
    let seconds = Set(other.points.map(\.second))
    return MeasuredSeries(points.filter { seconds.contains($0.second) })
  }

  /// Every sample, one decimal: `61.2 60.9 …`.
  var series: String { points.map { String(format: "%.1f", $0.value) }.joined(separator: " ") }

  static func format(_ value: Double) -> String { String(format: "%.2f", value) }

  /// Jain's fairness index of `values`: (Σx)² / (n·Σx²), 1 when all are equal, 1/n when one takes
  /// everything; nil when empty or all zero. Give it each tenant's throughput divided by its
  /// entitled share, so a pair held to unequal limits is fair at 1.
  static func jainIndex(_ values: [Double]) -> Double? {
    let squares = values.reduce(0) { $0 + $1 * $1 }
    guard !values.isEmpty, squares > 0 else { return nil }
    let sum = values.reduce(0, +)
    return sum * sum / (Double(values.count) * squares)
  }
}
