/// What a simulated card computes with: its SMs (what CUDA and HAMi-core's `setspec` read), the
/// lab's throughput probe's unlimited figure, and how far HAMi-core's core limiter misses on it.
/// Which of these were measured on real hardware and which are assumed is in docs/simulator.md
/// ("Compute on the simulated cards").
extension SimProfile {
  /// The card's streaming multiprocessors (CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT): 132 on the H100
  /// SXM and the H200 (both measured), the product data sheets' counts for the others.
  var smCount: Int {
    switch id {
    case "h100-80gb", "h200-141gb": 132
    case "l4-24gb": 58
    case "rtx-pro-6000-96gb": 188
    case "tiny-2gb": 6
    default: 84
    }
  }

  /// CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: 2048 on Hopper (measured on the H100,
  /// `setspec: … max_threads_per_sm=2048`), 1536 on Ampere GA10x, Ada and Blackwell (HAMi-core
  /// issue #274 reports 1536 on the RTX PRO 6000), 1024 on Turing.
  var maxThreadsPerSM: Int {
    switch id {
    case "h100-80gb", "h200-141gb": 2048
    case "tiny-2gb": 1024
    default: 1536
    }
  }

  /// The lab's throughput probe alone and unlimited, in TFLOPS: measured on the H100 (61.0) and the
  /// H200 (60.97); the other cards' figures are only plausible orders of magnitude, never measured.
  var probeTFLOPS: Double {
    switch id {
    case "h100-80gb": 61.0
    case "h200-141gb": 60.97
    case "a6000-48gb", "2x-a6000-48gb": 38.7
    case "l4-24gb": 30.3
    case "rtx-pro-6000-96gb": 110.0
    default: 10
    }
  }

  /// The victim's kernel (16 full-card waves) alone, in µs: 305 at the p50 on the H200 (p99 ×1.03;
  /// beside a time-sliced neighbour ×1.01, beside an MPS one ×1.2); on other cards scaled by the
  /// probe's throughput (assumed).
  var victimKernelMicroseconds: Double { 305 * 60.97 / probeTFLOPS }

  /// How far HAMi-core's core limiter and the card's time-slicing are from the ideal (0: every
  /// limit holds exactly, 1: as measured on the 132-SM H100 and H200). HAMi-core's correction step
  /// relative to its token pool grows linearly with the SM count (issues #274, #314; PR #317), so a
  /// card with fewer SMs is assumed to miss by that much less: SMs / 132, at most 1 (the RTX PRO
  /// 6000's 188 SMs, where upstream reports the limiter barely throttling, count as measured's 1).
  var limiterMiss: Double { min(1, Double(smCount) / 132) }

  /// Whether this card's compute sharing was measured on real hardware (docs/evidence), rather than
  /// assumed from the measured cards.
  var computeMeasured: Bool { id == "h100-80gb" || id == "h200-141gb" }
}
