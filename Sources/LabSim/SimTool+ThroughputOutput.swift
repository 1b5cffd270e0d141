import Foundation

/// The simulated throughput probe's lines, as `probes/throughput-probe.cu` prints them, whatever
/// limits it (HAMi-core's limiter, an MPS percentage).
extension SimTool {
  /// One second's sample and, in latency mode, its kernel latencies: p50 the card's kernel time
  /// alone (``SimProfile/victimKernelMicroseconds``) over the share, p99 = p50 × `p99Factor`.
  func saySample(
    _ sample: Int, tflops: Double, share: Double, noise: Double, latencyP99Factor: Double?, kernel: Double
  ) {
    say("sample \(sample) s: \(String(format: "%.2f", tflops)) TFLOPS\n")
    guard let latencyP99Factor else { return }
    let p50 = kernel / max(share, 0.01) * noise
    let p99 = p50 * latencyP99Factor
    say(
      "latency \(sample) s: p50 \(String(format: "%.1f", p50)) us p99 \(String(format: "%.1f", p99)) us "
        + "over \(Int(1_000_000 / p50)) kernels\n")
  }

  /// The run's closing line: the mean of its samples.
  func sayMean(total: Double, seconds: Int) {
    say(
      "throughput-probe: mean \(String(format: "%.2f", total / Double(seconds))) TFLOPS over \(seconds) samples\n"
    )
  }
}
