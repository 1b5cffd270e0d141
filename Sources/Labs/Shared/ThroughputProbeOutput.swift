import Foundation

/// What a throughput probe printed: its settings line and one sample a second.
///
/// Reads `throughput-probe: pid 1234, device 0 NVIDIA H200 (132 SMs), LD_PRELOAD=… CUDA_DEVICE_SM_LIMIT=30
/// GPU_CORE_UTILIZATION_POLICY=force, 20 s` and `sample 3 s: 61.20 TFLOPS` lines (HAMi-core's
/// messages, interleaved on stderr, are cut out first).
public struct ThroughputProbeOutput: Sendable, Hashable {
  /// One `sample N s: X TFLOPS` line.
  public struct Sample: Sendable, Hashable {
    public var second: Int
    public var tflops: Double
  }

  public var pid: Int?
  /// `CUDA_DEVICE_SM_LIMIT` as the probe saw it; nil when unset.
  public var coreLimit: Int?
  /// `GPU_CORE_UTILIZATION_POLICY` as the probe saw it; nil when unset.
  public var policy: String?
  public var samples: [Sample]
  /// The settings line as captured.
  public var headerLine: String?

  /// Parses `lines`; nil when they hold neither the settings line nor a sample.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    let samplePattern = #/^sample\s+(\d+)\s*s:\s*([0-9]+(?:\.[0-9]+)?)\s*TFLOPS/#
    var samples: [Sample] = []
    var header: String?
    for line in lines {
      if header == nil, line.hasPrefix("throughput-probe: pid ") { header = line }
      if line.hasPrefix("sample"), let match = line.firstMatch(of: samplePattern),
        let second = Int(match.output.1),
        let value = Double(match.output.2)
      {
        samples.append(Sample(second: second, tflops: value))
      }
    }
    guard header != nil || !samples.isEmpty else { return nil }
    self.samples = samples
    self.headerLine = header
    func value(_ name: String) -> String? {
      guard let header, let range = header.range(of: name + "=") else { return nil }
      let text = header[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," }
      return text.isEmpty || text == "unset" ? nil : String(text)
    }
    pid = header.flatMap { $0.firstMatch(of: #/pid (\d+)/#) }.flatMap { Int($0.output.1) }
    coreLimit = value("CUDA_DEVICE_SM_LIMIT").flatMap { Int($0) }
    policy = value("GPU_CORE_UTILIZATION_POLICY")
  }

  /// The samples after the first (the first second includes the ramp-up).
  public var steadySamples: [Sample] { samples.count > 1 ? Array(samples.dropFirst()) : samples }

  /// The mean of ``steadySamples``; nil without samples.
  public var meanTFLOPS: Double? {
    let values = steadySamples.map(\.tflops)
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }
}
