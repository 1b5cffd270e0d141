import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// The MPS lab's parsers and rules on the formats captured on a real H100 (driver 580, CUDA 13.0).
@Suite struct MPSLabUnitTests {
  /// The first lines of the MPS control log as captured on the lent H100.
  static let realControlLog = [
    "[2026-12-07 15:22:48.231 Control  2309] Starting control daemon using socket /tmp/tmp.8TRHKnIuim/control",
    "[2026-12-07 15:22:48.231 Control  2309] To connect CUDA applications to this daemon, set env CUDA_MPS_PIPE_DIRECTORY=/tmp/tmp.8TRHKnIuim",
    "[2026-12-07 15:22:48.231 Control  2309] CUDA MPS Control binary version: 13000",
    "[2026-12-07 15:22:49.239 Control  2309] Accepting connection...",
    "[2026-12-07 15:22:49.239 Control  2309] User did not send valid credentials",
    "[2026-12-07 15:22:49.239 Control  2309] Accepting connection...",
    "[2026-12-07 15:22:49.239 Control  2309] NEW CLIENT 2312 from user 0: Server is not ready, push client to pending list",
    "[2026-12-07 15:22:49.239 Control  2314] Starting new server 2314 for user 0",
  ]

  @Test func controlLogOfARealDaemon() throws {
    let log = try #require(MPSControlLog(lines: ["$ cat control.log"] + Self.realControlLog))
    #expect(log.entries.count == 8)
    #expect(log.controlPID == 2309)
    #expect(log.socket == "/tmp/tmp.8TRHKnIuim/control")
    #expect(log.serverPIDs == [2314])
    #expect(log.clientPIDs == [2312])
    #expect(MPSControlLog(lines: ["no daemon here", ""]) == nil)
  }

  /// The real probe output under CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=4000M: refused after 3328 MiB
  /// with the client's own error, which is MPS's witness.
  @Test func memoryCapRuleReadsTheRealMPSRefusal() {
    let lines = [
      "probe: device 0 NVIDIA H100 80GB HBM3, cudaMemGetInfo free=3486 MiB total=81079 MiB",
      "allocated 3072 MiB", "allocated 3328 MiB",
      "cudaMalloc refused after 3328 MiB allocated: out of memory",
    ]
    let rule = MemoryCapRule(
      who: "client a", sliceMiB: 4000, slice: "its 4000 MiB pinned limit",
      card: (81559, "the card's physical 81559 MiB"), witness: .clientError(mechanism: "MPS"))
    var outcome = CheckOutcome()
    let reading = rule.judge(lines, file: "2-3-client-a.txt", &outcome)
    #expect(outcome.failures.isEmpty && outcome.gaps.isEmpty, "\(outcome)")
    #expect(reading?.refusedMiB == 3328)
    #expect(reading?.refusalLine.hasSuffix(": out of memory") == true)
    #expect(MPSViewCheck.memGetInfo(in: lines)?.free == 3486)
    #expect(MPSViewCheck.memGetInfo(in: lines)?.total == 81079)

    // The limit ignored: refused only near the card's size, a FAIL whatever else is missing.
    var ignored = CheckOutcome()
    _ = rule.judge(
      ["allocated 80384 MiB", "cudaMalloc refused after 80384 MiB allocated: out of memory"], file: "f",
      &ignored)
    #expect(
      ignored.failures == [
        "client a was refused only after 80384 MiB, near the card's physical 81559 MiB: its 4000 MiB pinned limit was not enforced"
      ])
  }
}

/// Setup first: an MPS client the control daemon never saw connect ran outside MPS (a client
/// whose pipe directory has no daemon runs unlimited, silently, as the H100 showed), so what it
/// allocated says nothing of the pinned limit. It was a FAIL ("not enforced") before the witness.
@Suite struct MPSClientWitnessTests {
  static let outsideMPS = [
    "probe: pid 4711, LD_PRELOAD=unset CUDA_DEVICE_MEMORY_LIMIT=unset CUDA_DEVICE_MEMORY_SHARED_CACHE=unset",
    "allocated 80384 MiB", "cudaMalloc refused after 80384 MiB allocated: out of memory",
  ]

  static func rule(connected: Set<Int>?) -> MemoryCapRule {
    MemoryCapRule(
      who: "client a", sliceMiB: 4000, slice: "its 4000 MiB pinned limit",
      card: (81559, "the card's physical 81559 MiB"), witness: .clientError(mechanism: "MPS"),
      connectedClients: connected)
  }

  @Test func aClientTheDaemonNeverSawIsNotJudged() {
    var outcome = CheckOutcome()
    #expect(Self.rule(connected: [2312]).judge(Self.outsideMPS, file: "2-3-client-a.txt", &outcome) == nil)
    #expect(outcome.failures.isEmpty, "\(outcome)")
    #expect(
      outcome.gaps == [
        "client a (pid 4711) never connected to MPS (control.log lists no NEW CLIENT 4711) in 2-3-client-a.txt: "
          + "nothing shows it ran under MPS, so its allocations say nothing of its 4000 MiB pinned limit"
      ])
    // The same figures from a client the daemon saw: the limit was in force and not enforced.
    var seen = CheckOutcome()
    _ = Self.rule(connected: [4711]).judge(Self.outsideMPS, file: "2-3-client-a.txt", &seen)
    #expect(seen.failures.count == 1 && seen.failures[0].contains("was not enforced"), "\(seen)")
  }

  /// The committed H200 run with client a (pid 12276) taken out of every control.log: its device
  /// view (exercise 2) and memory cap (exercise 3) were PASS on their figures alone; with no
  /// witness that it ran under MPS they are INCONCLUSIVE naming its pid. Exercise 4's clients
  /// (other pids) stay PASS.
  @Test func aClientMissingFromTheControlLogLeavesItsExercisesInconclusive() throws {
    let run = try TestPackage.root().appendingPathComponent("docs/evidence/20261207T190546Z-local")
    let real = try EvidenceBundle.load(directory: run)
    let artifacts = real.artifacts.values.map { artifact in
      let kept = artifact.text.split(separator: "\n", omittingEmptySubsequences: false).filter {
        !$0.contains("NEW CLIENT 12276 ")
      }
      return Artifact(name: artifact.name, data: Data(kept.joined(separator: "\n").utf8))
    }
    let bundle = EvidenceBundle(
      run: real.run, artifacts: artifacts, integrity: real.integrity, provenance: real.provenance)
    let results = Dictionary(
      MPSIsolationLab().results(for: bundle).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    for id in ["2", "3"] {
      let result = try #require(results[id])
      #expect(result.verdict == .inconclusive, "\(id): \(result.reason)")
      #expect(
        result.reason.contains("client a (pid 12276) never connected to MPS"), "\(id): \(result.reason)")
    }
    #expect(results["4"]?.verdict == .pass, "\(results["4"]?.reason ?? "")")
    let untouched = MPSIsolationLab().results(for: real)
    #expect(untouched.filter { ["2", "3", "4"].contains($0.id) }.allSatisfy { $0.verdict == .pass })
  }

  /// The committed H200 run: every memory probe's pid is a NEW CLIENT of the run's daemon.
  @Test func realClientsAreWitnessedByTheControlLog() throws {
    let run = try TestPackage.root().appendingPathComponent("docs/evidence/20261207T190546Z-local")
    let evidence = MPSEvidence(try EvidenceBundle.load(directory: run))
    let connected = try #require(evidence.connectedClients)
    for file in ["2-3-client-a.txt", "2-3-client-b.txt", "4-concurrent-a.txt", "4-concurrent-b.txt"] {
      let pid = try #require(
        ProbeOutput(lines: evidence.bundle.artifact(file)?.outputLines ?? [])?.pid, "\(file)")
      #expect(connected.contains(pid), "\(file): pid \(pid)")
    }
  }
}

/// `labrun compare`'s library type, in-process, on committed bundles of two labs.
@Suite struct RunComparisonTests {
  static func bundles() throws -> [EvidenceBundle] {
    let evidence = try TestPackage.root().appendingPathComponent("docs/evidence/20261202T060750Z-local")
    return [
      try EvidenceBundle.load(directory: evidence),
      try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated")),
    ]
  }

  @Test func orderDoesNotChangeThePageAndEveryCellIsCitedOrNotMeasured() throws {
    let bundles = try Self.bundles()
    let forward = try RunComparison(bundles: bundles)
    let backward = try RunComparison(bundles: bundles.reversed())
    #expect(forward.markdown == backward.markdown)
    #expect(try forward.json() == backward.json())
    for run in forward.runs {
      let bundle = try #require(bundles.first { $0.run.runID == run.runID })
      for property in ComparedProperty.allCases {
        let cell = run.cell(property)
        #expect(!cell.text.isEmpty)
        if cell.text != "not measured" {
          #expect(!cell.evidence.isEmpty, "\(property) of \(run.lab) cites nothing")
        }
        for citation in cell.evidence {
          #expect(citation.runID == run.runID)
          #expect(bundle.artifact(citation.artifact)?.sha256 == citation.sha256)
        }
      }
      #expect(run.cell(.mig).text == "not measured")
    }
    let core = try #require(forward.runs.first { $0.lab == "hami-core-isolation" })
    #expect(core.cell(.noisyNeighbour).text == "not measured")
    #expect(core.cell(.computeAccuracy).text.contains("25: "), "\(core.cell(.computeAccuracy).text)")
    #expect(!forward.markdown.contains("/docs/evidence"), "a path leaked into the page")
  }

  @Test func oneRunIsNotAComparison() throws {
    let bundles = try Self.bundles()
    #expect(throws: ComparisonError.tooFewRuns(count: 1)) { try RunComparison(bundles: [bundles[0]]) }
    #expect(throws: ComparisonError.duplicateRun(runID: bundles[0].run.runID ?? "")) {
      try RunComparison(bundles: [bundles[0], bundles[0]])
    }
  }
}
