import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// Exercises 6 and 7 judged setup first (issue 19): HAMi-core's own level-3 log decides whether a
/// measurement says anything about the limit, then the figures decide. Line shapes from the lent
/// H100 (shared/reference/real-h100-core-limit-mps).
@Suite struct HAMiCoreWitnessTests {
  typealias Fixture = HAMiCoreWitnessFixture
  typealias Run = HAMiCoreWitnessFixture.Run

  static func bundle(_ files: [String: String], commit: String = "8f3a89c") -> EvidenceBundle {
    var withCard = files
    withCard[HAMiCoreCatalog.hostGPU] = """
      $ nvidia-smi --query-gpu=name,uuid,memory.total,driver_version,mig.mode.current --format=csv

      name, uuid, memory.total [MiB], driver_version, mig.mode.current
      NVIDIA H100 80GB HBM3, GPU-0e5b, 81559 MiB, 580.159.04, Disabled

      """
    return HAMiCoreChecksTests.bundle(withCard, parameters: ["hami_core_commit": .string(commit)])
  }

  /// Exercise 6 with the unlimited baseline, limits 50 and 25 and the 30/70 pair.
  static func compute(
    _ witness: Fixture.Witness, limit25: [Double] = Fixture.swinging25, pair: ([Double], [Double])? = nil
  ) -> [String: String] {
    let pairValues = pair ?? (Array(repeating: 28.8, count: 45), Array(repeating: 28.8, count: 45))
    return Fixture.computeFiles(
      alone: [
        Run(id: "6-unlimited", limit: nil, values: Fixture.unlimited, witness: .confirms, pid: 2040),
        Run(
          id: "6-limit-50", limit: 50, values: Array(repeating: 59.09, count: 40), witness: witness, pid: 2044
        ),
        Run(id: "6-limit-25", limit: 25, values: limit25, witness: witness, pid: 2048),
      ],
      pair: [
        Run(id: "6-pair-a", limit: 30, values: pairValues.0, witness: witness, pid: 2060),
        Run(id: "6-pair-b", limit: 70, values: pairValues.1, witness: witness, pid: 2061, tenant: "b"),
      ])
  }

  // MARK: the witness lines

  @Test func limiterLogReadsTheH100WitnessLines() throws {
    let lines = Fixture.stderr(pid: 2048, limit: 25, witness: .confirms, seconds: 2).split(separator: "\n")
      .map(
        String.init)
    let log = HAMiCoreLog.LimiterLog(lines: lines)
    #expect(log.coreLimits == [25])
    #expect(log.utilSwitches.allSatisfy { $0 == 1 } && log.utilSwitches.count == 16)
    #expect(log.watcher.count == 16 && log.watcher.allSatisfy { $0.limit == 25 && $0.capturedAt != nil })
    #expect(log.hostPidFailure == nil && log.present)
    // The real lines, unstamped, as the reference shows them.
    let real = HAMiCoreLog.LimiterLog(lines: [
      "[HAMI-core Info(2076:140396230742016:multiprocess_memory_limit.c:1168)]: SM limit inconsistency detected for "
        + "0th device, 50 expected, get 100",
      "[HAMI-core Info(2048:140387346116608:multiprocess_utilization_watcher.c:253)]: device 0: userutil=39 "
        + "currentcores=-48 total=8650752 limit=25 share=0",
      "[HAMI-core ERROR (pid:2048 thread=140396230742016 utils.c:158)]: host pid is error!",
    ])
    #expect(real.smLimitInconsistencies.map { [$0.expected, $0.effective] } == [[50, 100]])
    #expect(real.watcher.first?.userutil == 39 && real.watcher.first?.capturedAt == nil)
    #expect(real.hostPidFailure?.hasSuffix("host pid is error!") == true)
  }

  @Test func stampedSamplesAndLatencyLinesParse() throws {
    let text = Fixture.stdout(pid: 9, limit: nil, values: [60, 61], latency: [(150.5, 310.25), (151, 300)])
    let output = try #require(ThroughputProbeOutput(lines: text.split(separator: "\n").map(String.init)))
    #expect(output.samples.map(\.tflops) == [60, 61])
    #expect(output.samples.first?.capturedAt == 1_765_000_001)
    #expect(output.latency.map(\.p99Micros) == [310.25, 300] && output.latency.first?.kernels == 5000)
    #expect(output.pid == 9 && output.coreLimit == nil)
  }

  @Test func windowIsTheLastHalfAndJainUsesEntitledShares() {
    let series = MeasuredSeries((1...10).map { .init(second: $0, value: Double($0)) })
    #expect(series.window.map(\.second) == [6, 7, 8, 9, 10])
    #expect(series.windowMean == 8 && series.windowMin == 6 && series.windowMax == 10)
    // A 30/70 pair that holds its limits: raw throughputs 0.86, per entitled share 1.
    #expect(abs((MeasuredSeries.jainIndex([30, 70]) ?? 0) - 0.862) < 0.001)
    #expect(MeasuredSeries.jainIndex([30.0 / 30, 70.0 / 70]) == 1)
    #expect(MeasuredSeries.jainIndex([]) == nil)
  }

  // MARK: exercise 6

  /// The H100's finding: HAMi-core confirms every limit, the card is not held to it → FAIL, with
  /// the commit, the card, the confirmed limit, the figures and the upstream issues.
  @Test func confirmedLimitNotHeldFailsNamingCommitCardAndIssues() throws {
    let result = try #require(HAMiCoreChecksTests.result("6", Self.bundle(Self.compute(.confirms))))
    #expect(result.verdict == .fail, "\(result.reason)")
    for text in [
      "HAMi-core 8f3a89c confirmed it", "`core utilization limit = 25`, `util_switch=1`",
      "the NVIDIA H100 80GB HBM3",
      "limit 25:", "of unlimited (expected 0.25 ± 0.10)", "issues #274 and #314", "PR #317",
      "shares 0.50 and 0.50 (expected 0.30 and 0.70 ± 0.10)",
    ] {
      #expect(result.reason.contains(text), "\(text) not in: \(result.reason)")
    }
    let page = ValidationPageRenderer.markdown(try LabRegistry.verify(Self.bundle(Self.compute(.confirms))))
    #expect(page.contains("| limit 25 | 25 | force | ✅ `core utilization limit = 25`"), "\(page)")
    // The watcher's view beside the probe's: userutil averaged per probe second.
    #expect(page.contains("63.5 63.5"), "\(page)")
  }

  @Test func confirmedAndHeldPasses() throws {
    let held = Array(repeating: 16.0, count: 40)
    let files = Self.compute(
      .confirms, limit25: held,
      pair: (Array(repeating: 19.2, count: 40), Array(repeating: 44.8, count: 40)))
    // Limit 50 held too: 32 of 64.16 TFLOPS.
    let alone = Fixture.computeFiles(
      alone: [
        Run(id: "6-unlimited", limit: nil, values: Fixture.unlimited, witness: .confirms, pid: 1),
        Run(id: "6-limit-50", limit: 50, values: Array(repeating: 32, count: 40), witness: .confirms, pid: 2),
        Run(id: "6-limit-25", limit: 25, values: held, witness: .confirms, pid: 3),
      ], pair: [])
    let adjusted = files.merging(alone.filter { !$0.value.isEmpty }) { $1 }
    let result = try #require(HAMiCoreChecksTests.result("6", Self.bundle(adjusted)))
    #expect(result.verdict == .pass, "\(result.reason)")
    #expect(
      result.reason.contains("Jain's fairness index on throughput per entitled share 1.00"),
      "\(result.reason)")
  }

  /// A region another configuration created: HAMi-core reads 100 → INCONCLUSIVE naming the cache
  /// and the fix, although the figures alone would FAIL.
  @Test func witnessReadingAnotherLimitIsInconclusiveNamingTheCache() throws {
    let result = try #require(HAMiCoreChecksTests.result("6", Self.bundle(Self.compute(.readsAnotherLimit))))
    #expect(result.verdict == .inconclusive, "\(result.reason)")
    #expect(
      result.reason.contains("HAMi-core read core limit 100, not the configured 25"), "\(result.reason)")
    #expect(result.reason.contains("\(Fixture.directory)/cache-6-limit-25"), "\(result.reason)")
    #expect(result.reason.contains("Fix: give every probe run a fresh CUDA_DEVICE_MEMORY_SHARED_CACHE"))
  }

  @Test func limiterWithoutHostPidIsInconclusive() throws {
    let result = try #require(HAMiCoreChecksTests.result("6", Self.bundle(Self.compute(.hostPidError))))
    #expect(result.verdict == .inconclusive, "\(result.reason)")
    #expect(result.reason.contains("the limiter never engaged: `[HAMI-core ERROR"), "\(result.reason)")
    #expect(result.reason.contains("host pid is error!"), "\(result.reason)")
  }

  /// The committed 2026-12-02 run's shape: every run on tenant a's cache, which the memory
  /// exercises had created, and no level-3 log → INCONCLUSIVE naming the reused cache.
  @Test func reusedCacheWithoutWitnessIsInconclusiveNamingIt() throws {
    let cacheA = "\(Fixture.directory)/cache-a"
    func old(_ limit: Int?, _ values: [Double], pid: Int) -> String {
      Fixture.section(
        Fixture.command("x", limit: limit, cache: cacheA) + " \(pid)",
        Fixture.stdout(pid: pid, limit: limit, values: values)
          + Fixture.stderr(pid: pid, limit: limit, witness: .absent, seconds: 0))
    }
    let files = [
      HAMiCoreCatalog.tenantAlone("a"): Fixture.section(
        "env CUDA_DEVICE_MEMORY_SHARED_CACHE=\(cacheA) memory-probe", HAMiCoreChecksTests.tenantA),
      HAMiCoreCatalog.computeAlone: [
        old(nil, Fixture.unlimited, pid: 1), old(50, Fixture.unlimited, pid: 2),
        old(25, Fixture.unlimited, pid: 3),
      ].joined(separator: "\n"),
    ]
    let result = try #require(HAMiCoreChecksTests.result("6", Self.bundle(files)))
    #expect(result.verdict == .inconclusive, "\(result.reason)")
    #expect(result.reason.contains("reused cache file `\(cacheA)`"), "\(result.reason)")
    #expect(result.reason.contains(HAMiCoreCatalog.tenantAlone("a")), "\(result.reason)")
  }

  // MARK: exercise 7

  /// Exercise 7's runs; `waves` is what the victim's settings line says of its kernels (nil: the
  /// first probe, which did not say: one wave).
  static func neighbour(aggressor: Fixture.Witness, limitedVictim: [Double], waves: Int? = nil)
    -> [String: String]
  {
    let latency = Array(repeating: (150.0, 300.0), count: 45)
    return Fixture.neighbourFiles([
      Run(
        id: "7-alone-victim", limit: nil, values: Array(repeating: 60, count: 20), witness: .confirms, pid: 1,
        latency: latency),
      Run(
        id: "7-unlimited-victim", limit: nil, values: Array(repeating: 30, count: 20), witness: .confirms,
        pid: 2,
        latency: Array(repeating: (300.0, 900.0), count: 20)),
      Run(
        id: "7-unlimited-aggressor", limit: nil, values: Array(repeating: 30, count: 25), witness: .confirms,
        pid: 3,
        tenant: "b"),
      Run(
        id: "7-limited-victim", limit: nil, values: limitedVictim, witness: .confirms, pid: 4,
        latency: latency, waves: waves),
      Run(
        id: "7-limited-aggressor", limit: 25, values: Array(repeating: 15, count: 45), witness: aggressor,
        pid: 5,
        tenant: "b"),
    ])
  }

  @Test func victimKeepingItsShareBesideALimitedNeighbourPasses() throws {
    let result = try #require(
      HAMiCoreChecksTests.result(
        "7", Self.bundle(Self.neighbour(aggressor: .confirms, limitedVictim: Array(repeating: 45, count: 40)))
      ))
    #expect(result.verdict == .pass, "\(result.reason)")
    #expect(result.reason.contains("the victim kept 0.75 of its alone throughput (required ≥ 0.75 − 0.10)"))
    #expect(result.reason.contains("throughput loss 0.50 of alone, p99 latency ×3.00"), "\(result.reason)")
    #expect(!result.reason.contains("read with care"), "\(result.reason)")
  }

  @Test func victimHalvedBesideAWitnessedLimitedNeighbourFails() throws {
    let bundle = Self.bundle(
      Self.neighbour(aggressor: .confirms, limitedVictim: Array(repeating: 30, count: 40)))
    let result = try #require(HAMiCoreChecksTests.result("7", bundle))
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("kept 0.50"), "\(result.reason)")
    // A FAIL says what the one-wave victim can show (the real H100's MPS FAIL was the workload's).
    #expect(result.reason.contains("each of the victim's kernels is one full-card wave"), "\(result.reason)")
    let page = ValidationPageRenderer.markdown(try LabRegistry.verify(bundle))
    for row in [
      "| victim alone | no neighbour |", "| beside an unlimited neighbour | unset |",
      "| beside a limited neighbour | 25 |",
    ] {
      #expect(page.contains(row), "\(row) not on the page")
    }
    #expect(page.contains("GPU-Virt-Bench"))
  }

  /// The probe's victim now runs many waves a kernel, so beside a neighbour holding SMs its blocks
  /// fill the SMs left to it: its FAIL says nothing of a one-wave workload (the H100 pages of the
  /// one-wave probe keep that clause).
  @Test func aManyWaveVictimsFailStandsWithoutTheOneWaveClause() throws {
    let halved = Array(repeating: 30.0, count: 40)
    let bundle = Self.bundle(Self.neighbour(aggressor: .confirms, limitedVictim: halved, waves: 16))
    let result = try #require(HAMiCoreChecksTests.result("7", bundle))
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("kept 0.50"), "\(result.reason)")
    #expect(!result.reason.contains("read with care"), "\(result.reason)")
  }

  @Test func theVictimsSettingsLineSaysHowManyWavesAKernelHas() throws {
    let new = try #require(
      ThroughputProbeOutput(
        lines: [
          "throughput-probe: pid 7, device 0 NVIDIA H100 80GB HBM3 (132 SMs), LD_PRELOAD=unset "
            + "CUDA_DEVICE_SM_LIMIT=unset GPU_CORE_UTILIZATION_POLICY=unset, latency mode, 16 waves a kernel, 8 s"
        ]))
    #expect(new.kernelWaves == 16)
    let real = try String(
      contentsOf: TestPackage.root().appendingPathComponent(
        "docs/evidence/20261207T173352Z-local/artifacts/7-noisy-neighbour.txt"), encoding: .utf8)
    let old = try #require(ThroughputProbeOutput(lines: real.components(separatedBy: "\n")))
    #expect(old.headerLine?.contains("latency mode, 8 s") == true && old.kernelWaves == nil)
  }

  @Test func unwitnessedNeighbourIsInconclusiveAndAMissingExerciseIsNotMeasured() throws {
    let halved = Array(repeating: 30.0, count: 40)
    for witness in [Fixture.Witness.readsAnotherLimit, .hostPidError, .absent] {
      let result = try #require(
        HAMiCoreChecksTests.result(
          "7", Self.bundle(Self.neighbour(aggressor: witness, limitedVictim: halved))))
      #expect(result.verdict == .inconclusive, "\(witness): \(result.reason)")
    }
    let none = try #require(HAMiCoreChecksTests.result("7", Self.bundle(Self.compute(.confirms))))
    #expect(none.verdict == .inconclusive && none.reason.hasPrefix("not measured"), "\(none.reason)")
  }

  // MARK: property: no verdict without a confirming witness

  /// Whatever the figures, a bundle in which some measured run's witness does not confirm is
  /// never PASS or FAIL, for exercise 6 and for exercise 7.
  @Test func noEvidenceWithoutAConfirmingWitnessIsEverPassOrFail() throws {
    var generator = SplitMix(seed: 19)
    let unconfirmed: [Fixture.Witness] = [.readsAnotherLimit, .hostPidError, .absent]
    for _ in 0..<16 {
      let bad = unconfirmed[Int(generator.next() % 3)]
      let figures = (0..<45).map { _ in Double(generator.next() % 6500) / 100 }
      let pair = ((0..<45).map { _ in Double(generator.next() % 4000) / 100 }, figures)
      // One run (chosen at random) has the bad witness, the others confirm.
      let which = Int(generator.next() % 4)
      let runs = [
        Run(id: "6-limit-50", limit: 50, values: figures, witness: which == 0 ? bad : .confirms, pid: 10),
        Run(id: "6-limit-25", limit: 25, values: figures, witness: which == 1 ? bad : .confirms, pid: 11),
      ]
      let pairRuns = [
        Run(id: "6-pair-a", limit: 30, values: pair.0, witness: which == 2 ? bad : .confirms, pid: 12),
        Run(
          id: "6-pair-b", limit: 70, values: pair.1, witness: which == 3 ? bad : .confirms, pid: 13,
          tenant: "b"),
      ]
      let files = Fixture.computeFiles(
        alone: [Run(id: "6-unlimited", limit: nil, values: Fixture.unlimited, witness: .confirms, pid: 9)]
          + runs,
        pair: pairRuns
      ).merging(Self.neighbour(aggressor: bad, limitedVictim: figures)) { $1 }
      let results = HAMiCoreIsolationLab().results(for: Self.bundle(files))
      for id in ["6", "7"] {
        let verdict = results.first { $0.id == id }?.verdict
        #expect(
          verdict == .inconclusive, "exercise \(id) with a \(bad) witness: \(String(describing: verdict))")
      }
    }
  }
}

/// A small deterministic generator (SplitMix64), so the property test's cases are the same on
/// every run.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
