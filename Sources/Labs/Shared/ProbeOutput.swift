import Foundation

/// What the lab's CUDA probe printed: how far it allocated and where it was refused.
///
/// Accepts the lab probe's `cudaMalloc refused after N MiB allocated: out of memory`, the
/// driver-API probe's `REFUSED after N MiB: next 512 MiB chunk -> CUDA_ERROR_OUT_OF_MEMORY`,
/// progress lines `allocated N MiB`, and `no refusal up to N MiB`.
public struct ProbeOutput: Sendable, Hashable {
  /// MiB allocated when the next allocation was refused.
  public var refusedAfterMiB: Int?
  /// The refusal line as captured.
  public var refusalLine: String?
  /// The largest `allocated N MiB` (or `no refusal up to N MiB`) seen.
  public var maxAllocatedMiB: Int?
  /// The line that showed ``maxAllocatedMiB``.
  public var maxAllocatedLine: String?
  /// The probe's own pid (`probe: pid N, …`); nil when it did not print it.
  public var pid: Int?

  /// Parses `lines`; `nil` when none of them is probe output.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    let refusal = #/(?i)(?:cudaMalloc|cuMemAlloc\w*)?\s*refused after\s+(\d+)\s*MiB/#
    let allocated = #/(?i)^\s*allocated\s+(\d+)\s*MiB/#
    let noRefusal = #/(?i)no refusal (?:up to|after)\s+(\d+)\s*MiB/#
    var refused: Int?
    var refusalLine: String?
    var maxAllocated: Int?
    var maxLine: String?
    // Lines are matched only when they hold the words (regex matching is the costly part).
    for line in lines {
      let lowered = line.lowercased()
      guard lowered.contains("refus") || lowered.contains("allocated") else { continue }
      if refused == nil, let match = line.firstMatch(of: refusal), let value = Int(match.output.1) {
        refused = value
        refusalLine = line
      }
      let progress =
        line.firstMatch(of: allocated).flatMap { Int($0.output.1) }
        ?? line.firstMatch(of: noRefusal).flatMap { Int($0.output.1) }
      if let progress, progress > (maxAllocated ?? -1) {
        maxAllocated = progress
        maxLine = line
      }
    }
    guard refused != nil || maxAllocated != nil else { return nil }
    self.refusedAfterMiB = refused
    self.refusalLine = refusalLine
    self.maxAllocatedMiB = maxAllocated
    self.maxAllocatedLine = maxLine
    self.pid = Self.pid(in: lines)
  }

  /// The probe's pid from its `probe: pid N, …` line; nil when it printed none.
  public static func pid(in lines: [String]) -> Int? {
    lines.lazy.filter { $0.hasPrefix("probe: pid ") }
      .compactMap { $0.firstMatch(of: #/^probe: pid (\d+)/#).flatMap { Int($0.output.1) } }.first
  }
}
