import Foundation
import TestSupport
import Testing

/// The simulated H100 and H200 share their compute as the real ones did, side by side with the
/// real runs committed under docs/evidence/: a hami-core-isolation run FAILs exercises 6 and 7 (HAMi-
/// core's limiter confirms each limit yet misses it; a 30/70 pair splits 0.50/0.50; the victim keeps
/// about 0.11), an mps-isolation run PASSes 6 (MPS's limit is exact) and FAILs 7 (the victim keeps
/// about 0.48). In-process (``SimulatedLabRun``); the figures are compared with the real pages'.
@Suite struct MeasuredCardComputeTests {
  /// A simulated card and the real runs on that card; `victimRuns` are the runs whose victim is
  /// today's probe (16 waves a kernel: the H200's; the H100 runs had the one-wave victim).
  struct RealCard: Sendable, CustomStringConvertible {
    var host: String
    var hamiCore: String
    var mps: String
    var victimRuns = (hamiCore: "20261207T190312Z-local", mps: "20261207T190546Z-local")
    var description: String { host }
  }

  static let cards = [
    RealCard(host: "sim:h100-80gb", hamiCore: "20261207T173115Z-local", mps: "20261207T173352Z-local"),
    RealCard(host: "sim:h200-141gb", hamiCore: "20261207T190312Z-local", mps: "20261207T190546Z-local"),
  ]

  /// The committed real page of `run`.
  static func realPage(_ run: String) throws -> String {
    let url = try TestPackage.root().appendingPathComponent("docs/evidence/\(run)/validation.md")
    return try String(contentsOf: url, encoding: .utf8)
  }

  /// Exercise `number`'s row of a page.
  static func row(_ page: String, _ number: Int) -> String {
    page.split(separator: "\n").first { $0.hasPrefix("| \(number) | ") }.map(String.init) ?? ""
  }

  /// The verdicts of a page's checklist, in order.
  static func verdicts(_ page: String) -> [String] {
    (1...7).map { number in
      let result = row(page, number).split(separator: "|").dropFirst(3).first ?? ""
      if result.contains("FAIL") { return "FAIL" }
      if result.contains("INCONCLUSIVE") { return "INCONCLUSIVE" }
      return result.contains("✅") ? "PASS" : "?"
    }
  }

  /// The first capture of `pattern` in `text` as a number.
  static func figure(_ text: String, _ pattern: Regex<(Substring, Substring)>) -> Double? {
    text.firstMatch(of: pattern).flatMap { Double($0.output.1) }
  }

  /// The lab's simulated run on `host` and the real page of run `real`: both with exercises 1-5
  /// PASS and 6-7 `failing`, and the run exiting 5.
  static func runBesideReal(
    _ lab: String, _ host: String, _ parameters: [String], real: String, failing: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> (SimulatedLabRun, String) {
    let page = try realPage(real)
    let run = try await SimulatedLabRun.run(lab: lab, host: host, parameters: parameters)
    let expected = Array(repeating: "PASS", count: 5) + failing
    #expect(verdicts(page) == expected, "\(real)", sourceLocation: sourceLocation)
    #expect(run.verdicts == expected, "\(run.page)", sourceLocation: sourceLocation)
    #expect(run.exitStatus == 5, "\(run.stderr)", sourceLocation: sourceLocation)
    return (run, page)
  }

  /// Each figure `pattern` captures on the simulated row is within `near` of the real row's.
  static func expectNear(
    _ simulated: String, _ real: String, _ figures: [(Regex<(Substring, Substring)>, Double)],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    for (pattern, near) in figures {
      let measured = try #require(figure(simulated, pattern), "\(simulated)", sourceLocation: sourceLocation)
      let reference = try #require(figure(real, pattern), sourceLocation: sourceLocation)
      #expect(
        abs(measured - reference) <= near, "simulated \(measured), real \(reference): \(simulated)",
        sourceLocation: sourceLocation)
    }
  }

  @Test(arguments: cards)
  func hamiCoreRunFailsTheComputeExercisesAsTheRealCardDid(_ card: RealCard) async throws {
    let (run, real) = try await Self.runBesideReal(
      "hami-core-isolation", card.host, ["hami_core_commit=8f3a89c"], real: card.hamiCore,
      failing: ["FAIL", "FAIL"])
    defer { run.remove() }
    // The same reason as the real page: the limit confirmed by HAMi-core's own log, then missed.
    let simulated = Self.row(run.page, 6)
    for claim in [
      "❌ FAIL: the limit was in force (HAMi-core 8f3a89c confirmed it: limit 50: `core utilization limit = 50`",
      "was not held to it within ± 0.10: limit 50: ", "This matches HAMi-core issues #274 and #314",
    ] {
      #expect(Self.row(real, 6).contains(claim), "the real page's row 6 lacks \(claim)")
      #expect(simulated.contains(claim), "\(simulated)")
    }
    // The measured figures, as near the real ones as a run of the lab's default length can say
    // (where the limiter's dips fall in the judged window follows from the pid: ± 0.04 at 50; a
    // pair's seconds that did not overlap on a loaded machine: ± 0.02).
    try Self.expectNear(
      simulated, Self.row(real, 6),
      [
        (#/limit 50: [^=]+= (\d\.\d\d) of unlimited/#, 0.07),
        (#/limit 25: [^=]+= (\d\.\d\d) of unlimited/#, 0.08),
        (#/shares (\d\.\d\d) and/#, 0.05),
      ])
    let victim = Self.row(run.page, 7)
    let realVictim = Self.row(try Self.realPage(card.victimRuns.hamiCore), 7)
    let kept = #/the victim kept (\d\.\d\d) of its alone throughput/#
    let figures = (Self.figure(victim, kept), Self.figure(realVictim, kept))
    #expect(figures.1 == 0.11)
    #expect(abs((figures.0 ?? 1) - (figures.1 ?? 0)) <= 0.03, "\(victim)")
  }

  @Test(arguments: cards)
  func mpsRunFailsTheNoisyNeighbourAsTheRealCardDid(_ card: RealCard) async throws {
    let (run, real) = try await Self.runBesideReal(
      "mps-isolation", card.host, [], real: card.mps, failing: ["PASS", "FAIL"])
    defer { run.remove() }
    let simulated = Self.row(run.page, 6)
    try Self.expectNear(
      simulated, Self.row(real, 6),
      [(#/limit 25: [^=]+= (\d\.\d\d) of unlimited/#, 0.01), (#/shares (\d\.\d\d) and/#, 0.01)])
    let victim = Self.row(run.page, 7)
    let claim = "❌ FAIL: beside a neighbour held to 25 (NVIDIA MPS confirmed it), the victim kept "
    #expect(Self.row(real, 7).contains(claim))
    #expect(victim.contains(claim), "\(victim)")
    let kept = #/the victim kept (\d\.\d\d) of its alone throughput/#
    let realVictim = Self.row(try Self.realPage(card.victimRuns.mps), 7)
    let figures = (Self.figure(victim, kept), Self.figure(realVictim, kept))
    #expect(figures.1 == 0.48)
    #expect(abs((figures.0 ?? 1) - (figures.1 ?? 0)) <= 0.03, "\(victim)")
  }

  /// HAMi-core 8f3a89c limits a process alone whether or not GPU_CORE_UTILIZATION_POLICY=force is
  /// set (its shared region starts with the switch on): an H100 held to 25 with the policy unset
  /// kept 0.74 of unlimited (a capture of 2026-12-07). The simulator once held a lone process only
  /// under force, and gave it 1.00.
  @Test func limiterEngagesAloneWithoutForce() async throws {
    let run = try await SimulatedLabRun.run(
      lab: "hami-core-isolation", host: "sim:h100-80gb",
      parameters: ["core_policy=", "compute_seconds=5", "limited_seconds=24"])
    defer { run.remove() }
    let row = Self.row(run.page, 6)
    let ratio = try #require(Self.figure(row, #/limit 25: [^=]+= (\d\.\d\d) of unlimited/#), "\(row)")
    #expect(abs(ratio - 0.74) <= 0.08, "\(row)")
    #expect(row.contains("limit 25: `core utilization limit = 25`, `util_switch=1`"), "\(row)")
  }
}
