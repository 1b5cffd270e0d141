import Foundation
import Testing

@testable import LabSim

/// The simulated card's compute sharing: on the measured H100 and H200 the figures the real runs
/// gave (docs/evidence/), on other cards those moved toward the ideal by SMs / 132, and under
/// `ideal-compute` the ideal on every card.
@Suite struct SimCardSharingTests {
  typealias Tenant = SimCardSharing.Tenant

  static func sharing(_ profile: String, _ scenario: SimScenario = .none) throws -> SimCardSharing {
    SimCardSharing(profile: try #require(SimProfile.named(profile)), scenario: scenario)
  }

  static let victim = Tenant(pid: 1, limit: nil, latency: true)
  static let aggressor = Tenant(pid: 2, limit: 25, latency: false)

  static func near(_ value: Double?, _ expected: Double) -> Bool { abs((value ?? -1) - expected) < 0.0005 }

  /// Alone under a core limit: the H100's and the H200's own figures, interpolated between them.
  @Test(arguments: [
    ("h100-80gb", 25, 0.73), ("h100-80gb", 50, 0.92), ("h200-141gb", 25, 0.82), ("h200-141gb", 50, 0.95),
    ("h100-80gb", 40, 0.844), ("h100-80gb", 75, 0.96), ("h100-80gb", 10, 0.616), ("h100-80gb", 99, 0.9984),
    // Not measured: fewer SMs, nearer the limit (84/132 and 58/132 of the H100's miss); more, the H100's.
    ("a6000-48gb", 25, 0.5555), ("l4-24gb", 25, 0.4609), ("rtx-pro-6000-96gb", 25, 0.73),
  ])
  func aloneFollowsTheMeasuredMiss(profile: String, limit: Int, expected: Double) throws {
    let shares = try Self.sharing(profile).hamiCore([Tenant(pid: 7, limit: limit, latency: false)])
    #expect(Self.near(shares[7], expected), "\(shares)")
  }

  /// Side by side HAMi-core's limits change nothing on the measured cards: a 30/70 pair time-slices
  /// 0.50/0.50 (each 0.45 of unlimited), a victim beside a neighbour held to 25 keeps 0.11.
  @Test(arguments: ["h100-80gb", "h200-141gb"])
  func sideBySideIsTimeSlicedWhateverTheLimits(profile: String) throws {
    let sharing = try Self.sharing(profile)
    let pair = sharing.hamiCore([
      Tenant(pid: 3, limit: 30, latency: false), Tenant(pid: 4, limit: 70, latency: false),
    ])
    #expect(Self.near(pair[3], 0.4525) && Self.near(pair[4], 0.4525), "\(pair)")
    let noisy = sharing.hamiCore([Self.victim, Self.aggressor])
    #expect(Self.near(noisy[1], 0.113) && Self.near(noisy[2], 0.76), "\(noisy)")
  }

  /// `ideal-compute` is the model before the measurements, on every card; the scenarios that keep
  /// the limiter from throttling still do.
  @Test(arguments: ["a6000-48gb", "h100-80gb", "h200-141gb"])
  func idealComputeHoldsEveryLimit(profile: String) throws {
    let ideal = try Self.sharing(profile, .idealCompute)
    let noisy = ideal.hamiCore([Self.victim, Self.aggressor])
    #expect(noisy[1] == 0.75 && noisy[2] == 0.25, "\(noisy)")
    #expect(ideal.hamiCore([Self.aggressor])[2] == 0.25)
    let pair = ideal.hamiCore([
      Tenant(pid: 3, limit: 30, latency: false), Tenant(pid: 4, limit: 70, latency: false),
    ])
    #expect(Self.near(pair[3], 0.30) && Self.near(pair[4], 0.70), "\(pair)")
    #expect(try Self.sharing(profile, .coreLimitIgnored).hamiCore([Self.aggressor])[2] == 1)
    #expect(try Self.sharing(profile, .limiterNoPid).hamiCore([Self.aggressor])[2] == 1)
    #expect(ideal.hamiCore([Self.aggressor], disabled: true)[2] == 1)
    // `noisy-neighbour`: beside an unlimited process the limited one is not held.
    let unheld = try Self.sharing(profile, .noisyNeighbour).hamiCore([Self.victim, Self.aggressor])
    #expect(unheld[2] ?? 0 > 0.5, "\(unheld)")
  }

  /// The limiter's seconds alone swing between full speed and deep dips like the real ones, the
  /// same for the same pid, and their mean over the judged window (the last 20 of the lab's 40)
  /// is the measured mean whatever the pid.
  @Test(arguments: [0.73, 0.82, 0.92, 0.95, 0.5555])
  func limiterSecondsOscillateAroundTheMeasuredMean(mean: Double) {
    for pid in 1000..<1089 {
      let seconds = (1...40).map { SimCardSharing.limiterSecond(mean: mean, second: $0, pid: pid) }
      let window = seconds.suffix(20)
      let windowMean = window.reduce(0, +) / Double(window.count)
      #expect(abs(windowMean - mean) <= 0.06, "pid \(pid): \(windowMean) for \(mean): \(seconds)")
      #expect(seconds.max() == 1 && (seconds.min() ?? 1) < 0.5, "pid \(pid): \(seconds)")
      #expect(seconds == (1...40).map { SimCardSharing.limiterSecond(mean: mean, second: $0, pid: pid) })
    }
  }

  /// MPS holds a client to its SMs exactly (25 % → 32/132), a 30/70 pair 0.29/0.71; beside a
  /// neighbour held to 25 % a victim keeps 0.48 (0.21 beside an unlimited one). `ideal-compute`:
  /// the victim keeps what the neighbour leaves.
  @Test(arguments: ["h100-80gb", "h200-141gb"])
  func mpsFollowsTheMeasuredSplit(profile: String) throws {
    let sharing = try Self.sharing(profile)
    #expect(Self.near(sharing.mps([Self.aggressor])[2], 32.0 / 132))
    let pair = sharing.mps([
      Tenant(pid: 3, limit: 30, latency: false), Tenant(pid: 4, limit: 70, latency: false),
    ])
    #expect(Self.near(pair[3], 38.0 / 132) && Self.near(pair[4], 92.0 / 132), "\(pair)")
    let noisy = sharing.mps([Self.victim, Self.aggressor])
    #expect(Self.near(noisy[1], 0.479) && Self.near(noisy[2], 32.0 / 132 * 0.911), "\(noisy)")
    let unlimited = sharing.mps([Self.victim, Tenant(pid: 2, limit: nil, latency: false)])
    #expect(Self.near(unlimited[1], 0.211) && Self.near(unlimited[2], 0.803), "\(unlimited)")
    let ideal = try Self.sharing(profile, .idealCompute).mps([Self.victim, Self.aggressor])
    #expect(Self.near(ideal[1], 0.8) && Self.near(ideal[2], 0.2), "\(ideal)")
  }

  /// The SM counts CUDA reports for the cards (HAMi-core's `setspec` line prints them).
  @Test func cardsHaveTheirOwnSMs() throws {
    let counts = SimProfile.all.filter(\.hasGPU).map { ($0.id, $0.smCount) }
    #expect(counts.first { $0.0 == "h100-80gb" }?.1 == 132)
    #expect(counts.first { $0.0 == "h200-141gb" }?.1 == 132)
    #expect(counts.first { $0.0 == "l4-24gb" }?.1 == 58)
    #expect(counts.first { $0.0 == "rtx-pro-6000-96gb" }?.1 == 188)
    #expect(SimProfile.all.filter(\.computeMeasured).map(\.id) == ["h100-80gb", "h200-141gb"])
  }
}
