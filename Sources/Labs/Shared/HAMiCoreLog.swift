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

  /// What HAMi-core's core limiter logged at `LIBCUDA_LOG_LEVEL=3` (read from
  /// src/multiprocess/multiprocess_utilization_watcher.c and src/utils.c of HAMi-core 8f3a89c):
  ///
  ///     [HAMI-core Info(2048:…:multiprocess_utilization_watcher.c:273)]: device 0: core utilization limit = 25
  ///     [HAMI-core Info(2048:…:utils.c:161)]: hostPid=2048
  ///     [HAMI-core Info(2048:…:multiprocess_utilization_watcher.c:233)]: init_utilization_watcher: util_switch=1
  ///     [HAMI-core Info(2048:…:multiprocess_utilization_watcher.c:253)]: device 0: userutil=15 currentcores=1276589 total=8650752 limit=25 share=688380
  ///     [HAMI-core Info(2076:…:multiprocess_memory_limit.c:1168)]: SM limit inconsistency detected for 0th device, 50 expected, get 100
  ///     [HAMI-core ERROR (pid:… utils.c:158)]: host pid is error!
  ///     [HAMI-core Warn(…:libvgpu.c:913)]: SET_TASK_PID FAILED - using container PID for accounting
  ///
  /// The limit line comes once, when the process starts (the limit read from the shared region,
  /// written only when the cache file was created; "no limit" reads 100); `util_switch=` only
  /// once the watcher found the host pid; the watcher's line every 120 ms while a limit below 100
  /// is in force. Lines may carry a capture timestamp in front (`1764655123.456789012 [HAMI-core …`).
  public struct LimiterLog: Sendable, Hashable {
    /// One watcher line: the utilization HAMi-core read for the device and its limit.
    public struct WatcherLine: Sendable, Hashable {
      public var userutil: Int
      public var limit: Int
      public var share: Int64
      /// The capture timestamp in front of the line, seconds since the epoch.
      public var capturedAt: Double?
    }

    /// Device 0's `core utilization limit = N` values.
    public var coreLimits: [Int] = []
    /// Every `util_switch=N` value.
    public var utilSwitches: [Int] = []
    public var watcher: [WatcherLine] = []
    /// `SM limit inconsistency … N expected, get M` pairs (device 0).
    public var smLimitInconsistencies: [(expected: Int, effective: Int)] = []
    /// A `host pid is error!` or `SET_TASK_PID FAILED` line, as captured.
    public var hostPidFailure: String?
    /// Whether any HAMi-core line is present.
    public var present = false

    public init(lines: [String]) {
      let limitPattern = #/device 0: core utilization limit = (-?\d+)/#
      let inconsistency = #/SM limit inconsistency detected for 0\w* device, (\d+) expected, get (\d+)/#
      for line in lines where line.contains("[HAMI-core ") || line.contains("[4pdvGPU ") {
        present = true
        if line.contains("utilization limit"), let match = line.firstMatch(of: limitPattern),
          let value = Int(match.output.1)
        {
          coreLimits.append(value)
        } else if let value = Self.integer(after: "util_switch=", in: line) {
          utilSwitches.append(value)
        } else if line.contains("device 0: userutil="), let util = Self.integer(after: "userutil=", in: line),
          let limit = Self.integer(after: " limit=", in: line),
          let share = Self.integer(after: " share=", in: line)
        {
          watcher.append(
            WatcherLine(
              userutil: util, limit: limit, share: Int64(share), capturedAt: StampedLine(line).capturedAt))
        } else if line.contains("SM limit inconsistency"), let match = line.firstMatch(of: inconsistency),
          let expected = Int(match.output.1), let effective = Int(match.output.2)
        {
          smLimitInconsistencies.append((expected, effective))
        } else if hostPidFailure == nil,
          line.contains("host pid is error!") || line.contains("SET_TASK_PID FAILED")
        {
          hostPidFailure = StampedLine(line).text
        }
      }
    }

    /// The (possibly negative) integer right after `key` in `line`; nil when `key` is absent.
    /// By hand, not a regex: the watcher's lines come every 120 ms.
    static func integer(after key: String, in line: String) -> Int? {
      guard let range = line.range(of: key) else { return nil }
      let rest = line[range.upperBound...]
      let sign = rest.first == "-" ? "-" : ""
      let digits = rest.dropFirst(sign.count).prefix { $0.isASCII && $0.isNumber }
      return digits.isEmpty ? nil : Int(sign + digits)
    }

    public static func == (lhs: LimiterLog, rhs: LimiterLog) -> Bool {
      lhs.coreLimits == rhs.coreLimits && lhs.utilSwitches == rhs.utilSwitches && lhs.watcher == rhs.watcher
        && lhs.hostPidFailure == rhs.hostPidFailure && lhs.present == rhs.present
        && lhs.smLimitInconsistencies.map { [$0.expected, $0.effective] }
          == rhs.smLimitInconsistencies.map { [$0.expected, $0.effective] }
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(coreLimits)
      hasher.combine(utilSwitches)
      hasher.combine(watcher)
    }
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
