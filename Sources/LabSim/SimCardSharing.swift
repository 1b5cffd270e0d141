import Foundation

/// How the processes computing on a simulated card share it, one simulated second at a time, as
/// the lab's own throughput probe measured on real cards (docs/evidence: the H100 runs
/// 20261207T173115Z and 20261207T173352Z, the H200 runs 20261207T190312Z and 20261207T190546Z;
/// HAMi-core 8f3a89c, NVIDIA MPS of driver 580.159.04):
///
/// - HAMi-core's core limiter engages but misses on a 132-SM card: a process alone held to 50
///   keeps 0.92 (H100) / 0.95 (H200) of its unlimited throughput, held to 25 0.73 / 0.82, its
///   per-second samples swinging between full speed and deep dips; side by side it changes
///   nothing: a 30/70 pair time-slices 0.50/0.50 (each 0.45 of unlimited), and a victim launching
///   one kernel at a time beside a neighbour held to 25 keeps 0.11 of its alone throughput while
///   the neighbour takes 0.76 of unlimited, exactly as beside an unlimited neighbour.
/// - MPS holds a client to the SMs its active thread percentage gives it (25 % → 32 of 132 SMs →
///   0.24; a 30/70 pair 0.29/0.71), but a victim beside a neighbour held to 25 % keeps 0.48 of its
///   alone throughput (0.21 beside an unlimited neighbour).
///
/// A card's share is the ideal's (every limit held exactly, the model before these measurements)
/// moved toward the measured by the card's ``SimProfile/limiterMiss`` for HAMi-core (1 on the
/// measured cards; assumed smaller with fewer SMs) and fully for MPS (measured on both cards,
/// assumed on the others); `ideal-compute` keeps the ideal on every card.
struct SimCardSharing {
  /// One process computing on the card.
  struct Tenant: Sendable, Equatable {
    var pid: Int
    /// The limit its mechanism applies (HAMi-core's core limit, MPS's active thread percentage);
    /// nil for none, or for one the scenario has the mechanism ignore.
    var limit: Int?
    /// Whether it launches one kernel at a time and waits for it (the probe's `--latency`: the
    /// noisy neighbour's victim).
    var latency: Bool
  }

  var profile: SimProfile
  var scenario: SimScenario

  /// What the real runs measured, as fractions of the process's own alone, unlimited throughput.
  enum Measured {
    /// HAMi-core alone under a core limit (the judged last half of each run): the H100's
    /// (reference capture: 50 → 0.92, 25 → 0.72-0.75; the lab's run: 0.95, 0.73) and the H200's.
    static let aloneH100: [(limit: Int, ratio: Double)] = [(25, 0.73), (50, 0.92)]
    static let aloneH200: [(limit: Int, ratio: Double)] = [(25, 0.82), (50, 0.95)]
    /// Two processes time-sliced (HAMi-core's limits changing nothing): each 27.59 of 60.96 TFLOPS.
    static let timeSlicedPair = 0.4525
    /// A one-kernel-at-a-time victim beside a process with two batches in flight: the victim 6.53
    /// of its alone 57.86 TFLOPS, the neighbour 46.30 of 60.97.
    static let timeSlicedVictim = 0.113
    static let timeSlicedNeighbour = 0.76
    /// MPS, the victim beside a neighbour on a fraction of the SMs (32/132 under 25 %, or all):
    /// 27.78 and 12.23 of its alone 57.98 TFLOPS; the neighbour 13.48 of its alone 14.80, and 48.94
    /// of 60.96.
    static let mpsVictim: (quarter: Double, full: Double) = (0.479, 0.211)
    static let mpsNeighbour: (quarter: Double, full: Double) = (0.911, 0.803)
    static let mpsQuarter = 32.0 / 132
    /// The victim alone (one kernel at a time) against the probe's unlimited throughput: 57.86/60.97.
    static let latencyEfficiency = 0.949
    /// The limiter's dips, seconds of real runs under limit 25 and 50 alone as fractions of
    /// unlimited (H200: 23.40, 13.98, 19.92, 18.23, 25.75 TFLOPS; H100: 12.6, 17.7, 28.44 of 61).
    static let dips = [0.38, 0.23, 0.33, 0.30, 0.42, 0.21, 0.29, 0.47]
  }

  /// How far this card is from the ideal under HAMi-core (0 under `ideal-compute`).
  var hamiCoreMiss: Double { scenario == .idealCompute ? 0 : profile.limiterMiss }
  /// How far this card is from the ideal under MPS (0 under `ideal-compute`).
  var mpsMiss: Double { scenario == .idealCompute ? 0 : 1 }

  // MARK: HAMi-core

  /// Each tenant's share this second under HAMi-core (`disabled`: GPU_CORE_UTILIZATION_POLICY=
  /// disable, no limiter): ideal and measured blended by ``hamiCoreMiss``.
  func hamiCore(_ tenants: [Tenant], disabled: Bool = false) -> [Int: Double] {
    let held = hamiCoreLimits(tenants, disabled: disabled)
    let ideal = Self.idealHAMiCore(held)
    let measured = measuredHAMiCore(held)
    return ideal.merging(measured) { $0 + ($1 - $0) * hamiCoreMiss }
  }

  /// The limits HAMi-core's limiter applies this second (scenarios that keep it from throttling).
  func hamiCoreLimits(_ tenants: [Tenant], disabled: Bool) -> [Tenant] {
    let hasUnlimited = tenants.contains { $0.limit == nil }
    return tenants.map { tenant in
      var tenant = tenant
      if disabled || scenario == .coreLimitIgnored || scenario == .limiterNoPid
        || (scenario == .noisyNeighbour && hasUnlimited)
      {
        tenant.limit = nil
      }
      return tenant
    }
  }

  /// The ideal: a process held to L gets L % (limited ones scaled down above the card); beside
  /// unlimited processes it takes at most min(L %, an even split) and they share the rest.
  static func idealHAMiCore(_ tenants: [Tenant]) -> [Int: Double] {
    let limited = tenants.compactMap { tenant in tenant.limit.map { (tenant.pid, Double($0) / 100) } }
    let free = tenants.filter { $0.limit == nil }
    var result: [Int: Double] = [:]
    if free.isEmpty {
      let sum = limited.reduce(0) { $0 + $1.1 }
      for (pid, share) in limited { result[pid] = share * (sum > 1 ? 1 / sum : 1) }
      return result
    }
    let even = 1 / Double(tenants.count)
    let taken = limited.reduce(0) { $0 + min($1.1, even) }
    for (pid, share) in limited { result[pid] = min(share, even) }
    for tenant in free { result[tenant.pid] = (1 - taken) / Double(free.count) }
    return result
  }

  /// As measured: alone, the limiter's miss; side by side, time-slicing whatever the limits.
  func measuredHAMiCore(_ tenants: [Tenant]) -> [Int: Double] {
    var result: [Int: Double] = [:]
    guard tenants.count > 1 else {
      for tenant in tenants { result[tenant.pid] = tenant.limit.map(measuredAlone) ?? 1 }
      return result
    }
    let victims = tenants.filter(\.latency)
    let workers = tenants.filter { !$0.latency }
    for tenant in tenants {
      if victims.isEmpty || workers.isEmpty {
        result[tenant.pid] = Measured.timeSlicedPair * 2 / Double(tenants.count)
      } else {
        result[tenant.pid] =
          tenant.latency ? Measured.timeSlicedVictim : Measured.timeSlicedNeighbour / Double(workers.count)
      }
    }
    return result
  }

  /// A process alone under core limit `limit`, as measured on this card (the H200's figures on
  /// the H200, the H100's on every other card): linear between the measured limits and 100 → 1,
  /// below the lowest on the line through the two measured, never below the limit itself.
  func measuredAlone(_ limit: Int) -> Double {
    let points = (profile.id == "h200-141gb" ? Measured.aloneH200 : Measured.aloneH100) + [(100, 1.0)]
    let x = Double(limit)
    var segment = (points[0], points[1])
    for index in 1..<points.count where x > Double(points[index - 1].limit) {
      segment = (points[index - 1], points[index])
    }
    let slope = (segment.1.ratio - segment.0.ratio) / Double(segment.1.limit - segment.0.limit)
    let ratio = segment.0.ratio + slope * (x - Double(segment.0.limit))
    return min(1, max(x / 100, ratio))
  }

  /// One second's sample of a tenant alone whose limiter holds it to `mean` (< 1) as measured: full
  /// speed, and now and then a dip from ``Measured/dips``, so often that the mean is `mean`; where
  /// they fall follows from the pid and the second (no randomness).
  static func limiterSecond(mean: Double, second: Int, pid: Int) -> Double {
    let depth = Measured.dips.reduce(0, +) / Double(Measured.dips.count)
    guard mean < 1, mean > depth else { return mean }
    let often = (1 - mean) / (1 - depth)
    let phase = Double(pid % 89) / 89
    let before = (phase + Double(second - 1) * often).rounded(.down)
    let now = (phase + Double(second) * often).rounded(.down)
    guard now > before else { return 1 }
    return Measured.dips[Int(now) % Measured.dips.count]
  }

  // MARK: MPS

  /// Each client's share this second under MPS (`limit`: its active thread percentage, nil when
  /// none or not throttled): ideal and measured blended by ``mpsMiss``.
  func mps(_ tenants: [Tenant]) -> [Int: Double] {
    let ideal = Self.proportional(tenants.map { ($0.pid, $0.limit.map { Double($0) / 100 } ?? 1) })
    let measured = measuredMPS(tenants)
    return ideal.merging(measured) { $0 + ($1 - $0) * mpsMiss }
  }

  /// Demands that fit the card are met; above it, each its part of their sum.
  static func proportional(_ demands: [(pid: Int, demand: Double)]) -> [Int: Double] {
    let sum = demands.reduce(0) { $0 + $1.demand }
    return Dictionary(uniqueKeysWithValues: demands.map { ($0.pid, sum <= 1 ? $0.demand : $0.demand / sum) })
  }

  /// As measured: a client runs on the SMs its percentage gives it (``SimTool/visibleSMs(_:percentage:)``);
  /// a one-kernel-at-a-time victim beside others keeps what the H200's victim kept, interpolated
  /// on the fraction of the SMs its neighbours hold.
  func measuredMPS(_ tenants: [Tenant]) -> [Int: Double] {
    let sms = profile.smCount
    func fraction(_ tenant: Tenant) -> Double {
      tenant.limit.map { Double(SimTool.visibleSMs(sms, percentage: $0)) / Double(sms) } ?? 1
    }
    let victims = tenants.filter(\.latency)
    let workers = tenants.filter { !$0.latency }
    guard tenants.count > 1, !victims.isEmpty, !workers.isEmpty else {
      return Self.proportional(tenants.map { ($0.pid, fraction($0)) })
    }
    let held = min(1, workers.reduce(0) { $0 + fraction($1) })
    func along(_ figures: (quarter: Double, full: Double)) -> Double {
      let slope = (figures.full - figures.quarter) / (1 - Measured.mpsQuarter)
      return figures.quarter + slope * (held - Measured.mpsQuarter)
    }
    var result: [Int: Double] = [:]
    for tenant in victims { result[tenant.pid] = min(1, max(0, along(Measured.mpsVictim))) }
    for tenant in workers { result[tenant.pid] = fraction(tenant) * min(1, along(Measured.mpsNeighbour)) }
    return result
  }
}
