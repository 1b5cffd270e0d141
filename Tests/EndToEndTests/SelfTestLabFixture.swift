import Foundation
import LabPipeline
import TestSupport
import Testing

/// A temp state directory, marker directory and HOME for running the built labrun on the
/// selftest lab with `--host local`.
struct SelfTestLabFixture {
  let binary: LabrunBinary
  let root: TemporaryDirectory
  var home: URL { root.appending("state") }
  var markers: URL { root.appending("markers") }
  var userHome: URL { root.appending("home") }
  var workingDirectory: URL { root.appending("cwd") }

  init() throws {
    binary = try LabrunBinary()
    root = try TemporaryDirectory(prefix: "labrun-e2e")
    for directory in [userHome, workingDirectory] {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
  }

  var environment: [String: String] {
    ["LABRUN_HOME": home.path, "HOME": userHome.path]
  }

  /// `labrun <arguments>` with the fixture's state dir, run from `cwd` (the checkout by default).
  func labrun(
    _ arguments: [String], environment extra: [String: String] = [:], inScratchDirectory: Bool = false
  ) async throws -> LabrunResult {
    try await binary.run(
      arguments, environment: environment.merging(extra) { $1 },
      workingDirectory: inScratchDirectory ? workingDirectory : nil)
  }

  /// The selftest lab on this machine with markers in the fixture.
  func selftest(_ command: String, _ parameters: [String] = [], extra: [String] = []) -> [String] {
    [command, "--host", "local", "--lab", "selftest", "--param", "marker_dir=\(markers.path)"]
      + parameters.flatMap { ["--param", $0] } + extra
  }

  func runDirectories() throws -> [URL] {
    let runs = home.appendingPathComponent("runs")
    guard FileManager.default.fileExists(atPath: runs.path) else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().map {
      runs.appendingPathComponent($0)
    }
  }

  func onlyRun() throws -> URL {
    let runs = try runDirectories()
    try #require(runs.count == 1, "expected one run, found \(runs.map(\.lastPathComponent))")
    return runs[0]
  }

  func ledger(_ run: URL) throws -> Ledger {
    try JSONDecoder.labrun.decode(
      Ledger.self, from: Data(contentsOf: run.appendingPathComponent("ledger.json")))
  }

  func transcript(_ run: URL) throws -> [TranscriptEntry] {
    try String(contentsOf: run.appendingPathComponent("transcript.jsonl"), encoding: .utf8)
      .split(separator: "\n")
      .map { try JSONDecoder.labrun.decode(TranscriptEntry.self, from: Data($0.utf8)) }
  }

  func states(_ run: URL, _ phase: Phase) throws -> [String: StepState] {
    Dictionary(uniqueKeysWithValues: try ledger(run).entries(of: phase).map { ($0.stepID, $0.state) })
  }

  /// Every file under `directory`, concatenated.
  static func everything(in directory: URL) -> String {
    var text = ""
    let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
    while let url = enumerator?.nextObject() as? URL {
      if let content = try? String(contentsOf: url, encoding: .utf8) { text += content }
    }
    return text
  }

  /// `sha256sum --check` in a run's artifacts directory.
  static func checksumsVerify(_ run: URL) async -> Bool {
    await Sha256sum.check(in: run.appendingPathComponent("artifacts")).status == 0
  }

  /// Process ids whose command line mentions `text` (from /proc).
  static func processes(mentioning text: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { entry in
      guard Int(entry) != nil,
        let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
      else { return false }
      return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
    }
  }

  /// The environment that holds the simulated k3s install while `hold` exists (it is created
  /// here; remove it to let the install go on).
  func holdingK3sInstall() throws -> (environment: [String: String], hold: URL) {
    let hold = root.appending("hold-k3s-install")
    try Data().write(to: hold)
    return (environment.merging(["LABRUN_SIM_HOLD": hold.path]) { $1 }, hold)
  }

  /// Waits (up to five minutes) until some run's `phase` shows `step` running; false if none did.
  func waitUntilRunning(_ step: String, in phase: Phase = .up) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(300)
    while ContinuousClock.now < deadline {
      for run in (try? runDirectories()) ?? [] where (try? states(run, phase)[step]) == .running {
        return true
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    return false
  }

  func remove() { root.remove() }
}
