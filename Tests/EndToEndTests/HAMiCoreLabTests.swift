import Foundation
import LabPipeline
import TestSupport
import Testing

/// The hami-core-isolation lab on the simulated GPU host, through the built binary: the seven
/// exercises with the bundle/verify sequence a real run is followed by, one failure scenario,
/// and the library refusals. The other scenarios and the library and probe options are checked
/// in-process, side by side (TargetsTests' HAMiCoreScenarioTests).
@Suite struct HAMiCoreLabTests {
  static let lab = ["--lab", "hami-core-isolation"]

  /// The staged directory the run recorded (the stage step's output in ledger.json).
  static func stagedDirectory(_ run: URL) throws -> String? {
    let ledger = try String(contentsOf: run.appendingPathComponent("ledger.json"), encoding: .utf8)
    return ledger.firstMatch(of: #/"directory"\s*:\s*"([^"]+labrun-hami-core\.[^"]+)"/#).map {
      String($0.output.1)
    }
  }

  /// The default card shares compute as the measured H100 and H200 did (docs/simulator.md):
  /// HAMi-core confirms every core limit and misses it (exercise 6 FAIL), and the victim beside a
  /// neighbour held to 25 keeps far less than 75 % (exercise 7 FAIL): exit 5, like the real runs.
  @Test func simulatedRunFailsTheComputeExercisesAsRealCardsAndItsBundleVerifies() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(["run", "--host", "sim"] + Self.lab)
    #expect(run.status == 5, "\(run)")
    #expect(run.stdout.hasPrefix("# HAMi-core Isolation Validation"), "\(run.stdout.prefix(200))")
    #expect(run.stdout.contains("🧪 SIMULATED"))
    #expect(run.stdout.contains("## Compute measurements (exercise 6)"))
    #expect(run.stdout.contains("## Noisy neighbour (exercise 7)"))
    #expect(run.stderr.contains("verdicts: 5 PASS, 2 FAIL; STATUS: SIMULATED"), "\(run.stderr)")
    #expect(run.stdout.contains("This matches HAMi-core issues #274 and #314"), "\(run.stdout)")
    let directory = try fixture.onlyRun()
    let page = try String(contentsOf: directory.appendingPathComponent("validation.md"), encoding: .utf8)
    #expect(page == run.stdout)
    // Teardown removed the private directory it staged in.
    let staged = try #require(try Self.stagedDirectory(directory), "no staged directory in the ledger")
    #expect(!FileManager.default.fileExists(atPath: staged), "\(staged) left behind")

    let verify = try await fixture.labrun(["verify"])
    #expect(verify.status == 3, "\(verify)")
    #expect(
      SimulatedHostTests.verdicts(verify.stdout) == Array(repeating: "PASS", count: 5) + ["FAIL", "FAIL"],
      "\(verify.stdout)")
    try Self.expectWitnessedFreshCaches(directory)
    let bundle = fixture.root.appending("run.tar.gz")
    let packed = try await fixture.labrun(["bundle", "-o", bundle.path])
    #expect(packed.status == 0, "\(packed)")
    let fromBundle = try await fixture.labrun(["verify", "--run", bundle.path])
    #expect(fromBundle.status == 3, "\(fromBundle)")
    let report = try await fixture.labrun(["report", "--run", bundle.path])
    #expect(report.status == 0, "\(report)")
    #expect(report.stdout == page, "the page rendered from the bundle differs from the run's")
  }

  /// Every limited run's HAMi-core log (its own artifact) shows `core utilization limit = N` for
  /// the N it was given; every run had a cache file of its own, removed before and after; every
  /// probe line was stamped on capture.
  static func expectWitnessedFreshCaches(_ run: URL) throws {
    let artifacts = run.appendingPathComponent("artifacts")
    var caches: [String] = []
    for (output, log) in [
      ("6-compute-alone.txt", "6-compute-alone-hami-core.txt"),
      ("6-compute-pair.txt", "6-compute-pair-hami-core.txt"),
      ("7-noisy-neighbour.txt", "7-noisy-neighbour-hami-core.txt"),
    ] {
      let logText = try String(contentsOf: artifacts.appendingPathComponent(log), encoding: .utf8)
      let outText = try String(contentsOf: artifacts.appendingPathComponent(output), encoding: .utf8)
      let sections = logText.components(separatedBy: "\n$ ").dropFirst()
      #expect(!sections.isEmpty, "\(log) has no runs")
      for section in sections {
        let command = String(section.prefix { $0 != "\n" })
        let cache = try #require(command.firstMatch(of: #/CUDA_DEVICE_MEMORY_SHARED_CACHE=(\S+)/#)?.output.1)
        caches.append(String(cache))
        #expect(command.hasPrefix("rm -f \(cache);") && command.hasSuffix("rm -f \(cache)"), "\(command)")
        #expect(command.contains("LIBCUDA_LOG_LEVEL=3"), "\(command)")
        #expect(outText.contains("$ \(command)\n"), "\(output) lacks the run \(command)")
        if let limit = command.firstMatch(of: #/CUDA_DEVICE_SM_LIMIT=(\d+)/#)?.output.1 {
          #expect(section.contains("device 0: core utilization limit = \(limit)\n"), "\(log): \(command)")
          #expect(section.contains("init_utilization_watcher: util_switch=1"), "\(log): \(command)")
        }
      }
      for line in outText.split(separator: "\n") where line.contains(" TFLOPS") && !line.hasPrefix("$ ") {
        #expect(line.firstMatch(of: #/^\d{10}\.\d+ /#) != nil, "unstamped: \(line)")
      }
    }
    #expect(Set(caches).count == caches.count, "a cache file served two runs: \(caches)")
  }

  /// One FAIL scenario through the built binary (exit 5, the verdicts said on stderr, `verify`);
  /// the other scenarios are judged in-process (TargetsTests' HAMiCoreScenarioTests).
  @Test(arguments: [
    ("core-limit-ignored", ["PASS", "PASS", "PASS", "PASS", "PASS", "FAIL", "FAIL"], "5 PASS, 2 FAIL", 5)
  ])
  func scenarioDecidesItsExercise(scenario: String, expected: [String], summary: String, status: Int32)
    async throws
  {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["run", "--host", "sim", "--param", "sim_scenario=\(scenario)"] + Self.lab)
    #expect(run.status == status, "\(run)")
    #expect(run.stderr.contains("verdicts: \(summary); STATUS: SIMULATED"), "\(run.stderr)")
    let verify = try await fixture.labrun(["verify"])
    #expect(verify.status == 3, "\(verify)")
    #expect(SimulatedHostTests.verdicts(verify.stdout) == expected, "\(verify.stdout)")
    // The limit was in force (HAMi-core says so) and the page shows what was measured.
    #expect(run.stdout.contains("the limit was in force (HAMi-core (commit not given) confirmed it"))
    #expect(run.stdout.contains("= 1.00 of unlimited (expected 0.50 ± 0.10)"), "\(run.stdout)")
    #expect(
      run.stdout.contains("| limit 25 | 25 | force | ✅ `core utilization limit = 25`"), "\(run.stdout)")
  }

  /// A relative `hami_core_lib` is refused saying what to give instead, not with a pattern.
  @Test func relativeLibraryPathIsRefusedSayingWhatToGive() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["up", "--host", "sim", "--param", "hami_core_lib=build/libvgpu.so"] + Self.lab)
    #expect(run.status != 0, "\(run)")
    #expect(
      run.stderr.contains("hami_core_lib 'build/libvgpu.so' is a relative path: give the absolute path"),
      "\(run.stderr)")
    #expect(run.stderr.contains("local:PATH"), "\(run.stderr)")
    #expect(!run.stderr.contains("pattern"), "\(run.stderr)")
  }

  /// A library path that is not there is refused before anything is staged (exit 1).
  @Test func missingLibraryIsRefusedBeforeStaging() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let missing = fixture.root.appending("no-such/libvgpu.so").path
    let run = try await fixture.labrun(
      ["up", "--host", "sim", "--param", "hami_core_lib=\(missing)"] + Self.lab)
    #expect(run.status == 1, "\(run)")
    #expect(
      run.stderr.contains("hami_core_lib \(missing) is not a readable file on the host"), "\(run.stderr)")
    let directory = try fixture.onlyRun()
    #expect(try Self.stagedDirectory(directory) == nil)
  }
}
