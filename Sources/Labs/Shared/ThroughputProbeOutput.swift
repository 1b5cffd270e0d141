import Foundation

/// What a throughput probe printed: its settings line and one sample a second.
///
/// Reads `throughput-probe: pid 1234, device 0 NVIDIA H200 (132 SMs), LD_PRELOAD=… CUDA_DEVICE_SM_LIMIT=30
/// GPU_CORE_UTILIZATION_POLICY=force, 20 s`, `sample 3 s: 61.20 TFLOPS` lines and, in latency mode
/// (`--latency`: one short kernel at a time, each synchronised; the settings line says `latency
/// mode, 16 waves a kernel, 20 s`), `latency 3 s: p50 152.3 us p99 301.9
/// us over 5120 kernels` lines. Lines may carry a capture timestamp in front (``StampedLine``);
/// HAMi-core's messages, when interleaved from stderr, are cut out first.
public struct ThroughputProbeOutput: Sendable, Hashable {
  /// One `sample N s: X TFLOPS` line.
  public struct Sample: Sendable, Hashable {
    public var second: Int
    public var tflops: Double
    /// When the line was captured (seconds since the epoch); nil when not timestamped.
    public var capturedAt: Double?
  }

  /// One `latency N s: p50 X us p99 Y us over K kernels` line.
  public struct LatencySample: Sendable, Hashable {
    public var second: Int
    public var p50Micros: Double
    public var p99Micros: Double
    public var kernels: Int
  }

  public var pid: Int?
  /// `CUDA_DEVICE_SM_LIMIT` as the probe saw it; nil when unset.
  public var coreLimit: Int?
  /// `GPU_CORE_UTILIZATION_POLICY` as the probe saw it; nil when unset.
  public var policy: String?
  public var samples: [Sample]
  public var latency: [LatencySample] = []
  /// The settings line as captured.
  public var headerLine: String?
  /// In latency mode, the full-card waves each kernel has (`latency mode, 16 waves a kernel`); nil
  /// when the settings line does not say (the first probe's victim: one wave a kernel).
  public var kernelWaves: Int?

  /// Parses `lines`; nil when they hold neither the settings line nor a sample.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines).map(StampedLine.init)
    let samplePattern = #/^sample\s+(\d+)\s*s:\s*([0-9]+(?:\.[0-9]+)?)\s*TFLOPS/#
    let latencyPattern =
      #/^latency\s+(\d+)\s*s:\s*p50\s+([0-9.]+)\s*us\s+p99\s+([0-9.]+)\s*us\s+over\s+(\d+)\s+kernels/#
    var samples: [Sample] = []
    var latencies: [LatencySample] = []
    var header: String?
    for stamped in lines {
      let line = stamped.text
      if header == nil, line.hasPrefix("throughput-probe: pid ") { header = line }
      if line.hasPrefix("sample"), let match = line.firstMatch(of: samplePattern),
        let second = Int(match.output.1),
        let value = Double(match.output.2)
      {
        samples.append(Sample(second: second, tflops: value, capturedAt: stamped.capturedAt))
      }
      if line.hasPrefix("latency"), let match = line.firstMatch(of: latencyPattern),
        let second = Int(match.output.1), let p50 = Double(match.output.2), let p99 = Double(match.output.3),
        let kernels = Int(match.output.4)
      {
        latencies.append(LatencySample(second: second, p50Micros: p50, p99Micros: p99, kernels: kernels))
      }
    }
    guard header != nil || !samples.isEmpty else { return nil }
    self.samples = samples
    self.latency = latencies
    self.headerLine = header
    func value(_ name: String) -> String? {
      guard let header, let range = header.range(of: name + "=") else { return nil }
      let text = header[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," }
      return text.isEmpty || text == "unset" ? nil : String(text)
    }
    pid = header.flatMap { $0.firstMatch(of: #/pid (\d+)/#) }.flatMap { Int($0.output.1) }
    coreLimit = value("CUDA_DEVICE_SM_LIMIT").flatMap { Int($0) }
    policy = value("GPU_CORE_UTILIZATION_POLICY")
    kernelWaves = header.flatMap { $0.firstMatch(of: #/latency mode, (\d+) waves a kernel/#) }
      .flatMap { Int($0.output.1) }
  }

  /// The samples after the first (the first second includes the ramp-up).
  public var steadySamples: [Sample] { samples.count > 1 ? Array(samples.dropFirst()) : samples }

  /// The mean of ``steadySamples``; nil without samples.
  public var meanTFLOPS: Double? {
    let values = steadySamples.map(\.tflops)
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }
}
