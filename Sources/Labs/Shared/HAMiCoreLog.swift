import Foundation

/// HAMi-core's log lines, which it writes to stderr interleaved with the program's output.
///
/// `[HAMI-core Msg(1322:140126614169408:libvgpu.c:871)]: Initializing.....` lines may appear
/// anywhere (even glued to the end of an output line); `[HAMI-core ERROR (pid:1322
/// thread=140126614169408 allocator.c:52)]: Device 0 OOM 8589934592 / 8388608000` is the line
/// that proves HAMi-core refused an allocation and names the limit in bytes.
public enum HAMiCoreLog {
  /// One `Device N OOM requested / limit` line.
  public struct OOMLine: Sendable, Hashable {
    public var device: Int
    /// Bytes the allocation would have brought the device to.
    public var requestedBytes: Int64
    /// The limit HAMi-core enforces, in bytes.
    public var limitBytes: Int64
    /// The line as captured.
    public var line: String
  }

  /// `lines` with informational HAMi-core messages (Msg, Warn, Info, Debug) cut out; a line
  /// that held only such a message is dropped. ERROR lines are kept.
  public static func strippingMessages(_ lines: [String]) -> [String] {
    lines.compactMap { line in
      guard let range = infoMessageStart(in: line) else { return line }
      let kept = String(line[..<range.lowerBound])
      return kept.trimmingCharacters(in: .whitespaces).isEmpty ? nil : kept
    }
  }

  /// Every HAMi-core OOM line in `lines`.
  public static func oomLines(in lines: [String]) -> [OOMLine] {
    let pattern = #/\[HAMI-core ERROR[^\]]*\]:\s*Device\s+(\d+)\s+OOM\s+(\d+)\s*/\s*(\d+)/#
    return lines.compactMap { line in
      guard let match = line.firstMatch(of: pattern), let device = Int(match.output.1),
        let requested = Int64(match.output.2), let limit = Int64(match.output.3)
      else { return nil }
      return OOMLine(device: device, requestedBytes: requested, limitBytes: limit, line: line)
    }
  }

  /// Whether any line shows HAMi-core running (any `[HAMI-core …]` line).
  public static func isPresent(in lines: [String]) -> Bool {
    lines.contains { $0.contains("[HAMI-core ") }
  }

  private static func infoMessageStart(in line: String) -> Range<String.Index>? {
    guard let range = line.range(of: "[HAMI-core ") else { return nil }
    let rest = line[range.upperBound...]
    for kind in ["Msg(", "Warn(", "WARN(", "Info(", "INFO(", "Debug(", "DEBUG("] where rest.hasPrefix(kind) {
      return range
    }
    return nil
  }
}
