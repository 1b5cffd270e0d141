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

  /// When a run's simulated seconds begin: the start file's modification time, the same for every
  /// probe that waited for it, or now for a probe alone.
  func runStart(_ startFile: String?) -> Date {
    guard let startFile,
      let modified = (try? FileManager.default.attributesOfItem(atPath: startFile))?[.modificationDate]
        as? Date
    else { return Date() }
    return min(modified, Date())
  }

  /// Waits for simulated second `sample` of a run that began at `start`: the seconds are ticks of
  /// `secondMs` from that one start, so probes started together stay in step however late one of
  /// them wakes on a loaded machine (sleeping a second's length after each sample drifted apart).
  func waitForSecond(_ sample: Int, from start: Date, secondMs: Int) {
    let wait = start.addingTimeInterval(Double(sample * secondMs) / 1000).timeIntervalSinceNow
    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
  }

  /// The run's closing line: the mean of its samples.
  func sayMean(total: Double, seconds: Int) {
    say(
      "throughput-probe: mean \(String(format: "%.2f", total / Double(seconds))) TFLOPS over \(seconds) samples\n"
    )
  }
}
