import Foundation
import LabPipeline
import TestSupport
import Testing

/// The hami-core-isolation lab on the simulated GPU host, through the built binary: the six
/// exercises, the two failure scenarios, a host-path library, and the bundle/verify sequence a
/// real run is followed by.
@Suite(.serialized) struct HAMiCoreLabTests {
  static let lab = ["--lab", "hami-core-isolation"]

  /// The staged directory the run recorded (the stage step's output in ledger.json).
  static func stagedDirectory(_ run: URL) throws -> String? {
    let ledger = try String(contentsOf: run.appendingPathComponent("ledger.json"), encoding: .utf8)
    return ledger.firstMatch(of: #/"directory"\s*:\s*"([^"]+labrun-hami-core\.[^"]+)"/#).map {
      String($0.output.1)
    }
  }

  @Test func simulatedRunPassesSixExercisesAndItsBundleVerifies() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(["run", "--host", "sim"] + Self.lab)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.hasPrefix("# HAMi-core Isolation Validation"), "\(run.stdout.prefix(200))")
    #expect(run.stdout.contains("🧪 SIMULATED"))
    #expect(run.stdout.contains("## Compute measurements (exercise 6)"))
    #expect(run.stderr.contains("verdicts: 6 PASS; STATUS: SIMULATED"), "\(run.stderr)")
    let directory = try fixture.onlyRun()
    let page = try String(contentsOf: directory.appendingPathComponent("validation.md"), encoding: .utf8)
    #expect(page == run.stdout)
    // Teardown removed the private directory it staged in.
    let staged = try #require(try Self.stagedDirectory(directory), "no staged directory in the ledger")
    #expect(!FileManager.default.fileExists(atPath: staged), "\(staged) left behind")

    let verify = try await fixture.labrun(["verify"])
    #expect(verify.status == 3, "\(verify)")
    #expect(
      SimulatedHostTests.verdicts(verify.stdout) == Array(repeating: "PASS", count: 6), "\(verify.stdout)")
    let bundle = fixture.root.appending("run.tar.gz")
    let packed = try await fixture.labrun(["bundle", "-o", bundle.path])
    #expect(packed.status == 0, "\(packed)")
    let fromBundle = try await fixture.labrun(["verify", "--run", bundle.path])
    #expect(fromBundle.status == 3, "\(fromBundle)")
    let report = try await fixture.labrun(["report", "--run", bundle.path])
    #expect(report.status == 0, "\(report)")
    #expect(report.stdout == page, "the page rendered from the bundle differs from the run's")
  }

  @Test(arguments: [
    ("core-limit-ignored", ["PASS", "PASS", "PASS", "PASS", "PASS", "FAIL"]),
    ("shared-cache", ["PASS", "PASS", "PASS", "FAIL", "PASS", "PASS"]),
  ])
  func scenarioFailsItsExercise(scenario: String, expected: [String]) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["run", "--host", "sim", "--param", "sim_scenario=\(scenario)"] + Self.lab)
    #expect(run.status == 5, "\(run)")
    #expect(run.stderr.contains("verdicts: 5 PASS, 1 FAIL; STATUS: SIMULATED"), "\(run.stderr)")
    let verify = try await fixture.labrun(["verify"])
    #expect(verify.status == 3, "\(verify)")
    #expect(SimulatedHostTests.verdicts(verify.stdout) == expected, "\(verify.stdout)")
    if scenario == "core-limit-ignored" {
      // The page shows what was measured: throughputs, ratios and each run's time series.
      #expect(run.stdout.contains("= 1.00 of unlimited (expected 0.50 ± 0.10)"), "\(run.stdout)")
      #expect(run.stdout.contains("| limit 25 | 25 | force |"), "\(run.stdout)")
    } else {
      #expect(run.stdout.contains("from a shared cache file"), "\(run.stdout)")
    }
  }

  /// The real host's way: a library at a path on the host and its commit, no container tool.
  @Test func hostLibraryPathAndCommitAreOnThePage() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let library = fixture.root.appending("libvgpu.so")
    try Data("labrun simulated libvgpu.so (HAMi-core); not a real library\n".utf8).write(to: library)
    let run = try await fixture.labrun(
      [
        "run", "--host", "sim:h200-141gb", "--param", "hami_core_lib=\(library.path)", "--param",
        "hami_core_commit=5091a2f", "--param", "compute_seconds=5",
      ] + Self.lab)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("libvgpu.so from \(library.path); HAMi-core commit 5091a2f"), "\(run.stdout)")
    #expect(run.stdout.contains("NVIDIA H200, 140 GB (143771 MiB)"), "\(run.stdout)")
    let artifacts = try fixture.onlyRun().appendingPathComponent("artifacts")
    let libraryEvidence = try String(
      contentsOf: artifacts.appendingPathComponent("5-library.txt"), encoding: .utf8)
    #expect(libraryEvidence.contains("$ sha256sum \(library.path)"), "\(libraryEvidence)")
  }

  /// Probes built elsewhere (`probe_dir`) stand in for nvcc; their SHA-256 is on the page.
  @Test func prebuiltProbesNeedNoCompiler() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let probes = fixture.root.appending("probes")
    try FileManager.default.createDirectory(at: probes, withIntermediateDirectories: true)
    // On the simulated host a program named like a probe is the simulated probe.
    for name in ["memory-probe", "throughput-probe"] {
      try FileManager.default.createSymbolicLink(
        at: probes.appendingPathComponent(name), withDestinationURL: fixture.binary.executable)
    }
    let run = try await fixture.labrun(
      ["run", "--host", "sim", "--param", "probe_dir=\(probes.path)", "--param", "compute_seconds=5"]
        + Self.lab)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("probes prebuilt elsewhere (probe_dir): "), "\(run.stdout)")
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
