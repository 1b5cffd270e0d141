import Foundation

/// HAMi-core's log lines, which it writes to stderr interleaved with the program's output.
///
/// `[HAMI-core Msg(1322:140126614169408:libvgpu.c:871)]: Initializing.....` lines may appear
/// anywhere (even glued to the end of an output line, or inside an nvidia-smi table);
/// `[HAMI-core ERROR (pid:1322 thread=140126614169408 allocator.c:52)]: Device 0 OOM 8589934592 /
/// 8388608000` is the line that proves HAMi-core refused an allocation and names the limit in
/// bytes. Thread ids have any length, the OOM line comes from `allocator.c:49`, `:52`, `:53` or
/// `:54` depending on the HAMi-core build, and before 2024 the prefix was `4pdvGPU`.
public enum HAMiCoreLog {
  /// One `Device N OOM requested / limit` line.
  ///
  /// Both numbers are `size_t` in HAMi-core and are read as unsigned 64-bit integers: an
  /// underflowed usage counter (HAMi issue #1181, fixed in HAMi 2.6.1) prints a requested size
  /// near 2^64, e.g. `Device 0 OOM 18446744073707737660 / 24146608128`.
  public struct OOMLine: Sendable, Hashable {
    public var device: Int
    /// Bytes the allocation would have brought the device to; nil when the digits do not fit
    /// 64 bits.
    public var requestedBytes: UInt64?
    /// The limit HAMi-core enforces, in bytes; nil when the digits do not fit 64 bits.
    public var limitBytes: UInt64?
    /// The line as captured.
    public var line: String

    /// Whether the usage counter wrapped below zero: a "requested" size of 2^63 bytes or more is
    /// no allocation anyone made, so the line says nothing about where a refusal happened. Its
    /// limit is still the limit HAMi-core enforced.
    public var usageUnderflowed: Bool {
      guard let requestedBytes else { return true }
      return requestedBytes >= 1 << 63
    }

    /// Whether the line shows a real allocation refused for exceeding its limit.
    public var showsRefusal: Bool {
      guard !usageUnderflowed, let requestedBytes, let limitBytes else { return false }
      return requestedBytes > limitBytes
    }
  }

  /// A `Limit inconsistency detected for Nth device, X expected, get Y` line: the process found
  /// another limit in the shared cache file and enforces that one (Y).
  public struct LimitInconsistency: Sendable, Hashable {
    public var expectedBytes: UInt64?
    /// The limit HAMi-core enforces.
    public var effectiveBytes: UInt64?
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

  /// Every HAMi-core OOM line in `lines` (only lines with HAMi-core's ERROR prefix: the bare
  /// `Device 0 OOM a / b` text, as quoted in prose, is no capture of HAMi-core's own output).
  public static func oomLines(in lines: [String]) -> [OOMLine] {
    let pattern = #/\[(?:HAMI-core|4pdvGPU) ERROR[^\]]*\]:\s*Device\s+(\d+)\s+OOM\s+(\d+)\s*/\s*(\d+)/#
    return lines.compactMap { line in
      guard line.contains("OOM"), let match = line.firstMatch(of: pattern), let device = Int(match.output.1)
      else {
        return nil
      }
      return OOMLine(
        device: device, requestedBytes: UInt64(match.output.2), limitBytes: UInt64(match.output.3), line: line
      )
    }
  }

  /// Every `Limit inconsistency detected` line in `lines`.
  public static func limitInconsistencies(in lines: [String]) -> [LimitInconsistency] {
    let pattern = #/Limit inconsistency detected for \d+\w* device, (\d+) expected, get (\d+)/#
    return lines.compactMap { line in
      guard line.contains("inconsistency"), let match = line.firstMatch(of: pattern) else { return nil }
      return LimitInconsistency(
        expectedBytes: UInt64(match.output.1), effectiveBytes: UInt64(match.output.2), line: line)
    }
  }

  /// HAMi-core ERROR lines from its allocator that name no limit (`cuMemoryAllocate failed
  /// res=2`): a refusal happened, but not at which limit.
  public static func allocatorErrorsWithoutLimit(in lines: [String]) -> [String] {
    lines.filter { line in
      line.contains("allocator.c") && line.firstMatch(of: #/\[(?:HAMI-core|4pdvGPU) ERROR/#) != nil
        && line.firstMatch(of: #/OOM\s+\d+\s*\/\s*\d+/#) == nil
    }
  }

  /// Whether any line shows HAMi-core running (any `[HAMI-core …]` line).
  public static func isPresent(in lines: [String]) -> Bool {
    lines.contains { $0.contains("[HAMI-core ") || $0.contains("[4pdvGPU ") }
  }

  private static func infoMessageStart(in line: String) -> Range<String.Index>? {
    for prefix in ["[HAMI-core ", "[4pdvGPU "] {
      guard let range = line.range(of: prefix) else { continue }
      let rest = line[range.upperBound...]
      for kind in ["Msg", "Warn", "WARN", "Info", "INFO", "Debug", "DEBUG"] where rest.hasPrefix(kind) {
        let after = rest.dropFirst(kind.count)
        if after.hasPrefix("(") || after.hasPrefix("]") { return range }
      }
    }
    return nil
  }
}
